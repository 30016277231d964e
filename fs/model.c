/* model.c - parse API responses into struct osfs_res using the field
 * tables of kinds.c.
 *
 * Two paths give the same resources.  The scan path (the common one) checks
 * a page with jscan.c, walks it by byte ranges and hands json-c only the
 * small values whose text cannot be told from their bytes (escaped
 * strings, addresses, lists, numbers other than plain integers); it packs
 * each item's own bytes, minified.  The tree path parses with json-c and
 * reads fields with its pointer API: it serves whatever the scanner
 * declines (input outside strict JSON, deep nesting, escaped keys, repeated
 * metadata keys), so odd input gives what it gave before, and it is the
 * reference the tests and the fuzzer compare the scan path with.  Either
 * way the `json` file is json-c's rendering of the packed text, made when
 * it is read. */
#include "model.h"
#include "auth.h"
#include "http.h"
#include "jscan.h"
#include "log.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static char *with_newline(const char *s, size_t n)
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

static char *render_text(struct json_object *v)
{
	const char *s;

	if (!v)
		return with_newline("", 0);
	if (json_object_is_type(v, json_type_string))
		return with_newline(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return with_newline(s, strlen(s));
}

static char *render_int(struct json_object *v)
{
	if (v && json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0)
		return with_newline("0", 1);
	return render_text(v);
}

static char *render_list(struct json_object *v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!v || !json_object_is_type(v, json_type_array))
		return render_text(v);
	if (!(f = open_memstream(&out, &len)))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		fprintf(f, "%s\n", json_object_is_type(e, json_type_string) ?
			json_object_get_string(e) : json_object_to_json_string(e));
	}
	if (ftell(f) == 0)
		fputc('\n', f); /* an empty list is an empty value, like null */
	fclose(f);
	return out;
}

/* {"net": [{"addr": "10.0.0.5", ...}]} → "net 10.0.0.5\n" per address. */
static char *render_addresses(struct json_object *v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!v || !json_object_is_type(v, json_type_object))
		return render_text(NULL);
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

static char *(*const renderers[])(struct json_object *v) = {
	[OSFS_FMT_TEXT] = render_text,
	[OSFS_FMT_INT] = render_int,
	[OSFS_FMT_LIST] = render_list,
	[OSFS_FMT_ADDRESSES] = render_addresses,
};

/* Strings as they are, other values as JSON; NULL for null (or ENOMEM). */
static char *string_of(struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return strdup(json_object_get_string(v));
	return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static char *string_at(struct json_object *obj, const char *pointer)
{
	return string_of(pointer ? value_at(obj, pointer) : NULL);
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct osfs_kv *)a)->key, ((const struct osfs_kv *)b)->key);
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
		r->sub[i].key = strdup(key);
		r->sub[i].value = render_text(val);
		r->nsub = ++i;
		if (!r->sub[i - 1].key || !r->sub[i - 1].value)
			return -ENOMEM;
	}
	qsort(r->sub, r->nsub, sizeof(*r->sub), cmp_kv);
	return 0;
}

#define MAX_FIELDS 64

/* ONE block for r's fields: the vals pointers, the lens, then `text`
 * bytes for the values (returned), so a resource costs one allocation for
 * all its files; vals[n] is set to NULL.  NULL on ENOMEM. */
static char *fields_block(struct osfs_res *r, size_t n, size_t text)
{
	size_t head = (n + 1) * (sizeof(char *) + sizeof(size_t));
	char *block = malloc(head + text);

	if (!block)
		return NULL;
	r->vals = (char **)block;
	r->lens = (size_t *)(block + (n + 1) * sizeof(char *));
	r->vals[n] = NULL;
	return block + head;
}

/* Render every field into ONE block: the vals pointers, the lens, then
 * the text, so a resource costs one allocation for all its files. */
