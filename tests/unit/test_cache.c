/* The resource cache (cache.c): single-flight, refresh by deltas, stale
 * listings served while they are refreshed, invalidation, resync, held
 * failures and what the observer hears.
 *
 * The cloud is a fake osfs_api_call defined here, so the linker takes it
 * instead of api.c's: a servers collection the test changes at will.  So is
 * the wall clock: clock_gettime here moves CLOCK_REALTIME by wall_shift_s,
 * as an NTP step or an operator's `date -s` would. */
#include "api.h"
#include "cache.h"
#include "check.h"
#include "fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NSERVERS 5

/* The fake cloud; everything under cloud_lock. */
static pthread_mutex_t cloud_lock = PTHREAD_MUTEX_INITIALIZER;
static char status[NSERVERS][16];
static int updated[NSERVERS];          /* seconds after 2026-01-01T00:00:00Z */
static bool deleted[NSERVERS];
static int full_lists, deltas;
static long delay_us;                  /* each list answer takes this long */
static int fail_with;                  /* next list answers fail with this errno */
static bool refuse_deltas;             /* changes-since answers 400 */
static bool gone[NSERVERS];            /* GET /servers/<id> answers 404 */

static atomic_long wall_shift_s;

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int ret = (int)syscall(SYS_clock_gettime, id, ts);

	if (ret == 0 && id == CLOCK_REALTIME)
		ts->tv_sec += atomic_load(&wall_shift_s);
	return ret;
}

static void iso(int secs, char *out, size_t len)
{
	snprintf(out, len, "2026-01-01T%02d:%02d:%02dZ", secs / 3600, secs / 60 % 60, secs % 60);
}

static char *servers_body(int since)
{
	size_t cap = 4096, used = 0;
	char *out = malloc(cap), when[32];

	used += (size_t)snprintf(out + used, cap - used, "{\"servers\": [");
	for (int i = 0, first = 1; i < NSERVERS; i++) {
		if (since < 0 ? deleted[i] : updated[i] < since)
			continue;
		iso(updated[i], when, sizeof(when));
		used += (size_t)snprintf(out + used, cap - used,
			"%s{\"id\": \"id-%d\", \"name\": \"srv-%d\", \"status\": \"%s\","
			" \"updated\": \"%s\", \"created\": \"2025-01-01T00:00:0%dZ\"}",
			first ? "" : ", ", i, i, deleted[i] ? "DELETED" : status[i], when, i);
		first = 0;
	}
	snprintf(out + used, cap - used, "]}");
	return out;
}

/* "changes-since=2026-01-01T00%3A00%3A05Z" → 5 */
static int since_of(const char *path)
{
	const char *p = strstr(path, "changes-since=");
	int h, m, s;

	if (!p || sscanf(p, "changes-since=2026-01-01T%d%%3A%d%%3A%dZ", &h, &m, &s) != 3)
		return p ? 0 : -1;
	return h * 3600 + m * 60 + s;
}

/* A Neutron networks collection, refreshed by revision; under cloud_lock. */
#define NNETS 3
static int net_rev[NNETS];
static bool net_gone[NNETS];
static int net_index, net_by_id, net_full;

/* "{"networks": [...]}": every network, or (ids) those whose id is in the
 * path's id= filters, or (index) only ids and revisions. */
static char *networks_body(const char *path)
{
	bool index = strstr(path, "fields=revision_number") != NULL, ids = strstr(path, "id=") != NULL;
	size_t cap = 4096, used = 0;
	char *out = malloc(cap), want[32];

	used += (size_t)snprintf(out + used, cap - used, "{\"networks\": [");
	for (int i = 0, first = 1; i < NNETS; i++) {
		snprintf(want, sizeof(want), "id=net-%d", i);
		if (net_gone[i] || (ids && !index && !strstr(path, want)))
			continue;
		if (index)
			used += (size_t)snprintf(out + used, cap - used,
				"%s{\"id\": \"net-%d\", \"revision_number\": %d}", first ? "" : ", ",
				i, net_rev[i]);
		else
			used += (size_t)snprintf(out + used, cap - used,
				"%s{\"id\": \"net-%d\", \"name\": \"n%d-r%d\", \"revision_number\": %d}",
				first ? "" : ", ", i, i, net_rev[i], net_rev[i]);
		first = 0;
	}
	snprintf(out + used, cap - used, "]}");
	net_index += index;
	net_by_id += ids && !index;
	net_full += !ids && !index;
	return out;
}

