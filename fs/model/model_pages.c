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

/* The path of the page after the one that ended at (escaped) marker. */
static char *nova_path(const struct osfs_kind *k, int limit, const char *marker, int mlen)
{
	char *out = NULL;

	if (asprintf(&out, "%s?%s%slimit=%d&marker=%.*s", k->list_path,
		     k->list_query ? k->list_query : "", k->list_query ? "&" : "", limit, mlen,
		     marker) < 0)
		out = NULL;
	return out;
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
	if (marker)
		out = nova_path(k, limit, marker, (int)strlen(marker));
	free(marker);
	return out;
}

/* Where the links sit: the end of a page (services put them after the
 * items); a link is far shorter. */
#define TAIL 4096

/* The last needle in hay[0..n), or NULL. */
static const char *last_of(const char *hay, size_t n, const char *needle)
{
	const char *hit = NULL, *at;
	size_t len = strlen(needle);

	while ((at = memmem(hay, n, needle, len))) {
		hit = at;
		n -= (size_t)(at + 1 - hay);
		hay = at + 1;
	}
	return hit;
}

/* Nova, Neutron, Cinder: the marker= of the link object in <coll>_links
 * that holds "next" (Neutron's "previous" link has a marker too). */
static char *guess_nova(const struct osfs_kind *k, const char *tail, size_t n, int limit)
{
	char key[64];
	const char *links, *next, *open, *close, *marker;
	size_t mlen;

	snprintf(key, sizeof(key), "\"%s_links\"", k->collection);
	if (!(links = last_of(tail, n, key)) ||
	    !(next = last_of(links, n - (size_t)(links - tail), "\"next\"")))
		return NULL;
	for (open = next; open > links && *open != '{'; open--)
		;
	if (!(close = memchr(next, '}', n - (size_t)(next - tail))) ||
	    !(marker = memmem(open, (size_t)(close - open), "marker=", 7)))
		return NULL;
	marker += 7;
	mlen = strcspn(marker, "&\"#");
	return mlen && marker + mlen < close ? nova_path(k, limit, marker, (int)mlen) : NULL;
}

/* Glance: the string after the last "next": from its /v2/. */
static char *guess_glance(const char *tail, size_t n)
{
	const char *next = last_of(tail, n, "\"next\""), *v2, *end;

	if (!next || !(v2 = memmem(next, n - (size_t)(next - tail), "/v2/", 4)) ||
	    !(end = memchr(v2, '"', n - (size_t)(v2 - tail))))
		return NULL;
	for (const char *p = next + 6; p < v2; p++) /* only `: "` and blanks between */
		if (!strchr(" \t\r\n:\"", *p))
			return NULL;
	return strndup(v2, (size_t)(end - v2));
}

char *osfs_model_next_guess(const struct osfs_kind *k, const char *body, size_t len, int limit)
{
	const char *tail = len > TAIL ? body + len - TAIL : body;
	size_t n = len > TAIL ? TAIL : len;

	if (k->paging == OSFS_PAGE_NOVA && k->collection)
		return guess_nova(k, tail, n, limit);
	if (k->paging == OSFS_PAGE_GLANCE)
		return guess_glance(tail, n);
	return NULL;
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
