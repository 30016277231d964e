/* listing.c - immutable listings, and merging a newer answer into one.
 *
 * Nothing here locks: a listing is built by one thread and shared only
 * once complete; its resources are never changed after that (names.c
 * works on stand-ins when names must be assigned again).
 */
#include "listing.h"
#include "osfs_base.h"
#include "names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_fname(const void *a, const void *b)
{
	return strcmp((*(struct osfs_res *const *)a)->fname, (*(struct osfs_res *const *)b)->fname);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp((*(struct osfs_res *const *)a)->id, (*(struct osfs_res *const *)b)->id);
}

static void free_items(struct osfs_res **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		osfs_res_free(items[i]);
	free(items);
}

/* A listing of items in file-name order and the same in id order (takes
 * both arrays and the items).  NULL on ENOMEM. */
static struct osfs_listing *listing_of(enum osfs_kind_id kind, struct osfs_res **items,
				       struct osfs_res **by_id, size_t n, double fetched)
{
	struct osfs_listing *l = calloc(1, sizeof(*l));

	if (!l) {
		free(by_id);
		free_items(items, n);
		return NULL;
	}
	atomic_init(&l->refs, 1);
	l->kind = kind;
	l->items = items;
	l->by_id = by_id;
	l->n = n;
	l->fetched = fetched;
	l->arrived = osfs_now_mono();
	return l;
}

static bool sorted_by_id(struct osfs_res *const *items, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(items[i - 1]->id, items[i]->id) > 0)
			return false;
	return true;
}

/* Sort named items into a listing (takes them); a merge hands them over
 * in id order already.  NULL on ENOMEM. */
static struct osfs_listing *wrap(enum osfs_kind_id kind, struct osfs_res **items, size_t n,
				 double fetched)
{
	struct osfs_res **by_id = malloc((n + 1) * sizeof(*by_id));

	if (!by_id) {
		free_items(items, n);
		return NULL;
	}
	memcpy(by_id, items, n * sizeof(*items));
	by_id[n] = NULL;
	if (!sorted_by_id(by_id, n))
		qsort(by_id, n, sizeof(*by_id), cmp_id);
	qsort(items, n, sizeof(*items), cmp_fname);
	return listing_of(kind, items, by_id, n, fetched);
}

static double mtime_of(const struct osfs_res *r, const struct osfs_res *old, double now);

struct osfs_listing *osfs_listing_new(enum osfs_kind_id kind, struct osfs_res **items, size_t n)
{
	return osfs_listing_new_in(kind, NULL, items, n);
}

struct osfs_listing *osfs_listing_new_in(enum osfs_kind_id kind, struct osfs_names *names,
					 struct osfs_res **items, size_t n)
{
	double t = osfs_now_real();

	for (size_t i = 0; i < n; i++) {
		if (!items[i]->seen)
			items[i]->seen = t;
		if (!items[i]->mtime)
			items[i]->mtime = mtime_of(items[i], NULL, t);
	}
	if (osfs_names_assign_in(names, items, n) < 0) {
		free_items(items, n);
		return NULL;
	}
	return wrap(kind, items, n, t);
}

struct osfs_listing *osfs_listing_hold(struct osfs_listing *l)
{
	atomic_fetch_add(&l->refs, 1);
	return l;
}

void osfs_listing_put(struct osfs_listing *l)
{
	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	free_items(l->items, l->n);
	free(l->by_id);
	free(l);
}

static struct osfs_res *find_in(struct osfs_res **arr, size_t n, const char *key, bool by_id)
{
	struct osfs_res probe = { .fname = (char *)key, .id = (char *)key }, *pp = &probe;
	struct osfs_res **hit = bsearch(&pp, arr, n, sizeof(*arr), by_id ? cmp_id : cmp_fname);

	return hit ? *hit : NULL;
}

struct osfs_res *osfs_listing_find(const struct osfs_listing *l, const char *fname)
{
	return find_in(l->items, l->n, fname, false);
}

struct osfs_res *osfs_listing_find_id(const struct osfs_listing *l, const char *id)
{
	return find_in(l->by_id, l->n, id, true);
}

bool osfs_res_newer(const struct osfs_res *a, const struct osfs_res *b)
{
	if (a->updated && b->updated && a->updated != b->updated)
		return a->updated > b->updated;
	return a->seen >= b->seen;
}