static int render_fields(const struct osfs_kind *k, struct json_object *obj, struct osfs_res *r)
{
	char *tmp[MAX_FIELDS];
	size_t n = k->nfields, text = 0;
	int ret = -ENOMEM;
	char *p;

	if (n > sizeof(tmp) / sizeof(tmp[0]))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		tmp[i] = renderers[k->fields[i].fmt](value_at(obj, k->fields[i].pointers));
		if (!tmp[i]) {
			n = i;
			goto out;
		}
		text += strlen(tmp[i]) + 1;
	}
	if (!(p = fields_block(r, n, text)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		r->lens[i] = strlen(tmp[i]);
		r->vals[i] = memcpy(p, tmp[i], r->lens[i] + 1);
		p += r->lens[i] + 1;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(tmp[i]);
	return ret;
}

static time_t parse_updated(struct json_object *obj, const char *pointer)
{
	char *iso = string_at(obj, pointer);
	time_t t = iso ? osfs_parse_time(iso) : 0;

	free(iso);
	return t > 0 ? t : 0;
}

/* The tree path: a resource from json-c object obj; NULL when obj is not
 * one (no id) or on ENOMEM. */
static struct osfs_res *res_from(const struct osfs_kind *k, struct json_object *obj)
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
	r->created = string_at(obj, k->created_pointer);
	r->updated = parse_updated(obj, k->updated_pointer);
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

/* ---- the scan path: spans of checked text (jscan.h) ---- */

/* Deeper than this, the tree path decides (json-c has its own cap of 32;
 * API objects nest about 6 deep). */
#define SCAN_DEPTH 20

/* A scan-path function's "the tree path must decide this" (never an errno). */
#define UNSURE 1

struct buf {
	char *p;
	size_t n, cap;
};

/* Room for `more` bytes at b->p + b->n; NULL on ENOMEM. */
static char *buf_room(struct buf *b, size_t more)
{
	if (b->cap - b->n < more) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;
		while (cap - b->n < more)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return NULL;
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->n;
}

/* An item's top-level members, found in one walk: every field then looks
 * its first step up here instead of walking the item again. */
#define INDEX_MAX 256

struct index {
	struct osfs_jspan obj;
	size_t n;
	bool whole;           /* all members are here, none has an escaped key */
	struct osfs_jspan key[INDEX_MAX], val[INDEX_MAX];
};

/* Indexes the object at the start of `at` (which may run on past it);
 * ix->obj becomes its exact span. */
static void index_build(struct index *ix, struct osfs_jspan at)
{
	struct osfs_jspan key, val;
	struct osfs_jiter it;

	ix->n = 0;
	ix->whole = osfs_jscan_type(at) == OSFS_J_OBJECT;
	if (!ix->whole) {
		ix->obj = osfs_jscan_value(at);
		return;
	}
	for (osfs_jscan_iter(&it, at); osfs_jscan_member(&it, &key, &val); ) {
		if (ix->n == INDEX_MAX || memchr(key.p, '\\', key.n)) {
			ix->whole = false;
			ix->obj = osfs_jscan_value(at);
			return;
		}
		ix->key[ix->n] = key;
		ix->val[ix->n++] = val;
	}
	ix->obj.p = at.p;
	ix->obj.n = (size_t)(osfs_jscan_closed(&it) - at.p);
}

/* osfs_jscan_get on the indexed object. */
static int index_get(const struct index *ix, const char *key, size_t klen, struct osfs_jspan *val)
{
	if (!ix->whole)
		return osfs_jscan_get(ix->obj, key, klen, val);
	for (size_t i = ix->n; i-- > 0; ) { /* the last one wins, as in json-c */
		if (ix->key[i].n == klen && memcmp(ix->key[i].p, key, klen) == 0) {
			*val = ix->val[i];
			return 1;
		}
	}
	return 0;
}

/* What one parse reuses from item to item. */
struct scan {
	const struct osfs_kind *k;
	struct buf text;      /* the current item's field values, each + '\0' */
	struct buf copy;      /* a span made a C string for json-c; the minified item */
	json_tokener *tok;
	struct index ix;      /* the current item's members */
	struct index root;    /* a list page's top-level members */
	const char *item_end; /* where the current item's text ends */
};

static void scan_done(struct scan *s)
{
	free(s->text.p);
	free(s->copy.p);
	if (s->tok)
		json_tokener_free(s->tok);
}

/* json-c's tree of the checked value v, or NULL. */
static struct json_object *span_parse(struct scan *s, struct osfs_jspan v)
{
	struct json_object *obj;
	char *p;

	s->copy.n = 0;
	if (!(p = buf_room(&s->copy, v.n + 1)))
		return NULL;
	memcpy(p, v.p, v.n);
	p[v.n] = '\0';
	if (!s->tok && !(s->tok = json_tokener_new()))
		return NULL;
	json_tokener_reset(s->tok);
	obj = json_tokener_parse_ex(s->tok, p, -1);
	if (json_tokener_get_error(s->tok) != json_tokener_success) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* The value at one JSON pointer under the indexed object: 1 found (not
 * null), 0 none, -1 the tree path must look (an array on the way, an
 * escaped key, a "~" escape in the pointer). */
static int span_at_one(const struct index *ix, const char *ptr, size_t plen, struct osfs_jspan *out)
{
	const char *p = ptr, *end = ptr + plen;
	struct osfs_jspan cur = ix->obj;

	if (!plen)
		return -1;
	while (p < end) {
		const char *seg = p + 1, *e;
		int r;
		if (*p != '/')
			return -1;
		e = memchr(seg, '/', (size_t)(end - seg));
		if (!e)
			e = end;
		if (memchr(seg, '~', (size_t)(e - seg)))
			return -1;
		switch (osfs_jscan_type(cur)) {
		case OSFS_J_OBJECT: break;
		case OSFS_J_ARRAY: return -1;
		default: return 0;
		}
		r = p == ptr ? index_get(ix, seg, (size_t)(e - seg), &cur) :
		    osfs_jscan_get(cur, seg, (size_t)(e - seg), &cur);
		if (r <= 0)
			return r;
		p = e;
	}
	if (osfs_jscan_type(cur) == OSFS_J_NULL)
		return 0;
	*out = cur;
	return 1;
}

/* value_at for spans: the first non-null value among '|'-separated
 * pointers (1), none (0), or -1 as span_at_one. */
static int span_at(const struct index *ix, const char *pointers, struct osfs_jspan *out)
{
	while (pointers && *pointers) {
		const char *bar = strchr(pointers, '|');
		size_t n = bar ? (size_t)(bar - pointers) : strlen(pointers);
		if (n < 256) { /* value_at's limit */
			int r = span_at_one(ix, pointers, n, out);
			if (r != 0)
				return r;
		}
		pointers = bar ? bar + 1 : NULL;
	}
	return 0;
}

static bool plain_int(struct osfs_jspan v)
{
	size_t i = v.p[0] == '-';

	if (v.n - i == 1 && v.p[i] == '0')
		return i == 0; /* json-c prints -0 as 0 */
	if (v.n - i < 1 || v.n - i > 18 || v.p[i] == '0')
		return false;  /* 18 digits always fit an int64 */
	for (; i < v.n; i++)
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
	return true;
}

/* The text json-c gives scalar v (a string's value, a number or
 * literal as JSON), when the bytes alone tell it: strings without escapes,
 * true, false, plain integers. */
static bool plain_text(struct osfs_jspan v, const char **s, size_t *n)
{
	switch (osfs_jscan_type(v)) {
	case OSFS_J_STRING:
		if (osfs_jscan_escaped(v))
			return false;
		*s = v.p + 1;
		*n = v.n - 2;
		return true;
	case OSFS_J_TRUE: case OSFS_J_FALSE:
		*s = v.p;
		*n = v.n;
		return true;
	case OSFS_J_NUMBER:
		*s = v.p;
		*n = v.n;
		return plain_int(v);
	default:
		return false;
	}
}

/* Appends s[0..n) + "\n\0" to the item's text. */
static int text_add(struct scan *s, const char *t, size_t n)
{
	char *p = buf_room(&s->text, n + 2);

	if (!p)
		return -ENOMEM;
	memcpy(p, t, n);
	p[n] = '\n';
	p[n + 1] = '\0';
	s->text.n += n + 2;
	return 0;
}

/* Appends a rendered value (ending in '\n'), and frees it. */
static int text_take(struct scan *s, char *rendered)
{
	size_t n;
	char *p;

	if (!rendered)
		return -ENOMEM;
	n = strlen(rendered) + 1;
	p = buf_room(&s->text, n);
	if (p) {
		memcpy(p, rendered, n);
		s->text.n += n;
	}
	free(rendered);
	return p ? 0 : -ENOMEM;
}

/* Appends n bytes to the item's text. */
static int text_put(struct scan *s, const char *t, size_t n)
{
	char *p = buf_room(&s->text, n);

	if (!p)
		return -ENOMEM;
	memcpy(p, t, n);
	s->text.n += n;
	return 0;
}

/* Has net name key[0..n) come before, among the first `seen` members of
 * nets?  (json-c would keep one entry for both.) */
static bool net_repeated(struct osfs_jspan nets, size_t seen, struct osfs_jspan key)
{
	struct osfs_jspan k, v;
	struct osfs_jiter it;

	osfs_jscan_iter(&it, nets);
	for (size_t i = 0; i < seen && osfs_jscan_member(&it, &k, &v); i++)
		if (k.n == key.n && memcmp(k.p, key.p, k.n) == 0)
			return true;
	return false;
}

/* One net's "net addr\n" lines; 0, -ENOMEM or UNSURE. */
static int text_net(struct scan *s, struct osfs_jspan net, struct osfs_jspan addrs)
{
	struct osfs_jspan a, addr;
	struct osfs_jiter it;
	const char *t;
	size_t n;
	int r;

	if (osfs_jscan_type(addrs) != OSFS_J_ARRAY)
		return 0;
	for (osfs_jscan_iter(&it, addrs); osfs_jscan_elem(&it, &a); ) {
		if (osfs_jscan_type(a) != OSFS_J_OBJECT)
			continue;
		if ((r = osfs_jscan_get(a, "addr", 4, &addr)) < 0)
			return UNSURE;
		if (r == 0)
			continue;
		if (!plain_text(addr, &t, &n))
			return UNSURE; /* null, escaped, a float...: json-c says */
		if (text_put(s, net.p, net.n) < 0 || text_put(s, " ", 1) < 0 || text_add(s, t, n) < 0)
			return -ENOMEM;
		s->text.n--; /* text_add's '\0': more lines may follow */
	}
	return 0;
}

/* render_addresses from spans: 0, -ENOMEM or UNSURE (then the text is as
 * it was). */
static int text_addresses(struct scan *s, struct osfs_jspan v)
{
	size_t start = s->text.n, seen = 0;
	struct osfs_jspan net, addrs;
	struct osfs_jiter it;
	int ret = 0;

	if (osfs_jscan_type(v) == OSFS_J_OBJECT) {
		for (osfs_jscan_iter(&it, v); ret == 0 && osfs_jscan_member(&it, &net, &addrs); seen++) {
			if (osfs_jscan_escaped(net) || net_repeated(v, seen, net))
				ret = UNSURE;
			else
				ret = text_net(s, net, addrs);
		}
	}
	if (ret == 0 && s->text.n == start)
		return text_add(s, "", 0);
	if (ret == 0)
		return text_put(s, "", 1);
	s->text.n = start;
	return ret;
}

/* Renders v (found: 1, or absent: 0) as fmt onto the item's text:
 * 0, -ENOMEM or UNSURE. */
static int text_render(struct scan *s, enum osfs_fmt fmt, int found, struct osfs_jspan v)
{
	struct json_object *obj;
	const char *t;
	size_t n;
	int ret;

	if (!found)
		return text_take(s, renderers[fmt](NULL));
	if (fmt == OSFS_FMT_ADDRESSES && (ret = text_addresses(s, v)) != UNSURE)
		return ret;
	if ((fmt == OSFS_FMT_TEXT || fmt == OSFS_FMT_INT) && plain_text(v, &t, &n)) {
		if (fmt == OSFS_FMT_INT && n == 0)
			return text_add(s, "0", 1); /* Nova's swap "" */
		return text_add(s, t, n);
	}
	if (!(obj = span_parse(s, v)))
		return UNSURE;
	ret = text_take(s, renderers[fmt](obj));
	json_object_put(obj);
	return ret;
}

/* string_at for spans: *out = the text at pointer, or NULL when there is
 * none.  0, -ENOMEM or UNSURE. */
static int span_string(struct scan *s, const struct index *obj, const char *pointer, char **out)
{
	struct json_object *o;
	struct osfs_jspan v;
	const char *t;
	size_t n;
	int r;

	*out = NULL;
	if (!pointer || (r = span_at(obj, pointer, &v)) == 0)
		return 0;
	if (r < 0)
		return UNSURE;
	if (plain_text(v, &t, &n))
		return (*out = strndup(t, n)) ? 0 : -ENOMEM;
	if (!(o = span_parse(s, v)))
		return UNSURE;
	*out = string_of(o);
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}

static int span_fields(struct scan *s, const struct index *obj, struct osfs_res *r)
{
	const struct osfs_kind *k = s->k;
	size_t lens[MAX_FIELDS], n = k->nfields;
	const char *t;
	char *p;

	if (n > MAX_FIELDS)
		return -EINVAL;
	s->text.n = 0;
	for (size_t i = 0; i < n; i++) {
		struct osfs_jspan v;
		size_t before = s->text.n;
		int found = span_at(obj, k->fields[i].pointers, &v), ret;
		if (found < 0)
			return UNSURE;
		if ((ret = text_render(s, k->fields[i].fmt, found, v)) != 0)
			return ret;
		lens[i] = s->text.n - before - 1;
	}
	if (!(p = fields_block(r, n, s->text.n)))
		return -ENOMEM;
	if (n)
		memcpy(p, s->text.p, s->text.n);
	t = p;
	for (size_t i = 0; i < n; i++) {
		r->vals[i] = (char *)t;
		r->lens[i] = lens[i];
		t += lens[i] + 1;
	}
	return 0;
}

/* A subdir value: render_text of the member's value. */
static char *span_sub_value(struct scan *s, struct osfs_jspan v, int *ret)
{
	struct json_object *obj;
	const char *t;
	size_t n;
	char *out;

	if (osfs_jscan_type(v) == OSFS_J_NULL)
		return render_text(NULL);
	if (plain_text(v, &t, &n))
		return with_newline(t, n);
	if (!(obj = span_parse(s, v))) {
		*ret = UNSURE;
		return NULL;
	}
	out = render_text(obj);
	json_object_put(obj);
	return out;
}

static int span_sub(struct scan *s, const struct index *obj, struct osfs_res *r)
{
	struct osfs_jspan sub, key, val;
	struct osfs_jiter it;
	size_t n = 0;
	int found = s->k->sub_pointer ? span_at(obj, s->k->sub_pointer, &sub) : 0;

	if (found < 0)
		return UNSURE;
	if (!found || osfs_jscan_type(sub) != OSFS_J_OBJECT)
		return 0;
	for (osfs_jscan_iter(&it, sub); osfs_jscan_member(&it, &key, &val); )
		n++;
	if (!(r->sub = calloc(n + 1, sizeof(*r->sub))))
		return -ENOMEM;
	for (osfs_jscan_iter(&it, sub); r->nsub < n && osfs_jscan_member(&it, &key, &val); ) {
		struct osfs_kv *kv = &r->sub[r->nsub++];
		int ret = -ENOMEM;
		if (memchr(key.p, '\\', key.n))
			return UNSURE;
		kv->key = strndup(key.p, key.n);
		kv->value = span_sub_value(s, val, &ret);
		if (!kv->key || !kv->value)
			return ret;
	}
	qsort(r->sub, r->nsub, sizeof(*r->sub), cmp_kv);
	for (size_t i = 1; i < r->nsub; i++)
		if (strcmp(r->sub[i - 1].key, r->sub[i].key) == 0)
			return UNSURE; /* a repeated key: json-c keeps one, in its place */
	return 0;
}

/* The item's own bytes, minified, packed. */
static int span_pack(struct scan *s, struct osfs_jspan obj, struct osfs_res *r)
{
	char *p;

	s->copy.n = 0;
	if (!(p = buf_room(&s->copy, obj.n + 1)))
		return -ENOMEM;
	return osfs_pack(&r->json, p, osfs_jscan_minify(obj, p));
}

/* A resource from the object s->ix indexes: 0, -EPROTO (not one: no
 * id), -ENOMEM, or UNSURE. */
static int span_res(struct scan *s, struct osfs_res **out)
{
	struct osfs_jspan obj = s->ix.obj;
	const struct osfs_kind *k = s->k;
	struct osfs_res *r = calloc(1, sizeof(*r));
	char *updated = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	atomic_init(&r->refs, 1);
	if (osfs_jscan_type(obj) != OSFS_J_OBJECT) {
		ret = -EPROTO;
		goto out;
	}
	if (k->singleton)
		r->id = strdup(k->dir);
	else if ((ret = span_string(s, &s->ix, k->id_pointer, &r->id)) != 0)
		goto out;
	if (!r->id || !*r->id) {
		ret = r->id || !k->singleton ? -EPROTO : -ENOMEM;
		goto out;
	}
	if ((ret = span_string(s, &s->ix, k->name_pointer, &r->name)) != 0 ||
	    (ret = span_string(s, &s->ix, k->created_pointer, &r->created)) != 0 ||
	    (ret = span_string(s, &s->ix, k->updated_pointer, &updated)) != 0 ||
	    (ret = span_fields(s, &s->ix, r)) != 0 ||
	    (ret = span_sub(s, &s->ix, r)) != 0 ||
	    (ret = span_pack(s, obj, r)) != 0)
		goto out;
	if (updated) {
		time_t t = osfs_parse_time(updated);
		r->updated = t > 0 ? t : 0;
	}
	*out = r;
out:
	free(updated);
	if (ret != 0)
		osfs_res_free(r);
	return ret;
}

/* A resource from the list item (or show object) at the start of `at`
 * (which may run on past it; s->item_end is set to the item's end);
 * `wrapper`: the member holding it ("keypair"), or NULL.  Declined items
 * go down the tree path.  0 or -EPROTO/-ENOMEM. */
static int item_res(struct scan *s, struct osfs_jspan at, const char *wrapper,
		    struct osfs_res **out)
{
	struct osfs_jspan item = at, obj;
	struct json_object *tree, *inner;
	int ret = 0;

	*out = NULL;
	if (wrapper) {
		item = osfs_jscan_value(at);
		if (osfs_jscan_type(item) != OSFS_J_OBJECT)
			ret = -EPROTO;
		else if ((ret = osfs_jscan_get(item, wrapper, strlen(wrapper), &obj)) == 1)
			index_build(&s->ix, obj);
		ret = ret < 0 ? UNSURE : ret == 0 ? -EPROTO : ret == 1 ? 0 : ret;
	} else {
		index_build(&s->ix, at);
		item = s->ix.obj;
	}
	s->item_end = item.p + item.n;
	if (ret == 0)
		ret = span_res(s, out);
	if (ret != UNSURE)
		return ret;
	inner = tree = span_parse(s, item);
	if (tree && wrapper && !json_object_object_get_ex(tree, wrapper, &inner))
		inner = NULL;
	*out = tree && inner ? res_from(s->k, inner) : NULL;
	json_object_put(tree);
	return *out ? 0 : -EPROTO;
}

/* ---- next pages ---- */

/* Does a links array hold {"rel": "next"}? */
static bool links_have_next(struct json_object *links)
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

static char *nova_next(const struct osfs_kind *k, bool has_next, const struct osfs_page *page,
		       int limit)
{
	char *marker, *out = NULL;

	/* Nova sends a next link with every full page; a page shorter than we
	 * asked for that still has one was cut by the cloud's max_limit */
	if (!page->n || !has_next)
		return NULL;
	marker = osfs_http_escape(page->items[page->n - 1]->id);
	if (marker && asprintf(&out, "%s?limit=%d&marker=%s", k->list_path, limit, marker) < 0)
		out = NULL;
	free(marker);
	return out;
}

/* The path of Glance's "next" link (a string), or NULL. */
static char *glance_next(struct json_object *next)
{
	const char *v2;

	if (!json_object_is_type(next, json_type_string))
		return NULL;
	v2 = strstr(json_object_get_string(next), "/v2/"); /* keep the path, never the link's host */
	return v2 ? strdup(v2) : NULL;
}

static void links_key(const struct osfs_kind *k, char *key, size_t size)
{
	snprintf(key, size, "%s_links", k->collection);
}

/* The next page's path from the page's root members (tree path). */
static char *tree_next(const struct osfs_kind *k, struct json_object *root,
		       const struct osfs_page *page, int limit)
{
	struct json_object *v;
	char key[64];

	links_key(k, key, sizeof(key));
	if (k->paging == OSFS_PAGE_NOVA)
		return nova_next(k, json_object_object_get_ex(root, key, &v) && links_have_next(v),
				 page, limit);
	if (k->paging == OSFS_PAGE_GLANCE && json_object_object_get_ex(root, "next", &v))
		return glance_next(v);
	return NULL;
}

/* The same from spans: json-c reads the one small member that says. */
static char *span_next(struct scan *s, const struct osfs_page *page, int limit)
{
	const struct osfs_kind *k = s->k;
	const char *name = k->paging == OSFS_PAGE_GLANCE ? "next" : NULL;
	struct json_object *v;
	struct osfs_jspan span;
	char key[64], *out = NULL;

	if (k->paging == OSFS_PAGE_NOVA) {
		links_key(k, key, sizeof(key));
		name = key;
	}
	if (!name || index_get(&s->root, name, strlen(name), &span) != 1)
		return k->paging == OSFS_PAGE_NOVA ? nova_next(k, false, page, limit) : NULL;
	v = span_parse(s, span);
	out = k->paging == OSFS_PAGE_NOVA ? nova_next(k, links_have_next(v), page, limit) :
	      glance_next(v);
	json_object_put(v);
	return out;
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
	struct json_object *root = json_tokener_parse(body), *items;
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
		struct osfs_res *r = res_from(k, item);
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

/* Room for more items (the array stays NULL-ended). */
static int page_grow(struct osfs_page *page, size_t *cap)
{
	size_t more = *cap ? *cap * 2 : 64;
	struct osfs_res **items = realloc(page->items, (more + 1) * sizeof(*items));

	if (!items)
		return -ENOMEM;
	memset(items + page->n, 0, (more + 1 - page->n) * sizeof(*items));
	page->items = items;
	*cap = more;
	return 0;
}

/* The scan path of a list page: 0, -EPROTO, -ENOMEM, or UNSURE (then
 * nothing is logged and page holds nothing). */
static int scan_list(struct scan *s, const char *body, int limit, struct osfs_page *page)
{
	const struct osfs_kind *k = s->k;
	struct osfs_jspan root, items, item;
	struct osfs_jiter it;
	size_t cap = 0;
	int ret;

	if (!k->collection || osfs_jscan_check(body, strlen(body), SCAN_DEPTH, &root) < 0)
		return UNSURE;
	if (osfs_jscan_type(root) != OSFS_J_OBJECT)
		return -EPROTO;
	index_build(&s->root, root);
	if (!s->root.whole)
		return UNSURE; /* an escaped key at the top */
	if (index_get(&s->root, k->collection, strlen(k->collection), &items) == 0 ||
	    osfs_jscan_type(items) != OSFS_J_ARRAY)
		return -EPROTO;
	ret = page_grow(page, &cap);
	for (osfs_jscan_iter(&it, items); ret == 0 && osfs_jscan_elem_start(&it, &item); ) {
		if (page->n == cap && (ret = page_grow(page, &cap)) < 0)
			break;
		ret = item_res(s, item, k->item_wrapper, &page->items[page->n]);
		if (ret == 0)
			page->n++;
		osfs_jscan_resume(&it, s->item_end);
	}
	if (ret == 0)
		page->next = span_next(s, page, limit);
	if (ret < 0)
		osfs_page_free(page);
	return ret;
}

int osfs_model_parse_list(const struct osfs_kind *k, const char *body, int limit,
			  struct osfs_page *page)
{
	struct scan s = { .k = k };
	int ret;

	memset(page, 0, sizeof(*page));
	ret = scan_list(&s, body, limit, page);
	scan_done(&s);
	if (ret == UNSURE)
		return osfs_model_parse_list_ref(k, body, limit, page);
	if (ret == -EPROTO)
		log_unreadable(k, "list answer", true);
	return ret;
}

int osfs_model_parse_one_ref(const struct osfs_kind *k, const char *body, struct osfs_res **out)
{
	struct json_object *root = json_tokener_parse(body), *obj = root;

	*out = NULL;
	if (root && k->show_key && !json_object_object_get_ex(root, k->show_key, &obj))
		obj = NULL;
	if (obj)
		*out = res_from(k, obj);
	if (!*out)
		log_unreadable(k, "answer", root != NULL);
	json_object_put(root);
	return *out ? 0 : -EPROTO;
}

/* The scan path of one object (`key`: its wrapper, or NULL): as scan_list. */
static int scan_one(struct scan *s, const char *text, size_t len, const char *key,
		    struct osfs_res **out)
{
	struct osfs_jspan root, obj;
	int ret;

	if (osfs_jscan_check(text, len, SCAN_DEPTH, &root) < 0)
		return UNSURE;
	obj = root;
	if (key) {
		ret = osfs_jscan_type(root) != OSFS_J_OBJECT ? 0 :
		      osfs_jscan_get(root, key, strlen(key), &obj);
		if (ret <= 0)
			return ret < 0 ? UNSURE : -EPROTO;
	}
	return item_res(s, obj, NULL, out);
}

int osfs_model_parse_one(const struct osfs_kind *k, const char *body, struct osfs_res **out)
{
	struct scan s = { .k = k };
	int ret;

	*out = NULL;
	ret = scan_one(&s, body, strlen(body), k->show_key, out);
	scan_done(&s);
	if (ret == UNSURE)
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
	struct scan s = { .k = k };

	if (text && scan_one(&s, text, r->json.text_len, NULL, &copy) == UNSURE) {
		struct json_object *obj = json_tokener_parse(text);
		copy = obj ? res_from(k, obj) : NULL;
		json_object_put(obj);
	}
	scan_done(&s);
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
	free(r->vals); /* one block with lens and the text */
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
		out = newline ? with_newline(s, strlen(s)) : strdup(s);
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

const struct osfs_kv *osfs_res_sub(const struct osfs_res *r, const char *key)
{
	struct osfs_kv probe = { .key = (char *)key };

	if (!r->nsub)
		return NULL;
	return bsearch(&probe, r->sub, r->nsub, sizeof(*r->sub), cmp_kv);
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
		*out = n && s[n - 1] == '\n' ? strdup(s) : with_newline(s, n);
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
	r = res_from(k, obj);
	if (r)
		r->seen = seen;
out:
	json_object_put(obj);
	return r;
}