bool osfs_api_version_refused(struct osfs_api *api, enum osfs_service svc)
{
	(void)api;
	(void)svc;
	return false;
}

int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, struct osfs_err *err)
{
	int since, fail;
	bool refuse;
	long wait;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	osfs_err_clear(err);
	pthread_mutex_lock(&cloud_lock);
	if (strncmp(call->path, "/v2.0/networks", 14) == 0) {
		resp->body = networks_body(call->path);
		pthread_mutex_unlock(&cloud_lock);
		resp->len = strlen(resp->body);
		resp->status = 200;
		return 0;
	}
	if (strncmp(call->path, "/v2.0/ports", 11) == 0 ||
	    strncmp(call->path, "/v2.0/floatingips", 17) == 0) {
		pthread_mutex_unlock(&cloud_lock);
		resp->status = 404; /* no Neutron: servers keep their minute's resync */
		return -ENOENT;
	}
	if (strncmp(call->path, "/servers/id-", 12) == 0) {
		int i = atoi(call->path + 12);
		bool is_gone = i >= 0 && i < NSERVERS && gone[i];
		pthread_mutex_unlock(&cloud_lock);
		resp->status = is_gone ? 404 : 500;
		return is_gone ? -ENOENT : -EIO; /* only gone servers are asked alone here */
	}
	since = since_of(call->path);
	wait = delay_us;
	refuse = since >= 0 && refuse_deltas;
	fail = fail_with;
	fail_with = 0;
	if (since < 0)
		full_lists++;
	else
		deltas++;
	pthread_mutex_unlock(&cloud_lock);
	usleep((useconds_t)wait);
	if (fail || refuse) {
		resp->status = fail ? 503 : 400;
		osfs_err_set(err, 0, "%s", fail ? "busy (HTTP 503)" : "bad changes-since (HTTP 400)");
		return fail ? -fail : -EINVAL;
	}
	/* the fake's clock: the answer's Date is the newest change, so that
	 * the next changes-since starts just before it */
	pthread_mutex_lock(&cloud_lock);
	resp->body = servers_body(since);
	pthread_mutex_unlock(&cloud_lock);
	resp->len = strlen(resp->body);
	resp->status = 200;
	return 0;
}

static void reset(void)
{
	pthread_mutex_lock(&cloud_lock);
	for (int i = 0; i < NSERVERS; i++) {
		snprintf(status[i], sizeof(status[i]), "ACTIVE");
		updated[i] = 10;
		deleted[i] = false;
		gone[i] = false;
	}
	full_lists = deltas = 0;
	delay_us = 0;
	fail_with = 0;
	refuse_deltas = false;
	pthread_mutex_unlock(&cloud_lock);
}

/* Set one of the fake's knobs, under cloud_lock. */
static void set_fake(long *knob, long value)
{
	pthread_mutex_lock(&cloud_lock);
	*knob = value;
	pthread_mutex_unlock(&cloud_lock);
}

static void change(int i, const char *to, int when)
{
	pthread_mutex_lock(&cloud_lock);
	snprintf(status[i], sizeof(status[i]), "%s", to);
	updated[i] = when;
	pthread_mutex_unlock(&cloud_lock);
}

static int counted(int *which)
{
	pthread_mutex_lock(&cloud_lock);
	int n = *which;
	pthread_mutex_unlock(&cloud_lock);
	return n;
}

static const char *status_in(const struct osfs_listing *l, const char *fname)
{
	const struct osfs_res *r = osfs_listing_find(l, fname);
	return r ? osfs_res_val(r, (size_t)osfs_kind_field(&osfs_kinds[OSFS_SERVERS], "status")) : NULL;
}

static struct osfs_cache *new_cache(double ttl)
{
	double ttls[OSFS_NKINDS] = { 0 };

	ttls[OSFS_SERVERS] = ttl;
	return osfs_cache_new(NULL, ttls);
}

static void sleep_s(double s)
{
	usleep((useconds_t)(s * 1e6));
}

/* ---- single-flight ---- */

