/* cache.c - per-kind listings: TTL, refresh by deltas, single-flight.
 *
 * Each kind has a slot.  A listing older than the kind's TTL is brought up
 * to date by the first reader that finds it so (a delta where the API has
 * one, else a full listing merged into it); readers arriving meanwhile
 * keep the listing they would have had, as long as it is younger than
 * twice the TTL, so a walk never waits for a re-listing midway.  A full
 * resync runs every kind's `resync` seconds (`neutron_resync` while
 * Neutron's probe names what Nova's deltas miss), after SIGHUP and after a
 * delta that cannot be trusted.  The requests themselves are fetch.c's.
 *
 * Lock order (outer first), checked in debug builds (slot_lock, leaf_lock):
 *   1. a slot's merge_lock, 2. the same slot's lock (never two slots'),
 *      then only the leaves of other modules (the kind's name map, events);
 *      the listings kept for the next generation (listkeep.c) take their
 *      own leaf lock under a merge_lock, never under a slot's lock;
 *   watch_lock, spot_lock, observer_lock: "leaves" of this file.  A thread
 *      holds at most one of them, takes none under a slot lock and no slot
 *      lock under one; under observer_lock only the observer's own locks
 *      (notify.c's).  So a lookup waiting for watch_lock never waits
 *      behind a merge.
 * The daemon's other locks are taken around the cache, never inside it:
 * callers may hold none of the cache's locks (none leaves this file).
 */
#include "cache.h"
#include "osfs_base.h"
#include "osfs_clients.h"
#include "events.h"
#include "listkeep.h"
#include "osfs_model.h"

#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The lock order above, asserted: how many slot and leaf locks this
 * thread holds. */
#ifdef NDEBUG
#define HELD(counter, d) ((void)0)
#else
static _Thread_local int slots_held, leaves_held;
#define HELD(counter, d) ((counter) += (d))
#endif

static void slot_lock(pthread_mutex_t *m)
{
	assert(leaves_held == 0);
	pthread_mutex_lock(m);
	HELD(slots_held, 1);
}

static void slot_unlock(pthread_mutex_t *m)
{
	HELD(slots_held, -1);
	pthread_mutex_unlock(m);
}

static void leaf_lock(pthread_mutex_t *m)
{
	assert(leaves_held == 0 && slots_held == 0);
	pthread_mutex_lock(m);
	HELD(leaves_held, 1);
}

static void leaf_unlock(pthread_mutex_t *m)
{
	HELD(leaves_held, -1);
	pthread_mutex_unlock(m);
}

#define FAIL_HOLD_S 1.0       /* a failed fetch answers its error this long */
#define MAX_SPOTS_PER_FETCH 8 /* then one full listing is cheaper */
#define DELTA_MARGIN_S 2      /* changes-since starts this much before the last answer */
#define CLOCK_JUMP_S 30.0     /* our clock moved this much against the API's: resync */

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
	char *last_msg;
	double failed_at;           /* when the last fetch failed (monotonic), or 0 */
	unsigned spots;             /* single-name fetches since the last fetch */
	pthread_t worker;           /* the last refresh's thread */
	bool worker_live;           /* worker must be joined */
	bool kept_read;             /* under merge_lock: the last generation's listing
				     * was looked for (listkeep.h) */
	struct osfs_netprobe *probe;/* kinds with neutron_resync; set once at
				     * creation, used only by the refresh in flight
				     * (single-flight), no lock */
};

#define MAX_WATCHES 1024
#define FRESH_S 0.5

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

/* Free what a watch owns. */
static void watch_clear(struct watch *w)
{
	free(w->id);
	free(w->was);
	osfs_listing_put(w->one);
}

#define MAX_SPOTS 256

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
					 * while one is called (a leaf of this
					 * file: only the observer's own locks
					 * under it) */
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
};

struct osfs_cache *osfs_cache_new(struct osfs_api *api, const double ttl[OSFS_NKINDS])
{
	struct osfs_cache *c = calloc(1, sizeof(*c));
	pthread_condattr_t mono;

	if (!c || !(c->events = osfs_events_new())) {
		free(c);
		return NULL;
	}
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC); /* refresh_wait: an age */
	c->api = api;
	c->wait_s = 30;
	atomic_init(&c->api_skew, 0.0);
	for (int k = 0; k < OSFS_NKINDS; k++) {
		c->ttl[k] = ttl && ttl[k] > 0 ? ttl[k] : osfs_kinds[k].ttl;
		pthread_mutex_init(&c->slots[k].merge_lock, NULL);
		pthread_mutex_init(&c->slots[k].lock, NULL);
		pthread_cond_init(&c->slots[k].done, &mono);
		if (osfs_kinds[k].neutron_resync)
			c->slots[k].probe = osfs_netprobe_new();
	}
	pthread_condattr_destroy(&mono);
	pthread_mutex_init(&c->watch_lock, NULL);
	pthread_cond_init(&c->watch_done, NULL);
	pthread_mutex_init(&c->spot_lock, NULL);
	pthread_mutex_init(&c->observer_lock, NULL);
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (!(c->names[k] = osfs_names_new())) {
			osfs_cache_free(c);
			return NULL;
		}
	}
	return c;
}

