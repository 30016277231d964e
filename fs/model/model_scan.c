/* model_scan.c - the scan path of model.c: list pages and show answers
 * read by byte ranges.
 *
 * jscan.c checks the whole text once (strict JSON, bounded depth); each
 * item's top-level members are indexed as the walk crosses it, fields are
 * looked up by JSON pointer in that index, and the bytes alone give the
 * text of strings without escapes, true, false and plain integers.  Other
 * values (escaped strings, floats, lists, odd addresses) are parsed by
 * json-c from their own few bytes and rendered by model_render.c's renderers, so
 * every file reads as the tree path makes it.  Anything this path cannot
 * vouch for is answered OSFS_MODEL_UNSURE, and model.c takes the tree path
 * (for the page, or for the one item).  The item's bytes are packed
 * minified. */
#include "model_tree.h"
#include "osfs_base.h"

#include <errno.h>
#include <pthread.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than this, the tree path decides (json-c has its own cap of 32;
 * API objects nest about 6 deep). */
#define SCAN_DEPTH 20

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

/* One net's "net addr\n" lines; 0, -ENOMEM or OSFS_MODEL_UNSURE. */
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
			return OSFS_MODEL_UNSURE;
		if (r == 0)
			continue;
		if (!plain_text(addr, &t, &n))
			return OSFS_MODEL_UNSURE; /* null, escaped, a float...: json-c says */
		if (text_put(s, net.p, net.n) < 0 || text_put(s, " ", 1) < 0 || text_add(s, t, n) < 0)
			return -ENOMEM;
		s->text.n--; /* text_add's '\0': more lines may follow */
	}
	return 0;
}

/* render_addresses from spans: 0, -ENOMEM or OSFS_MODEL_UNSURE (then the text is as
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
				ret = OSFS_MODEL_UNSURE;
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

/* One array element's line (render_elements): a string as is, an object
 * as the values of `keys` (space-separated; with first_only, the first
 * key's alone).  0, -ENOMEM or OSFS_MODEL_UNSURE (a value json-c must
 * spell: an escape, a float, a nested value, an escaped key). */
static int text_element(struct scan *s, struct osfs_jspan e, const char *keys, bool first_only)
{
	const char *t, *k = keys;
	size_t n;

	if (osfs_jscan_type(e) == OSFS_J_STRING)
		return !plain_text(e, &t, &n) ? OSFS_MODEL_UNSURE :
		       text_put(s, t, n) < 0 || text_put(s, "\n", 1) < 0 ? -ENOMEM : 0;
	if (!keys || !*keys || osfs_jscan_type(e) != OSFS_J_OBJECT)
		return OSFS_MODEL_UNSURE;
	while (*k) {
		size_t kn = strcspn(k, " ");
		struct osfs_jspan v;
		int r = kn < 64 ? osfs_jscan_get(e, k, kn, &v) : -1; /* render's key room */
		if (r < 0)
			return OSFS_MODEL_UNSURE;
		if (k != keys && text_put(s, " ", 1) < 0)
			return -ENOMEM;
		if (r == 1 && osfs_jscan_type(v) != OSFS_J_NULL) {
			if (!plain_text(v, &t, &n))
				return OSFS_MODEL_UNSURE;
			if (text_put(s, t, n) < 0)
				return -ENOMEM;
		}
		k += kn + (k[kn] == ' ');
		if (first_only)
			break;
	}
	return text_put(s, "\n", 1) < 0 ? -ENOMEM : 0;
}

/* LIST and the id formats (render_list, render_ids) of array v from
 * spans: 0, -ENOMEM or OSFS_MODEL_UNSURE (then the text is as it was). */
