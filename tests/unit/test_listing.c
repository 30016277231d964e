/* Merging answers into listings (listing.c): deltas, deletions, time order,
 * shared unchanged resources, names, and what is reported; events.c. */
#include "check.h"
#include "events.h"
#include "listing.h"
#include "model.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct osfs_kind *servers = &osfs_kinds[OSFS_SERVERS];

/* A server as Nova lists it. */
static struct osfs_res *server(const char *id, const char *name, const char *status,
			       const char *updated, double seen)
{
	char body[512];
	struct osfs_res *r = NULL;

	snprintf(body, sizeof(body),
		 "{\"server\": {\"id\": \"%s\", \"name\": \"%s\", \"status\": \"%s\","
		 " \"updated\": \"%s\", \"created\": \"2026-01-01T00:00:00Z\"}}",
		 id, name, status, updated);
	if (osfs_model_parse_one(servers, body, &r) < 0)
		return NULL;
	r->seen = seen;
	return r;
}

static struct osfs_res **items(int n, ...)
{
	struct osfs_res **v = calloc((size_t)n + 1, sizeof(*v));
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		v[i] = va_arg(ap, struct osfs_res *);
	va_end(ap);
	return v;
}

static const char *status_of(const struct osfs_listing *l, const char *id)
{
	const struct osfs_res *r = osfs_listing_find_id(l, id);
	return r ? osfs_res_val(r, osfs_kind_field(servers, "status")) : NULL;
}

struct seen_changes {
	int changed, added, removed;
	char last[64];
};

static void count(void *ctx, enum osfs_kind_id kind, const struct osfs_res *old,
		  const struct osfs_res *new_)
{
	struct seen_changes *s = ctx;

	if (old && new_)
		s->changed++;
	else if (new_)
		s->added++;
	else
		s->removed++;
	snprintf(s->last, sizeof(s->last), "%s", new_ ? new_->fname : old->fname);
}

static void test_delta(void)
{
	struct osfs_listing *l0 = osfs_listing_merge(OSFS_SERVERS, NULL, NULL, items(3,
		server("a", "web", "ACTIVE", "2026-01-01T00:00:01Z", 10),
		server("b", "db", "BUILD", "2026-01-01T00:00:01Z", 10),
		server("c", "old", "ACTIVE", "2026-01-01T00:00:01Z", 10)), 3, 10, true, NULL, NULL);
	struct seen_changes ch = { 0 };
	struct osfs_res *a0 = osfs_listing_find_id(l0, "a");
	struct osfs_listing *l1;

	CHECK(l0 && l0->n == 3);
	/* b settled, c deleted, d created; a unchanged is not in the delta */
	l1 = osfs_listing_merge(OSFS_SERVERS, NULL, l0, items(3,
		server("b", "db", "ACTIVE", "2026-01-01T00:00:05Z", 0),
		server("c", "old", "DELETED", "2026-01-01T00:00:05Z", 0),
		server("d", "new", "BUILD", "2026-01-01T00:00:05Z", 0)), 3, 20, false, count, &ch);
	CHECK(l1 && l1->n == 3);
	CHECK_STR(status_of(l1, "b"), "ACTIVE\n");
	CHECK(!osfs_listing_find_id(l1, "c"));
	CHECK(!osfs_listing_find(l1, "old"));
	CHECK_STR(status_of(l1, "d"), "BUILD\n");
	CHECK(osfs_listing_find_id(l1, "a") == a0); /* shared, not copied */
	CHECK(ch.changed == 1 && ch.added == 1 && ch.removed == 1);
	CHECK(l1->fetched == 20);
	CHECK_STR(status_of(l0, "b"), "BUILD\n"); /* the old listing is untouched */

	/* the same values again change nothing and report nothing */
	struct osfs_res *b1 = osfs_listing_find_id(l1, "b");
	struct osfs_listing *l2;
	memset(&ch, 0, sizeof(ch));
	l2 = osfs_listing_merge(OSFS_SERVERS, NULL, l1, items(1,
		server("b", "db", "ACTIVE", "2026-01-01T00:00:05Z", 0)), 1, 30, false, count, &ch);
	CHECK(osfs_listing_find_id(l2, "b") == b1);
	CHECK(ch.changed + ch.added + ch.removed == 0);
	osfs_listing_put(l0);
	osfs_listing_put(l1);
	osfs_listing_put(l2);
}

