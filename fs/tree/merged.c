/* merged.c - directories made of several nested singleton kinds (see
 * merged.h). */
#include "merged.h"
#include "osfs_cache.h"
#include "osfs_model.h"
#include "osfs_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool osfs_merged_with(enum osfs_kind_id first, enum osfs_kind_id other)
{
	const struct osfs_kind *a = &osfs_kinds[first], *b = &osfs_kinds[other];

	return a->nested && a->singleton && b->nested && b->singleton && a->parent == b->parent &&
	       strcmp(a->dir, b->dir) == 0;
}

/* The one resource of a singleton listing, or NULL (refused: empty). */
static const struct osfs_res *only(const struct osfs_listing *l)
{
	return l && l->n ? l->items[0] : NULL;
}

/* Does another kind of the group than `kind` have entry `key`? */
static bool shared(struct osfs_listing *const *ls, enum osfs_kind_id kind, const char *key)
{
	for (int k = 0; k < OSFS_NKINDS; k++)
		if (k != (int)kind && only(ls[k]) && osfs_res_sub(only(ls[k]), key))
			return true;
	return false;
}

/* fn for each entry of kind's listing; nonzero when fn stopped, or -errno. */
static int each_entry(struct osfs_listing *const *ls, enum osfs_kind_id kind, osfs_merged_fn fn,
		      void *ctx)
{
	const struct osfs_res *r = only(ls[kind]);
	int ret = 0;

	for (size_t i = 0; r && i < r->nsub && ret == 0; i++) {
		const char *key = r->sub[i].key;
		char *name = NULL, *fname;

		if (shared(ls, kind, key) &&
		    asprintf(&name, "%s.%s", osfs_service_names[osfs_kinds[kind].svc], key) < 0)
			return -ENOMEM;
		fname = osfs_name_encode(name ? name : key);
		ret = fname ? fn(ctx, kind, ls[kind], key, fname) : -ENOMEM;
		free(fname);
		free(name);
	}
	return ret;
}

int osfs_merged_each(struct osfs_fs *fs, enum osfs_kind_id first, const char *parent_id,
		     osfs_merged_fn fn, void *ctx)
{
	struct osfs_listing *ls[OSFS_NKINDS] = { 0 };
	int ret = 0;

	for (int k = first; k < OSFS_NKINDS && ret == 0; k++)
		if (osfs_merged_with(first, k) && osfs_api_has_service(fs->api, osfs_kinds[k].svc))
			ret = osfs_children_list(fs->children, k, parent_id, &ls[k]);
	for (int k = first; k < OSFS_NKINDS && ret == 0; k++)
		ret = each_entry(ls, k, fn, ctx);
	for (int k = 0; k < OSFS_NKINDS; k++)
		osfs_listing_put(ls[k]);
	return ret < 0 ? ret : 0;
}
