/* cache.c - per-kind listings with TTL, single-flight fetches and a
 * generation counter.
 *
 * Each kind has a slot; every field of a slot is protected by its lock.
 * The fetch itself runs without the lock held; readers that find a fetch
 * in flight wait on `done`.
 */
#include "cache.h"
#include "log.h"
#include "names.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PAGES 10000
#define FAIL_HOLD_S 1.0   /* a timed-out fetch answers its error this long */
#define MAX_SPOTS_PER_FETCH 8 /* then one full listing is cheaper */

struct slot {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct osfs_listing *cur;   /* may be NULL */
	bool fetching;
	unsigned long gen;          /* bumped by every invalidation */
	unsigned long fetch_seq;    /* bumped by every finished fetch */
	int last_err;               /* result of the last fetch */
	char *last_msg;
	double failed_at;           /* when the last fetch failed, or 0 */
	unsigned spots;             /* single-name fetches since the last fetch */
};

#define MAX_WATCHES 1024
#define FRESH_S 0.5

/* A resource followed after a write; all fields protected by watch_lock. */
struct watch {
	enum osfs_kind_id kind;
	char *id;
	double until;
	bool fetching;
	bool settled;               /* `one` no longer changes by itself */
	struct osfs_listing *one;   /* last direct fetch, or NULL */
};

#define MAX_SPOTS 256

/* A name looked up alone; all fields protected by spot_lock. */
struct spot {
	enum osfs_kind_id kind;
	char *fname;
	struct osfs_listing *one;
};

struct osfs_cache {
	struct osfs_api *api;
	pthread_mutex_t spot_lock;
	struct spot spots[MAX_SPOTS];
	unsigned next_spot;
	double ttl[OSFS_NKINDS];
	struct slot slots[OSFS_NKINDS];
	pthread_mutex_t watch_lock;
	pthread_cond_t watch_done;
	struct watch watches[MAX_WATCHES];
	size_t nwatches;
	osfs_cache_observer observer;  /* set once before serving; may be NULL */
	void *observer_ctx;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_fname(const void *a, const void *b)
{
	return strcmp((*(struct osfs_res *const *)a)->fname, (*(struct osfs_res *const *)b)->fname);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp((*(struct osfs_res *const *)a)->id, (*(struct osfs_res *const *)b)->id);
}

struct osfs_listing *osfs_listing_new(enum osfs_kind_id kind, struct osfs_res **items, size_t n)
{
	struct osfs_listing *l = calloc(1, sizeof(*l));

	if (!l || osfs_names_assign(items, n) < 0)
		goto fail;
	atomic_init(&l->refs, 1);
	l->kind = kind;
	l->items = items;
	l->n = n;
	l->fetched = now_s();
	qsort(items, n, sizeof(*items), cmp_fname);
	l->by_id = malloc((n + 1) * sizeof(*l->by_id));
	if (!l->by_id)
		goto fail;
	memcpy(l->by_id, items, n * sizeof(*items));
	qsort(l->by_id, n, sizeof(*items), cmp_id);
	return l;
fail:
	if (l)
		l->items = NULL;
	for (size_t i = 0; i < n; i++)
		osfs_res_free(items[i]);
	free(items);
	free(l);
	return NULL;
}

void osfs_listing_put(struct osfs_listing *l)
{
	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	for (size_t i = 0; i < l->n; i++)
		osfs_res_free(l->items[i]);
	free(l->items);
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

struct osfs_cache *osfs_cache_new(struct osfs_api *api, const double ttl[OSFS_NKINDS])
{
	struct osfs_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->api = api;
	for (int k = 0; k < OSFS_NKINDS; k++) {
		c->ttl[k] = ttl && ttl[k] > 0 ? ttl[k] : osfs_kinds[k].ttl;
		pthread_mutex_init(&c->slots[k].lock, NULL);
		pthread_cond_init(&c->slots[k].done, NULL);
	}
	pthread_mutex_init(&c->watch_lock, NULL);
	pthread_cond_init(&c->watch_done, NULL);
	pthread_mutex_init(&c->spot_lock, NULL);
	return c;
}

void osfs_cache_observe(struct osfs_cache *cache, osfs_cache_observer fn, void *ctx)
{
	cache->observer = fn;
	cache->observer_ctx = ctx;
}

void osfs_cache_free(struct osfs_cache *c)
{
	if (!c)
		return;
	for (int k = 0; k < OSFS_NKINDS; k++) {
		osfs_listing_put(c->slots[k].cur);
		free(c->slots[k].last_msg);
		pthread_mutex_destroy(&c->slots[k].lock);
		pthread_cond_destroy(&c->slots[k].done);
	}
	for (size_t i = 0; i < c->nwatches; i++) {
		free(c->watches[i].id);
		osfs_listing_put(c->watches[i].one);
	}
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		free(c->spots[i].fname);
		osfs_listing_put(c->spots[i].one);
	}
	pthread_mutex_destroy(&c->watch_lock);
	pthread_cond_destroy(&c->watch_done);
	pthread_mutex_destroy(&c->spot_lock);
	free(c);
}

double osfs_cache_ttl(const struct osfs_cache *c, enum osfs_kind_id kind)
{
	return c->ttl[kind];
}

static bool seen_before(char **seen, size_t n, const char *next)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], next) == 0)
			return true;
	return false;
}