static int text_elements(struct scan *s, const struct osfs_field *fl, struct osfs_jspan v)
{
	bool ids = fl->fmt != OSFS_FMT_LIST;
	size_t start = s->text.n;
	struct osfs_jspan e;
	struct osfs_jiter it;
	int ret = 0;

	if (osfs_jscan_type(v) != OSFS_J_ARRAY)
		return OSFS_MODEL_UNSURE;
	for (osfs_jscan_iter(&it, v); ret == 0 && osfs_jscan_elem(&it, &e); )
		ret = text_element(s, e, fl->item_keys, ids);
	if (ret == 0 && s->text.n == start && !ids)
		ret = text_put(s, "\n", 1); /* an empty list reads as null does */
	if (ret == 0)
		ret = text_put(s, "", 1);
	if (ret != 0)
		s->text.n = start;
	return ret;
}

/* Renders v (found: 1, or absent: 0) as fmt onto the item's text:
 * 0, -ENOMEM or OSFS_MODEL_UNSURE. */
static int text_render(struct scan *s, const struct osfs_field *fl, int found, struct osfs_jspan v)
{
	enum osfs_fmt fmt = fl->fmt;
	struct json_object *obj;
	const char *t;
	size_t n;
	int ret;

	if (!found)
		return text_take(s, osfs_model_renderers[fmt](fl, NULL));
	if (fmt == OSFS_FMT_ADDRESSES && (ret = text_addresses(s, v)) != OSFS_MODEL_UNSURE)
		return ret;
	if ((fmt == OSFS_FMT_LIST || fmt == OSFS_FMT_LINKS || fmt == OSFS_FMT_NESTED ||
	     fmt == OSFS_FMT_BACKLINKS) && (ret = text_elements(s, fl, v)) != OSFS_MODEL_UNSURE)
		return ret;
	if ((fmt == OSFS_FMT_TEXT || fmt == OSFS_FMT_INT) && plain_text(v, &t, &n)) {
		if (fmt == OSFS_FMT_INT && n == 0)
			return text_add(s, "0", 1); /* Nova's swap "" */
		return text_add(s, t, n);
	}
	if (!(obj = span_parse(s, v)))
		return OSFS_MODEL_UNSURE;
	ret = text_take(s, osfs_model_renderers[fmt](fl, obj));
	json_object_put(obj);
	return ret;
}

/* Whether field fl is shown (its if_pointer condition): 1, 0, or -1
 * when the condition's value is not plain text (the tree path decides;
 * not OSFS_MODEL_UNSURE, which is 1: "shown"). */
static int condition(const struct index *obj, const struct osfs_field *fl)
{
	struct osfs_jspan v;
	const char *t = NULL;
	size_t n = 0;
	int found;

	if (!fl->if_pointer)
		return 1;
	if ((found = span_at(obj, fl->if_pointer, &v)) < 0)
		return -1;
	if (!found || osfs_jscan_type(v) != OSFS_J_STRING)
		return osfs_model_condition_holds(fl, NULL, 0); /* only a string can hold */
	if (!plain_text(v, &t, &n))
		return -1;
	return osfs_model_condition_holds(fl, t, n);
}

/* string_at for spans: *out = the text at pointer, or NULL when there is
 * none.  0, -ENOMEM or OSFS_MODEL_UNSURE. */
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
		return OSFS_MODEL_UNSURE;
	if (plain_text(v, &t, &n))
		return (*out = strndup(t, n)) ? 0 : -ENOMEM;
	if (!(o = span_parse(s, v)))
		return OSFS_MODEL_UNSURE;
	*out = osfs_model_string_of(o);
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}

static int span_fields(struct scan *s, const struct index *obj, struct osfs_res *r)
{
	const struct osfs_kind *k = s->k;
	size_t lens[OSFS_MODEL_MAX_FIELDS] = { 0 }, n = k->nfields;
	char *p;

	if (n > OSFS_MODEL_MAX_FIELDS)
		return -EINVAL;
	s->text.n = 0;
	for (size_t i = 0; i < n; i++) {
		struct osfs_jspan v = { 0 };
		size_t before = s->text.n;
		int shown = condition(obj, &k->fields[i]), found = 0, ret;
		if (shown < 0)
			return OSFS_MODEL_UNSURE;
		if (shown && (found = span_at(obj, k->fields[i].pointers, &v)) < 0)
			return OSFS_MODEL_UNSURE;
		if ((ret = text_render(s, &k->fields[i], found, v)) != 0)
			return ret;
		lens[i] = s->text.n - before - 1;
	}
	if (!(p = osfs_model_fields_block(r, n, lens)))
		return -ENOMEM;
	if (n)
		memcpy(p, s->text.p, s->text.n);
	return 0;
}

