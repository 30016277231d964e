/* cache.h - listings of each kind, shared by every reader for a TTL.
 *
 * A listing (listing.h) is an immutable snapshot of one kind.  When it is
 * older than the kind's TTL it is refreshed: by a delta (Nova's
 * changes-since) once a full listing is loaded, else by listing
 * everything; the answer is merged, so unchanged resources stay the same
 * objects with the same mtime.  One refresh runs at a time (single-flight).
 * With background refreshes (osfs_cache_set_active) a kind in use is
 * refreshed every TTL without a reader, and readers take the listing there
 * is while it is younger than 10 TTLs; without, the first reader to find
 * it stale starts the refresh and others keep the listing they have while
 * it is younger than twice the TTL.  Otherwise (a cold kind, or the cloud
 * not answering) readers wait for the refresh, never longer than the
 * request timeout.  An invalidation (after a write) makes the next reader
 * wait for a refresh; a full resync runs every few minutes, on SIGHUP
 * (osfs_cache_resync) and when a delta cannot be trusted.  The files are
 * listed in cache_int.h.
 */
#ifndef OSFS_CACHE_H
#define OSFS_CACHE_H

#include <stdatomic.h>
#include <stddef.h>

#include "osfs_net.h"
#include "osfs_model.h"

struct osfs_cache;

/* ttl[k] in seconds (0: use the kind's default).  Keeps api. */
struct osfs_cache *osfs_cache_new(struct osfs_api *api, const double ttl[OSFS_NKINDS]);
void osfs_cache_free(struct osfs_cache *cache);

/* Keep every kind's listing in fd, the supervisor's memory file, for the
 * next generation, and take the last generation's from it (listkeep.h).
 * Before the first read. */
void osfs_cache_keep(struct osfs_cache *cache, int fd);

/* A listing of `kind` no older than its TTL (a new reference).  Returns 0
 * or -errno with a reason in err (if err; err.h). */
int osfs_cache_list(struct osfs_cache *cache, enum osfs_kind_id kind,
		    struct osfs_listing **out, struct osfs_err *err);

/* `kind` (-1: every kind) changed through us: the next osfs_cache_list
 * waits for a refresh (a delta where there is one). */
void osfs_cache_invalidate(struct osfs_cache *cache, int kind);

/* Every kind: the next refresh lists everything (SIGHUP). */
void osfs_cache_resync(struct osfs_cache *cache);

double osfs_cache_ttl(const struct osfs_cache *cache, enum osfs_kind_id kind);

/* The longest a reader waits for a refresh another started (default 30 s;
 * the mount's request timeout). */
void osfs_cache_set_wait(struct osfs_cache *cache, double seconds);

/* Refresh every kind read in the last `seconds` in the background, every
 * TTL (a thread of the cache's, started by the first read); readers then
 * take the listing there is when it is younger than 10 TTLs, and an idle
 * kind costs nothing.  0 (the default): a stale listing is refreshed when
 * a reader finds it so.  Before the first read. */
void osfs_cache_set_active(struct osfs_cache *cache, double seconds);

/* How long the kernel may keep what it was told of kind's resources: their
 * TTL, or with background refreshes (which tell the observer of every
 * change) as long as the kind stays in use, at most 10 TTLs. */
double osfs_cache_hold(const struct osfs_cache *cache, enum osfs_kind_id kind);

/* The events file of resource `id` (NULL: the whole cloud); caller frees. */
char *osfs_cache_events(struct osfs_cache *cache, const char *id);

typedef void (*osfs_cache_observer)(void *ctx, enum osfs_kind_id kind, const char *fname,
				    enum osfs_change what);
/* Called (from a refreshing thread) for each resource a refresh found
 * changed, added or removed, once the new values are served (fname NULL:
 * anything in the kind may have changed); fn must not call the cache.  After
 * osfs_cache_observe(cache, NULL, NULL) returns, the old fn is not running. */
void osfs_cache_observe(struct osfs_cache *cache, osfs_cache_observer fn, void *ctx);


/* --- following one resource closely after a write --- */

/* Watch resource `id`: until it settles (no task_state, not BUILD) or for
 * at most OSFS_WATCH_MAX_S, osfs_cache_fresh fetches it directly. */
#define OSFS_WATCH_MAX_S 900
void osfs_cache_watch(struct osfs_cache *cache, enum osfs_kind_id kind, const char *id);

/* The same for a change the API shows late (Nova hears of a floating IP
 * from Neutron seconds after the call, and its `updated` stays): also
 * until field `file` no longer reads as in `before`, at most
 * OSFS_WATCH_LATE_S. */
#define OSFS_WATCH_LATE_S 120
void osfs_cache_watch_field(struct osfs_cache *cache, enum osfs_kind_id kind,
			    const struct osfs_res *before, const char *file);

/* When r is watched: a one-resource listing fetched with GET <show_path>
 * (a new reference in *out; its item keeps r's file name), at most 0.5 s
 * old while the resource changes, kept once it settled until the kind's
 * listing is newer.  Returns 0 with *out NULL when r is not watched;
 * -ENOENT when the resource is gone. */
int osfs_cache_fresh(struct osfs_cache *cache, enum osfs_kind_id kind,
		     const struct osfs_res *r, struct osfs_listing **out);

/* --- one name while the listing is stale --- */

/* The user created the resource `id` under the file name fname (mkdir,
 * then boot): it gets fname even if a resource now gone had it, unless
 * the kind's listing shows another resource under fname.  0 or -ENOMEM. */
int osfs_cache_name_created(struct osfs_cache *cache, enum osfs_kind_id kind, const char *fname,
			    const char *id);

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
