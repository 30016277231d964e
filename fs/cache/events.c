/* events.c - rings of observed state changes (see events.h). */
#include "events.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TRACKED 4096 /* resources with a ring; the oldest is dropped */

struct ring {
	char **lines;
	size_t cap, n, head;         /* head: index of the oldest line */
};

struct tracked {
	char *id;
	struct ring ring;
	unsigned long used;          /* when it last got a line, for eviction */
};

struct osfs_events {
	pthread_mutex_t lock;        /* protects everything below; a leaf lock */
	struct ring all;
	struct tracked *res;         /* unsorted; MAX_TRACKED at most */
	size_t nres;
	unsigned long clock;
};

static const char *const state_files[] = { "status", "task_state", "power_state" };
#define NSTATE (sizeof(state_files) / sizeof(state_files[0]))

struct osfs_events *osfs_events_new(void)
{
	struct osfs_events *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	pthread_mutex_init(&ev->lock, NULL);
	ev->all.cap = OSFS_EVENTS_ALL;
	return ev;
}

static void ring_clear(struct ring *r)
{
	for (size_t i = 0; r->lines && i < r->n; i++)
		free(r->lines[(r->head + i) % r->cap]);
	free(r->lines);
}

void osfs_events_free(struct osfs_events *ev)
{
	if (!ev)
		return;
	ring_clear(&ev->all);
	for (size_t i = 0; i < ev->nres; i++) {
		free(ev->res[i].id);
		ring_clear(&ev->res[i].ring);
	}
	free(ev->res);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

/* Appends line (taken) to r, dropping the oldest when full. */
static void ring_add(struct ring *r, char *line)
{
	if (!r->lines && !(r->lines = calloc(r->cap, sizeof(*r->lines)))) {
		free(line);
		return;
	}
	if (r->n == r->cap) {
		free(r->lines[r->head]);
		r->lines[r->head] = line;
		r->head = (r->head + 1) % r->cap;
		return;
	}
	r->lines[(r->head + r->n++) % r->cap] = line;
}

static char *ring_text(const struct ring *r)
{
	size_t len = 1;
	char *out, *p;

	for (size_t i = 0; i < r->n; i++)
		len += strlen(r->lines[(r->head + i) % r->cap]);
	if (!(out = p = malloc(len)))
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		p = stpcpy(p, r->lines[(r->head + i) % r->cap]);
	*p = '\0';
	return out;
}

static struct tracked *tracked_find(struct osfs_events *ev, const char *id, bool make)
{
	size_t victim = 0;

	for (size_t i = 0; i < ev->nres; i++) {
		if (strcmp(ev->res[i].id, id) == 0)
			return &ev->res[i];
		if (ev->res[i].used < ev->res[victim].used)
			victim = i;
	}
	if (!make)
		return NULL;
	if (!ev->res && !(ev->res = calloc(MAX_TRACKED, sizeof(*ev->res))))
		return NULL;
	if (ev->nres == MAX_TRACKED) {
		free(ev->res[victim].id);
		ring_clear(&ev->res[victim].ring);
		ev->res[victim] = ev->res[--ev->nres];
	}
	struct tracked *t = &ev->res[ev->nres];
	memset(t, 0, sizeof(*t));
	if (!(t->id = strdup(id)))
		return NULL;
	t->ring.cap = OSFS_EVENTS_PER_RES;
	ev->nres++;
	return t;
}

/* "status task_state power_state" of r, or "DELETED - -" when r is NULL;
 * false when the kind has none of those files. */
static bool state_of(const struct osfs_kind *k, const struct osfs_res *r, char *out, size_t len)
{
	size_t used = 0;
	bool any = false;

	out[0] = '\0';
	for (size_t i = 0; i < NSTATE; i++) {
		int f = osfs_kind_field(k, state_files[i]);
		const char *v = f < 0 ? "-\n" : !r ? (i == 0 ? "DELETED\n" : "-\n") :
				strcmp(osfs_res_val(r, f), "\n") == 0 ? "-\n" : osfs_res_val(r, f);
		any |= f >= 0;
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%.*s",
					 i ? " " : "", (int)strcspn(v, "\n"), v);
	}
	return any;
}

void osfs_events_note(struct osfs_events *ev, enum osfs_kind_id kind, const struct osfs_res *old,
		      const struct osfs_res *r)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	const struct osfs_res *who = r ? r : old;
	char was[256], now[256], when[32], *line = NULL, *wide = NULL;
	time_t t = time(NULL);
	struct tracked *tr;

	if (!ev || !who || !state_of(k, r, now, sizeof(now)))
		return;
	if (old && r && state_of(k, old, was, sizeof(was)) && strcmp(was, now) == 0)
		return;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (asprintf(&line, "%s %s\n", when, now) < 0)
		line = NULL;
	if (asprintf(&wide, "%s %s%s%s/%s %s\n", when, k->area ? k->area : "", k->area ? "/" : "",
		     k->dir, who->fname ? who->fname : who->id, now) < 0)
		wide = NULL;
	pthread_mutex_lock(&ev->lock);
	/* a server in admin/servers too: its own events are noted once, from servers/ */
	tr = line && !k->area ? tracked_find(ev, who->id, true) : NULL;
	if (tr) {
		tr->used = ++ev->clock;
		ring_add(&tr->ring, line);
		line = NULL;
	}
	if (wide)
		ring_add(&ev->all, wide);
	pthread_mutex_unlock(&ev->lock);
	free(line);
}

char *osfs_events_read(struct osfs_events *ev, const char *id)
{
	struct tracked *tr;
	char *text;

	pthread_mutex_lock(&ev->lock);
	tr = id ? tracked_find(ev, id, false) : NULL;
	text = !id ? ring_text(&ev->all) : tr ? ring_text(&tr->ring) : strdup("");
	pthread_mutex_unlock(&ev->lock);
	return text;
}