static int append_page(struct osfs_page *all, struct osfs_page *page)
{
	struct osfs_res **grown = realloc(all->items, (all->n + page->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	all->items = grown;
	memcpy(all->items + all->n, page->items, page->n * sizeof(*grown));
	all->n += page->n;
	page->n = 0;
	return 0;
}

static int parse_singleton(const struct osfs_kind *k, const char *body, struct osfs_page *all)
{
	struct osfs_res *one;
	int ret = osfs_model_parse_one(k, body, &one);

	if (ret < 0)
		return ret;
	all->items = calloc(2, sizeof(*all->items));
	if (!all->items) {
		osfs_res_free(one);
		return -ENOMEM;
	}
	all->items[0] = one;
	all->n = 1;
	return 0;
}

/* GET every page of `kind`.  Called without the slot lock. */
static int fetch_all(struct osfs_cache *c, enum osfs_kind_id kind, struct osfs_page *all, char **msg)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	char *path = NULL, *seen[64];
	size_t nseen = 0;
	int ret = 0, pages = 0;

	memset(all, 0, sizeof(*all));
	if (k->paging == OSFS_PAGE_NONE)
		path = strdup(k->list_path);
	else if (asprintf(&path, "%s?limit=%d", k->list_path, k->page_size) < 0)
		path = NULL;
	while (path && ret == 0) {
		struct osfs_api_call call = { .svc = k->svc, .method = "GET", .path = path };
		struct osfs_http_resp resp;
		struct osfs_page page;

		ret = osfs_api_call(c->api, &call, &resp, msg);
		if (ret == 0 && k->singleton)
			ret = parse_singleton(k, resp.body, all);
		else if (ret == 0)
			ret = osfs_model_parse_list(k, resp.body, k->page_size, &page);
		if (ret == -EPROTO && msg && !*msg)
			*msg = strdup("the API answered with JSON we cannot read");
		osfs_http_resp_free(&resp);
		if (ret < 0 || k->singleton)
			break;
		ret = append_page(all, &page);
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = path;
		else
			free(path);
		path = page.next;
		page.next = NULL;
		osfs_page_free(&page);
		if (path && (seen_before(seen, nseen, path) || ++pages >= MAX_PAGES)) {
			log_err("%s: the API's next links go round in a loop; stopping", k->dir);
			if (msg && !*msg)
				*msg = strdup("pagination loops: the API keeps sending the same next link");
			ret = -ELOOP;
		}
	}
	free(path);
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	if (ret < 0)
		osfs_page_free(all);
	return ret;
}

int osfs_cache_list(struct osfs_cache *c, enum osfs_kind_id kind,
		    struct osfs_listing **out, char **msg)
{
	struct slot *s = &c->slots[kind];
	struct osfs_listing *fresh = NULL;
	struct osfs_page all;
	unsigned long gen, seq;
	int ret;

	if (msg)
		*msg = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->fetching) {
		/* share the fetch in flight, its result or its error */
		seq = s->fetch_seq;
		while (s->fetching)
			pthread_cond_wait(&s->done, &s->lock);
		if (s->fetch_seq != seq && !s->cur) {
			ret = s->last_err;
			if (msg && s->last_msg)
				*msg = strdup(s->last_msg);
			pthread_mutex_unlock(&s->lock);
			return ret;
		}
	}
	if (s->cur && now_s() - s->cur->fetched < c->ttl[kind]) {
		osfs_stat_inc(cache_hits);
		goto take;
	}
	if (!s->cur && s->failed_at && now_s() - s->failed_at < FAIL_HOLD_S &&
	    s->last_err == -ETIMEDOUT) {
		/* the kernel asks again at once after a failed lookup: do not make
		 * the user wait for a second timeout */
		ret = s->last_err;
		if (msg && s->last_msg)
			*msg = strdup(s->last_msg);
		pthread_mutex_unlock(&s->lock);
		return ret;
	}
	s->fetching = true;
	gen = s->gen;
	/* Nobody new can take the stale listing while we fetch (they wait for
	 * us): let it go now, so a big kind is not held twice. */
	osfs_listing_put(s->cur);
	s->cur = NULL;
	pthread_mutex_unlock(&s->lock);

	osfs_stat_inc(cache_misses);
	ret = fetch_all(c, kind, &all, msg);
	if (ret == 0) {
		fresh = osfs_listing_new(kind, all.items, all.n);
		ret = fresh ? 0 : -ENOMEM;
	}
	/* parsing left the heap full of holes the size of JSON trees: give
	 * those pages back so a big listing costs its own size only */
	malloc_trim(0);

	pthread_mutex_lock(&s->lock);
	s->fetching = false;
	s->fetch_seq++;
	s->spots = 0;
	s->failed_at = ret < 0 ? now_s() : 0;
	s->last_err = ret;
	free(s->last_msg);
	s->last_msg = msg && *msg ? strdup(*msg) : NULL;
	if (ret == 0 && s->gen != gen)
		fresh->fetched = 0; /* invalidated while we fetched */
	s->cur = fresh;
	pthread_cond_broadcast(&s->done);
	if (ret < 0) {
		pthread_mutex_unlock(&s->lock);
		return ret;
	}
take:
	atomic_fetch_add(&s->cur->refs, 1);
	*out = s->cur;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void spots_drop(struct osfs_cache *c, int kind)
{
	pthread_mutex_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS; i++) {
		if (!c->spots[i].one || (kind >= 0 && (int)c->spots[i].kind != kind))
			continue;
		free(c->spots[i].fname);
		osfs_listing_put(c->spots[i].one);
		memset(&c->spots[i], 0, sizeof(c->spots[i]));
	}
	pthread_mutex_unlock(&c->spot_lock);
}