void osfs_cache_free(struct osfs_cache *c)
{
	if (!c)
		return;
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (c->slots[k].worker_live)
			pthread_join(c->slots[k].worker, NULL);
		osfs_listing_put(c->slots[k].cur);
		osfs_netprobe_free(c->slots[k].probe);
		free(c->slots[k].last_msg);
		pthread_mutex_destroy(&c->slots[k].merge_lock);
		pthread_mutex_destroy(&c->slots[k].lock);
		pthread_cond_destroy(&c->slots[k].done);
		osfs_names_free(c->names[k]);
	}
	osfs_listkeep_free(c->keep);
	for (size_t i = 0; i < c->nwatches; i++)
		watch_clear(&c->watches[i]);
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		free(c->spots[i].fname);
		osfs_listing_put(c->spots[i].one);
	}
	pthread_mutex_destroy(&c->watch_lock);
	pthread_cond_destroy(&c->watch_done);
	pthread_mutex_destroy(&c->spot_lock);
	pthread_mutex_destroy(&c->observer_lock);
	osfs_events_free(c->events);
	free(c);
}

double osfs_cache_ttl(const struct osfs_cache *c, enum osfs_kind_id kind)
{
	return c->ttl[kind];
}

void osfs_cache_observe(struct osfs_cache *c, osfs_cache_observer fn, void *ctx)
{
	/* once this returns, no call to the old observer is running */
	leaf_lock(&c->observer_lock);
	c->observer = fn;
	c->observer_ctx = ctx;
	leaf_unlock(&c->observer_lock);
}

void osfs_cache_set_wait(struct osfs_cache *c, double seconds)
{
	if (seconds > 0)
		c->wait_s = seconds;
}

char *osfs_cache_events(struct osfs_cache *c, const char *id)
{
	return osfs_events_read(c->events, id);
}

/* ---- merging answers into the slot ---- */

/* The changes of one merge, told to the observer once the new listing is
 * published, so that what the kernel asks again finds the new values. */
struct change {
	enum osfs_change what;
	char *fname;
};

struct merge_ctx {
	struct osfs_cache *cache;
	struct change *changes;
	size_t n, cap;
	bool lost;                  /* out of memory: tell the whole kind */
};

static void change_add(struct merge_ctx *m, enum osfs_change what, const char *fname)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct change *grown = realloc(m->changes, cap * sizeof(*grown));
		if (!grown) {
			m->lost = true;
			return;
		}
		m->changes = grown;
		m->cap = cap;
	}
	if (!(m->changes[m->n].fname = strdup(fname))) {
		m->lost = true;
		return;
	}
	m->changes[m->n++].what = what;
}

static void observe(void *ctx, enum osfs_kind_id kind, const struct osfs_res *old,
		    const struct osfs_res *new_)
{
	struct merge_ctx *m = ctx;

	osfs_events_note(m->cache->events, kind, old, new_);
	if (old && new_ && strcmp(old->fname, new_->fname) == 0) {
		change_add(m, OSFS_CHANGED, new_->fname);
		return;
	}
	if (old)
		change_add(m, OSFS_REMOVED, old->fname);
	if (new_)
		change_add(m, OSFS_ADDED, new_->fname);
}

/* Tell the observer, and free the list. */
static void changes_tell(struct merge_ctx *m, enum osfs_kind_id kind)
{
	struct osfs_cache *c = m->cache;

	leaf_lock(&c->observer_lock);
	for (size_t i = 0; c->observer && i < m->n; i++)
		c->observer(c->observer_ctx, kind, m->changes[i].fname, m->changes[i].what);
	if (c->observer && m->lost)
		c->observer(c->observer_ctx, kind, NULL, OSFS_CHANGED);
	leaf_unlock(&c->observer_lock);
	for (size_t i = 0; i < m->n; i++)
		free(m->changes[i].fname);
	free(m->changes);
}

/* What an answer merged into a slot covers. */
enum answer {
	ANSWER_ALL,      /* the whole collection */
	ANSWER_CHANGES,  /* every change since a time: the listing is as fresh as it */
	ANSWER_SOME,     /* a few resources fetched alone: the listing's age stays */
};

/* Merge got (taken) into the slot's listing and publish the result.
 * 0 or -ENOMEM. */
