/* netprobe.c - which servers Neutron changed behind Nova's back (see
 * netprobe.h). */
#include "netprobe.h"
#include "fetch.h"
#include "osfs_base.h"
#include "osfs_model.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SETTLE_S 30.0 /* a changed server stays named this long: Nova's
		       * addresses follow Neutron's (2-3 s on the real cloud) */
#define RETRY_S 300.0 /* after a failure, no probe this long */
#define PORTS_EVERY_S 60.0 /* the ports' index (~60 bytes a port) at most this
			    * often; floating IPs (few) on every run */

/* One port (link: its server, "" when not a server's) or floating IP
 * (link: its port, "" when on none). */
struct entry {
	char *id;
	char *link;
	long long rev;
};

/* Sorted by id. */
struct table {
	struct entry *e;
	size_t n;
};

/* A server named until `until` (monotonic). */
struct named {
	char *id;
	double until;
};

/* A listing the probe asks: the kind, its query, the field naming `link`
 * (NULL: none asked). */
struct index_ask {
	enum osfs_kind_id kind;
	const char *query;
	const char *link_file;
};

#define PORT_FIELDS "fields=id&fields=revision_number&fields=device_id&fields=device_owner"

/* every port with its server: when the probe learns, and by id */
static const struct index_ask ports_rich = { OSFS_PORTS, PORT_FIELDS, "device" };
/* every port by revision alone: what changed is then asked by id */
static const struct index_ask ports_lean = {
	OSFS_PORTS, "fields=id&fields=revision_number", NULL
};
static const struct index_ask fips_ask = {
	OSFS_FLOATING_IPS, "fields=id&fields=revision_number&fields=port_id", "port"
};

struct osfs_netprobe {
	struct table ports, fips;   /* as of the last run that succeeded */
	double ports_at;            /* when ports was last listed (monotonic) */
	struct named *named;
	size_t nnamed;
	double retry_at;            /* monotonic; 0: ask at once */
	atomic_bool ready;          /* the tables are those of the last run */
};

static void table_clear(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].id);
		free(t->e[i].link);
	}
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

/* After a run that built `fresh`: on success it becomes *held (the old
 * one freed), on failure it goes and *held stays.  Returns ret. */
static int table_adopt(struct table *held, struct table *fresh, int ret)
{
	if (ret < 0) {
		table_clear(fresh);
		return ret;
	}
	table_clear(held);
	*held = *fresh;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->id, ((const struct entry *)b)->id);
}

static struct entry *table_find(const struct table *t, const char *id)
{
	struct entry key = { .id = (char *)id };

	return id && *id && t->n ? bsearch(&key, t->e, t->n, sizeof(*t->e), by_id) : NULL;
}

/* page's resources (of kind) appended to t, which is sorted again; link:
 * the kind's field `file` (NULL: none). */
static int table_add(struct table *t, enum osfs_kind_id kind, const struct osfs_page *page,
		     const char *file)
{
	int field = file ? osfs_kind_field(&osfs_kinds[kind], file) : -1;
	struct entry *grown;
	int ret = 0;

	if (!page->n)
		return 0;
	if (!(grown = realloc(t->e, (t->n + page->n) * sizeof(*grown))))
		return -ENOMEM;
	t->e = grown;
	for (size_t i = 0; i < page->n && ret == 0; i++) {
		struct entry *e = &t->e[t->n++];
		e->rev = page->items[i]->rev;
		e->id = strdup(page->items[i]->id);
		e->link = strdup(field >= 0 ? osfs_res_val(page->items[i], (size_t)field) : "");
		if (!e->id || !e->link)
			ret = -ENOMEM;
	}
	qsort(t->e, t->n, sizeof(*t->e), by_id);
	return ret;
}

/* The listing `ask` names, as a table, in *t. */
static int table_fetch(struct osfs_api *api, const struct index_ask *ask, struct table *t,
		       struct osfs_err *err)
{
	struct osfs_page page;
	long long date;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = osfs_fetch_pages(api, ask->kind, ask->query, osfs_kinds[ask->kind].rev_page_size,
			       &page, &date, err);
	if (ret == 0)
		ret = table_add(t, ask->kind, &page, ask->link_file);
	osfs_page_free(&page);
	if (ret < 0)
		table_clear(t);
	return ret;
}