struct reader {
	struct osfs_cache *cache;
	struct osfs_listing *got;
	int ret;
};

static void *read_list(void *arg)
{
	struct reader *r = arg;

	r->ret = osfs_cache_list(r->cache, OSFS_SERVERS, &r->got, NULL);
	return NULL;
}

static void test_single_flight(void)
{
	struct osfs_cache *c = new_cache(60);
	struct reader readers[8];
	pthread_t t[8];

	reset();
	set_fake(&delay_us, 200 * 1000);
	for (int i = 0; i < 8; i++) {
		readers[i] = (struct reader){ c, NULL, -1 };
		pthread_create(&t[i], NULL, read_list, &readers[i]);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	CHECK(counted(&full_lists) == 1);
	for (int i = 0; i < 8; i++) {
		CHECK(readers[i].ret == 0 && readers[i].got == readers[0].got);
		osfs_listing_put(readers[i].got);
	}
	osfs_cache_free(c);
}

/* ---- deltas, invalidation, resync ---- */

static void test_deltas(void)
{
	struct osfs_cache *c = new_cache(60);
	struct osfs_listing *l0 = NULL, *l1 = NULL, *l2 = NULL;
	struct osfs_res *kept;

	reset();
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l0, NULL) == 0 && l0->n == NSERVERS);
	kept = osfs_listing_find(l0, "srv-0");
	/* a write through us: the next reader waits for a refresh, a delta */
	change(1, "SHUTOFF", 20);
	pthread_mutex_lock(&cloud_lock);
	deleted[2] = true;
	updated[2] = 20;
	pthread_mutex_unlock(&cloud_lock);
	osfs_cache_invalidate(c, OSFS_SERVERS);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l1, NULL) == 0);
	CHECK(counted(&full_lists) == 1 && counted(&deltas) == 1);
	CHECK(l1 && l1->n == NSERVERS - 1);
	CHECK_STR(l1 ? status_in(l1, "srv-1") : NULL, "SHUTOFF\n");
	CHECK(l1 && !osfs_listing_find(l1, "srv-2"));
	CHECK(l1 && osfs_listing_find(l1, "srv-0") == kept);   /* unchanged: the same object */
	CHECK_STR(status_in(l0, "srv-1"), "ACTIVE\n");          /* held snapshots never change */
	/* SIGHUP: the whole list again */
	osfs_cache_resync(c);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l2, NULL) == 0);
	CHECK(counted(&full_lists) == 2 && counted(&deltas) == 1);
	osfs_listing_put(l0);
	osfs_listing_put(l1);
	osfs_listing_put(l2);
	osfs_cache_free(c);
}

/* A full listing fetched beside the one held shares what did not change:
 * those items come back as the held listing's own objects, so the answer
 * does not cost a second copy of every resource until the merge. */
static void test_full_listing_shares_the_unchanged(void)
{
	struct osfs_cache *c = new_cache(60);
	struct osfs_listing *l = NULL;
	struct osfs_page all;
	long long date;
	size_t shared = 0, fresh = 0;

	reset();
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0 && l->n == NSERVERS);
	change(4, "SHUTOFF", 40);
	CHECK(osfs_fetch_all_like(NULL, OSFS_SERVERS, l, &all, &date, NULL) == 0);
	CHECK(all.n == NSERVERS);
	for (size_t i = 0; i < all.n; i++) {
		struct osfs_res *held = osfs_listing_find_id(l, all.items[i]->id);
		shared += all.items[i] == held;
		fresh += all.items[i] != held && strcmp(all.items[i]->id, "id-4") == 0;
	}
	CHECK(shared == NSERVERS - 1 && fresh == 1);
	osfs_page_free(&all); /* drops the references it took */
	CHECK_STR(status_in(l, "srv-0"), "ACTIVE\n");
	CHECK(osfs_fetch_all_like(NULL, OSFS_SERVERS, NULL, &all, &date, NULL) == 0);
	CHECK(all.n == NSERVERS && osfs_listing_find_id(l, "id-0") != all.items[0]);
	osfs_page_free(&all);
	osfs_listing_put(l);
	osfs_cache_free(c);
}

