/* model_res.c - a parsed resource's life: references, comparison, its
 * kept text as JSON, its sub-directory entries; pages of them. */
#include "model_tree.h"
#include "osfs_base.h"

#include <json-c/json.h>
#include <stdatomic.h>
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

int osfs_model_cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct osfs_kv *)a)->key, ((const struct osfs_kv *)b)->key);
}

struct osfs_res *osfs_res_hold(struct osfs_res *r)
{
	atomic_fetch_add(&r->refs, 1);
	return r;
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

const struct osfs_kv *osfs_res_sub(const struct osfs_res *r, const char *key)
{
	struct osfs_kv probe = { .key = (char *)key };

	if (!r->nsub)
		return NULL;
	return bsearch(&probe, r->sub, r->nsub, sizeof(*r->sub), osfs_model_cmp_kv);
}