/* The ports ids[0..n) with their servers, added to t. */
static int ports_by_id(struct osfs_api *api, struct table *t, char **ids, size_t n, struct osfs_err *err)
{
	struct osfs_page got = { 0 };
	int ret = n ? osfs_fetch_ids(api, OSFS_PORTS, PORT_FIELDS, ids, n, &got, err) : 0;

	if (ret == 0)
		ret = table_add(t, OSFS_PORTS, &got, ports_rich.link_file);
	osfs_page_free(&got);
	return ret;
}

/* Name server `id` (if any) until `until`. */
static int name_server(struct osfs_netprobe *p, const char *id, double until)
{
	struct named *grown;

	if (!id || !*id)
		return 0;
	for (size_t i = 0; i < p->nnamed; i++) {
		if (strcmp(p->named[i].id, id) == 0) {
			p->named[i].until = until;
			return 0;
		}
	}
	if (!(grown = realloc(p->named, (p->nnamed + 1) * sizeof(*grown))))
		return -ENOMEM;
	p->named = grown;
	if (!(p->named[p->nnamed].id = strdup(id)))
		return -ENOMEM;
	p->named[p->nnamed++].until = until;
	return 0;
}

/* Ports again by revision alone: those new or changed are asked by id
 * (with their server); the servers of what changed, came or went are
 * named until `until`. */
static int ports_refresh(struct osfs_api *api, struct osfs_netprobe *p, double until, struct osfs_err *err)
{
	struct table idx, changed = { 0 };
	char **want = NULL;
	size_t nwant = 0;
	int ret = table_fetch(api, &ports_lean, &idx, err);

	if (ret < 0)
		return ret;
	if (idx.n && !(want = calloc(idx.n, sizeof(*want))))
		ret = -ENOMEM;
	for (size_t i = 0; i < idx.n && ret == 0; i++) {
		struct entry *e = &idx.e[i], *old = table_find(&p->ports, e->id);
		if (!old || old->rev != e->rev || e->rev < 0) {
			want[nwant++] = e->id;
			continue;
		}
		free(e->link);
		if (!(e->link = strdup(old->link)))
			ret = -ENOMEM;
	}
	if (ret == 0)
		ret = ports_by_id(api, &changed, want, nwant, err);
	for (size_t i = 0; i < nwant && ret == 0; i++) {
		struct entry *old = table_find(&p->ports, want[i]), *is = table_find(&changed, want[i]);
		struct entry *e = table_find(&idx, want[i]);
		ret = name_server(p, old ? old->link : NULL, until);
		if (ret == 0 && is && (ret = name_server(p, is->link, until)) == 0) {
			free(e->link);
			e->link = strdup(is->link);
			ret = e->link ? 0 : -ENOMEM;
		}
	}
	for (size_t i = 0; i < p->ports.n && ret == 0; i++) /* gone */
		if (!table_find(&idx, p->ports.e[i].id))
			ret = name_server(p, p->ports.e[i].link, until);
	free(want);
	table_clear(&changed);
	return table_adopt(&p->ports, &idx, ret);
}

/* The server of a floating IP: its port's, or NULL. */
static const char *fip_server(const struct entry *e, const struct table *ports)
{
	const struct entry *port = e ? table_find(ports, e->link) : NULL;

	return port ? port->link : NULL;
}

/* Floating IPs again (few: on every run): the servers of the ports each
 * left or joined are named until `until`.  A port the probe does not know
 * yet (made since the ports were listed) is asked by id. */