static int slot_merge(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_res **got,
		      size_t n, double fetched, enum answer what)
{
	bool complete = what == ANSWER_ALL;
	struct slot *s = &c->slots[kind];
	struct merge_ctx ctx = { .cache = c };
	struct osfs_listing *base, *fresh;

	slot_lock(&s->merge_lock);
	slot_lock(&s->lock);
	base = s->cur ? osfs_listing_hold(s->cur) : NULL;
	slot_unlock(&s->lock);
	if (!base && !complete) {
		for (size_t i = 0; i < n; i++) /* nothing to bring up to date */
			osfs_res_free(got[i]);
		free(got);
		slot_unlock(&s->merge_lock);
		return 0;
	}
	/* the first listing of a kind changes nothing anyone has seen */
	fresh = osfs_listing_merge(kind, c->names[kind], base, got, n, fetched, complete,
				   base ? observe : NULL, &ctx);
	if (fresh) {
		if (what == ANSWER_SOME) {
			fresh->fetched = base->fetched;
			fresh->arrived = base->arrived;
		}
		slot_lock(&s->lock);
		osfs_listing_put(s->cur);
		s->cur = fresh;
		slot_unlock(&s->lock);
	}
	slot_unlock(&s->merge_lock);
	osfs_listing_put(base);
	changes_tell(&ctx, kind);
	return fresh ? 0 : -ENOMEM;
}

/* ---- refreshing a kind ---- */

/* How a refresh asks (the kind's delta columns, kinds.h). */
enum how {
	HOW_ALL,    /* the whole list */
	HOW_SINCE,  /* what changed since a time (delta_param) */
	HOW_REVS,   /* every id with its revision, then what changed by id */
};

struct refresh {
	enum how how;
	long long since;
	double started;      /* wall clock: against the API's, and as the listing's `fetched` */
	double started_mono; /* the same moment, for intervals */
};

#define COUNT_DIFFERS 1 /* refresh_run: a count says the delta missed a deletion */

/* After a delta, when deletions do not show in it: does the count of what
 * the API holds agree with the listing's?  0, COUNT_DIFFERS or -errno. */
static int count_check(struct osfs_cache *c, enum osfs_kind_id kind, char **msg)
{
	struct slot *s = &c->slots[kind];
	long long count = 0;
	size_t held;
	int ret;

	if (!osfs_kinds[kind].count_path)
		return 0;
	if (osfs_api_version_refused(c->api, osfs_kinds[kind].svc))
		return COUNT_DIFFERS; /* the delta was a plain listing: it shows no deletion */
	if ((ret = osfs_fetch_count(c->api, kind, &count, msg)) < 0)
		return ret;
	slot_lock(&s->lock);
	held = s->cur ? s->cur->n : 0;
	slot_unlock(&s->lock);
	if ((long long)held == count)
		return 0;
	log_debug("%s: %lld in the cloud, %zu listed: listing everything", osfs_kinds[kind].dir,
		  count, held);
	return COUNT_DIFFERS;
}

/* The answer to r's question, in all: 0, OSFS_DELTA_RESYNC (merge it,
 * then list everything) or -errno. */
static int refresh_ask(struct osfs_cache *c, enum osfs_kind_id kind, const struct refresh *r,
		       struct osfs_page *all, long long *date, char **msg)
{
	struct slot *s = &c->slots[kind];
	struct osfs_listing *base = NULL;
	int ret;

	if (r->how == HOW_SINCE) {
		ret = osfs_delta_since(c->api, kind, r->since, all, date, msg);
		return ret == 0 && s->probe ? osfs_delta_addresses(c->api, kind, s->probe, all, msg)
					   : ret;
	}
	if (r->how == HOW_ALL && s->probe)
		osfs_delta_probe_learn(c->api, s->probe); /* before: what follows, it names */
	if (r->how == HOW_ALL)
		return osfs_fetch_all(c->api, kind, NULL, all, date, msg);
	slot_lock(&s->lock);
	if (s->cur)
		base = osfs_listing_hold(s->cur);
	slot_unlock(&s->lock);
	ret = osfs_delta_revisions(c->api, kind, base, all, date, msg);
	osfs_listing_put(base);
	return ret;
}

/* One refresh of `kind` as planned in r; merges its answer.  Called by
 * the one reader that set s->fetching, without slot locks.  0,
 * COUNT_DIFFERS (merged; a full listing must follow) or -errno. */
static int refresh_run(struct osfs_cache *c, enum osfs_kind_id kind, struct refresh *r,
		       long long *date, char **msg)
{
	struct osfs_page all;
	int ret = refresh_ask(c, kind, r, &all, date, msg);
	bool resync = ret == OSFS_DELTA_RESYNC;

	if (resync)
		ret = 0;
	if (ret == 0) {
		/* by revision, the answer names every resource there is */
		ret = slot_merge(c, kind, all.items, all.n, r->started,
				 r->how == HOW_SINCE ? ANSWER_CHANGES : ANSWER_ALL);
		all.items = NULL;
		all.n = 0;
	}
	osfs_page_free(&all);
	if (r->how == HOW_ALL)
		malloc_trim(0); /* parsing left the heap full of JSON-sized holes */
	if (ret == 0 && r->how == HOW_SINCE)
		ret = count_check(c, kind, msg);
	return ret == 0 && resync ? COUNT_DIFFERS : ret;
}

/* How often a kind with deltas is listed in full: rarely while Neutron's
 * probe names what Nova's deltas miss. */