/* Both orders of a listing hold: file names ascending in items, ids
 * ascending in by_id, the same resources in each. */
static bool orders_hold(const struct osfs_listing *l)
{
	bool ok = l != NULL;

	for (size_t i = 1; ok && i < l->n; i++)
		ok = strcmp(l->items[i - 1]->fname, l->items[i]->fname) < 0 &&
		     strcmp(l->by_id[i - 1]->id, l->by_id[i]->id) < 0;
	for (size_t i = 0; ok && i < l->n; i++)
		ok = osfs_listing_find(l, l->by_id[i]->fname) == l->by_id[i] &&
		     osfs_listing_find_id(l, l->items[i]->id) == l->items[i];
	return ok;
}

/* A delta that changes values only keeps both orders, the changed
 * resources in the places of the ones they replace; one that adds,
 * removes or renames sorts again. */
static void test_orders_after_merges(void)
{
	/* names in the reverse order of ids */
	struct osfs_listing *l0 = osfs_listing_merge(OSFS_SERVERS, NULL, NULL, items(4,
		server("id-1", "zeta", "ACTIVE", "2026-01-01T00:00:01Z", 10),
		server("id-2", "gamma", "ACTIVE", "2026-01-01T00:00:01Z", 10),
		server("id-3", "beta", "ACTIVE", "2026-01-01T00:00:01Z", 10),
		server("id-4", "alpha", "ACTIVE", "2026-01-01T00:00:01Z", 10)), 4, 10, true, NULL, NULL);
	struct osfs_listing *l1, *l2, *l3;

	CHECK(orders_hold(l0) && l0->n == 4);
	l1 = osfs_listing_merge(OSFS_SERVERS, NULL, l0, items(2,
		server("id-1", "zeta", "ERROR", "2026-01-01T00:00:05Z", 0),
		server("id-3", "beta", "SHUTOFF", "2026-01-01T00:00:05Z", 0)), 2, 20, false, NULL, NULL);
	CHECK(orders_hold(l1) && l1->n == 4);
	CHECK_STR(status_of(l1, "id-1"), "ERROR\n");
	CHECK_STR(status_of(l1, "id-3"), "SHUTOFF\n");
	CHECK(osfs_listing_find(l1, "zeta") == osfs_listing_find_id(l1, "id-1"));
	CHECK(osfs_listing_find_id(l1, "id-2") == osfs_listing_find_id(l0, "id-2"));
	CHECK_STR(status_of(l0, "id-1"), "ACTIVE\n");
	l2 = osfs_listing_merge(OSFS_SERVERS, NULL, l1, items(0), 0, 30, false, NULL, NULL);
	CHECK(orders_hold(l2) && l2->n == 4 && l2->fetched == 30);
	l3 = osfs_listing_merge(OSFS_SERVERS, NULL, l2, items(2,
		server("id-2", "omega", "ACTIVE", "2026-01-01T00:00:09Z", 0),
		server("id-0", "delta", "BUILD", "2026-01-01T00:00:09Z", 0)), 2, 40, false, NULL, NULL);
	CHECK(orders_hold(l3) && l3->n == 5);
	CHECK(osfs_listing_find(l3, "omega") && !osfs_listing_find(l3, "gamma"));
	osfs_listing_put(l0);
	osfs_listing_put(l1);
	osfs_listing_put(l2);
	osfs_listing_put(l3);
}