static void test_refused_delta_lists_everything(void)
{
	struct osfs_cache *c = new_cache(60);
	struct osfs_listing *l = NULL;

	reset();
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	osfs_listing_put(l);
	pthread_mutex_lock(&cloud_lock);
	refuse_deltas = true;
	pthread_mutex_unlock(&cloud_lock);
	change(3, "ERROR", 30);
	osfs_cache_invalidate(c, OSFS_SERVERS);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK(counted(&deltas) == 1 && counted(&full_lists) == 2);
	CHECK_STR(l ? status_in(l, "srv-3") : NULL, "ERROR\n");
	osfs_listing_put(l);
	osfs_cache_free(c);
}

/* ---- stale listings while they are refreshed ---- */

static void test_stale_served_while_refreshing(void)
{
	struct osfs_cache *c = new_cache(0.3);
	struct osfs_listing *l = NULL;
	struct timespec t0, t1;

	reset();
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	osfs_listing_put(l);
	sleep_s(0.35);                 /* stale, younger than twice the TTL */
	change(4, "PAUSED", 40);
	set_fake(&delay_us, 300 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* answered from what it had, without waiting for the slow delta */
	CHECK((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 < 0.25);
	CHECK_STR(l ? status_in(l, "srv-4") : NULL, "ACTIVE\n");
	osfs_listing_put(l);
	sleep_s(0.45);                 /* the refresh behind the reader is done */
	set_fake(&delay_us, 0);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK_STR(l ? status_in(l, "srv-4") : NULL, "PAUSED\n");
	CHECK(counted(&full_lists) == 1);
	osfs_listing_put(l);
	osfs_cache_free(c);
}

/* ---- kinds in use, refreshed in the background ---- */

static void test_background_refresh(void)
{
	struct osfs_cache *c = new_cache(0.2);
	struct osfs_listing *l = NULL;
	int before;

	reset();
	osfs_cache_set_active(c, 1.0);
	CHECK(osfs_cache_hold(c, OSFS_SERVERS) == 1.0); /* until idle, at most 10 TTLs */
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	osfs_listing_put(l);
	change(4, "PAUSED", 40);
	sleep_s(0.7);                  /* no reader: the scheduler refreshes */
	CHECK(counted(&deltas) >= 1);
	set_fake(&delay_us, 2000 * 1000);
	sleep_s(0.1);
	/* a refresh is slow now: the reader takes what the last one brought */
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK_STR(l ? status_in(l, "srv-4") : NULL, "PAUSED\n");
	osfs_listing_put(l);
	set_fake(&delay_us, 0);
	sleep_s(3.0);                  /* the slow one done, then idle: a second unread */
	before = counted(&deltas) + counted(&full_lists);
	sleep_s(0.8);
	CHECK(counted(&deltas) + counted(&full_lists) == before); /* idle: nothing asked */
	osfs_cache_free(c);            /* the scheduler stops */
}

/* ---- failures ---- */

static void test_failure_is_held(void)
{
	struct osfs_cache *c = new_cache(60);
	struct osfs_listing *l = NULL;
	struct osfs_err msg = { "" };

	reset();
	pthread_mutex_lock(&cloud_lock);
	fail_with = EAGAIN;
	pthread_mutex_unlock(&cloud_lock);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, &msg) == -EAGAIN);
	CHECK(strstr(msg.msg, "503"));
	osfs_err_clear(&msg);
	/* the kernel's next question at once meets the same answer, no request */
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, &msg) == -EAGAIN);
	CHECK(counted(&full_lists) == 1);
	sleep_s(1.1);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK(counted(&full_lists) == 2);
	osfs_listing_put(l);
	osfs_cache_free(c);
}

/* ---- the observer ---- */

struct heard {
	int changed, added, removed;
	char last[64];
};

static void hear(void *ctx, enum osfs_kind_id kind, const char *fname, enum osfs_change what)
{
	struct heard *h = ctx;

	h->changed += what == OSFS_CHANGED;
	h->added += what == OSFS_ADDED;
	h->removed += what == OSFS_REMOVED;
	snprintf(h->last, sizeof(h->last), "%s", fname ? fname : "");
}

