/* cache_int.h - what the files of the cache share (internal to fs/cache/).
 *
 * The cache is four files over one struct osfs_cache, each calling only
 * those listed after it, so that no two call each other:
 *   cache.c    the entry points: make and free the cache, osfs_cache_list
 *   spot.c     one name looked up alone while the listing is stale
 *   watch.c    resources followed closely after a write
 *   refresh.c  refreshing a kind: plan, ask, merge, its thread, and the
 *              scheduler that refreshes kinds in use in the background
 *   store.c    the slot store: what each kind holds, the lock order,
 *              merging answers in, invalidation, the single names held,
 *              the listings kept for the next generation
 *
 * Lock order (outer first), checked in debug builds (osfs_slot_lock,
 * osfs_leaf_lock):
 *   1. a slot's merge_lock, 2. the same slot's lock (never two slots'),
 *      then only the leaves of other modules (the kind's name map, events);
 *      the listings kept for the next generation (listkeep.c) take their
 *      own leaf lock under a merge_lock, never under a slot's lock;
 *   watch_lock, spot_lock, observer_lock, bg_lock: the cache's "leaves".
 *      A thread holds at most one of them, takes none under a slot lock
 *      and no slot lock under one; under observer_lock only the observer's
 *      own locks (notify.c's).  So a lookup waiting for watch_lock never
 *      waits behind a merge.
 * The daemon's other locks are taken around the cache, never inside it:
 * callers may hold none of the cache's locks (none leaves the cache).
 */
#ifndef OSFS_CACHE_INT_H
#define OSFS_CACHE_INT_H

#include "cache.h"
#include "osfs_model.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define MAX_WATCHES 1024
#define MAX_SPOTS 256
#define FAIL_HOLD_S 1.0       /* a failed fetch answers its error this long */
#define STALE_TTLS 2.0        /* a stale listing is served this many TTLs old ... */
#define STALE_BG_TTLS 10.0    /* ... and so many with background refreshes */

struct slot {
	pthread_mutex_t merge_lock; /* held while a new `cur` is built from the old
				     * (order 1) */
	pthread_mutex_t lock;       /* protects every field below (order 2) */
	pthread_cond_t done;
	struct osfs_listing *cur;   /* immutable; may be NULL */
	bool fetching;
	bool must_refresh;          /* invalidated: readers wait for a refresh */
	bool must_resync;           /* the next refresh is a full listing */
	double resynced;            /* when the last full listing was asked for (monotonic) */
	double refused_at;          /* when the API last refused a delta (monotonic), or 0 */
	long long since;            /* next changes-since (API clock), 0: none */
	double skew;                /* our clock minus the API's, at the last answer */
	unsigned long fetch_seq;    /* bumped by every finished fetch */
	int last_err;               /* result of the last fetch */
	struct osfs_err last_msg;
	double failed_at;           /* when the last fetch failed (monotonic), or 0 */
	unsigned spots;             /* single-name fetches since the last fetch */
	pthread_t worker;           /* the last refresh's thread */
	bool worker_live;           /* worker must be joined */
	bool kept_read;             /* under merge_lock: the last generation's listing
				     * was looked for (listkeep.h) */
	struct osfs_netprobe *probe;/* kinds with neutron_resync; set once at
				     * creation, used only by the refresh in flight
				     * (single-flight), no lock */
	unsigned long changes;      /* bumped by every merge that changed cur */
	unsigned long kept_changes; /* under merge_lock: `changes` when cur was last
				     * written for the next generation */
	bool kept_any;              /* under merge_lock: one was written */
	_Atomic double read_at;     /* the last osfs_cache_list (monotonic), 0: never;
				     * atomic, no lock */
};

/* A resource followed after a write; all fields protected by watch_lock. */
struct watch {
	enum osfs_kind_id kind;
	char *id;
	double until;               /* monotonic */
	bool fetching;
	bool settled;               /* `one` no longer changes by itself */
	struct osfs_listing *one;   /* last direct fetch, or NULL */
	int field;                  /* not settled while this field ... */
	char *was;                  /* ... still reads this (field -1: none) */
};

/* A name looked up alone; all fields protected by spot_lock. */
struct spot {
	enum osfs_kind_id kind;
	char *fname;
	struct osfs_listing *one;
};