/* A subdir value: osfs_model_render_text of the member's value. */
static char *span_sub_value(struct scan *s, struct osfs_jspan v, int *ret)
{
	struct json_object *obj;
	const char *t;
	size_t n;
	char *out;

	if (osfs_jscan_type(v) == OSFS_J_NULL)
		return osfs_model_render_text(NULL);
	if (plain_text(v, &t, &n))
		return osfs_model_with_newline(t, n);
	if (!(obj = span_parse(s, v))) {
		*ret = OSFS_MODEL_UNSURE;
		return NULL;
	}
	out = osfs_model_render_text(obj);
	json_object_put(obj);
	return out;
}

static int span_sub(struct scan *s, const struct index *obj, struct osfs_res *r)
{
	struct osfs_jspan sub, key, val;
	struct osfs_jiter it;
	size_t n = 0;
	int found = s->k->sub_pointer ? span_at(obj, s->k->sub_pointer, &sub) : 0;

	if (found < 0 || (found && s->k->sub_keys))
		return OSFS_MODEL_UNSURE; /* objects read by members: the tree path's */
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
			return OSFS_MODEL_UNSURE;
		kv->key = strndup(key.p, key.n);
		kv->value = span_sub_value(s, val, &ret);
		if (!kv->key || !kv->value)
			return ret;
	}
	qsort(r->sub, r->nsub, sizeof(*r->sub), osfs_model_cmp_kv);
	for (size_t i = 1; i < r->nsub; i++)
		if (strcmp(r->sub[i - 1].key, r->sub[i].key) == 0)
			return OSFS_MODEL_UNSURE; /* a repeated key: json-c keeps one, in its place */
	return 0;
}

/* The item's own bytes, minified, packed. */
static int span_pack(struct scan *s, struct osfs_jspan obj, struct osfs_res *r)
{
	char *p;

	s->copy.n = 0;
	if (!(p = buf_room(&s->copy, obj.n + 1)))
		return -ENOMEM;
	return osfs_pack(&r->json, osfs_model_dict(osfs_kind_id_of(s->k)), p,
			 osfs_jscan_minify(obj, p));
}

/* The second half of a joined name (osfs_model_join_name), if k has one. */
static int span_name2(struct scan *s, const struct osfs_kind *k, char **name)
{
	char *second = NULL;
	int ret;

	if (!k->name2_pointer)
		return 0;
	if ((ret = span_string(s, &s->ix, k->name2_pointer, &second)) != 0)
		return ret;
	return osfs_model_join_name(name, second);
}

/* A resource from the object s->ix indexes: 0, -EPROTO (not one: no
 * id), -ENOMEM, or OSFS_MODEL_UNSURE. */
static int span_res(struct scan *s, struct osfs_res **out)
{
	struct osfs_jspan obj = s->ix.obj;
	const struct osfs_kind *k = s->k;
	struct osfs_res *r = calloc(1, sizeof(*r));
	char *updated = NULL, *rev = NULL;
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
	    (ret = span_name2(s, k, &r->name)) != 0 ||
	    (ret = span_string(s, &s->ix, k->created_pointer, &r->created)) != 0 ||
	    (ret = span_string(s, &s->ix, k->updated_pointer, &updated)) != 0 ||
	    (ret = span_string(s, &s->ix, k->rev_pointer, &rev)) != 0 ||
	    (ret = span_fields(s, &s->ix, r)) != 0 ||
	    (ret = span_sub(s, &s->ix, r)) != 0 ||
	    (ret = span_pack(s, obj, r)) != 0)
		goto out;
	if (k->blank_name_is_none && r->name && !*r->name) {
		free(r->name);
		r->name = NULL;
	}
	if (updated) {
		time_t t = osfs_parse_time(updated);
		r->updated = t > 0 ? t : 0;
	}
	r->rev = osfs_model_revision(rev);
	*out = r;
