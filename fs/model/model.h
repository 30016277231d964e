/* model.h - API JSON → compact resources.
 *
 * A resource keeps only what the tree shows: its id, name, the rendered
 * value of every attribute file (each ending in '\n'), its subdir entries
 * (metadata, extra_specs, absolute limits) and the API object's own bytes,
 * minified and compressed, for the `json` file: json-c renders them (compact
 * or pretty) when someone reads it.  Values are rendered once, at parse
 * time, so a read is a memcpy.  Pages are walked by byte ranges (jscan.h)
 * with json-c only for small values; json-c stays inside fs/model/.
 */
#ifndef OSFS_MODEL_H
#define OSFS_MODEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kinds.h"
#include "osfs_base.h"

struct osfs_kv {
	char *key;
	char *value;          /* ends in '\n' */
};

/* A resource is immutable once a listing is published, except its
 * reference count and `pretty` (made once, under model.c's lock): listings
 * built from one another share the resources that did not change. */
struct osfs_res {
	atomic_int refs;
	char *id;
	char *name;           /* as the API gives it; NULL when it has none */
	char *fname;          /* file name in the kind's directory (names.c) */
	char *created;        /* for ordering duplicate names; may be NULL */
	uint32_t *vals;       /* kind->nfields rendered values, one block: nfields + 1
			       * offsets from its start, then the values, each ended
			       * by '\0' (osfs_res_val, osfs_res_len) */
	struct osfs_kv *sub;  /* sorted by key */
	size_t nsub;
	struct osfs_pack json;/* the API object's text, minified, packed (pack.h) */
	time_t updated;       /* the API's own change time; 0: unknown */
	long long rev;        /* the API's revision (the kind's rev_pointer); -1: none */
	double seen;          /* when the request that brought these values started */
	double mtime;         /* when these values were first seen (set by cache.c); 0: unknown */
};

/* Field i's rendered value (i < the kind's nfields) and its length. */
static inline const char *osfs_res_val(const struct osfs_res *r, size_t i)
{
	return (const char *)r->vals + r->vals[i];
}

static inline size_t osfs_res_len(const struct osfs_res *r, size_t i)
{
	return r->vals[i + 1] - r->vals[i] - 1;
}

struct osfs_page {
	struct osfs_res **items;
	size_t n;
	char *next;           /* path of the next page (service-relative), or NULL */
};

/* Parse one list response of kind k.  `limit` is the page size asked for
 * (a Nova next link is followed whenever there is one, also on a page a
 * cloud's max_limit made shorter; we rebuild its URL from the marker,
 * never from the link's host).  0 or -EPROTO/-ENOMEM;
 * on failure page holds nothing. */
int osfs_model_parse_list(const struct osfs_kind *k, const char *body, int limit,
			  struct osfs_page *page);

/* Where the page after list response body[0..len) is, read off the end of
 * the body without parsing it (its links), so that a fetch can ask for it
 * while this one is parsed: the path osfs_model_parse_list would put in
 * page->next when the body is what it seems to be, else some other path
 * or NULL.  A guess only: the parse's page->next says. */
char *osfs_model_next_guess(const struct osfs_kind *k, const char *body, size_t len, int limit);

/* Parse one show response (or, for singleton kinds, the whole object). */
int osfs_model_parse_one(const struct osfs_kind *k, const char *body, struct osfs_res **out);

/* The same two on json-c's tree of the whole body: the path taken for
 * input the scanner declines, and the reference the unit tests and the
 * fuzzer hold the scan path to (same fields, subdir entries, json). */
int osfs_model_parse_list_ref(const struct osfs_kind *k, const char *body, int limit,
			      struct osfs_page *page);
int osfs_model_parse_one_ref(const struct osfs_kind *k, const char *body, struct osfs_res **out);

/* The pretty JSON text of r, ending in '\n'; caller frees; NULL on ENOMEM. */
char *osfs_res_pretty(const struct osfs_res *r);

/* The compact JSON text of r (json-c's, without escaped slashes); caller
 * frees; NULL on ENOMEM. */
char *osfs_res_json(const struct osfs_res *r);

/* File `sub` (an index into fl->nested; -1: none, only check the element
 * is there) of the element `id` of r's NESTED field fl, rendered into *out
 * (caller frees).  0, -ENOENT or -ENOMEM. */
int osfs_res_nested(const struct osfs_field *fl, const struct osfs_res *r, const char *id,
		    int sub, char **out);

/* The subdir entry `key`, or NULL. */
const struct osfs_kv *osfs_res_sub(const struct osfs_res *r, const char *key);

/* Another reference to r (listings share unchanged resources). */
struct osfs_res *osfs_res_hold(struct osfs_res *r);

/* Drops one reference; the last one frees r. */
void osfs_res_free(struct osfs_res *r);

/* A private copy of r, parsed again from its json, with file name fname
 * (a copy is taken; NULL: none yet); its times are r's.  NULL on failure. */
struct osfs_res *osfs_res_copy(const struct osfs_kind *k, const struct osfs_res *r,
			       const char *fname);

/* A stand-in saying resource `id` is gone, seen at `seen` (for merging);
 * NULL for kinds whose deltas do not say so, or on ENOMEM. */
struct osfs_res *osfs_res_gone(const struct osfs_kind *k, const char *id, double seen);

/* The "count" member of a list answer (Cinder's with_count) in *count.
 * 0 or -EPROTO. */
int osfs_model_count(const char *body, long long *count);

/* Do a and b show the same values (same API object)? */
bool osfs_res_same(const struct osfs_res *a, const struct osfs_res *b);
void osfs_page_free(struct osfs_page *page);

/* The dictionary (pack.h) kind's objects are packed with: the built-in
 * one until its first big list page teaches it one of its own. */
int osfs_model_dict(enum osfs_kind_id kind);

/* Pack kind's objects with dictionary number dict from now on, unless it
 * has one already (a kept listing's, adopted by a restarted process). */
void osfs_model_dict_adopt(enum osfs_kind_id kind, int dict);


/* --- small answers (json-c stays in fs/model/; request bodies are the
 * clients') --- */

/* The id in a {"server": {"id": ...}} answer; caller frees. */
char *osfs_model_created_id(const char *body);

/* The text of an os-getConsoleOutput answer. 0 or -EPROTO. */
int osfs_model_console_output(const char *body, char **out);

/* Ids of the items of a {"<collection>": [{"id", "name"}...]} answer whose
 * name is exactly `name` (for finding a server after a dropped POST, and
 * for network names).  NULL-ended, caller frees with osfs_model_strv_free. */
char **osfs_model_ids_named(const char *body, const char *collection, const char *name);
void osfs_model_strv_free(char **v);

#endif
