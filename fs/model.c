/* model.c - parse API responses into struct osfs_res using the field
 * tables of kinds.c: the public entry points, the json-c tree path, the
 * resources' life, and request bodies.
 *
 * Two paths give the same resources.  The scan path (model_scan.c, the
 * common one) walks a page by byte ranges and hands json-c only small
 * values.  The tree path here parses with json-c and reads fields with its
 * pointer API: it serves whatever the scanner declines (input outside
 * strict JSON, deep nesting, escaped keys, repeated metadata keys), so odd
 * input gives what it gave before, and it is the reference the tests and
 * the fuzzer compare the scan path with.  Either way the `json` file is
 * json-c's rendering of the packed text, made when it is read. */
#include "model.h"
#include "auth.h"
#include "http.h"
#include "model_tree.h"
#include "log.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


char *osfs_model_with_newline(const char *s, size_t n)
{
	char *out = malloc(n + 2);

	if (!out)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	return out;
}

/* The first non-null value among '|'-separated pointers, or NULL. */
static struct json_object *value_at(struct json_object *obj, const char *pointers)
{
	char buf[256];
	struct json_object *v;

	while (pointers && *pointers) {
		const char *bar = strchr(pointers, '|');
		size_t n = bar ? (size_t)(bar - pointers) : strlen(pointers);
		if (n < sizeof(buf)) {
			memcpy(buf, pointers, n);
			buf[n] = '\0';
			if (json_pointer_get(obj, buf, &v) == 0 && v)
				return v;
		}
		pointers = bar ? bar + 1 : NULL;
	}
	return NULL;
}

struct json_object *osfs_model_settle(struct json_object *obj)
{
	const char *text = obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN) : NULL;
	struct json_object *again = text ? json_tokener_parse(text) : NULL;

	json_object_put(obj);
	return again;
}

char *osfs_model_render_text(struct json_object *v)
{
	const char *s;

	if (!v)
		return osfs_model_with_newline("", 0);
	if (json_object_is_type(v, json_type_string))
		return osfs_model_with_newline(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return osfs_model_with_newline(s, strlen(s));
}

static char *render_text(const struct osfs_field *fl, struct json_object *v)
{
	(void)fl;
	return osfs_model_render_text(v);
}

static char *render_int(const struct osfs_field *fl, struct json_object *v)
{
	(void)fl;
	if (v && json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0)
		return osfs_model_with_newline("0", 1);
	return osfs_model_render_text(v);
}

/* One array element on one line: a string as is, an object as the values
 * of item_keys (space-separated), anything else as JSON. */
static void put_element(FILE *f, struct json_object *e, const char *item_keys)
{
	const char *keys = item_keys;

	if (json_object_is_type(e, json_type_string) || !item_keys ||
	    !json_object_is_type(e, json_type_object)) {
		fprintf(f, "%s\n", json_object_is_type(e, json_type_string) ?
			json_object_get_string(e) : json_object_to_json_string(e));
		return;
	}
	while (*keys) {
		size_t n = strcspn(keys, " ");
		char key[64];
		struct json_object *v = NULL;

		snprintf(key, sizeof(key), "%.*s", (int)(n < sizeof(key) ? n : sizeof(key) - 1), keys);
		json_object_object_get_ex(e, key, &v);
		fprintf(f, "%s%s", keys == item_keys ? "" : " ",
			!v || json_object_is_type(v, json_type_null) ? "" : json_object_get_string(v));
		keys += n + (keys[n] == ' ');
	}
	fputc('\n', f);
}

/* An array, one element per line; `empty` is what an empty one reads. */
static char *render_elements(const struct osfs_field *fl, struct json_object *v, const char *empty)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!v || !json_object_is_type(v, json_type_array))
		return v ? osfs_model_render_text(v) : strdup(empty);
	if (!(f = open_memstream(&out, &len)))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(v); i++)
		put_element(f, json_object_array_get_idx(v, i), fl->item_keys);
	if (ftell(f) == 0)
		fputs(empty, f);
	fclose(f);
	return out;
}