static void test_never_back_in_time(void)
{
	struct osfs_listing *l0 = osfs_listing_merge(OSFS_SERVERS, NULL, NULL, items(1,
		server("a", "web", "ACTIVE", "2026-01-01T00:00:09Z", 50)), 1, 50, true, NULL, NULL);
	struct osfs_listing *l1, *l2;

	/* an answer with an older `updated` loses, whenever it arrives */
	l1 = osfs_listing_merge(OSFS_SERVERS, NULL, l0, items(1,
		server("a", "web", "BUILD", "2026-01-01T00:00:05Z", 0)), 1, 60, true, NULL, NULL);
	CHECK_STR(status_of(l1, "a"), "ACTIVE\n");
	/* the same `updated`: the request that started later wins */
	l2 = osfs_listing_merge(OSFS_SERVERS, NULL, l1, items(1,
		server("a", "web", "BUILD", "2026-01-01T00:00:09Z", 0)), 1, 40, true, NULL, NULL);
	CHECK_STR(status_of(l2, "a"), "ACTIVE\n");
	osfs_listing_put(l2);
	l2 = osfs_listing_merge(OSFS_SERVERS, NULL, l1, items(1,
		server("a", "web", "SHUTOFF", "2026-01-01T00:00:09Z", 0)), 1, 70, true, NULL, NULL);
	CHECK_STR(status_of(l2, "a"), "SHUTOFF\n");
	osfs_listing_put(l0);
	osfs_listing_put(l1);
	osfs_listing_put(l2);
}

static void test_complete_answers(void)
{
	struct osfs_listing *l0 = osfs_listing_merge(OSFS_SERVERS, NULL, NULL, items(2,
		server("a", "web", "ACTIVE", "2026-01-01T00:00:01Z", 10),
		server("w", "watched", "BUILD", "2026-01-01T00:00:01Z", 90)), 2, 10, true, NULL, NULL);
	/* a complete answer asked for at 50 lacks a: gone; it lacks w too, but
	 * w was seen at 90, after that request started: kept */
	struct osfs_listing *l1 = osfs_listing_merge(OSFS_SERVERS, NULL, l0, items(0), 0, 50, true,
						     NULL, NULL);
	CHECK(!osfs_listing_find_id(l1, "a"));
	CHECK(osfs_listing_find_id(l1, "w"));
	osfs_listing_put(l0);
	osfs_listing_put(l1);
}

static void test_names_move(void)
{
	struct osfs_listing *l0 = osfs_listing_merge(OSFS_SERVERS, NULL, NULL, items(2,
		server("a1111111x", "dup", "ACTIVE", "2026-01-01T00:00:01Z", 10),
		server("b2222222x", "other", "ACTIVE", "2026-01-01T00:00:01Z", 10)), 2, 10, true,
		NULL, NULL);
	struct seen_changes ch = { 0 };
	/* b is renamed to dup: the oldest (by created, then id) keeps the name */
	struct osfs_listing *l1 = osfs_listing_merge(OSFS_SERVERS, NULL, l0, items(1,
		server("b2222222x", "dup", "ACTIVE", "2026-01-01T00:00:07Z", 0)), 1, 20, false,
		count, &ch);

	CHECK(osfs_listing_find(l1, "dup") && strcmp(osfs_listing_find(l1, "dup")->id, "a1111111x") == 0);
	CHECK(osfs_listing_find(l1, "dup~b2222222"));
	CHECK(!osfs_listing_find(l1, "other"));
	CHECK_STR(osfs_listing_find(l0, "other")->fname, "other"); /* shared one untouched */
	CHECK(ch.changed == 1 && ch.added == 0 && ch.removed == 0);
	CHECK_STR(ch.last, "dup~b2222222");
	osfs_listing_put(l0);
	osfs_listing_put(l1);
}

/* With the kind's name map, a name never moves: when the oldest "dup" is
 * gone (from a whole listing or a delta), the other keeps "dup~b2222222"
 * and "dup" names nothing; a resource fetched alone gets its own name. */
