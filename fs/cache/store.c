/* store.c - the slot store: what each kind holds (see cache_int.h).
 *
 * Each kind has a slot: its listing, immutable, replaced whole by a merge
 * of an answer into it (the changes told to the observer once the new
 * listing is published); whether it must be refreshed; the single names
 * held of it (spot.c fills them, direct fetches update them); and its
 * image kept for the next generation (listkeep.c), rewritten only when
 * the listing changed.  The lock order is cache_int.h's, asserted here.
 */
#include "cache_int.h"
#include "osfs_base.h"
#include "osfs_clients.h"
#include "events.h"
#include "listkeep.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The lock order above, asserted: how many slot and leaf locks this
 * thread holds. */
#ifdef NDEBUG
#define HELD(counter, d) ((void)0)
#else
static _Thread_local int slots_held, leaves_held;
#define HELD(counter, d) ((counter) += (d))
#endif

void osfs_slot_lock(pthread_mutex_t *m)
{
	assert(leaves_held == 0);
	pthread_mutex_lock(m);
	HELD(slots_held, 1);
}

void osfs_slot_unlock(pthread_mutex_t *m)
{
	HELD(slots_held, -1);
	pthread_mutex_unlock(m);
}

void osfs_leaf_lock(pthread_mutex_t *m)
{
	assert(leaves_held == 0 && slots_held == 0);
	pthread_mutex_lock(m);
	HELD(leaves_held, 1);
}

void osfs_leaf_unlock(pthread_mutex_t *m)
{
	HELD(leaves_held, -1);
	pthread_mutex_unlock(m);
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

	osfs_leaf_lock(&c->observer_lock);
	for (size_t i = 0; c->observer && i < m->n; i++)
		c->observer(c->observer_ctx, kind, m->changes[i].fname, m->changes[i].what);
	if (c->observer && m->lost)
		c->observer(c->observer_ctx, kind, NULL, OSFS_CHANGED);
	osfs_leaf_unlock(&c->observer_lock);
	for (size_t i = 0; i < m->n; i++)
		free(m->changes[i].fname);
	free(m->changes);
}

/* Merge got (taken) into the slot's listing and publish the result.
 * 0 or -ENOMEM. */
int osfs_slot_merge(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_res **got,
		    size_t n, double fetched, enum answer what)
{
	bool complete = what == ANSWER_ALL;
	struct slot *s = &c->slots[kind];
	struct merge_ctx ctx = { .cache = c };
	struct osfs_listing *base, *fresh;

	osfs_slot_lock(&s->merge_lock);
	osfs_slot_lock(&s->lock);
	base = s->cur ? osfs_listing_hold(s->cur) : NULL;
	osfs_slot_unlock(&s->lock);
	if (!base && !complete) {
		for (size_t i = 0; i < n; i++) /* nothing to bring up to date */
			osfs_res_free(got[i]);
		free(got);
		osfs_slot_unlock(&s->merge_lock);
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
		osfs_slot_lock(&s->lock);
		osfs_listing_put(s->cur);
		s->cur = fresh;
		if (!base || ctx.n || ctx.lost)
			s->changes++;
		osfs_slot_unlock(&s->lock);
	}
	osfs_slot_unlock(&s->merge_lock);
	osfs_listing_put(base);
	changes_tell(&ctx, kind);
	return fresh ? 0 : -ENOMEM;
}

/* Failures that the kernel's next operation would only repeat at once. */
bool osfs_slot_transient(int err)
{
	static const int errs[] = { -ETIMEDOUT, -EAGAIN, -EIO, -ECONNREFUSED,
				    -EHOSTUNREACH, -EPROTO };

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (err == errs[i])
			return true;
	return false;
}

bool osfs_slot_failure_held(const struct slot *s)
{
	return s->failed_at && osfs_now_mono() - s->failed_at < FAIL_HOLD_S && osfs_slot_transient(s->last_err);
}

/* May a reader take s->cur as it is?  Fresh, or (stale: while it is
 * refreshed) younger than `stale` TTLs.  Age counts from the answer's
 * arrival: a listing slower to fetch than its TTL is still served. */
bool osfs_slot_usable(struct osfs_cache *c, enum osfs_kind_id kind, double stale)
{
	struct slot *s = &c->slots[kind];
	double age = s->cur ? osfs_now_mono() - s->cur->arrived : 0;

	if (!s->cur || s->must_refresh)
		return false;
	return age < c->ttl[kind] * (stale > 1 ? stale : 1);
}

int osfs_slot_error(struct slot *s, struct osfs_err *err)
{
	if (err)
		*err = s->last_msg;
	return s->last_err;
}

/* The last generation's listing of kind, taken once, when this process
 * has none: then only what changed since is asked for.  Did it take one? */
bool osfs_slot_keep_restore(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	struct osfs_listkeep_state st;
	struct osfs_listing *l = NULL;
	bool took = false;

	osfs_slot_lock(&s->merge_lock);
	if (c->keep && !s->kept_read)
		l = osfs_listkeep_get(c->keep, kind, c->names[kind], &st);
	s->kept_read = true;
	osfs_slot_lock(&s->lock);
	if (l && !s->cur) {
		s->cur = l;
		s->since = st.since;
		s->skew = st.skew;
		s->resynced = st.resynced;
		l = NULL;
		took = true;
	}
	osfs_slot_unlock(&s->lock);
	osfs_slot_unlock(&s->merge_lock);
	osfs_listing_put(l);
	return took;
}