static char *render_list(const struct osfs_field *fl, struct json_object *v)
{
	return render_elements(fl, v, "\n"); /* an empty list is an empty value, like null */
}

/* LINKS and NESTED: the ids of the elements, one per line; "" when none. */
static char *render_ids(const struct osfs_field *fl, struct json_object *v)
{
	struct osfs_field first = *fl;
	char key[64];

	snprintf(key, sizeof(key), "%.*s", (int)strcspn(fl->item_keys ? fl->item_keys : "", " "),
		 fl->item_keys ? fl->item_keys : "");
	first.item_keys = *key ? key : NULL;
	return render_elements(&first, v && json_object_is_type(v, json_type_array) ? v : NULL, "");
}

/* {"net": [{"addr": "10.0.0.5", ...}]} → "net 10.0.0.5\n" per address. */
static char *render_addresses(const struct osfs_field *fl, struct json_object *v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)fl;
	if (!v || !json_object_is_type(v, json_type_object))
		return osfs_model_render_text(NULL);
	if (!(f = open_memstream(&out, &len)))
		return NULL;
	json_object_object_foreach(v, net, addrs) {
		for (size_t i = 0; json_object_is_type(addrs, json_type_array) &&
				   i < json_object_array_length(addrs); i++) {
			struct json_object *a = json_object_array_get_idx(addrs, i), *addr;
			if (json_object_object_get_ex(a, "addr", &addr))
				fprintf(f, "%s %s\n", net, json_object_get_string(addr));
		}
	}
	if (ftell(f) == 0)
		fputc('\n', f);
	fclose(f);
	return out;
}

/* A link's target id, "" when there is none. */
static char *render_link(const struct osfs_field *fl, struct json_object *v)
{
	(void)fl;
	if (!v || !json_object_is_type(v, json_type_string))
		return strdup("");
	return strdup(json_object_get_string(v));
}

char *(*const osfs_model_renderers[])(const struct osfs_field *fl, struct json_object *v) = {
	[OSFS_FMT_TEXT] = render_text,
	[OSFS_FMT_INT] = render_int,
	[OSFS_FMT_LIST] = render_list,
	[OSFS_FMT_ADDRESSES] = render_addresses,
	[OSFS_FMT_LINK] = render_link,
	[OSFS_FMT_LINKS] = render_ids,
	[OSFS_FMT_NESTED] = render_ids,
	[OSFS_FMT_BACKLINKS] = render_ids, /* unused: the tree reads the other kind */
};

bool osfs_model_condition_holds(const struct osfs_field *fl, const char *value, size_t len)
{
	size_t n = fl->if_prefix ? strlen(fl->if_prefix) : 0;

	return !fl->if_pointer || (value && len >= n && strncmp(value, fl->if_prefix, n) == 0);
}

/* The value of field fl in obj, rendered; NULL on ENOMEM. */
static char *render_field(const struct osfs_field *fl, struct json_object *obj)
{
	struct json_object *cond = fl->if_pointer ? value_at(obj, fl->if_pointer) : NULL;
	bool holds = !fl->if_pointer ||
		     (json_object_is_type(cond, json_type_string) &&
		      osfs_model_condition_holds(fl, json_object_get_string(cond),
						 (size_t)json_object_get_string_len(cond)));

	return osfs_model_renderers[fl->fmt](fl, holds ? value_at(obj, fl->pointers) : NULL);
}

/* Strings as they are, other values as JSON; NULL for null (or ENOMEM). */
char *osfs_model_string_of(struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return strdup(json_object_get_string(v));
	return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static char *string_at(struct json_object *obj, const char *pointer)
{
	return osfs_model_string_of(pointer ? value_at(obj, pointer) : NULL);
}

int osfs_model_cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct osfs_kv *)a)->key, ((const struct osfs_kv *)b)->key);
}