/* ---- merging ---- */

struct report {
	const struct osfs_res *old, *new_;
};

/* The state of one merge: the items of the new listing and what changed. */
struct merge {
	const struct osfs_kind *k;
	struct osfs_names *names;  /* the kind's name map, or NULL */
	double fetched, now;
	struct osfs_res **out;
	size_t n;
	struct report *reports;
	size_t nreports;
	bool renames;              /* names must be assigned again */
};

static bool gone(const struct osfs_kind *k, const struct osfs_res *r)
{
	int status = k->gone_status ? osfs_kind_field(k, "status") : -1;
	size_t len = k->gone_status ? strlen(k->gone_status) : 0;

	return status >= 0 && strncmp(osfs_res_val(r, status), k->gone_status, len) == 0 &&
	       osfs_res_val(r, status)[len] == '\n';
}

static void note(struct merge *m, const struct osfs_res *old, const struct osfs_res *new_)
{
	m->reports[m->nreports++] = (struct report){ old, new_ };
	if (!old || !new_ || !old->name != !new_->name ||
	    (old->name && strcmp(old->name, new_->name) != 0))
		m->renames = true;
}

static void keep(struct merge *m, struct osfs_res *o)
{
	m->out[m->n++] = osfs_res_hold(o);
}

/* A resource's time is its own `updated` (so that however it was first
 * fetched, alone or in a listing, it reads the same), else when we first
 * saw these values; a change always moves it forward. */
static double mtime_of(const struct osfs_res *r, const struct osfs_res *old, double now)
{
	double t = r->updated ? (double)r->updated : now;

	return old && t <= old->mtime ? old->mtime + 1 : t;
}

static void take(struct merge *m, struct osfs_res *g, const struct osfs_res *o)
{
	g->mtime = mtime_of(g, o, m->now);
	m->out[m->n++] = g;
	note(m, o, g);
}

/* One id present in both: the old item o and the answer's g (taken). */
static void merge_one(struct merge *m, struct osfs_res *o, struct osfs_res *g)
{
	if (!osfs_res_newer(g, o)) {
		keep(m, o);         /* an answer older than what we know */
		osfs_res_free(g);
	} else if (gone(m->k, g)) {
		note(m, o, NULL);
		osfs_res_free(g);
	} else if (osfs_res_same(g, o)) {
		keep(m, o);         /* unchanged: its mtime and pages stay */
		osfs_res_free(g);
	} else {
		take(m, g, o);
	}
}

/* Walk old (by id) and got (sorted by id) together.  An old item missing
 * from a complete answer is gone only if it was seen before that answer's
 * request started (a watch may have seen it since). */
static void merge_join(struct merge *m, const struct osfs_listing *old, struct osfs_res **got,
		       size_t n, bool complete)
{
	size_t i = 0, j = 0, on = old ? old->n : 0;

	while (i < on || j < n) {
		struct osfs_res *o = i < on ? old->by_id[i] : NULL, *g = j < n ? got[j] : NULL;
		int c = !o ? 1 : !g ? -1 : strcmp(o->id, g->id);

		if (g && j + 1 < n && strcmp(g->id, got[j + 1]->id) == 0) {
			/* one id twice (pages shifted): keep the newer */
			bool first = osfs_res_newer(g, got[j + 1]);
			osfs_res_free(first ? got[j + 1] : g);
			got[j + 1] = first ? g : got[j + 1];
			j++;
			continue;
		}
		if (c < 0) {
			if (complete && o->seen < m->fetched)
				note(m, o, NULL);
			else
				keep(m, o);
			i++;
		} else if (c > 0) {
			if (gone(m->k, g))
				osfs_res_free(g);
			else
				take(m, g, NULL);
			j++;
		} else {
			merge_one(m, o, g);
			i++;
			j++;
		}
	}
}

/* Copy over file names where they stay; 0 or -ENOMEM. */
static int names_keep(struct merge *m)
{
	for (size_t i = 0; i < m->nreports; i++) {
		struct osfs_res *g = (struct osfs_res *)m->reports[i].new_;
		if (g && !(g->fname = strdup(m->reports[i].old->fname)))
			return -ENOMEM;
	}
	return 0;
}