static void test_observer(void)
{
	struct osfs_cache *c = new_cache(60);
	struct osfs_listing *l = NULL;
	struct heard h = { 0 };

	reset();
	osfs_cache_observe(c, hear, &h);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	osfs_listing_put(l);
	CHECK(h.changed + h.added + h.removed == 0);   /* a first listing changes nothing seen */
	change(0, "REBOOT", 50);
	osfs_cache_invalidate(c, OSFS_SERVERS);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK(h.changed == 1 && h.added == 0 && h.removed == 0);
	CHECK_STR(h.last, "srv-0");
	osfs_listing_put(l);
	/* after observe(NULL), nothing is heard */
	osfs_cache_observe(c, NULL, NULL);
	change(0, "ACTIVE", 60);
	osfs_cache_invalidate(c, OSFS_SERVERS);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK(h.changed == 1);
	osfs_listing_put(l);
	osfs_cache_free(c);
}

/* Networks by revision: an unchanged refresh is one index; a changed
 * network is fetched alone, a gone one dropped, the rest kept as they were. */
static void test_revisions(void)
{
	struct osfs_cache *c = osfs_cache_new(NULL, NULL);
	struct osfs_listing *l = NULL, *before = NULL;

	pthread_mutex_lock(&cloud_lock);
	memset(net_rev, 0, sizeof(net_rev));
	memset(net_gone, 0, sizeof(net_gone));
	net_index = net_by_id = net_full = 0;
	pthread_mutex_unlock(&cloud_lock);
	CHECK(osfs_cache_list(c, OSFS_NETWORKS, &before, NULL) == 0);
	CHECK(before && before->n == NNETS && counted(&net_full) == 1);
	osfs_cache_invalidate(c, OSFS_NETWORKS);
	CHECK(osfs_cache_list(c, OSFS_NETWORKS, &l, NULL) == 0);
	CHECK(counted(&net_index) == 1 && counted(&net_by_id) == 0 && counted(&net_full) == 1);
	osfs_listing_put(l);
	pthread_mutex_lock(&cloud_lock);
	net_rev[1] = 4;
	net_gone[2] = true;
	pthread_mutex_unlock(&cloud_lock);
	osfs_cache_invalidate(c, OSFS_NETWORKS);
	CHECK(osfs_cache_list(c, OSFS_NETWORKS, &l, NULL) == 0);
	CHECK(counted(&net_index) == 2 && counted(&net_by_id) == 1 && counted(&net_full) == 1);
	CHECK(l && l->n == 2 && osfs_listing_find(l, "n1-r4") && !osfs_listing_find_id(l, "net-2"));
	CHECK(l && osfs_listing_find_id(l, "net-0") == osfs_listing_find_id(before, "net-0"));
	osfs_listing_put(l);
	osfs_listing_put(before);
	osfs_cache_free(c);
}

/* ---- ages against the wall clock ---- */

static int requests(void)
{
	return counted(&full_lists) + counted(&deltas);
}

/* A listing's age is measured on the monotonic clock: a step of the wall
 * clock neither ages it nor makes it young again. */
static void test_wall_clock_jump(void)
{
	struct osfs_cache *c = new_cache(60);
	struct osfs_listing *l = NULL;
	int before;

	reset();
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	osfs_listing_put(l);
	before = requests();
	atomic_store(&wall_shift_s, 3600);      /* forward an hour: still fresh */
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK(requests() == before);
	osfs_listing_put(l);
	atomic_store(&wall_shift_s, 0);
	osfs_cache_free(c);

	c = new_cache(0.2);
	reset();
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	osfs_listing_put(l);
	before = requests();
	atomic_store(&wall_shift_s, -3600);     /* back an hour, then past twice the TTL */
	sleep_s(0.5);
	change(2, "SHUTOFF", 30);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK(requests() > before);
	CHECK_STR(l ? status_in(l, "srv-2") : NULL, "SHUTOFF\n");
	osfs_listing_put(l);
	atomic_store(&wall_shift_s, 0);
	osfs_cache_free(c);
}

/* ---- the lock order ---- */

/* An observer that, once armed, stops in its first call until released. */
struct blocker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool armed, inside, released;
};

static void block_in_observer(void *ctx, enum osfs_kind_id kind, const char *fname,
			      enum osfs_change what)
{
	struct blocker *b = ctx;

	pthread_mutex_lock(&b->lock);
	if (b->armed) {
		b->inside = true;
		pthread_cond_broadcast(&b->cond);
		while (!b->released)
			pthread_cond_wait(&b->cond, &b->lock);
	}
	pthread_mutex_unlock(&b->lock);
}