/* A subdir entry's text in *out: the value as is, or for a kind with
 * sub_keys an object's members on one line (put_element); *out NULL when
 * the entry is left out (not an object: Nova's "id" beside its quotas).
 * 0 or -ENOMEM. */
static int sub_value(const struct osfs_kind *k, struct json_object *v, char **out)
{
	size_t len = 0;
	FILE *f;

	*out = NULL;
	if (!k->sub_keys)
		return (*out = osfs_model_render_text(v)) ? 0 : -ENOMEM;
	if (!json_object_is_type(v, json_type_object))
		return 0;
	if (!(f = open_memstream(out, &len)))
		return -ENOMEM;
	put_element(f, v, k->sub_keys);
	fclose(f);
	return *out ? 0 : -ENOMEM;
}

static int parse_sub(const struct osfs_kind *k, struct json_object *obj, struct osfs_res *r)
{
	struct json_object *sub = k->sub_pointer ? value_at(obj, k->sub_pointer) : NULL;
	size_t i = 0;

	if (!sub || !json_object_is_type(sub, json_type_object))
		return 0;
	r->sub = calloc((size_t)json_object_object_length(sub) + 1, sizeof(*r->sub));
	if (!r->sub)
		return -ENOMEM;
	json_object_object_foreach(sub, key, val) {
		if (sub_value(k, val, &r->sub[i].value) < 0)
			return -ENOMEM;
		if (!r->sub[i].value)
			continue;
		r->sub[i].key = strdup(key);
		r->nsub = ++i;
		if (!r->sub[i - 1].key)
			return -ENOMEM;
	}
	qsort(r->sub, r->nsub, sizeof(*r->sub), osfs_model_cmp_kv);
	return 0;
}

/* ONE block for r's fields: n + 1 offsets, then room for the values
 * (returned), so a resource costs one allocation for all its files. */
char *osfs_model_fields_block(struct osfs_res *r, size_t n, const size_t *lens)
{
	size_t at = (n + 1) * sizeof(uint32_t);
	uint32_t *block;

	for (size_t i = 0; i < n; i++)
		at += lens[i] + 1;
	if (at > UINT32_MAX || !(block = malloc(at)))
		return NULL;
	at = (n + 1) * sizeof(uint32_t);
	for (size_t i = 0; i < n; i++) {
		block[i] = (uint32_t)at;
		at += lens[i] + 1;
	}
	block[n] = (uint32_t)at;
	r->vals = block;
	return (char *)block + block[0];
}

/* Render every field into ONE block: the vals pointers, the lens, then
 * the text, so a resource costs one allocation for all its files. */