static double resync_every(const struct slot *s, const struct osfs_kind *k)
{
	return osfs_netprobe_ready(s->probe) ? k->neutron_resync : k->resync;
}

/* Which question a refresh asks, under s->lock. */
static enum how plan_how(struct osfs_cache *c, enum osfs_kind_id kind, double now)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct slot *s = &c->slots[kind];

	if (!osfs_kind_has_delta(k) || !s->cur || s->must_resync || now - s->resynced >= resync_every(s, k) ||
	    (s->refused_at && now - s->refused_at < k->resync) || (k->version && osfs_api_version_refused(c->api, k->svc)))
		return HOW_ALL;
	if (k->rev_query)
		return HOW_REVS;
	return s->since ? HOW_SINCE : HOW_ALL;
}

/* Plan the refresh, under s->lock. */
static void refresh_plan(struct osfs_cache *c, enum osfs_kind_id kind, struct refresh *r)
{
	struct slot *s = &c->slots[kind];

	r->started = osfs_now_real();
	r->started_mono = osfs_now_mono();
	r->how = plan_how(c, kind, r->started_mono);
	r->since = s->since;
	if (r->how == HOW_ALL)
		s->resynced = r->started_mono;
}

/* After the refresh, under s->lock: where the next delta starts, and
 * whether the clocks still agree enough to trust one. */
static void refresh_done(struct osfs_cache *c, struct slot *s, const struct refresh *r, int ret,
			 long long date)
{
	/* an answer without a Date (Cinder under uwsgi): the clock of the
	 * last that had one, the same cloud's */
	long long api_now = date ? date : (long long)(r->started - atomic_load(&c->api_skew));
	double skew = r->started - (double)api_now;

	if (ret < 0) {
		s->must_resync = true;
		return;
	}
	if (r->how == HOW_SINCE && fabs(skew - s->skew) > CLOCK_JUMP_S) {
		log_warn("the clock moved %.0f s against the API's: next refresh lists everything",
			 skew - s->skew);
		s->must_resync = true;
	} else {
		s->must_resync = false;
	}
	s->skew = skew;
	s->since = api_now - DELTA_MARGIN_S;
	if (date)
		atomic_store(&c->api_skew, skew);
}

/* Failures that the kernel's next operation would only repeat at once. */
static bool transient(int err)
{
	static const int errs[] = { -ETIMEDOUT, -EAGAIN, -EIO, -ECONNREFUSED,
				    -EHOSTUNREACH, -EPROTO };

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (err == errs[i])
			return true;
	return false;
}

static bool failure_held(const struct slot *s)
{
	return s->failed_at && osfs_now_mono() - s->failed_at < FAIL_HOLD_S && transient(s->last_err);
}

/* May a reader take s->cur as it is?  Fresh, or (stale: while it is
 * refreshed) younger than twice the TTL.  Age counts from the answer's
 * arrival: a listing slower to fetch than its TTL is still served. */
static bool cur_usable(struct osfs_cache *c, enum osfs_kind_id kind, bool shared)
{
	struct slot *s = &c->slots[kind];
	double age = s->cur ? osfs_now_mono() - s->cur->arrived : 0;

	if (!s->cur || s->must_refresh)
		return false;
	return age < c->ttl[kind] || (shared && age < 2 * c->ttl[kind]);
}

static int slot_error(struct slot *s, char **msg)
{
	if (msg && s->last_msg)
		*msg = strdup(s->last_msg);
	return s->last_err;
}

/* A refresh in its own thread, so that every reader (the one that
 * started it too) waits for it at most c->wait_s. */
struct worker {
	struct osfs_cache *cache;
	enum osfs_kind_id kind;
	struct refresh plan;
};

/* The last generation's listing of kind, taken once, when this process
 * has none: then only what changed since is asked for.  Did it take one? */
static bool keep_restore(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	struct osfs_listkeep_state st;
	struct osfs_listing *l = NULL;
	bool took = false;

	slot_lock(&s->merge_lock);
	if (c->keep && !s->kept_read)
		l = osfs_listkeep_get(c->keep, kind, c->names[kind], &st);
	s->kept_read = true;
	slot_lock(&s->lock);
	if (l && !s->cur) {
		s->cur = l;
		s->since = st.since;
		s->skew = st.skew;
		s->resynced = st.resynced;
		l = NULL;
		took = true;
	}
	slot_unlock(&s->lock);
	slot_unlock(&s->merge_lock);
	osfs_listing_put(l);
	return took;
}

/* Keep kind's listing for the next generation, after a refresh. */
static void keep_write(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	struct osfs_listkeep_state st;
	struct osfs_listing *l;

	if (!c->keep)
		return;
	slot_lock(&s->merge_lock); /* in the order the listings were made */
	slot_lock(&s->lock);
	l = s->cur ? osfs_listing_hold(s->cur) : NULL;
	st = (struct osfs_listkeep_state){ s->since, s->skew, s->resynced };
	slot_unlock(&s->lock);
	if (l)
		osfs_listkeep_put(c->keep, kind, l, c->names[kind], &st);
	slot_unlock(&s->merge_lock);
	osfs_listing_put(l);
}

