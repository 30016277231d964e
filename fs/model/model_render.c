/* model_render.c - one resource from a json-c object: the renderers of
 * each field format, the fields block, sub-directories, nested elements.
 * Shared by the tree path (model.c) and the scan path (model_scan.c), which
 * renders with these whatever it hands json-c, so that both give the same
 * files. */
#include "model_tree.h"
#include "osfs_base.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		return osfs_model_with_newline(json_object_get_string(v),
					       (size_t)json_object_get_string_len(v));
	s = json_object_to_json_string_ext(v,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
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

		snprintf(key, sizeof(key), "%.*s", (int)(n < sizeof(key) ? n : sizeof(key) - 1),
			 keys);
		json_object_object_get_ex(e, key, &v);
		fprintf(f, "%s%s", keys == item_keys ? "" : " ",
			!v || json_object_is_type(v, json_type_null) ? ""
								     : json_object_get_string(v));
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

char *osfs_model_string_at(struct json_object *obj, const char *pointer)
{
	return osfs_model_string_of(pointer ? value_at(obj, pointer) : NULL);
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
	char *iso = osfs_model_string_at(obj, pointer);
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
	r->id = k->singleton ? strdup(k->dir) : osfs_model_string_at(obj, k->id_pointer);
	if (!r->id || !*r->id)
		goto fail;
	r->name = osfs_model_string_at(obj, k->name_pointer);
	if (k->name2_pointer &&
	    osfs_model_join_name(&r->name, osfs_model_string_at(obj, k->name2_pointer)) < 0)
		goto fail;
	if (k->blank_name_is_none && r->name && !*r->name) {
		free(r->name);
		r->name = NULL;
	}
	r->created = osfs_model_string_at(obj, k->created_pointer);
	r->updated = parse_updated(obj, k->updated_pointer);
	char *rev = osfs_model_string_at(obj, k->rev_pointer);
	r->rev = osfs_model_revision(rev);
	free(rev);
	if (render_fields(k, obj, r) < 0)
		goto fail;
	if (parse_sub(k, obj, r) < 0)
		goto fail;
	text = json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || osfs_pack(&r->json, osfs_model_dict(osfs_kind_id_of(k)), text,
				strlen(text)) < 0)
		goto fail;
	return r;
fail:
	osfs_res_free(r);
	return NULL;
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
		if (json_object_object_get_ex(e, key, &v) &&
		    json_object_is_type(v, json_type_string) &&
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
