/* cache.c - per-kind listings: the cache's entry points (cache.h).
 *
 * Makes and frees the cache and answers osfs_cache_list: a listing younger
 * than the kind's TTL as it is; an older one while it is refreshed (behind
 * the reader), as long as it is younger than osfs_refresh_stale_ttls TTLs,
 * so that a walk never waits for a re-listing midway; else the reader
 * waits for the refresh, at most wait_s.  The parts are listed, with the
 * lock order, in cache_int.h.
 */
#include "cache_int.h"
#include "osfs_base.h"
#include "osfs_clients.h"
#include "events.h"
#include "listkeep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		atomic_init(&c->slots[k].read_at, 0.0);
	}
	pthread_mutex_init(&c->bg_lock, NULL);
	pthread_cond_init(&c->bg_wake, &mono); /* bg_main: a due time */
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
	osfs_refresh_stop(c); /* first: it starts refreshes */
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (c->slots[k].worker_live)
			pthread_join(c->slots[k].worker, NULL);
		osfs_listing_put(c->slots[k].cur);
		osfs_netprobe_free(c->slots[k].probe);
		pthread_mutex_destroy(&c->slots[k].merge_lock);
		pthread_mutex_destroy(&c->slots[k].lock);
		pthread_cond_destroy(&c->slots[k].done);
		osfs_names_free(c->names[k]);
	}
	osfs_listkeep_free(c->keep);
	osfs_watches_free(c);
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		free(c->spots[i].fname);
		osfs_listing_put(c->spots[i].one);
	}
	pthread_mutex_destroy(&c->watch_lock);
	pthread_cond_destroy(&c->watch_done);
	pthread_mutex_destroy(&c->spot_lock);
	pthread_mutex_destroy(&c->observer_lock);
	pthread_mutex_destroy(&c->bg_lock);
	pthread_cond_destroy(&c->bg_wake);
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
	osfs_leaf_lock(&c->observer_lock);
	c->observer = fn;
	c->observer_ctx = ctx;
	osfs_leaf_unlock(&c->observer_lock);
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

int osfs_cache_list(struct osfs_cache *c, enum osfs_kind_id kind,
		    struct osfs_listing **out, struct osfs_err *err)
{
	struct slot *s = &c->slots[kind];
	int ret = 0;

	osfs_err_clear(err);
	osfs_refresh_read(c, kind);
	osfs_slot_lock(&s->lock);
	for (int round = 0; ; round++) {
		unsigned long seq;
		if (osfs_slot_usable(c, kind, 1)) {
			osfs_stat_inc(cache_hits);
			break;
		}
		if (osfs_slot_usable(c, kind, osfs_refresh_stale_ttls(c))) {
			/* stale but young: answer now, refresh behind the reader */
			if (!s->fetching && !osfs_slot_failure_held(s))
				osfs_refresh_start(c, kind);
			osfs_stat_inc(cache_hits);
			break;
		}
		if (!s->fetching && osfs_slot_failure_held(s)) {
			/* the kernel asks again at once after a failed lookup:
			 * do not make the user wait for the same failure twice */
			ret = osfs_slot_error(s, err);
			goto out;
		}
		if (!s->fetching)
			osfs_refresh_start(c, kind);
		seq = s->fetch_seq;
		if ((ret = osfs_refresh_wait(c, s)) < 0) {
			if (!osfs_err_has(err))
				osfs_err_set(err, ret, "the listing is still being fetched: the API is slow");
			goto out;
		}
		if (s->fetch_seq != seq && s->last_err < 0) {
			ret = osfs_slot_error(s, err);
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
	osfs_slot_unlock(&s->lock);
	return ret;
}