void osfs_cache_invalidate(struct osfs_cache *c, int kind)
{
	spots_drop(c, kind);
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (kind >= 0 && k != kind)
			continue;
		pthread_mutex_lock(&c->slots[k].lock);
		c->slots[k].gen++;
		if (c->slots[k].cur)
			c->slots[k].cur->fetched = 0;
		pthread_mutex_unlock(&c->slots[k].lock);
	}
}

/* ---- watches ---- */

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

	free(w->id);
	osfs_listing_put(w->one);
	memmove(w, w + 1, (c->nwatches - i - 1) * sizeof(*w));
	c->nwatches--;
}

void osfs_cache_watch(struct osfs_cache *c, enum osfs_kind_id kind, const char *id)
{
	struct watch *w;

	if (!osfs_kinds[kind].show_path)
		return;
	pthread_mutex_lock(&c->watch_lock);
	w = watch_find_locked(c, kind, id);
	if (!w && c->nwatches == MAX_WATCHES && !c->watches[0].fetching) {
		/* forgetting a watch must not bring back old data */
		osfs_cache_invalidate(c, (int)c->watches[0].kind);
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
		w->until = now_s() + OSFS_WATCH_MAX_S;
		w->settled = false;
		if (w->one)
			w->one->fetched = 0;
	}
	pthread_mutex_unlock(&c->watch_lock);
}