static int render_fields(const struct osfs_kind *k, struct json_object *obj, struct osfs_res *r)
{
	char *tmp[OSFS_MODEL_MAX_FIELDS];
	size_t n = k->nfields, lens[OSFS_MODEL_MAX_FIELDS] = { 0 };
	int ret = -ENOMEM;
	char *p;

	if (n > sizeof(tmp) / sizeof(tmp[0]))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		tmp[i] = render_field(&k->fields[i], obj);
		if (!tmp[i]) {
			n = i;
			goto out;
		}
		lens[i] = strlen(tmp[i]);
	}
	if (!(p = osfs_model_fields_block(r, n, lens)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		memcpy(p, tmp[i], lens[i] + 1);
		p += lens[i] + 1;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(tmp[i]);
	return ret;
}

int osfs_model_join_name(char **name, char *second)
{
	char *joined = NULL;

	if (*name && second && asprintf(&joined, "%s@%s", *name, second) < 0)
		joined = NULL;
	free(second);
	if (!*name)
		return 0; /* no name: shown under the id */
	free(*name);
	*name = joined;
	return joined ? 0 : -ENOMEM;
}

static time_t parse_updated(struct json_object *obj, const char *pointer)
{
	char *iso = string_at(obj, pointer);
	time_t t = iso ? osfs_parse_time(iso) : 0;

	free(iso);
	return t > 0 ? t : 0;
}

long long osfs_model_revision(const char *text)
{
	char *end;
	long long v = text ? strtoll(text, &end, 10) : -1;

	return text && *text && !*end && v >= 0 ? v : -1;
}

/* The tree path: a resource from json-c object obj; NULL when obj is not
 * one (no id) or on ENOMEM. */
struct osfs_res *osfs_model_res_from(const struct osfs_kind *k, struct json_object *obj)
{
	struct osfs_res *r = calloc(1, sizeof(*r));
	const char *text;

	if (!r)
		return NULL;
	atomic_init(&r->refs, 1);
	if (!json_object_is_type(obj, json_type_object))
		goto fail;
	r->id = k->singleton ? strdup(k->dir) : string_at(obj, k->id_pointer);
	if (!r->id || !*r->id)
		goto fail;
	r->name = string_at(obj, k->name_pointer);
	if (k->name2_pointer && osfs_model_join_name(&r->name, string_at(obj, k->name2_pointer)) < 0)
		goto fail;
	if (k->blank_name_is_none && r->name && !*r->name) {
		free(r->name);
		r->name = NULL;
	}
	r->created = string_at(obj, k->created_pointer);
	r->updated = parse_updated(obj, k->updated_pointer);
	char *rev = string_at(obj, k->rev_pointer);
	r->rev = osfs_model_revision(rev);
	free(rev);
	if (render_fields(k, obj, r) < 0)
		goto fail;
	if (parse_sub(k, obj, r) < 0)
		goto fail;
	text = json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || osfs_pack(&r->json, text, strlen(text)) < 0)
		goto fail;
	return r;
fail:
	osfs_res_free(r);
	return NULL;
}

/* ---- next pages ---- */

/* Does a links array hold {"rel": "next"}? */
bool osfs_model_links_have_next(struct json_object *links)
{
	if (!json_object_is_type(links, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(links); i++) {
		struct json_object *rel;
		const char *s;
		if (json_object_object_get_ex(json_object_array_get_idx(links, i), "rel", &rel) &&
		    (s = json_object_get_string(rel)) && strcmp(s, "next") == 0)
			return true;
	}
	return false;
}

char *osfs_model_nova_next(const struct osfs_kind *k, bool has_next, const struct osfs_page *page,
		       int limit)
{
	char *marker, *out = NULL;

	/* Nova sends a next link with every full page; a page shorter than we
	 * asked for that still has one was cut by the cloud's max_limit */
	if (!page->n || !has_next)
		return NULL;
	marker = osfs_http_escape(page->items[page->n - 1]->id);
	if (marker && asprintf(&out, "%s?%s%slimit=%d&marker=%s", k->list_path,
			       k->list_query ? k->list_query : "", k->list_query ? "&" : "",
			       limit, marker) < 0)
		out = NULL;
	free(marker);
	return out;
}

/* The path of Glance's "next" link (a string), or NULL. */
char *osfs_model_glance_next(struct json_object *next)
{
	const char *v2;

	if (!json_object_is_type(next, json_type_string))
		return NULL;
	v2 = strstr(json_object_get_string(next), "/v2/"); /* keep the path, never the link's host */
	return v2 ? strdup(v2) : NULL;
}

void osfs_model_links_key(const struct osfs_kind *k, char *key, size_t size)
{
	snprintf(key, size, "%s_links", k->collection);
}

/* The next page's path from the page's root members (tree path). */
static char *tree_next(const struct osfs_kind *k, struct json_object *root,
		       const struct osfs_page *page, int limit)
{
	struct json_object *v;
	char key[64];

	osfs_model_links_key(k, key, sizeof(key));
	if (k->paging == OSFS_PAGE_NOVA)
		return osfs_model_nova_next(k, json_object_object_get_ex(root, key, &v) && osfs_model_links_have_next(v),
				 page, limit);
	if (k->paging == OSFS_PAGE_GLANCE && json_object_object_get_ex(root, "next", &v))
		return osfs_model_glance_next(v);
	return NULL;
}

/* ---- list and show answers ---- */

static void log_unreadable(const struct osfs_kind *k, const char *what, bool json)
{
	/* callers may not ask for a message: say it here */
	log_err("%s: the API's %s cannot be read (%s)", k->dir, what,
		json ? "not the expected shape" : "not JSON");
}

int osfs_model_parse_list_ref(const struct osfs_kind *k, const char *body, int limit,
			      struct osfs_page *page)
{
	struct json_object *root = osfs_model_settle(json_tokener_parse(body)), *items;
	int ret = -EPROTO;
	size_t n;

	memset(page, 0, sizeof(*page));
	if (!root || !json_object_object_get_ex(root, k->collection, &items) ||
	    !json_object_is_type(items, json_type_array))
		goto out;
	n = json_object_array_length(items);
	page->items = calloc(n + 1, sizeof(*page->items));
	if (!page->items) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(items, i);
		if (k->item_wrapper && !json_object_object_get_ex(item, k->item_wrapper, &item))
			goto out;
		struct osfs_res *r = osfs_model_res_from(k, item);
		if (!r)
			goto out;
		page->items[page->n++] = r;
	}
	page->next = tree_next(k, root, page, limit);
	ret = 0;
out:
	if (ret == -EPROTO)
		log_unreadable(k, "list answer", root != NULL);
	if (ret < 0)
		osfs_page_free(page);
	json_object_put(root);
	return ret;
}

