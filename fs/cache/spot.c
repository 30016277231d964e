/* spot.c - one name while the listing is stale (cache.h).
 *
 * A lookup of one file name in a kind whose listing is stale (and that
 * cannot be brought up to date by one delta) asks the API for that name
 * alone: by id when the stale listing knew it under its own name, else by
 * a filtered listing.  The answers are held for the kind's TTL (the table
 * is store.c's, so that direct fetches and invalidations reach it).
 */
#include "cache_int.h"
#include "osfs_base.h"
#include "osfs_clients.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SPOTS_PER_FETCH 8 /* then one full listing is cheaper */

/* Should a name be looked up in the listing rather than alone?  Yes when
 * the listing may be used as it is, when it is one delta away from fresh,
 * and when a walk has already asked for many single names since it went
 * stale (then one listing is cheaper).  A first listing still in flight
 * does not make one name wait for all its pages. */
static bool listing_preferred(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	bool use;

	osfs_slot_lock(&s->lock);
	use = osfs_slot_usable(c, kind, STALE_TTLS) || (osfs_kind_has_delta(&osfs_kinds[kind]) && s->cur) ||
	      s->spots >= MAX_SPOTS_PER_FETCH;
	if (!use)
		s->spots++;
	osfs_slot_unlock(&s->lock);
	return use;
}

static struct osfs_listing *spot_find(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_listing *hit = NULL;

	osfs_leaf_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS && !hit; i++) {
		struct spot *sp = &c->spots[i];
		if (sp->one && sp->kind == kind && strcmp(sp->fname, fname) == 0 &&
		    osfs_now_mono() - sp->one->arrived < c->ttl[kind]) {
			hit = osfs_listing_hold(sp->one);
		}
	}
	osfs_leaf_unlock(&c->spot_lock);
	return hit;
}

static void spot_keep(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname,
		      struct osfs_listing *one)
{
	char *copy = strdup(fname);

	if (!copy)
		return;
	osfs_leaf_lock(&c->spot_lock);
	struct spot *sp = &c->spots[c->next_spot++ % MAX_SPOTS];
	free(sp->fname);
	osfs_listing_put(sp->one);
	sp->kind = kind;
	sp->fname = copy;
	sp->one = osfs_listing_hold(one);
	osfs_leaf_unlock(&c->spot_lock);
}

/* The one resource named exactly `name`, asked of the API alone. */
static int fetch_named(struct osfs_cache *c, enum osfs_kind_id kind, const char *name,
		       struct osfs_listing **out)
{
	struct osfs_res *match = NULL;
	int ret = osfs_fetch_named(c->api, kind, name, &match);

	*out = NULL;
	if (ret < 0 || !match)
		return ret;
	*out = osfs_slot_single(c, kind, match, NULL);
	return *out ? 0 : -ENOMEM;
}

/* When the stale listing knew fname under its own name, its id is known:
 * GET <show_path> of that id is the cheapest question there is.  *out is
 * NULL when that cannot tell (unknown, renamed, or a shared name). */
static int fetch_known(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname,
		       const char *name, struct osfs_listing **out)
{
	struct slot *s = &c->slots[kind];
	struct osfs_res *old = NULL;
	struct osfs_listing *stale = NULL;
	int ret = 0;

	*out = NULL;
	osfs_slot_lock(&s->lock);
	if (s->cur)
		stale = osfs_listing_hold(s->cur);
	osfs_slot_unlock(&s->lock);
	if (stale)
		old = osfs_listing_find(stale, fname);
	if (old && old->name && strcmp(old->name, name) == 0) {
		ret = osfs_slot_fetch_one(c, kind, old, out);
		if (ret == 0 && (!(*out)->items[0]->name || strcmp((*out)->items[0]->name, name) != 0)) {
			osfs_listing_put(*out); /* renamed since: ask by name */
			*out = NULL;
		}
		if (ret == -ENOENT)
			ret = 0; /* gone: the name may now be another's */
	}
	osfs_listing_put(stale);
	return ret;
}

int osfs_cache_spot(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname,
		    struct osfs_listing **out)
{
	char *name;
	int ret;

	*out = NULL;
	if (!osfs_kinds[kind].name_query)
		return 0;
	if ((*out = spot_find(c, kind, fname))) {
		osfs_stat_inc(cache_hits);
		return 0;
	}
	if (listing_preferred(c, kind))
		return 0;
	name = osfs_name_decode(fname);
	if (!name)
		return 0;
	ret = fetch_known(c, kind, fname, name, out);
	if (ret == 0 && !*out)
		ret = fetch_named(c, kind, name, out);
	free(name);
	if (ret < 0 || !*out) /* let the full listing decide, unless the API is failing */
		return ret == -ENOMEM || osfs_slot_transient(ret) ? ret : 0;
	if (strcmp((*out)->items[0]->fname, fname) != 0) {
		osfs_listing_put(*out); /* encoded differently: not this file */
		*out = NULL;
		return 0;
	}
	spot_keep(c, kind, fname, *out);
	return 0;
}