/* Still changing: a task is running, or it is being built or queued. */
static bool res_busy(const struct osfs_kind *k, const struct osfs_res *r)
{
	static const char *const steady_not[] = { "BUILD\n", "queued\n", "saving\n", "importing\n" };
	int task = osfs_kind_field(k, "task_state"), status = osfs_kind_field(k, "status");

	if (task >= 0 && strcmp(r->vals[task], "\n") != 0)
		return true;
	for (size_t i = 0; status >= 0 && i < sizeof(steady_not) / sizeof(steady_not[0]); i++)
		if (strcmp(r->vals[status], steady_not[i]) == 0)
			return true;
	return false;
}

/* A listing of the one resource r (taken, freed on failure), named fname
 * (NULL: by its own name).  NULL on ENOMEM. */
static struct osfs_listing *single_listing(enum osfs_kind_id kind, struct osfs_res *r,
					   const char *fname)
{
	struct osfs_res **items = calloc(2, sizeof(*items));
	struct osfs_listing *l;

	if (!items) {
		osfs_res_free(r);
		return NULL;
	}
	items[0] = r;
	l = osfs_listing_new(kind, items, 1);
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

/* One GET for a single resource (by id or by name), counted as a lookup. */
static int get_single(struct osfs_cache *c, const struct osfs_kind *k, const char *path,
		      struct osfs_http_resp *resp)
{
	struct osfs_api_call call = { .svc = k->svc, .method = "GET", .path = path };

	osfs_stat_inc(lookups);
	return osfs_api_call(c->api, &call, resp, NULL);
}

static int fetch_one(struct osfs_cache *c, enum osfs_kind_id kind, const struct osfs_res *r,
		     struct osfs_listing **out)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	char *path = NULL, *id = osfs_http_escape(r->id);
	struct osfs_res *fresh = NULL;
	struct osfs_http_resp resp;
	int ret = -ENOMEM;

	*out = NULL;
	if (!id || asprintf(&path, k->show_path, id) < 0) {
		path = NULL;
		goto out;
	}
	ret = get_single(c, k, path, &resp);
	if (ret == 0)
		ret = osfs_model_parse_one(k, resp.body, &fresh);
	osfs_http_resp_free(&resp);
	if (ret < 0)
		goto out;
	*out = single_listing(kind, fresh, r->fname); /* keep its name in the full listing */
	ret = *out ? 0 : -ENOMEM;
out:
	free(path);
	free(id);
	return ret;
}

static double listing_time(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	double t;

	pthread_mutex_lock(&s->lock);
	t = s->cur ? s->cur->fetched : 0;
	pthread_mutex_unlock(&s->lock);
	return t;
}

int osfs_cache_fresh(struct osfs_cache *c, enum osfs_kind_id kind,
		     const struct osfs_res *r, struct osfs_listing **out)
{
	struct osfs_listing *one = NULL;
	struct watch *w;
	int ret = 0;

	*out = NULL;
	pthread_mutex_lock(&c->watch_lock);
	while ((w = watch_find_locked(c, kind, r->id)) && w->fetching)
		pthread_cond_wait(&c->watch_done, &c->watch_lock);
	if (!w)
		goto out;
	if (now_s() > w->until) {
		watch_drop_locked(c, w);
		goto out;
	}
	if (w->settled && listing_time(c, kind) > w->one->fetched) {
		watch_drop_locked(c, w); /* the list has caught up */
		goto out;
	}
	if (w->one && (w->settled || now_s() - w->one->fetched < FRESH_S)) {
		atomic_fetch_add(&w->one->refs, 1);
		*out = w->one;
		goto out;
	}
	w->fetching = true;
	pthread_mutex_unlock(&c->watch_lock);

	ret = fetch_one(c, kind, r, &one);

	pthread_mutex_lock(&c->watch_lock);
	pthread_cond_broadcast(&c->watch_done);
	w = watch_find_locked(c, kind, r->id);
	if (w)
		w->fetching = false;
	if (ret < 0 || !one) {
		if (w)
			watch_drop_locked(c, w);
		if (ret == -ENOENT)
			osfs_cache_invalidate(c, (int)kind); /* it is gone */
		goto out;
	}
	if (w) {
		osfs_listing_put(w->one);
		atomic_fetch_add(&one->refs, 1);
		w->one = one;
		w->settled = !res_busy(&osfs_kinds[kind], one->items[0]);
	}
	*out = one;
out:
	pthread_mutex_unlock(&c->watch_lock);
	return ret;
}

