/* watch.c - following one resource closely after a write (cache.h).
 *
 * A watched resource is fetched alone (GET <show_path>) at most every
 * FRESH_S until it settles, and what is seen goes into the kind's listing
 * (store.c), so that nothing fetched before can bring older state back.
 */
#include "cache_int.h"
#include "osfs_base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRESH_S 0.5

/* Free what a watch owns. */
static void watch_clear(struct watch *w)
{
	free(w->id);
	free(w->was);
	osfs_listing_put(w->one);
}

/* ---- watches ---- */

static void watch_lock(struct osfs_cache *c)
{
	osfs_leaf_lock(&c->watch_lock);
}

static void watch_unlock(struct osfs_cache *c)
{
	osfs_leaf_unlock(&c->watch_lock);
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

	ret = osfs_slot_fetch_one(c, kind, r, &one);
	if (ret == -ENOENT)
		/* it is gone; readers of it wait (w->fetching) until the
		 * listing says so, other lookups do not */
		osfs_slot_forget(c, kind, r->id);

	watch_lock(c);
	pthread_cond_broadcast(&c->watch_done);
	w = watch_find_locked(c, kind, r->id);
	if (w)
		w->fetching = false;
	if (w && ret < 0 && osfs_slot_transient(ret)) {
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
	osfs_slot_learn(c, kind, one);
	return 0;
out:
	watch_unlock(c);
	return ret;
}

void osfs_watches_free(struct osfs_cache *c)
{
	for (size_t i = 0; i < c->nwatches; i++)
		watch_clear(&c->watches[i]);
}