struct osfs_cache {
	struct osfs_api *api;
	struct osfs_events *events;
	pthread_mutex_t observer_lock;  /* protects observer and its ctx; held
					 * while one is called (a leaf: only the
					 * observer's own locks under it) */
	osfs_cache_observer observer;
	void *observer_ctx;
	double wait_s;                  /* longest wait for another's fetch */
	_Atomic double api_skew;        /* our clock minus the API's, at the last
					 * answer that had a Date */
	pthread_mutex_t spot_lock;      /* protects spots, next_spot (a leaf) */
	struct spot spots[MAX_SPOTS];
	unsigned next_spot;
	double ttl[OSFS_NKINDS];
	struct slot slots[OSFS_NKINDS];
	struct osfs_names *names[OSFS_NKINDS]; /* file names handed out (own lock) */
	struct osfs_listkeep *keep;     /* the listings kept across restarts, or
					 * NULL; set before any refresh */
	pthread_mutex_t watch_lock;     /* protects watches, nwatches (a leaf) */
	pthread_cond_t watch_done;
	struct watch watches[MAX_WATCHES];
	size_t nwatches;
	double active_s;                /* a kind read this recently is refreshed in
					 * the background (0: never); set before any read */
	pthread_mutex_t bg_lock;        /* protects the bg_ fields (a leaf) */
	pthread_cond_t bg_wake;         /* CLOCK_MONOTONIC */
	bool bg_live, bg_stop, bg_poked;
	pthread_t bg_thread;
};

/* What an answer merged into a slot covers. */
enum answer {
	ANSWER_ALL,      /* the whole collection */
	ANSWER_CHANGES,  /* every change since a time: the listing is as fresh as it */
	ANSWER_SOME,     /* a few resources fetched alone: the listing's age stays */
};

/* ---- store.c ---- */

/* Take and drop a slot's lock (merge_lock or lock) or a leaf lock, in the
 * order above (asserted in debug builds). */
void osfs_slot_lock(pthread_mutex_t *m);
void osfs_slot_unlock(pthread_mutex_t *m);
void osfs_leaf_lock(pthread_mutex_t *m);
void osfs_leaf_unlock(pthread_mutex_t *m);

/* Merge got (taken) into the slot's listing and publish the result.
 * 0 or -ENOMEM. */
int osfs_slot_merge(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_res **got,
		    size_t n, double fetched, enum answer what);

/* Failures that the kernel's next operation would only repeat at once. */
bool osfs_slot_transient(int err);
bool osfs_slot_failure_held(const struct slot *s);
/* May a reader take the slot's listing as it is?  Under its lock. */
bool osfs_slot_usable(struct osfs_cache *c, enum osfs_kind_id kind, double stale);
/* The last fetch's error, its message in err (if err). */
int osfs_slot_error(struct slot *s, struct osfs_err *err);

/* The listings kept across restarts (listkeep.h): take the last
 * generation's once, write ours after a refresh. */
bool osfs_slot_keep_restore(struct osfs_cache *c, enum osfs_kind_id kind);
void osfs_slot_keep_write(struct osfs_cache *c, enum osfs_kind_id kind);

/* One resource alone: a listing of r (taken), fetched by id, and what a
 * direct fetch saw going into the listing and the single names held. */
struct osfs_listing *osfs_slot_single(struct osfs_cache *c, enum osfs_kind_id kind,
				      struct osfs_res *r, const char *fname);
int osfs_slot_fetch_one(struct osfs_cache *c, enum osfs_kind_id kind, const struct osfs_res *r,
			struct osfs_listing **out);
void osfs_spots_learn(struct osfs_cache *c, enum osfs_kind_id kind, const char *id,
		      struct osfs_listing *one);
void osfs_slot_learn(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_listing *one);
void osfs_slot_forget(struct osfs_cache *c, enum osfs_kind_id kind, const char *id);

/* ---- refresh.c ---- */

/* How many TTLs old a stale listing is served while it is refreshed. */
double osfs_refresh_stale_ttls(const struct osfs_cache *c);
/* Start a refresh of kind, under its slot's lock, none running; wait
 * for the one in flight at most wait_s (0 or -ETIMEDOUT). */
void osfs_refresh_start(struct osfs_cache *c, enum osfs_kind_id kind);
int osfs_refresh_wait(struct osfs_cache *c, struct slot *s);
/* A reader of kind: it is in use (the scheduler takes it up); stop the
 * scheduler (before the cache is freed). */
void osfs_refresh_read(struct osfs_cache *c, enum osfs_kind_id kind);
void osfs_refresh_stop(struct osfs_cache *c);

/* ---- watch.c ---- */

/* Free every watch (the cache is being freed). */
void osfs_watches_free(struct osfs_cache *c);

#endif