void osfs_cache_keep(struct osfs_cache *c, int fd)
{
	if (fd >= 0 && !c->keep)
		c->keep = osfs_listkeep_new(fd);
}

static void *refresh_main(void *arg)
{
	struct worker *w = arg;
	struct osfs_cache *c = w->cache;
	enum osfs_kind_id kind = w->kind;
	struct slot *s = &c->slots[kind];
	long long date = 0;
	char *msg = NULL;
	int ret;
	bool refused;

	if (w->plan.how == HOW_ALL && keep_restore(c, kind)) {
		slot_lock(&s->lock); /* what to ask, now that a listing is held */
		refresh_plan(c, kind, &w->plan);
		slot_unlock(&s->lock);
	}
	ret = refresh_run(c, w->kind, &w->plan, &date, &msg);
	refused = (ret == -EINVAL || ret == -ENOTSUP) && w->plan.how != HOW_ALL;

	if (refused)
		/* the API refused the delta (a 400): list everything instead,
		 * and only so for a while */
		log_warn("%s: %s refused; listing everything", osfs_kinds[w->kind].dir,
			 w->plan.how == HOW_SINCE ? osfs_kinds[w->kind].delta_param
						  : osfs_kinds[w->kind].rev_query);
	if (refused || ret == COUNT_DIFFERS) {
		free(msg);
		msg = NULL;
		w->plan.how = HOW_ALL;
		ret = refresh_run(c, w->kind, &w->plan, &date, &msg);
	}
	slot_lock(&s->lock);
	if (refused)
		s->refused_at = w->plan.started_mono;
	if (w->plan.how == HOW_ALL)
		s->resynced = w->plan.started_mono;
	s->spots = 0;
	s->failed_at = ret < 0 ? osfs_now_mono() : 0;
	s->last_err = ret;
	free(s->last_msg);
	s->last_msg = msg;
	refresh_done(c, s, &w->plan, ret, date);
	if (ret < 0)
		s->must_refresh = true; /* what we hold is older than the user may see */
	slot_unlock(&s->lock);
	free(w);
	/* while still `fetching`: the next refresh_start joins this thread
	 * under s->lock, which keep_write takes */
	if (ret >= 0)
		keep_write(c, kind);
	slot_lock(&s->lock);
	s->fetching = false;
	s->fetch_seq++;
	pthread_cond_broadcast(&s->done);
	slot_unlock(&s->lock);
	return NULL;
}

/* Start a refresh of `kind`; under s->lock, with no refresh running. */
static void refresh_start(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	struct worker *w = calloc(1, sizeof(*w));

	if (s->worker_live) /* finished: it cleared `fetching` */
		pthread_join(s->worker, NULL);
	s->worker_live = false;
	s->fetching = true;
	s->must_refresh = false;
	osfs_stat_inc(cache_misses);
	if (w) {
		*w = (struct worker){ c, kind, { 0 } };
		refresh_plan(c, kind, &w->plan);
		s->worker_live = pthread_create(&s->worker, NULL, refresh_main, w) == 0;
	}
	if (!s->worker_live) {
		free(w);
		s->fetching = false;
		s->failed_at = osfs_now_mono();
		s->last_err = -ENOMEM;
		pthread_cond_broadcast(&s->done);
	}
}

/* Wait for the refresh in flight, at most c->wait_s; under s->lock.
 * 0, or -ETIMEDOUT when it is still running. */
static int refresh_wait(struct osfs_cache *c, struct slot *s)
{
	struct timespec until;
	double t = osfs_now_mono() + c->wait_s; /* s->done waits on CLOCK_MONOTONIC */

	until.tv_sec = (time_t)t;
	until.tv_nsec = (long)((t - (double)until.tv_sec) * 1e9);
	while (s->fetching)
		if (pthread_cond_timedwait(&s->done, &s->lock, &until) == ETIMEDOUT)
			return s->fetching ? -ETIMEDOUT : 0;
	return 0;
}

int osfs_cache_list(struct osfs_cache *c, enum osfs_kind_id kind,
		    struct osfs_listing **out, char **msg)
{
	struct slot *s = &c->slots[kind];
	int ret = 0;