/* ---- single names ---- */

/* Should a name be looked up in the full listing rather than alone?  Yes
 * when it is fresh or being fetched, and when a walk has already asked for
 * many single names since it went stale: then one listing is cheaper. */
static bool listing_preferred(struct osfs_cache *c, enum osfs_kind_id kind)
{
	struct slot *s = &c->slots[kind];
	bool use;

	pthread_mutex_lock(&s->lock);
	use = s->fetching || (s->cur && now_s() - s->cur->fetched < c->ttl[kind]) ||
	      s->spots >= MAX_SPOTS_PER_FETCH;
	if (!use)
		s->spots++;
	pthread_mutex_unlock(&s->lock);
	return use;
}

static struct osfs_listing *spot_find(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_listing *hit = NULL;

	pthread_mutex_lock(&c->spot_lock);
	for (size_t i = 0; i < MAX_SPOTS && !hit; i++) {
		struct spot *sp = &c->spots[i];
		if (sp->one && sp->kind == kind && strcmp(sp->fname, fname) == 0 &&
		    now_s() - sp->one->fetched < c->ttl[kind]) {
			hit = sp->one;
			atomic_fetch_add(&hit->refs, 1);
		}
	}
	pthread_mutex_unlock(&c->spot_lock);
	return hit;
}

static void spot_keep(struct osfs_cache *c, enum osfs_kind_id kind, const char *fname,
		      struct osfs_listing *one)
{
	char *copy = strdup(fname);

	if (!copy)
		return;
	pthread_mutex_lock(&c->spot_lock);
	struct spot *sp = &c->spots[c->next_spot++ % MAX_SPOTS];
	free(sp->fname);
	osfs_listing_put(sp->one);
	sp->kind = kind;
	sp->fname = copy;
	atomic_fetch_add(&one->refs, 1);
	sp->one = one;
	pthread_mutex_unlock(&c->spot_lock);
}

/* GET the kind's list filtered by `name`; the one exact match, or NULL. */
static int fetch_named(struct osfs_cache *c, enum osfs_kind_id kind, const char *name,
		       struct osfs_listing **out)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	char *re = k->name_query_regex ? osfs_name_regex_exact(name) : NULL;
	char *arg = osfs_http_escape(re ? re : name), *path = NULL;
	struct osfs_http_resp resp;
	struct osfs_page page = { 0 };
	struct osfs_res *match = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!arg || (k->name_query_regex && !re) || asprintf(&path, k->name_query, arg) < 0) {
		path = NULL;
		goto out;
	}
	ret = get_single(c, k, path, &resp);
	if (ret == 0)
		ret = osfs_model_parse_list(k, resp.body, 1000, &page);
	osfs_http_resp_free(&resp);
	for (size_t i = 0; ret == 0 && i < page.n; i++) {
		if (!page.items[i]->name || strcmp(page.items[i]->name, name) != 0)
			continue;
		if (match) { /* two share the name: only the full listing can name them */
			match = NULL;
			break;
		}
		match = page.items[i];
	}
	if (match) {
		for (size_t i = 0; i < page.n; i++)
			if (page.items[i] == match)
				page.items[i] = page.items[--page.n];
		*out = single_listing(kind, match, NULL);
	}
out:
	osfs_page_free(&page);
	free(path);
	free(arg);
	free(re);
	return ret;
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
	pthread_mutex_lock(&s->lock);
	if (s->cur) {
		stale = s->cur;
		atomic_fetch_add(&stale->refs, 1);
	}
	pthread_mutex_unlock(&s->lock);
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
	if (ret < 0 || !*out)
		return ret == -ENOMEM ? ret : 0; /* let the full listing decide */
	if (strcmp((*out)->items[0]->fname, fname) != 0) {
		osfs_listing_put(*out); /* encoded differently: not this file */
		*out = NULL;
		return 0;
	}
	spot_keep(c, kind, fname, *out);
	return 0;
}