static int fips_refresh(struct osfs_api *api, struct osfs_netprobe *p, double until, struct osfs_err *err)
{
	struct table idx;
	char **want = NULL;
	size_t nwant = 0, i = 0, j = 0;
	int ret = table_fetch(api, &fips_ask, &idx, err);

	if (ret < 0)
		return ret;
	if (idx.n && !(want = calloc(idx.n, sizeof(*want))))
		ret = -ENOMEM;
	for (size_t k = 0; k < idx.n && ret == 0; k++)
		if (*idx.e[k].link && !table_find(&p->ports, idx.e[k].link))
			want[nwant++] = idx.e[k].link;
	if (ret == 0)
		ret = ports_by_id(api, &p->ports, want, nwant, err);
	/* both sorted by id: walked together */
	while ((i < p->fips.n || j < idx.n) && ret == 0) {
		int c = i == p->fips.n ? 1 : j == idx.n ? -1 : strcmp(p->fips.e[i].id, idx.e[j].id);
		const struct entry *was = c <= 0 ? &p->fips.e[i++] : NULL;
		const struct entry *is = c >= 0 ? &idx.e[j++] : NULL;

		if (was && is && was->rev == is->rev && was->rev >= 0 &&
		    strcmp(was->link, is->link) == 0)
			continue;
		ret = name_server(p, fip_server(was, &p->ports), until);
		if (ret == 0)
			ret = name_server(p, fip_server(is, &p->ports), until);
	}
	free(want);
	return table_adopt(&p->fips, &idx, ret);
}

/* Drop the names past their time; hand out copies of the rest. */
static int named_now(struct osfs_netprobe *p, double now, char ***ids, size_t *n)
{
	size_t keep = 0;

	for (size_t i = 0; i < p->nnamed; i++) {
		if (p->named[i].until < now)
			free(p->named[i].id);
		else
			p->named[keep++] = p->named[i];
	}
	p->nnamed = keep;
	if (!keep)
		return 0;
	if (!(*ids = calloc(keep + 1, sizeof(**ids))))
		return -ENOMEM;
	for (size_t i = 0; i < keep; i++) {
		if (!((*ids)[i] = strdup(p->named[i].id))) {
			osfs_model_strv_free(*ids);
			*ids = NULL;
			return -ENOMEM;
		}
	}
	*n = keep;
	return 0;
}

struct osfs_netprobe *osfs_netprobe_new(void)
{
	struct osfs_netprobe *p = calloc(1, sizeof(*p));

	if (p)
		atomic_init(&p->ready, false);
	return p;
}

static void forget(struct osfs_netprobe *p)
{
	atomic_store(&p->ready, false);
	table_clear(&p->ports);
	table_clear(&p->fips);
}

void osfs_netprobe_free(struct osfs_netprobe *p)
{
	if (!p)
		return;
	forget(p);
	for (size_t i = 0; i < p->nnamed; i++)
		free(p->named[i].id);
	free(p->named);
	free(p);
}

/* What a first run asks: every port with its server, every floating IP. */
static int learn(struct osfs_api *api, struct osfs_netprobe *p, struct osfs_err *err)
{
	int ret = table_fetch(api, &ports_rich, &p->ports, err);

	return ret == 0 ? table_fetch(api, &fips_ask, &p->fips, err) : ret;
}

int osfs_netprobe_run(struct osfs_api *api, struct osfs_netprobe *p, double now, char ***ids,
		      size_t *n, struct osfs_err *err)
{
	double until = now + SETTLE_S;
	bool ports_due = now - p->ports_at >= PORTS_EVERY_S;
	int ret;

	*ids = NULL;
	*n = 0;
	if (p->retry_at && now < p->retry_at)
		return -EAGAIN;
	if (!atomic_load(&p->ready)) {
		forget(p);
		ret = learn(api, p, err);
		ports_due = true;
	} else {
		/* ports first: a floating IP's port is then known */
		ret = ports_due ? ports_refresh(api, p, until, err) : 0;
		if (ret == 0)
			ret = fips_refresh(api, p, until, err);
	}
	if (ret < 0) {
		log_debug("netprobe: %s; servers are listed in full more often", strerror(-ret));
		forget(p);
		p->retry_at = now + RETRY_S;
		return ret;
	}
	if (ports_due)
		p->ports_at = now;
	p->retry_at = 0;
	atomic_store(&p->ready, true);
	return named_now(p, now, ids, n);
}

bool osfs_netprobe_ready(const struct osfs_netprobe *p)
{
	return p && atomic_load(&p->ready);
}