out:
	free(updated);
	free(rev);
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
		ret = ret < 0 ? OSFS_MODEL_UNSURE : ret == 0 ? -EPROTO : ret == 1 ? 0 : ret;
	} else {
		index_build(&s->ix, at);
		item = s->ix.obj;
	}
	s->item_end = item.p + item.n;
	if (ret == 0)
		ret = span_res(s, out);
	if (ret != OSFS_MODEL_UNSURE)
		return ret;
	osfs_stat_inc(parse_slow);
	inner = tree = span_parse(s, item);
	if (tree && wrapper && !json_object_object_get_ex(tree, wrapper, &inner))
		inner = NULL;
	*out = tree && inner ? osfs_model_res_from(s->k, inner) : NULL;
	json_object_put(tree);
	return *out ? 0 : -EPROTO;
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
		osfs_model_links_key(k, key, sizeof(key));
		name = key;
	}
	if (!name || index_get(&s->root, name, strlen(name), &span) != 1)
		return k->paging == OSFS_PAGE_NOVA ? osfs_model_nova_next(k, false, page, limit) : NULL;
	v = span_parse(s, span);
	out = k->paging == OSFS_PAGE_NOVA ? osfs_model_nova_next(k, osfs_model_links_have_next(v), page, limit) :
	      osfs_model_glance_next(v);
	json_object_put(v);
	return out;
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

/* The items of a page, one after the other. */
static int items_in_turn(struct scan *s, struct osfs_jspan items, struct osfs_page *page)
{
	struct osfs_jspan item;
	struct osfs_jiter it;
	size_t cap = 0;
	int ret = page_grow(page, &cap);

	for (osfs_jscan_iter(&it, items); ret == 0 && osfs_jscan_elem_start(&it, &item); ) {
		if (page->n == cap && (ret = page_grow(page, &cap)) < 0)
			break;
		ret = item_res(s, item, s->k->item_wrapper, &page->items[page->n]);
		if (ret == 0)
			page->n++;
		osfs_jscan_resume(&it, s->item_end);
	}
	return ret;
}

/* A page of at least this many items is read by two threads, half each
 * (on a machine with a core to spare, the parse of a listing then costs
 * about half its CPU time in wall time). */
#define HALVES_MIN 200

/* One thread's share of a page: items spans[0..n) into out[0..n). */
struct share {
	struct scan s;
	const struct osfs_jspan *spans;
	struct osfs_res **out;
	size_t n;
	int ret;
};

static void share_read(struct share *sh)
{
	for (size_t i = 0; i < sh->n && sh->ret == 0; i++)
		sh->ret = item_res(&sh->s, sh->spans[i], sh->s.k->item_wrapper, &sh->out[i]);
}

static void *share_thread(void *arg)
{
	share_read(arg);
	return NULL;
}

/* The items spans[0..n) in two halves, the second on a thread of its own
 * (or after the first when no thread can be had); the first error in
 * page order wins, as it would one item after the other. */
static int items_in_halves(struct scan *s, const struct osfs_jspan *spans, size_t n,
			   struct osfs_page *page)
{
	size_t half = n / 2;
	struct share *second = calloc(1, sizeof(*second));
	struct share first = { .s = *s, .spans = spans, .out = NULL, .n = half };
	pthread_t th;
	bool apart;
	int ret;

