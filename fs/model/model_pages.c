/* model_pages.c - where the next page of a listing is: Nova's links
 * (rebuilt from the last id, as a page cut by max_limit still has one),
 * Glance's "next" string.  Both parse paths ask here. */
#include "model_tree.h"
#include "osfs_base.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	marker = osfs_escape(page->items[page->n - 1]->id);
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