int osfs_model_parse_list(const struct osfs_kind *k, const char *body, int limit,
			  struct osfs_page *page)
{
	int ret;

	memset(page, 0, sizeof(*page));
	ret = osfs_model_scan_list(k, body, limit, page);
	if (ret == OSFS_MODEL_UNSURE)
		return osfs_model_parse_list_ref(k, body, limit, page);
	if (ret == -EPROTO)
		log_unreadable(k, "list answer", true);
	return ret;
}

int osfs_model_parse_one_ref(const struct osfs_kind *k, const char *body, struct osfs_res **out)
{
	struct json_object *root = osfs_model_settle(json_tokener_parse(body)), *obj = root;

	*out = NULL;
	if (root && k->show_key && !json_object_object_get_ex(root, k->show_key, &obj))
		obj = NULL;
	if (obj)
		*out = osfs_model_res_from(k, obj);
	if (!*out)
		log_unreadable(k, "answer", root != NULL);
	json_object_put(root);
	return *out ? 0 : -EPROTO;
}

int osfs_model_parse_one(const struct osfs_kind *k, const char *body, struct osfs_res **out)
{
	int ret;

	*out = NULL;
	ret = osfs_model_scan_one(k, body, strlen(body), k->show_key, out);
	if (ret == OSFS_MODEL_UNSURE)
		return osfs_model_parse_one_ref(k, body, out);
	if (ret < 0)
		log_unreadable(k, "answer", true);
	return ret < 0 ? -EPROTO : 0;
}

/* ---- resources ---- */

struct osfs_res *osfs_res_hold(struct osfs_res *r)
{
	atomic_fetch_add(&r->refs, 1);
	return r;
}

struct osfs_res *osfs_res_copy(const struct osfs_kind *k, const struct osfs_res *r,
			       const char *fname)
{
	char *text = osfs_unpack(&r->json);
	struct osfs_res *copy = NULL;

	if (text && osfs_model_scan_one(k, text, r->json.text_len, NULL, &copy) == OSFS_MODEL_UNSURE) {
		struct json_object *obj = json_tokener_parse(text);
		copy = obj ? osfs_model_res_from(k, obj) : NULL;
		json_object_put(obj);
	}
	free(text);
	if (!copy)
		return NULL;
	if (fname && !(copy->fname = strdup(fname))) {
		osfs_res_free(copy);
		return NULL;
	}
	copy->seen = r->seen;
	copy->mtime = r->mtime;
	return copy;
}

