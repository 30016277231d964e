/* model_tree.h - what the parse paths share inside the model layer:
 * model.c (entry points) and model_scan.c (the scan path) above,
 * model_render.c (the json-c tree path's renderers), model_pages.c (next
 * pages) and model_res.c (resources) beneath both.  Internal to the model
 * layer: json-c types are fine here and nowhere above.
 */
#ifndef OSFS_MODEL_TREE_H
#define OSFS_MODEL_TREE_H

#include "model.h"

#include <json-c/json.h>

#define OSFS_MODEL_MAX_FIELDS 64

/* Teach k a dictionary of its own from the items of a list page, if the
 * page has enough and k has none yet (model_dict.c). */
void osfs_model_dict_learn(const struct osfs_kind *k, struct osfs_jspan items);

/* s[0..n) + "\n", NUL-terminated; caller frees; NULL on ENOMEM. */
char *osfs_model_with_newline(const char *s, size_t n);

/* The text of a field file of each format from its value (NULL: absent
 * or null), ending in '\n' (links: the bare id); caller frees; NULL on
 * ENOMEM. */
extern char *(*const osfs_model_renderers[])(const struct osfs_field *fl, struct json_object *v);
char *osfs_model_render_text(struct json_object *v);

/* obj written out and read back (obj is put): json-c reads some numbers
 * that are not JSON ("-000e", "0024") one way and writes them another,
 * and a resource must read the same after its kept text is parsed again.
 * NULL when obj is NULL or on ENOMEM. */
struct json_object *osfs_model_settle(struct json_object *obj);

/* Whether fl is shown given the value at its if_pointer (a string, or
 * NULL when there is none); always true for a field without a condition. */
bool osfs_model_condition_holds(const struct osfs_field *fl, const char *value, size_t len);

/* A revision's text (a number >= 0) as a number; -1 when it is none. */
long long osfs_model_revision(const char *text);

/* Strings as they are, other values as JSON; NULL for null (or ENOMEM). */
char *osfs_model_string_of(struct json_object *v);
/* The same for the value at JSON pointer `pointer` of obj (NULL: none). */
char *osfs_model_string_at(struct json_object *obj, const char *pointer);

/* A kind with name2_pointer names its resources "<name>@<second>" (a
 * compute service: nova-compute@host1).  Takes second; *name is replaced.
 * 0, or -ENOMEM (then *name is NULL). */
int osfs_model_join_name(char **name, char *second);

/* Orders struct osfs_kv by key. */
int osfs_model_cmp_kv(const void *a, const void *b);

/* One block for r's n fields whose values will be lens[i] bytes long:
 * r->vals set, and returned the room where the values go, one after the
 * other, each ended by '\0'.  NULL on ENOMEM. */
char *osfs_model_fields_block(struct osfs_res *r, size_t n, const size_t *lens);

/* The tree path: a resource from json-c object obj (its json packed as
 * json-c's compact text); NULL when obj is not one (no id) or on ENOMEM. */
struct osfs_res *osfs_model_res_from(const struct osfs_kind *k, struct json_object *obj);

/* Next pages: does a Nova links array hold {"rel": "next"}; the next
 * Nova page's path (rebuilt from the last id), or NULL; the path of
 * Glance's "next" string, or NULL; the name of Nova's links member. */
bool osfs_model_links_have_next(struct json_object *links);
char *osfs_model_nova_next(const struct osfs_kind *k, bool has_next,
			   const struct osfs_page *page, int limit);
char *osfs_model_glance_next(struct json_object *next);
void osfs_model_links_key(const struct osfs_kind *k, char *key, size_t size);

/* The scan path's answer "the tree path must decide" (never an errno). */
#define OSFS_MODEL_UNSURE 1

/* A list page by the scan path: 0, -EPROTO (JSON, but not a page of k),
 * -ENOMEM, or OSFS_MODEL_UNSURE; logs nothing; on anything but 0 the page
 * holds nothing. */
int osfs_model_scan_list(const struct osfs_kind *k, const char *body, int limit,
			 struct osfs_page *page);

/* One object by the scan path: the member `key` of text[0..len) (NULL:
 * the whole text).  0 and *out, or -EPROTO/-ENOMEM/OSFS_MODEL_UNSURE. */
int osfs_model_scan_one(const struct osfs_kind *k, const char *text, size_t len,
			const char *key, struct osfs_res **out);

#endif