/* Keep kind's listing for the next generation, after a refresh. */
void osfs_slot_keep_write(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	struct osfs_listkeep_state st;
	struct osfs_listing *l;
	unsigned long changes;

	if (!c->keep)
		return;
	osfs_slot_lock(&s->merge_lock); /* in the order the listings were made */
	osfs_slot_lock(&s->lock);
	l = s->cur ? osfs_listing_hold(s->cur) : NULL;
	st = (struct osfs_listkeep_state){ s->since, s->skew, s->resynced };
	changes = s->changes;
	osfs_slot_unlock(&s->lock);
	if (l && s->kept_any && s->kept_changes == changes) {
		/* the same resources and names: only where the next delta starts */
		osfs_listkeep_touch(c->keep, kind, l, &st);
	} else if (l && osfs_listkeep_put(c->keep, kind, l, c->names[kind], &st) == 0) {
		s->kept_any = true;
		s->kept_changes = changes;
	}
	osfs_slot_unlock(&s->merge_lock);
	osfs_listing_put(l);
}

void osfs_cache_keep(struct osfs_cache *c, int fd)
{
	if (fd >= 0 && !c->keep)
		c->keep = osfs_listkeep_new(fd);
}

static void spots_drop(struct osfs_cache *c, int kind)
{
	osfs_leaf_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		if (!c->spots[i].one || (kind >= 0 && (int)c->spots[i].kind != kind))
			continue;
		free(c->spots[i].fname);
		osfs_listing_put(c->spots[i].one);
		memset(&c->spots[i], 0, sizeof(c->spots[i]));
	}
	osfs_leaf_unlock(&c->spot_lock);
}

static void invalidate(struct osfs_cache *c, int kind, bool resync)
{
	spots_drop(c, kind);
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (kind >= 0 && k != kind)
			continue;
		osfs_slot_lock(&c->slots[k].lock);
		c->slots[k].must_refresh = true;
		c->slots[k].must_resync |= resync;
		osfs_slot_unlock(&c->slots[k].lock);
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

/* A listing of the one resource r (taken, freed on failure), named fname
 * (NULL: by the kind's name map, so never by a name another id had).
 * NULL on ENOMEM. */
struct osfs_listing *osfs_slot_single(struct osfs_cache *c, enum osfs_kind_id kind,
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

int osfs_slot_fetch_one(struct osfs_cache *c, enum osfs_kind_id kind, const struct osfs_res *r,
			struct osfs_listing **out)
{
	struct osfs_res *fresh = NULL;
	int ret = osfs_fetch_one(c->api, kind, r->id, &fresh);

	*out = NULL;
	if (ret < 0)
		return ret;
	*out = osfs_slot_single(c, kind, fresh, r->fname); /* keep its name in the full listing */
	return *out ? 0 : -ENOMEM;
}

/* Every single name held of resource `id` now shows `one` (a listing of
 * that resource alone, under the name it had), or goes (one NULL). */
void osfs_spots_learn(struct osfs_cache *c, enum osfs_kind_id kind, const char *id,
		      struct osfs_listing *one)
{
	osfs_leaf_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		struct spot *sp = &c->spots[i];
		if (!sp->one || sp->kind != kind || strcmp(sp->one->items[0]->id, id) != 0)
			continue;
		osfs_listing_put(sp->one);
		sp->one = one && strcmp(one->items[0]->fname, sp->fname) == 0 ? osfs_listing_hold(one) : NULL;
	}
	osfs_leaf_unlock(&c->spot_lock);
}

/* What a direct fetch saw goes into the kind's listing and into the
 * single names held of it, so that nothing fetched before it can bring
 * older state back. */
void osfs_slot_learn(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_listing *one)
{
	const struct osfs_res *r = one->items[0];
	struct osfs_res **got = calloc(2, sizeof(*got));

	osfs_spots_learn(c, kind, r->id, one);
	if (!got || !(got[0] = osfs_res_copy(&osfs_kinds[kind], r, NULL))) {
		free(got);
		return;
	}
	osfs_slot_merge(c, kind, got, 1, r->seen, ANSWER_SOME);
}

/* A direct fetch found the resource gone: drop it from the listing and
 * from the single names held. */
void osfs_slot_forget(struct osfs_cache *c, enum osfs_kind_id kind, const char *id)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_res **got = calloc(2, sizeof(*got));

	osfs_spots_learn(c, kind, id, NULL);
	if (!got || !(got[0] = osfs_res_gone(k, id, osfs_now_real()))) {
		free(got);
		osfs_cache_invalidate(c, (int)kind);
		return;
	}
	osfs_slot_merge(c, kind, got, 1, got[0]->seen, ANSWER_SOME);
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
	osfs_slot_lock(&s->merge_lock); /* no listing is named meanwhile */
	osfs_slot_lock(&s->lock);
	shown = s->cur ? osfs_listing_find(s->cur, fname) : NULL;
	if (!shown || strcmp(shown->id, id) == 0)
		ret = osfs_names_give(c->names[kind], fname, id, name);
	s->changes++; /* the names kept for the next generation change */
	osfs_slot_unlock(&s->lock);
	osfs_slot_unlock(&s->merge_lock);
	free(name);
	return ret;
}