int osfs_model_count(const char *body, long long *count)
{
	struct json_object *root = body ? json_tokener_parse(body) : NULL, *v;
	int ret = -EPROTO;

	if (root && json_object_object_get_ex(root, "count", &v) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0) {
		*count = json_object_get_int64(v);
		ret = 0;
	}
	json_object_put(root);
	return ret;
}

bool osfs_res_same(const struct osfs_res *a, const struct osfs_res *b)
{
	return osfs_pack_equal(&a->json, &b->json);
}

void osfs_res_free(struct osfs_res *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	free(r->id);
	free(r->name);
	free(r->fname);
	free(r->created);
	free(r->vals); /* one block with the text */
	for (size_t i = 0; i < r->nsub; i++) {
		free(r->sub[i].key);
		free(r->sub[i].value);
	}
	free(r->sub);
	osfs_pack_free(&r->json);
	free(r);
}

void osfs_page_free(struct osfs_page *page)
{
	for (size_t i = 0; i < page->n; i++)
		osfs_res_free(page->items[i]);
	free(page->items);
	free(page->next);
	memset(page, 0, sizeof(*page));
}

/* json-c's rendering of r's packed text with `flags`, plus a newline if
 * asked; caller frees; NULL on failure. */
static char *res_render(const struct osfs_res *r, int flags, bool newline)
{
	char *text = osfs_unpack(&r->json), *out = NULL;
	struct json_object *obj = text ? json_tokener_parse(text) : NULL;
	const char *s = obj ? json_object_to_json_string_ext(obj, flags) : NULL;

	if (s)
		out = newline ? osfs_model_with_newline(s, strlen(s)) : strdup(s);
	json_object_put(obj);
	free(text);
	return out;
}

char *osfs_res_json(const struct osfs_res *r)
{
	return res_render(r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, false);
}

char *osfs_res_pretty(const struct osfs_res *r)
{
	return res_render(r, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE, true);
}

/* The element of array field fl whose first item key is `id`. */
static struct json_object *element_of(const struct osfs_field *fl, struct json_object *obj,
				      const char *id)
{
	struct json_object *arr = value_at(obj, fl->pointers), *v;
	char key[64];

	snprintf(key, sizeof(key), "%.*s", (int)strcspn(fl->item_keys, " "), fl->item_keys);
	for (size_t i = 0; arr && json_object_is_type(arr, json_type_array) &&
			   i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(e, key, &v) && json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), id) == 0)
			return e;
	}
	return NULL;
}

int osfs_res_nested(const struct osfs_field *fl, const struct osfs_res *r, const char *id,
		    int sub, char **out)
{
	char *text = osfs_res_json(r);
	struct json_object *obj = text ? json_tokener_parse(text) : NULL, *e;
	int ret = -ENOENT;

	*out = NULL;
	if (!text)
		ret = -ENOMEM;
	else if ((e = obj ? element_of(fl, obj, id) : NULL))
		ret = sub < 0 ? 0 : (*out = render_field(&fl->nested[sub], e)) ? 0 : -ENOMEM;
	json_object_put(obj);
	free(text);
	return ret;
}

const struct osfs_kv *osfs_res_sub(const struct osfs_res *r, const char *key)
{
	struct osfs_kv probe = { .key = (char *)key };

	if (!r->nsub)
		return NULL;
	return bsearch(&probe, r->sub, r->nsub, sizeof(*r->sub), osfs_model_cmp_kv);
}

/* ---- request bodies ---- */