	if (msg)
		*msg = NULL;
	slot_lock(&s->lock);
	for (int round = 0; ; round++) {
		unsigned long seq;
		if (cur_usable(c, kind, false)) {
			osfs_stat_inc(cache_hits);
			break;
		}
		if (cur_usable(c, kind, true)) {
			/* stale but young: answer now, refresh behind the reader */
			if (!s->fetching && !failure_held(s))
				refresh_start(c, kind);
			osfs_stat_inc(cache_hits);
			break;
		}
		if (!s->fetching && failure_held(s)) {
			/* the kernel asks again at once after a failed lookup:
			 * do not make the user wait for the same failure twice */
			ret = slot_error(s, msg);
			goto out;
		}
		if (!s->fetching)
			refresh_start(c, kind);
		seq = s->fetch_seq;
		if ((ret = refresh_wait(c, s)) < 0) {
			if (msg && !*msg)
				*msg = strdup("the listing is still being fetched: the API is slow");
			goto out;
		}
		if (s->fetch_seq != seq && s->last_err < 0) {
			ret = slot_error(s, msg);
			goto out;
		}
		/* invalidated while it ran: one more refresh, then take what is there */
		if (s->cur && (!s->must_refresh || round > 0))
			break;
		if (round > 0) {
			ret = -EAGAIN;
			goto out;
		}
	}
	*out = osfs_listing_hold(s->cur);
out:
	slot_unlock(&s->lock);
	return ret;
}

static void spots_drop(struct osfs_cache *c, int kind)
{
	leaf_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		if (!c->spots[i].one || (kind >= 0 && (int)c->spots[i].kind != kind))
			continue;
		free(c->spots[i].fname);
		osfs_listing_put(c->spots[i].one);
		memset(&c->spots[i], 0, sizeof(c->spots[i]));
	}
	leaf_unlock(&c->spot_lock);
}

static void invalidate(struct osfs_cache *c, int kind, bool resync)
{
	spots_drop(c, kind);
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (kind >= 0 && k != kind)
			continue;
		slot_lock(&c->slots[k].lock);
		c->slots[k].must_refresh = true;
		c->slots[k].must_resync |= resync;
		slot_unlock(&c->slots[k].lock);
	}
}

void osfs_cache_invalidate(struct osfs_cache *c, int kind)
{
	invalidate(c, kind, false);
}

void osfs_cache_resync(struct osfs_cache *c)
{
	invalidate(c, -1, true);
}

/* ---- watches ---- */

static void watch_lock(struct osfs_cache *c)
{
	leaf_lock(&c->watch_lock);
}

static void watch_unlock(struct osfs_cache *c)
{
	leaf_unlock(&c->watch_lock);
}

static struct watch *watch_find_locked(struct osfs_cache *c, enum osfs_kind_id kind, const char *id)
{
	for (size_t i = 0; i < c->nwatches; i++)
		if (c->watches[i].kind == kind && strcmp(c->watches[i].id, id) == 0)
			return &c->watches[i];
	return NULL;
}

static void watch_drop_locked(struct osfs_cache *c, struct watch *w)
{
	size_t i = (size_t)(w - c->watches);

	watch_clear(w);
	memmove(w, w + 1, (c->nwatches - i - 1) * sizeof(*w));
	c->nwatches--;
}

/* The watch of (kind, id), made or started again; NULL when none can be
 * made.  When the table is full, the oldest watch goes, but only once its
 * kind was invalidated (forgetting a watch must not bring back old data):
 * `invalidated` names the kind the caller invalidated (-1: none); for
 * another, NULL with *evict set to it (else -1).  Under watch_lock. */
static struct watch *watch_start_locked(struct osfs_cache *c, enum osfs_kind_id kind, const char *id,
					int invalidated, int *evict)
{
	struct watch *w = watch_find_locked(c, kind, id);

	*evict = -1;
	if (!w && c->nwatches == MAX_WATCHES && !c->watches[0].fetching) {
		if ((int)c->watches[0].kind != invalidated) {
			*evict = (int)c->watches[0].kind;
			return NULL;
		}
		watch_drop_locked(c, &c->watches[0]);
	}
	if (!w && c->nwatches < MAX_WATCHES) {
		w = &c->watches[c->nwatches];
		memset(w, 0, sizeof(*w));
		w->kind = kind;
		w->id = strdup(id);
		if (w->id)
			c->nwatches++;
		else
			w = NULL;
	}
	if (w) {
		w->until = osfs_now_mono() + OSFS_WATCH_MAX_S;
		w->settled = false;
		w->field = -1;
		free(w->was);
		w->was = NULL;
		osfs_listing_put(w->one); /* read it again at once */
		w->one = NULL;
	}
	return w;
}

/* watch_start_locked, invalidating what an eviction needs between
 * holds of watch_lock (slot locks are never taken under it).  Called
 * and returns with watch_lock held. */
static struct watch *watch_start(struct osfs_cache *c, enum osfs_kind_id kind, const char *id)
{
	int invalidated = -1, evict;
	struct watch *w;

	while (!(w = watch_start_locked(c, kind, id, invalidated, &evict)) && evict >= 0) {
		watch_unlock(c);
		osfs_cache_invalidate(c, evict);
		invalidated = evict;
		watch_lock(c);
	}
	return w;
}

void osfs_cache_watch(struct osfs_cache *c, enum osfs_kind_id kind, const char *id)
{
	if (!osfs_kinds[kind].show_path)
		return;
	watch_lock(c);
	watch_start(c, kind, id);
	watch_unlock(c);
}

