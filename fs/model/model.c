/* model.c - parse API responses into struct osfs_res using the field
 * tables of kinds.c: the public entry points, the choice between the two
 * paths, and small answers (ids, console output).  A resource's life is model_res.c's, the
 * renderers both paths share model_render.c's, next pages model_pages.c's.
 *
 * Two paths give the same resources.  The scan path (model_scan.c, the
 * common one) walks a page by byte ranges and hands json-c only small
 * values.  The tree path (model_render.c) parses with json-c and reads
 * fields with its pointer API: it serves whatever the scanner declines (input outside
 * strict JSON, deep nesting, escaped keys, repeated metadata keys), so odd
 * input gives what it gave before, and it is the reference the tests and
 * the fuzzer compare the scan path with.  Either way the `json` file is
 * json-c's rendering of the packed text, made when it is read. */
#include "model.h"
#include "model_tree.h"
#include "osfs_base.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* The next page's path from the page's root members (tree path). */
static char *tree_next(const struct osfs_kind *k, struct json_object *root,
		       const struct osfs_page *page, int limit)
{
	struct json_object *v;
	char key[64];

	osfs_model_links_key(k, key, sizeof(key));
	if (k->paging == OSFS_PAGE_NOVA)
		return osfs_model_nova_next(
		    k, json_object_object_get_ex(root, key, &v) && osfs_model_links_have_next(v),
		    page, limit);
	if (k->paging == OSFS_PAGE_GLANCE && json_object_object_get_ex(root, "next", &v))
		return osfs_model_glance_next(v);
	return NULL;
}

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

struct osfs_res *osfs_res_copy(const struct osfs_kind *k, const struct osfs_res *r,
			       const char *fname)
{
	char *text = osfs_unpack(&r->json);
	struct osfs_res *copy = NULL;

	if (text &&
	    osfs_model_scan_one(k, text, r->json.text_len, NULL, &copy) == OSFS_MODEL_UNSURE) {
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

static void put_str(struct json_object *o, const char *key, const char *val)
{
	if (val)
		json_object_object_add(o, key, json_object_new_string(val));
}

char *osfs_model_created_id(const char *body)
{
	struct json_object *root = json_tokener_parse(body);
	char *id = root ? osfs_model_string_at(root, "/server/id") : NULL;

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
		char *id = osfs_model_string_at(item, "/id"),
		     *nm = osfs_model_string_at(item, "/name");
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