/* Assign every name again on stand-ins, so that shared resources are not
 * touched; one whose name moves is replaced by a private copy.  With the
 * kind's name map only new and renamed resources get a name: the others
 * keep theirs (names.h). */
static int names_reassign(struct merge *m)
{
	struct osfs_res *px = calloc(m->n + 1, sizeof(*px)), **pp = calloc(m->n + 1, sizeof(*pp));
	int ret = -ENOMEM;

	if (!px || !pp)
		goto out;
	for (size_t i = 0; i < m->n; i++) {
		px[i].id = m->out[i]->id;
		px[i].name = m->out[i]->name;
		px[i].created = m->out[i]->created;
		pp[i] = &px[i];
	}
	if (osfs_names_assign_in(m->names, pp, m->n) < 0)
		goto out;
	ret = 0;
	for (size_t i = 0; i < m->n && ret == 0; i++) {
		struct osfs_res *r = m->out[i], *copy;
		if (!r->fname) {
			r->fname = px[i].fname;
			px[i].fname = NULL;
		} else if (strcmp(r->fname, px[i].fname) != 0) {
			copy = osfs_res_copy(m->k, r, px[i].fname);
			if (!copy) {
				ret = -ENOMEM;
				break;
			}
			copy->mtime = mtime_of(copy, r, m->now);
			note(m, r, copy);
			osfs_res_free(r); /* still held by the old listing */
			m->out[i] = copy;
		}
	}
out:
	for (size_t i = 0; px && i < m->n; i++)
		free(px[i].fname);
	free(px);
	free(pp);
	return ret;
}

/* The listing old becomes when only values changed (no resource came or
 * went, none was renamed): old's file-name order with each changed
 * resource in its place, m->out (in id order) as the id order.  Takes
 * m->out; NULL on ENOMEM.  Sorting 100,000 names again for a delta that
 * changed nothing cost 100 ms. */
static struct osfs_listing *wrap_like(enum osfs_kind_id kind, const struct osfs_listing *old,
				      struct merge *m, double fetched)
{
	struct osfs_res **items = m->n == old->n ? malloc((m->n + 1) * sizeof(*items)) : NULL;

	if (!items)
		return wrap(kind, m->out, m->n, fetched);
	memcpy(items, old->items, old->n * sizeof(*items));
	items[m->n] = NULL;
	for (size_t i = 0; i < m->nreports; i++) {
		struct osfs_res *was = (struct osfs_res *)m->reports[i].old;
		struct osfs_res **at = bsearch(&was, items, m->n, sizeof(*items), cmp_fname);
		if (!at || *at != was) {
			free(items); /* not where it should be: sort them all */
			return wrap(kind, m->out, m->n, fetched);
		}
		*at = (struct osfs_res *)m->reports[i].new_;
	}
	m->out[m->n] = NULL;
	return listing_of(kind, items, m->out, m->n, fetched);
}

struct osfs_listing *osfs_listing_merge(enum osfs_kind_id kind, struct osfs_names *names,
					const struct osfs_listing *old, struct osfs_res **got,
					size_t n, double fetched, bool complete,
					osfs_merge_fn report, void *ctx)
{
	size_t cap = (old ? old->n : 0) + n;
	struct merge m = { .k = &osfs_kinds[kind], .names = names, .fetched = fetched,
			   .now = osfs_now_real() };
	struct osfs_listing *l = NULL;

	m.out = calloc(cap + 1, sizeof(*m.out));
	/* every item reported at most twice: changed, then renamed */
	m.reports = calloc(2 * cap + 1, sizeof(*m.reports));
	if (!m.out || !m.reports) {
		free_items(got, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		got[i]->seen = got[i]->seen ? got[i]->seen : fetched;
	qsort(got, n, sizeof(*got), cmp_id);
	merge_join(&m, old, got, n, complete);
	free(got);
	if ((m.renames ? names_reassign(&m) : names_keep(&m)) < 0) {
		free_items(m.out, m.n);
		m.out = NULL;
		goto out;
	}
	l = old && !m.renames ? wrap_like(kind, old, &m, fetched) : wrap(kind, m.out, m.n, fetched);
	m.out = NULL;
	for (size_t i = 0; l && report && i < m.nreports; i++)
		report(ctx, kind, m.reports[i].old, m.reports[i].new_);
out:
	free(m.out);
	free(m.reports);
	return l;
}
