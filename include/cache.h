/* cache.h - listings of each kind, shared by every reader for a TTL.
 *
 * A listing is an immutable, refcounted snapshot of one kind: all its
 * resources, named (names.c) and sorted by file name and by id.  When the
 * snapshot is older than the kind's TTL, the next reader fetches all pages
 * again; readers arriving meanwhile wait for that one fetch (single-flight)
 * and share its result or its error.  A generation counter makes sure a
 * fetch that started before an invalidation is not taken as fresh.
 */
#ifndef OSFS_CACHE_H
#define OSFS_CACHE_H

#include <stdatomic.h>
#include <stddef.h>

#include "api.h"
#include "kinds.h"
#include "model.h"

struct osfs_listing {
	atomic_int refs;
	enum osfs_kind_id kind;
	double fetched;            /* wall-clock seconds of the fetch */
	struct osfs_res **items;   /* sorted by fname */
	size_t n;
	struct osfs_res **by_id;   /* the same, sorted by id */
	bool single;               /* one resource fetched alone (watch, spot) */
};

struct osfs_cache;

/* ttl[k] in seconds (0: use the kind's default).  Keeps api. */
struct osfs_cache *osfs_cache_new(struct osfs_api *api, const double ttl[OSFS_NKINDS]);
void osfs_cache_free(struct osfs_cache *cache);

/* A listing of `kind` no older than its TTL (a new reference).  Returns 0
 * or -errno with a malloc'd reason in *msg (if msg). */
int osfs_cache_list(struct osfs_cache *cache, enum osfs_kind_id kind,
		    struct osfs_listing **out, char **msg);

/* Forget `kind` (-1: every kind): the next osfs_cache_list fetches. */
void osfs_cache_invalidate(struct osfs_cache *cache, int kind);

enum osfs_change { OSFS_CHANGED, OSFS_ADDED, OSFS_REMOVED };
typedef void (*osfs_cache_observer)(void *ctx, enum osfs_kind_id kind, const char *fname, enum osfs_change what);
/* Called (from a fetching thread, no cache lock held) for each resource a refresh found changed, added or removed. */
void osfs_cache_observe(struct osfs_cache *cache, osfs_cache_observer fn, void *ctx);

double osfs_cache_ttl(const struct osfs_cache *cache, enum osfs_kind_id kind);

void osfs_listing_put(struct osfs_listing *l);

/* Borrowed lookups in a listing (NULL when absent). */
struct osfs_res *osfs_listing_find(const struct osfs_listing *l, const char *fname);
struct osfs_res *osfs_listing_find_id(const struct osfs_listing *l, const char *id);

/* Build a listing from parsed resources (takes them); exported for tests. */
struct osfs_listing *osfs_listing_new(enum osfs_kind_id kind, struct osfs_res **items, size_t n);


/* --- following one resource closely after a write --- */

/* Watch resource `id`: until it settles (no task_state, not BUILD) or for
 * at most OSFS_WATCH_MAX_S, osfs_cache_fresh fetches it directly. */
#define OSFS_WATCH_MAX_S 900
void osfs_cache_watch(struct osfs_cache *cache, enum osfs_kind_id kind, const char *id);

/* When r is watched: a one-resource listing fetched with GET <show_path>
 * (a new reference in *out; its item keeps r's file name), at most 0.5 s
 * old while the resource changes, kept once it settled until the kind's
 * listing is newer.  Returns 0 with *out NULL when r is not watched;
 * -ENOENT when the resource is gone. */
int osfs_cache_fresh(struct osfs_cache *cache, enum osfs_kind_id kind,
		     const struct osfs_res *r, struct osfs_listing **out);

/* --- one name while the listing is stale --- */

/* The resource whose file name is fname, found with ONE filtered request
 * (GET /servers/detail?name=^X$) instead of every page, when the kind's
 * listing is stale and the kind can filter by name.  Answers are kept for
 * the kind's TTL.  Returns 0 with *out a one-resource listing (a new
 * reference); 0 with *out NULL when the caller should use the full listing
 * (it is fresh, or the name is not unique, or not found this way); or
 * -errno. */
int osfs_cache_spot(struct osfs_cache *cache, enum osfs_kind_id kind, const char *fname,
		    struct osfs_listing **out);

#endif
