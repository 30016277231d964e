/* children.c - listings of nested kinds, one per parent (see children.h). */
#include "children.h"
#include "osfs_base.h"
#include "osfs_clients.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KEPT 128 /* parents whose nested listings are kept */

struct kept {
	enum osfs_kind_id kind;
	char *parent_id;
	struct osfs_listing *listing;
	double arrived; /* CLOCK_MONOTONIC seconds */
};

struct osfs_children {
	struct osfs_api *api;
	double ttl[OSFS_NKINDS];
	pthread_mutex_t lock;    /* protects kept[]; a leaf lock */
	struct kept kept[MAX_KEPT];
};

struct osfs_children *osfs_children_new(struct osfs_api *api, const double ttl[OSFS_NKINDS])
{
	struct osfs_children *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->api = api;
	for (int k = 0; k < OSFS_NKINDS; k++)
		c->ttl[k] = ttl && ttl[k] > 0 ? ttl[k] : osfs_kinds[k].ttl;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void kept_clear(struct kept *e)
{
	osfs_listing_put(e->listing);
	free(e->parent_id);
	memset(e, 0, sizeof(*e));
}

void osfs_children_free(struct osfs_children *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < MAX_KEPT; i++)
		kept_clear(&c->kept[i]);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct kept *find_locked(struct osfs_children *c, enum osfs_kind_id kind, const char *parent_id)
{
	for (size_t i = 0; i < MAX_KEPT; i++)
		if (c->kept[i].parent_id && c->kept[i].kind == kind &&
		    strcmp(c->kept[i].parent_id, parent_id) == 0)
			return &c->kept[i];
	return NULL;
}

/* A fresh kept listing of (kind, parent_id), as a new reference, or NULL. */
static struct osfs_listing *kept_fresh(struct osfs_children *c, enum osfs_kind_id kind,
				       const char *parent_id)
{
	struct osfs_listing *l = NULL;
	struct kept *e;

	pthread_mutex_lock(&c->lock);
	e = find_locked(c, kind, parent_id);
	if (e && osfs_now_mono() - e->arrived < c->ttl[kind])
		l = osfs_listing_hold(e->listing);
	pthread_mutex_unlock(&c->lock);
	return l;
}

/* Keep l (a reference is taken) in the slot of (kind, parent_id), or in
 * the oldest slot. */
static void keep(struct osfs_children *c, enum osfs_kind_id kind, const char *parent_id,
		 struct osfs_listing *l)
{
	char *id = strdup(parent_id);
	struct kept *e;

	if (!id)
		return;
	pthread_mutex_lock(&c->lock);
	if (!(e = find_locked(c, kind, parent_id))) {
		e = &c->kept[0];
		for (size_t i = 1; i < MAX_KEPT && e->parent_id; i++)
			if (!c->kept[i].parent_id || c->kept[i].arrived < e->arrived)
				e = &c->kept[i];
	}
	kept_clear(e);
	*e = (struct kept){ .kind = kind, .parent_id = id, .listing = osfs_listing_hold(l),
			    .arrived = osfs_now_mono() };
	pthread_mutex_unlock(&c->lock);
}

/* Resources of a nested kind sort by their start: their files' times. */
static void stamp(const struct osfs_page *page)
{
	for (size_t i = 0; i < page->n; i++) {
		time_t t = page->items[i]->created ? osfs_parse_time(page->items[i]->created) : 0;
		page->items[i]->mtime = t > 0 ? (double)t : 0;
	}
}

/* A listing the API refuses (404: the extension is off; 403: the policy
 * says no) is an empty directory, and the refusal is kept like an answer
 * for the kind's TTL, so that it is not asked again at each look. */
static bool refusal(int err)
{
	return err == -ENOENT || err == -EACCES || err == -EPERM;
}

static int fetch(struct osfs_children *c, enum osfs_kind_id kind, const char *parent_id,
		 struct osfs_listing **out)
{
	struct osfs_page page;
	int ret = osfs_fetch_nested(c->api, kind, parent_id, &page);

	if (refusal(ret)) {
		log_info("%s of %s refused (%s): shown empty for %.0f s", osfs_kinds[kind].dir, parent_id,
			 strerror(-ret), c->ttl[kind]);
		struct osfs_res **none = calloc(1, sizeof(*none));
		*out = none ? osfs_listing_new(kind, none, 0) : NULL;
		return *out ? 0 : -ENOMEM;
	}
	if (ret < 0)
		return ret;
	stamp(&page);
	*out = osfs_listing_new(kind, page.items, page.n);
	page.items = NULL;
	page.n = 0;
	osfs_page_free(&page);
	return *out ? 0 : -ENOMEM;
}

int osfs_children_list(struct osfs_children *c, enum osfs_kind_id kind, const char *parent_id,
		       struct osfs_listing **out)
{
	int ret;

	if (!c)
		return -ENOENT; /* a tree without nested kinds (unit tests) */
	*out = kept_fresh(c, kind, parent_id);
	if (*out)
		return 0;
	if ((ret = fetch(c, kind, parent_id, out)) < 0)
		return ret;
	keep(c, kind, parent_id, *out);
	return 0;
}
