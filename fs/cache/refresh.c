/* refresh.c - bringing a kind up to date (see cache_int.h).
 *
 * A refresh is planned under the slot's lock (plan_how: a delta where the
 * API has one, else a full listing; a full resync every kind's `resync`
 * seconds, or `neutron_resync` while Neutron's probe names what Nova's
 * deltas miss; after SIGHUP and after a delta that cannot be trusted), runs in
 * a thread of its own without slot locks, and merges its answer (store.c).
 * One runs at a time per kind (single-flight); readers wait for it at most
 * wait_s.  The requests themselves are clients/'s.
 *
 * With background refreshes (osfs_cache_set_active), a scheduler thread
 * starts the refresh of every kind read within active_s once its listing
 * is a TTL old, so readers find it fresh; a kind not read for active_s
 * costs nothing.  The scheduler is started by the first read.
 */
#include "cache_int.h"
#include "osfs_base.h"
#include "osfs_clients.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DELTA_MARGIN_S 2      /* changes-since starts this much before the last answer */
#define CLOCK_JUMP_S 30.0     /* our clock moved this much against the API's: resync */
#define BG_POLL_S 1.0         /* the scheduler looks again at a refresh running */

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
static int count_check(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_err *err)
{
	struct slot *s = &c->slots[kind];
	long long count = 0;
	size_t held;
	int ret;

	if (!osfs_kinds[kind].count_path)
		return 0;
	if (osfs_api_version_refused(c->api, osfs_kinds[kind].svc))
		return COUNT_DIFFERS; /* the delta was a plain listing: it shows no deletion */
	if ((ret = osfs_fetch_count(c->api, kind, &count, err)) < 0)
		return ret;
	osfs_slot_lock(&s->lock);
	held = s->cur ? s->cur->n : 0;
	osfs_slot_unlock(&s->lock);
	if ((long long)held == count)
		return 0;
	log_debug("%s: %lld in the cloud, %zu listed: listing everything", osfs_kinds[kind].dir,
		  count, held);
	return COUNT_DIFFERS;
}

/* The answer to r's question, in all. */
static int refresh_ask(struct osfs_cache *c, enum osfs_kind_id kind, const struct refresh *r,
		       struct osfs_page *all, long long *date, struct osfs_err *err)
{
	struct slot *s = &c->slots[kind];
	struct osfs_listing *base = NULL;
	int ret;

	if (r->how == HOW_SINCE) {
		ret = osfs_delta_since(c->api, kind, r->since, all, date, err);
		return ret == 0 && s->probe ? osfs_delta_addresses(c->api, kind, s->probe, all, err)
					   : ret;
	}
	if (r->how == HOW_ALL && s->probe)
		osfs_delta_probe_learn(c->api, s->probe); /* before: what follows, it names */
	osfs_slot_lock(&s->lock);
	if (s->cur)
		base = osfs_listing_hold(s->cur);
	osfs_slot_unlock(&s->lock);
	if (r->how == HOW_ALL)
		ret = osfs_fetch_all_like(c->api, kind, base, all, date, err);
	else
		ret = osfs_delta_revisions(c->api, kind, base, all, date, err);
	osfs_listing_put(base);
	return ret;
}

/* One refresh of `kind` as planned in r; merges its answer.  Called by
 * the one reader that set s->fetching, without slot locks.  0,
 * COUNT_DIFFERS (merged; a full listing must follow) or -errno. */