	if (!second || !(page->items = calloc(n + 1, sizeof(*page->items)))) {
		free(second);
		return -ENOMEM;
	}
	page->n = n; /* holes stay NULL until read, and free as such */
	first.out = page->items;
	*second = (struct share){ .s = { .k = s->k }, .spans = spans + half,
				  .out = page->items + half, .n = n - half };
	apart = pthread_create(&th, NULL, share_thread, second) == 0;
	share_read(&first);
	if (apart)
		pthread_join(th, NULL);
	else
		share_read(second);
	*s = first.s; /* its buffers, grown, are the caller's to free */
	ret = first.ret ? first.ret : second->ret;
	scan_done(&second->s);
	free(second);
	return ret;
}

/* The items of a page: two halves at once when there are many. */
static int scan_items(struct scan *s, struct osfs_jspan items, struct osfs_page *page)
{
	struct osfs_jspan *spans = NULL, item;
	struct osfs_jiter it;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (items.n / 512 < HALVES_MIN) /* items are longer than 512 bytes (Nova's 1.5 KiB) */
		return items_in_turn(s, items, page);
	for (osfs_jscan_iter(&it, items); ret == 0 && osfs_jscan_elem(&it, &item); n++) {
		if (n == cap) {
			struct osfs_jspan *more = realloc(spans, (cap = cap ? cap * 2 : 1024) * sizeof(*more));
			if (!more)
				ret = -ENOMEM;
			else
				spans = more;
		}
		if (ret == 0)
			spans[n] = item;
	}
	if (ret == 0)
		ret = n < HALVES_MIN ? items_in_turn(s, items, page) : items_in_halves(s, spans, n, page);
	free(spans);
	return ret;
}

/* The scan path of a list page: 0, -EPROTO, -ENOMEM, or OSFS_MODEL_UNSURE (then
 * nothing is logged and page holds nothing). */
static int scan_list(struct scan *s, const char *body, int limit, struct osfs_page *page)
{
	const struct osfs_kind *k = s->k;
	struct osfs_jspan root, items;
	int ret;

	if (!k->collection || osfs_jscan_check(body, strlen(body), SCAN_DEPTH, &root) < 0)
		return OSFS_MODEL_UNSURE;
	if (osfs_jscan_type(root) != OSFS_J_OBJECT)
		return -EPROTO;
	index_build(&s->root, root);
	if (!s->root.whole)
		return OSFS_MODEL_UNSURE; /* an escaped key at the top */
	if (index_get(&s->root, k->collection, strlen(k->collection), &items) == 0 ||
	    osfs_jscan_type(items) != OSFS_J_ARRAY)
		return -EPROTO;
	osfs_model_dict_learn(k, items);
	ret = scan_items(s, items, page);
	if (ret == 0)
		page->next = span_next(s, page, limit);
	if (ret < 0)
		osfs_page_free(page);
	return ret;
}

/* The scan path of one object (`key`: its wrapper, or NULL): as scan_list. */
static int scan_one(struct scan *s, const char *text, size_t len, const char *key,
		    struct osfs_res **out)
{
	struct osfs_jspan root, obj;
	int ret;

	if (osfs_jscan_check(text, len, SCAN_DEPTH, &root) < 0)
		return OSFS_MODEL_UNSURE;
	obj = root;
	if (key) {
		ret = osfs_jscan_type(root) != OSFS_J_OBJECT ? 0 :
		      osfs_jscan_get(root, key, strlen(key), &obj);
		if (ret <= 0)
			return ret < 0 ? OSFS_MODEL_UNSURE : -EPROTO;
	}
	return item_res(s, obj, NULL, out);
}

int osfs_model_scan_list(const struct osfs_kind *k, const char *body, int limit,
			 struct osfs_page *page)
{
	struct scan s = { .k = k };
	int ret = scan_list(&s, body, limit, page);

	scan_done(&s);
	return ret;
}

int osfs_model_scan_one(const struct osfs_kind *k, const char *text, size_t len,
			const char *key, struct osfs_res **out)
{
	struct scan s = { .k = k };
	int ret = scan_one(&s, text, len, key, out);

	scan_done(&s);
	return ret;
}