void osfs_cache_watch_field(struct osfs_cache *c, enum osfs_kind_id kind,
			    const struct osfs_res *before, const char *file)
{
	int field = osfs_kind_field(&osfs_kinds[kind], file);
	struct watch *w;

	if (!osfs_kinds[kind].show_path || field < 0)
		return;
	watch_lock(c);
	if ((w = watch_start(c, kind, before->id)) && (w->was = strdup(osfs_res_val(before, field)))) {
		w->field = field;
		w->until = osfs_now_mono() + OSFS_WATCH_LATE_S;
	}
	watch_unlock(c);
}

/* Still changing: a task is running, or it is being built or queued. */
static bool res_busy(const struct osfs_kind *k, const struct osfs_res *r)
{
	int task = osfs_kind_field(k, "task_state"), status = osfs_kind_field(k, "status");
	char word[64];
	size_t n;

	if (task >= 0 && strcmp(osfs_res_val(r, task), "\n") != 0)
		return true;
	if (status < 0 || !k->busy ||
	    snprintf(word, sizeof(word), " %s", osfs_res_val(r, status)) >= (int)sizeof(word))
		return false;
	n = strlen(word);
	if (word[n - 1] != '\n')
		return false;
	word[n - 1] = ' ';
	return strstr(k->busy, word) != NULL;
}

/* Has the watched resource reached what its watch waits for? */
static bool watch_settles(const struct watch *w, const struct osfs_res *r)
{
	if (res_busy(&osfs_kinds[w->kind], r))
		return false;
	return w->field < 0 || strcmp(osfs_res_val(r, w->field), w->was) != 0;
}

/* A listing of the one resource r (taken, freed on failure), named fname
 * (NULL: by the kind's name map, so never by a name another id had).
 * NULL on ENOMEM. */
static struct osfs_listing *single_listing(struct osfs_cache *c, enum osfs_kind_id kind,
					   struct osfs_res *r, const char *fname)
{
	struct osfs_res **items = calloc(2, sizeof(*items));
	struct osfs_listing *l;

	if (!items) {
		osfs_res_free(r);
		return NULL;
	}
	items[0] = r;
	l = osfs_listing_new_in(kind, c->names[kind], items, 1);
	if (l && fname) {
		free(r->fname);
		r->fname = strdup(fname);
		if (!r->fname) {
			osfs_listing_put(l);
			l = NULL;
		}
	}
	if (l)
		l->single = true;
	return l;
}

static int fetch_one(struct osfs_cache *c, enum osfs_kind_id kind, const struct osfs_res *r,
		     struct osfs_listing **out)
{
	struct osfs_res *fresh = NULL;
	int ret = osfs_fetch_one(c->api, kind, r->id, &fresh);

	*out = NULL;
	if (ret < 0)
		return ret;
	*out = single_listing(c, kind, fresh, r->fname); /* keep its name in the full listing */
	return *out ? 0 : -ENOMEM;
}

static void spots_learn(struct osfs_cache *c, enum osfs_kind_id kind, const char *id,
			struct osfs_listing *one);

/* What a direct fetch saw goes into the kind's listing and into the
 * single names held of it, so that nothing fetched before it can bring
 * older state back. */
static void learn(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_listing *one)
{
	const struct osfs_res *r = one->items[0];
	struct osfs_res **got = calloc(2, sizeof(*got));

	spots_learn(c, kind, r->id, one);
	if (!got || !(got[0] = osfs_res_copy(&osfs_kinds[kind], r, NULL))) {
		free(got);
		return;
	}
	slot_merge(c, kind, got, 1, r->seen, ANSWER_SOME);
}

/* A direct fetch found the resource gone: drop it from the listing and
 * from the single names held. */
static void forget(struct osfs_cache *c, enum osfs_kind_id kind, const char *id)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_res **got = calloc(2, sizeof(*got));

	spots_learn(c, kind, id, NULL);
	if (!got || !(got[0] = osfs_res_gone(k, id, osfs_now_real()))) {
		free(got);
		osfs_cache_invalidate(c, (int)kind);
		return;
	}
	slot_merge(c, kind, got, 1, got[0]->seen, ANSWER_SOME);
}