static char *to_text(struct json_object *root)
{
	char *out = root ? strdup(json_object_to_json_string_ext(root,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) : NULL;
	json_object_put(root);
	return out;
}

static void put_str(struct json_object *o, const char *key, const char *val)
{
	if (val)
		json_object_object_add(o, key, json_object_new_string(val));
}

static struct json_object *networks_of(const struct osfs_server_spec *spec)
{
	struct json_object *list;

	if (spec->net_mode != OSFS_NET_LIST)
		return json_object_new_string(spec->net_mode == OSFS_NET_NONE ? "none" : "auto");
	list = json_object_new_array();
	for (const char *const *id = spec->net_ids; id && *id; id++) {
		struct json_object *net = json_object_new_object();
		put_str(net, "uuid", *id);
		json_object_array_add(list, net);
	}
	return list;
}

char *osfs_model_server_body(const struct osfs_server_spec *spec)
{
	struct json_object *root = json_object_new_object(), *server = json_object_new_object();

	put_str(server, "name", spec->name);
	put_str(server, "flavorRef", spec->flavor_ref);
	put_str(server, "imageRef", spec->image_ref);
	put_str(server, "key_name", spec->key_name);
	put_str(server, "user_data", spec->user_data_b64);
	put_str(server, "availability_zone", spec->availability_zone);
	json_object_object_add(server, "networks", networks_of(spec));
	if (spec->nmetadata) {
		struct json_object *meta = json_object_new_object();
		for (size_t i = 0; i < spec->nmetadata; i++)
			put_str(meta, spec->metadata[i].key, spec->metadata[i].value);
		json_object_object_add(server, "metadata", meta);
	}
	json_object_object_add(root, "server", server);
	return to_text(root);
}

char *osfs_model_meta_body(const char *key, const char *value)
{
	struct json_object *root = json_object_new_object(), *meta = json_object_new_object();

	put_str(meta, key, value);
	json_object_object_add(root, "meta", meta);
	return to_text(root);
}

char *osfs_model_keypair_body(const char *name, const char *public_key)
{
	struct json_object *root = json_object_new_object(), *kp = json_object_new_object();

	put_str(kp, "name", name);
	put_str(kp, "public_key", public_key);
	json_object_object_add(root, "keypair", kp);
	return to_text(root);
}

char *osfs_model_created_id(const char *body)
{
	struct json_object *root = json_tokener_parse(body);
	char *id = root ? string_at(root, "/server/id") : NULL;

	json_object_put(root);
	return id;
}

int osfs_model_console_output(const char *body, char **out)
{
	struct json_object *root = json_tokener_parse(body), *v;
	int ret = -EPROTO;

	*out = NULL;
	if (root && json_object_object_get_ex(root, "output", &v) &&
	    json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t n = strlen(s);
		*out = n && s[n - 1] == '\n' ? strdup(s) : osfs_model_with_newline(s, n);
		ret = *out ? 0 : -ENOMEM;
	}
	json_object_put(root);
	return ret;
}

char **osfs_model_ids_named(const char *body, const char *collection, const char *name)
{
	struct json_object *root = json_tokener_parse(body), *items;
	char **ids = NULL;
	size_t n = 0;

	if (!root || !json_object_object_get_ex(root, collection, &items) ||
	    !json_object_is_type(items, json_type_array))
		goto out;
	ids = calloc(json_object_array_length(items) + 1, sizeof(*ids));
	for (size_t i = 0; ids && i < json_object_array_length(items); i++) {
		struct json_object *item = json_object_array_get_idx(items, i);
		char *id = string_at(item, "/id"), *nm = string_at(item, "/name");
		if (id && nm && strcmp(nm, name) == 0)
			ids[n++] = id;
		else
			free(id);
		free(nm);
	}
out:
	json_object_put(root);
	return ids;
}

void osfs_model_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

struct osfs_res *osfs_res_gone(const struct osfs_kind *k, const char *id, double seen)
{
	struct json_object *obj = json_object_new_object();
	struct osfs_res *r = NULL;

	/* {"<id pointer>": id, "status": <gone_status>}: pointers here are "/x" */
	if (!obj || !k->gone_status)
		goto out;
	put_str(obj, k->id_pointer + 1, id);
	put_str(obj, "status", k->gone_status);
	r = osfs_model_res_from(k, obj);
	if (r)
		r->seen = seen;
out:
	json_object_put(obj);
	return r;
}