/* Wait (at most `seconds`) until *flag, under b->lock. */
static bool wait_flag(struct blocker *b, bool *flag, double seconds)
{
	struct timespec until;
	bool got;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)seconds;
	pthread_mutex_lock(&b->lock);
	while (!*flag && pthread_cond_timedwait(&b->cond, &b->lock, &until) == 0)
		;
	got = *flag;
	pthread_mutex_unlock(&b->lock);
	return got;
}

struct fresh_call {
	struct osfs_cache *cache;
	const struct osfs_res *r;
	int ret;
	struct blocker *b;
	bool done;
};

static void *call_fresh(void *arg)
{
	struct fresh_call *f = arg;
	struct osfs_listing *out = NULL;

	f->ret = osfs_cache_fresh(f->cache, OSFS_SERVERS, f->r, &out);
	osfs_listing_put(out);
	pthread_mutex_lock(&f->b->lock);
	f->done = true;
	pthread_cond_broadcast(&f->b->cond);
	pthread_mutex_unlock(&f->b->lock);
	return NULL;
}

/* A watched server found gone is dropped from its kind's listing: that
 * merge (and what the observer is told) must not hold up the lookup of
 * any other resource. */
static void test_gone_watch_holds_no_lookup(void)
{
	struct osfs_cache *c = new_cache(60);
	struct blocker b = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, false };
	struct osfs_listing *l = NULL;
	struct fresh_call gone_one, other;
	pthread_t t1, t2;

	reset();
	osfs_cache_observe(c, block_in_observer, &b);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	gone_one = (struct fresh_call){ c, osfs_listing_find(l, "srv-1"), 0, &b, false };
	other = (struct fresh_call){ c, osfs_listing_find(l, "srv-2"), -1, &b, false };
	osfs_cache_watch(c, OSFS_SERVERS, "id-1");
	pthread_mutex_lock(&cloud_lock);
	gone[1] = true;
	pthread_mutex_unlock(&cloud_lock);
	pthread_mutex_lock(&b.lock);
	b.armed = true;
	pthread_mutex_unlock(&b.lock);
	pthread_create(&t1, NULL, call_fresh, &gone_one);
	CHECK(wait_flag(&b, &b.inside, 10));    /* srv-1's removal is being told */
	pthread_create(&t2, NULL, call_fresh, &other);
	CHECK(wait_flag(&b, &other.done, 10));  /* srv-2's lookup did not wait for it */
	CHECK(other.ret == 0);
	pthread_mutex_lock(&b.lock);
	b.released = true;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.lock);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(gone_one.ret == -ENOENT);
	osfs_listing_put(l);
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	CHECK(l && !osfs_listing_find(l, "srv-1") && osfs_listing_find(l, "srv-2"));
	osfs_listing_put(l);
	osfs_cache_observe(c, NULL, NULL);
	osfs_cache_free(c);
}

/* Watches are bounded: the oldest goes when the table is full, and its
 * kind is listed again (a forgotten watch must not bring back old data).
 * Debug builds also assert there that no slot lock is taken under
 * watch_lock. */
static void test_watch_eviction_invalidates(void)
{
	struct osfs_cache *c = new_cache(60);
	struct osfs_listing *l = NULL;
	char id[32];
	int before, n;

	reset();
	CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
	osfs_listing_put(l);
	before = requests();
	for (n = 0; n < 1 << 16 && requests() == before; n++) {
		snprintf(id, sizeof(id), "w-%d", n);
		osfs_cache_watch(c, OSFS_SERVERS, id);
		CHECK(osfs_cache_list(c, OSFS_SERVERS, &l, NULL) == 0);
		osfs_listing_put(l);
	}
	CHECK(requests() == before + 1);
	osfs_cache_free(c);
}

int main(void)
{
	test_wall_clock_jump();
	test_gone_watch_holds_no_lookup();
	test_watch_eviction_invalidates();
	test_revisions();
	test_single_flight();
	test_deltas();
	test_full_listing_shares_the_unchanged();
	test_refused_delta_lists_everything();
	test_stale_served_while_refreshing();
	test_background_refresh();
	test_failure_is_held();
	test_observer();
	return CHECK_DONE();
}