int osfs_cache_fresh(struct osfs_cache *c, enum osfs_kind_id kind,
		     const struct osfs_res *r, struct osfs_listing **out)
{
	struct osfs_listing *one = NULL;
	struct watch *w;
	int ret = 0;

	*out = NULL;
	watch_lock(c);
	while ((w = watch_find_locked(c, kind, r->id)) && w->fetching)
		pthread_cond_wait(&c->watch_done, &c->watch_lock);
	if (!w)
		goto out;
	if (osfs_now_mono() > w->until) {
		watch_drop_locked(c, w);
		goto out;
	}
	if (w->settled) {
		watch_drop_locked(c, w); /* the listing holds what it saw */
		goto out;
	}
	if (w->one && osfs_now_mono() - w->one->arrived < FRESH_S) {
		*out = osfs_listing_hold(w->one);
		goto out;
	}
	w->fetching = true;
	watch_unlock(c);

	ret = fetch_one(c, kind, r, &one);
	if (ret == -ENOENT)
		/* it is gone; readers of it wait (w->fetching) until the
		 * listing says so, other lookups do not */
		forget(c, kind, r->id);

	watch_lock(c);
	pthread_cond_broadcast(&c->watch_done);
	w = watch_find_locked(c, kind, r->id);
	if (w)
		w->fetching = false;
	if (w && ret < 0 && transient(ret)) {
		ret = 0; /* a slow service: the listing answers meanwhile; watch on */
		goto out;
	}
	if (ret < 0 || !one) {
		if (w)
			watch_drop_locked(c, w);
		goto out;
	}
	if (w) {
		/* a change in the same second as the last one still moves the
		 * mtime on: the kernel drops the pages it holds when it moves */
		const struct osfs_res *prev = w->one ? w->one->items[0] : r;
		if (one->items[0]->mtime <= prev->mtime && !osfs_res_same(one->items[0], prev))
			one->items[0]->mtime = prev->mtime + 1;
		osfs_listing_put(w->one);
		w->one = osfs_listing_hold(one);
		w->settled = watch_settles(w, one->items[0]);
	}
	*out = one;
	watch_unlock(c);
	learn(c, kind, one);
	return 0;
out:
	watch_unlock(c);
	return ret;
}

/* ---- single names ---- */

/* Should a name be looked up in the listing rather than alone?  Yes when
 * the listing may be used as it is, when it is one delta away from fresh,
 * and when a walk has already asked for many single names since it went
 * stale (then one listing is cheaper).  A first listing still in flight
 * does not make one name wait for all its pages. */
static bool listing_preferred(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	bool use;

	slot_lock(&s->lock);
	use = cur_usable(c, kind, true) || (osfs_kind_has_delta(&osfs_kinds[kind]) && s->cur) ||
	      s->spots >= MAX_SPOTS_PER_FETCH;
	if (!use)
		s->spots++;
	slot_unlock(&s->lock);
	return use;
}

static struct osfs_listing *spot_find(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_listing *hit = NULL;

	leaf_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS && !hit; i++) {
		struct spot *sp = &c->spots[i];
		if (sp->one && sp->kind == kind && strcmp(sp->fname, fname) == 0 &&
		    osfs_now_mono() - sp->one->arrived < c->ttl[kind]) {
			hit = osfs_listing_hold(sp->one);
		}
	}
	leaf_unlock(&c->spot_lock);
	return hit;
}

static void spot_keep(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname,
		      struct osfs_listing *one)
{
	char *copy = strdup(fname);

	if (!copy)
		return;
	leaf_lock(&c->spot_lock);
	struct spot *sp = &c->spots[c->next_spot++ % MAX_SPOTS];
	free(sp->fname);
	osfs_listing_put(sp->one);
	sp->kind = kind;
	sp->fname = copy;
	sp->one = osfs_listing_hold(one);
	leaf_unlock(&c->spot_lock);
}

/* Every single name held of resource `id` now shows `one` (a listing of
 * that resource alone, under the name it had), or goes (one NULL). */
static void spots_learn(struct osfs_cache *c, enum osfs_kind_id kind, const char *id,
			struct osfs_listing *one)
{
	leaf_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		struct spot *sp = &c->spots[i];
		if (!sp->one || sp->kind != kind || strcmp(sp->one->items[0]->id, id) != 0)
			continue;
		osfs_listing_put(sp->one);
		sp->one = one && strcmp(one->items[0]->fname, sp->fname) == 0 ? osfs_listing_hold(one) : NULL;
	}
	leaf_unlock(&c->spot_lock);
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
	*out = single_listing(c, kind, match, NULL);
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
	slot_lock(&s->lock);
	if (s->cur)
		stale = osfs_listing_hold(s->cur);
	slot_unlock(&s->lock);
	if (stale)
		old = osfs_listing_find(stale, fname);
	if (old && old->name && strcmp(old->name, name) == 0) {
		ret = fetch_one(c, kind, old, out);
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

int osfs_cache_name_created(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname,
			    const char *id)
{
	struct slot *s = &c->slots[kind];
	const struct osfs_res *shown;
	char *name = osfs_name_decode(fname);
	int ret = 0;

	if (!name)
		return -ENOMEM;
	slot_lock(&s->merge_lock); /* no listing is named meanwhile */
	slot_lock(&s->lock);
	shown = s->cur ? osfs_listing_find(s->cur, fname) : NULL;
	if (!shown || strcmp(shown->id, id) == 0)
		ret = osfs_names_give(c->names[kind], fname, id, name);
	slot_unlock(&s->lock);
	slot_unlock(&s->merge_lock);
	free(name);
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
		return ret == -ENOMEM || transient(ret) ? ret : 0;
	if (strcmp((*out)->items[0]->fname, fname) != 0) {
		osfs_listing_put(*out); /* encoded differently: not this file */
		*out = NULL;
		return 0;
	}
	spot_keep(c, kind, fname, *out);
	return 0;
}