static void test_names_stay(void)
{
	for (int delta = 0; delta < 2; delta++) {
		struct osfs_names *names = osfs_names_new();
		struct osfs_listing *l0 = osfs_listing_merge(OSFS_SERVERS, names, NULL, items(2,
			server("a1111111x", "dup", "ACTIVE", "2026-01-01T00:00:01Z", 10),
			server("b2222222x", "dup", "ACTIVE", "2026-01-01T00:00:01Z", 10)), 2, 10, true,
			NULL, NULL);
		struct osfs_listing *l1 = delta ?
			osfs_listing_merge(OSFS_SERVERS, names, l0, items(1,
				server("a1111111x", "dup", "DELETED", "2026-01-01T00:00:09Z", 0)), 1, 20,
				false, NULL, NULL) :
			osfs_listing_merge(OSFS_SERVERS, names, l0, items(1,
				server("b2222222x", "dup", "ACTIVE", "2026-01-01T00:00:01Z", 0)), 1, 20,
				true, NULL, NULL);

		CHECK(osfs_listing_find(l0, "dup") && strcmp(osfs_listing_find(l0, "dup")->id, "a1111111x") == 0);
		CHECK(l1 && l1->n == 1);
		CHECK(l1 && !osfs_listing_find(l1, "dup"));
		CHECK(l1 && osfs_listing_find(l1, "dup~b2222222") &&
		      strcmp(osfs_listing_find(l1, "dup~b2222222")->id, "b2222222x") == 0);
		/* the survivor fetched alone (a lookup by name) is not "dup" either */
		struct osfs_listing *one = osfs_listing_new_in(OSFS_SERVERS, names, items(1,
			server("b2222222x", "dup", "ACTIVE", "2026-01-01T00:00:02Z", 30)), 1);
		CHECK_STR(one ? one->items[0]->fname : NULL, "dup~b2222222");
		/* a new server named dup does not take the gone one's name */
		struct osfs_listing *l2 = osfs_listing_merge(OSFS_SERVERS, names, l1, items(1,
			server("c3333333x", "dup", "ACTIVE", "2026-01-01T00:00:10Z", 0)), 1, 40,
			false, NULL, NULL);
		CHECK(l2 && !osfs_listing_find(l2, "dup") && osfs_listing_find(l2, "dup~c3333333"));
		osfs_listing_put(one);
		osfs_listing_put(l0);
		osfs_listing_put(l1);
		osfs_listing_put(l2);
		osfs_names_free(names);
	}
}

static void test_events(void)
{
	struct osfs_events *ev = osfs_events_new();
	struct osfs_res *b = server("s1", "web", "BUILD", "2026-01-01T00:00:01Z", 1);
	struct osfs_res *a = server("s1", "web", "ACTIVE", "2026-01-01T00:00:02Z", 2);
	char *text;

	b->fname = strdup("web");
	a->fname = strdup("web");
	osfs_events_note(ev, OSFS_SERVERS, NULL, b);
	osfs_events_note(ev, OSFS_SERVERS, b, b);   /* no change: no line */
	osfs_events_note(ev, OSFS_SERVERS, b, a);
	text = osfs_events_read(ev, "s1");
	CHECK(text && strstr(text, " BUILD - -\n") && strstr(text, " ACTIVE - -\n"));
	CHECK(text && strstr(text, "BUILD") < strstr(text, "ACTIVE"));
	CHECK(text && strchr(text, '\n') && strchr(strchr(text, '\n') + 1, '\n') &&
	      !strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n'));
	free(text);
	text = osfs_events_read(ev, NULL);
	CHECK(text && strstr(text, " servers/web ACTIVE - -\n"));
	free(text);
	for (int i = 0; i < 2 * OSFS_EVENTS_PER_RES; i++)
		osfs_events_note(ev, OSFS_SERVERS, i % 2 ? a : b, i % 2 ? b : a);
	text = osfs_events_read(ev, "s1");
	int lines = 0;
	for (char *p = text; p && *p; p++)
		lines += *p == '\n';
	CHECK(lines == OSFS_EVENTS_PER_RES);
	free(text);
	text = osfs_events_read(ev, "nobody");
	CHECK_STR(text, "");
	free(text);
	osfs_res_free(a);
	osfs_res_free(b);
	osfs_events_free(ev);
}

int main(void)
{
	test_delta();
	test_orders_after_merges();
	test_never_back_in_time();
	test_complete_answers();
	test_names_move();
	test_names_stay();
	test_events();
	return CHECK_DONE();
}