static int refresh_run(struct osfs_cache *c, enum osfs_kind_id kind, struct refresh *r,
		       long long *date, struct osfs_err *err)
{
	struct osfs_page all;
	int ret = refresh_ask(c, kind, r, &all, date, err);
	bool resync = ret == OSFS_DELTA_RESYNC;

	if (resync)
		ret = 0;
	if (ret == 0) {
		/* by revision, the answer names every resource there is */
		ret = osfs_slot_merge(c, kind, all.items, all.n, r->started,
				 r->how == HOW_SINCE ? ANSWER_CHANGES : ANSWER_ALL);
		all.items = NULL;
		all.n = 0;
	}
	osfs_page_free(&all);
	if (r->how == HOW_ALL)
		malloc_trim(0); /* parsing left the heap full of JSON-sized holes */
	if (ret == 0 && r->how == HOW_SINCE)
		ret = count_check(c, kind, err);
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

/* How many TTLs old a stale listing is still served while a refresh runs:
 * with background refreshes a reader waits only when the cloud has not
 * answered for STALE_BG_TTLS (or the kind is cold). */
double osfs_refresh_stale_ttls(const struct osfs_cache *c)
{
	return c->active_s > 0 ? STALE_BG_TTLS : STALE_TTLS;
}

/* A refresh in its own thread, so that every reader (the one that
 * started it too) waits for it at most c->wait_s. */
struct worker {
	struct osfs_cache *cache;
	enum osfs_kind_id kind;
	struct refresh plan;
};

static void *refresh_main(void *arg)
{
	struct worker *w = arg;
	struct osfs_cache *c = w->cache;
	enum osfs_kind_id kind = w->kind;
	struct slot *s = &c->slots[kind];
	long long date = 0;
	struct osfs_err err = { "" };
	int ret;
	bool refused;

	if (w->plan.how == HOW_ALL && osfs_slot_keep_restore(c, kind)) {
		osfs_slot_lock(&s->lock); /* what to ask, now that a listing is held */
		refresh_plan(c, kind, &w->plan);
		osfs_slot_unlock(&s->lock);
	}
	ret = refresh_run(c, w->kind, &w->plan, &date, &err);
	refused = (ret == -EINVAL || ret == -ENOTSUP) && w->plan.how != HOW_ALL;

	if (refused)
		/* the API refused the delta (a 400): list everything instead,
		 * and only so for a while */
		log_warn("%s: %s refused; listing everything", osfs_kinds[w->kind].dir,
			 w->plan.how == HOW_SINCE ? osfs_kinds[w->kind].delta_param
						  : osfs_kinds[w->kind].rev_query);
	if (refused || ret == COUNT_DIFFERS) {
		osfs_err_clear(&err);
		w->plan.how = HOW_ALL;
		ret = refresh_run(c, w->kind, &w->plan, &date, &err);
	}
	osfs_slot_lock(&s->lock);
	if (refused)
		s->refused_at = w->plan.started_mono;
	if (w->plan.how == HOW_ALL)
		s->resynced = w->plan.started_mono;
	s->spots = 0;
	s->failed_at = ret < 0 ? osfs_now_mono() : 0;
	s->last_err = ret;
	s->last_msg = err;
	refresh_done(c, s, &w->plan, ret, date);
	if (ret < 0 && c->active_s <= 0)
		s->must_refresh = true; /* what we hold is older than the user may see */
	osfs_slot_unlock(&s->lock);
	free(w);
	/* while still `fetching`: the next refresh_start joins this thread
	 * under s->lock, which keep_write takes */
	if (ret >= 0)
		osfs_slot_keep_write(c, kind);
	osfs_slot_lock(&s->lock);
	s->fetching = false;
	s->fetch_seq++;
	pthread_cond_broadcast(&s->done);
	osfs_slot_unlock(&s->lock);
	return NULL;
}

/* Start a refresh of `kind`; under s->lock, with no refresh running. */
void osfs_refresh_start(struct osfs_cache *c, enum osfs_kind_id kind)
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
int osfs_refresh_wait(struct osfs_cache *c, struct slot *s)
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

/* ---- refreshing kinds in use, in the background ---- */

static double earlier(double a, double b)
{
	return a < b ? a : b;
}

static double later(double a, double b)
{
	return a > b ? a : b;
}

/* When kind, with s->lock held, wants the scheduler's next look
 * (monotonic; INFINITY: when read again), a refresh started if due. */
static double bg_due_locked(struct osfs_cache *c, enum osfs_kind_id kind, double now)
{
	struct slot *s = &c->slots[kind];
	double ttl = c->ttl[kind], due;

	if (!s->cur)
		return now + ttl; /* cold: its first reader fetches it */
	if (s->fetching)
		return now + earlier(ttl, BG_POLL_S); /* look again once it is done */
	if (s->failed_at && now < s->failed_at + later(ttl, FAIL_HOLD_S))
		return s->failed_at + later(ttl, FAIL_HOLD_S); /* failing: try again a TTL on */
	due = s->cur->arrived + ttl;
	if (now < due && !s->must_refresh)
		return due;
	osfs_refresh_start(c, kind);
	return now + earlier(ttl, BG_POLL_S);
}

/* One look at every kind: each read within active_s that is due is
 * refreshed.  When the scheduler should look again (INFINITY: no kind in
 * use). */
static double bg_round(struct osfs_cache *c)
{
	double next = INFINITY, now = osfs_now_mono();

	for (int k = 0; k < OSFS_NKINDS; k++) {
		struct slot *s = &c->slots[k];
		double read_at = atomic_load(&s->read_at), due;
		if (!read_at || now - read_at >= c->active_s)
			continue; /* idle: costs nothing */
		osfs_slot_lock(&s->lock);
		due = bg_due_locked(c, (enum osfs_kind_id)k, now);
		osfs_slot_unlock(&s->lock);
		next = earlier(next, earlier(due, read_at + c->active_s));
	}
	return next;
}

/* Sleep until `next` (monotonic; INFINITY: until poked), a poke or a
 * stop.  Under bg_lock. */
static void bg_sleep(struct osfs_cache *c, double next)
{
	struct timespec until = { 0 };

	if (isfinite(next)) {
		until.tv_sec = (time_t)next;
		until.tv_nsec = (long)((next - (double)until.tv_sec) * 1e9);
	}
	while (!c->bg_stop && !c->bg_poked) {
		if (!isfinite(next))
			pthread_cond_wait(&c->bg_wake, &c->bg_lock);
		else if (pthread_cond_timedwait(&c->bg_wake, &c->bg_lock, &until) == ETIMEDOUT)
			break;
	}
	c->bg_poked = false;
}

/* The scheduler: a round, then sleep until the next is due. */
static void *bg_main(void *arg)
{
	struct osfs_cache *c = arg;
	bool stop = false;

	while (!stop) {
		double next = bg_round(c);
		osfs_leaf_lock(&c->bg_lock);
		bg_sleep(c, next);
		stop = c->bg_stop;
		osfs_leaf_unlock(&c->bg_lock);
	}
	return NULL;
}

/* A reader of kind: it is in use.  When it was idle, the scheduler (started
 * the first time) takes it up. */
void osfs_refresh_read(struct osfs_cache *c, enum osfs_kind_id kind)
{
	double now = osfs_now_mono(), was;

	if (c->active_s <= 0)
		return;
	was = atomic_exchange(&c->slots[kind].read_at, now);
	if (was && now - was < c->active_s)
		return;
	osfs_leaf_lock(&c->bg_lock);
	if (!c->bg_live && !c->bg_stop)
		c->bg_live = pthread_create(&c->bg_thread, NULL, bg_main, c) == 0;
	c->bg_poked = true;
	pthread_cond_signal(&c->bg_wake);
	osfs_leaf_unlock(&c->bg_lock);
}

void osfs_refresh_stop(struct osfs_cache *c)
{
	bool live;

	osfs_leaf_lock(&c->bg_lock);
	c->bg_stop = true;
	live = c->bg_live;
	pthread_cond_signal(&c->bg_wake);
	osfs_leaf_unlock(&c->bg_lock);
	if (live)
		pthread_join(c->bg_thread, NULL);
}

void osfs_cache_set_active(struct osfs_cache *c, double seconds)
{
	c->active_s = seconds > 0 ? seconds : 0;
}

double osfs_cache_hold(const struct osfs_cache *c, enum osfs_kind_id kind)
{
	/* what the kernel holds expires before the kind can go idle, and
	 * before what it was told is older than a reader could be given */
	if (c->active_s <= 0 || osfs_kinds[kind].nested) /* nested: children.c's */
		return c->ttl[kind];
	return later(c->ttl[kind], earlier(c->active_s, STALE_BG_TTLS * c->ttl[kind]));
}
