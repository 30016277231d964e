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

/* What each listing asks: the kind, its query and the field naming `link`. */
struct index_ask {
	enum osfs_kind_id kind;
	const char *query;
	const char *link_file;
};

static const struct index_ask ports_ask = {
	OSFS_PORTS, "fields=id&fields=revision_number&fields=device_id&fields=device_owner",
	"device"
};
static const struct index_ask fips_ask = {
	OSFS_FLOATING_IPS, "fields=id&fields=revision_number&fields=port_id", "port"
};

struct osfs_netprobe {
	struct table ports, fips;   /* as of the last run that succeeded */
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

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->id, ((const struct entry *)b)->id);
}

static const struct entry *table_find(const struct table *t, const char *id)
{
	struct entry key = { .id = (char *)id };

	return id && *id ? bsearch(&key, t->e, t->n, sizeof(*t->e), by_id) : NULL;
}

/* The listing `ask` names, as a table, in *t. */
static int table_fetch(struct osfs_api *api, const struct index_ask *ask, struct table *t,
		       char **msg)
{
	const struct osfs_kind *k = &osfs_kinds[ask->kind];
	int field = osfs_kind_field(k, ask->link_file);
	struct osfs_page page;
	long long date;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = osfs_fetch_pages(api, ask->kind, ask->query, k->rev_page_size, &page, &date, msg);
	if (ret < 0)
		return ret;
	if (page.n && !(t->e = calloc(page.n, sizeof(*t->e))))
		ret = -ENOMEM;
	for (size_t i = 0; i < page.n && ret == 0; i++) {
		struct entry *e = &t->e[t->n++];
		e->rev = page.items[i]->rev;
		e->id = strdup(page.items[i]->id);
		e->link = strdup(osfs_res_val(page.items[i], (size_t)field));
		if (!e->id || !e->link)
			ret = -ENOMEM;
	}
	osfs_page_free(&page);
	if (ret < 0)
		table_clear(t);
	else if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), by_id);
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

/* The server a link names: a port's is its link; a floating IP's is its
 * port's, looked up in the ports table of the same moment. */
static const char *server_of(const struct entry *e, const struct table *ports)
{
	const struct entry *port;

	if (!e)
		return NULL;
	if (!ports)
		return e->link;
	port = table_find(ports, e->link);
	return port ? port->link : NULL;
}

/* Name the servers of what differs between old and new (sorted tables,
 * walked together); ports_old/ports_new: the tables to map links
 * through (NULL: the links are servers). */
static int diff(struct osfs_netprobe *p, const struct table *old, const struct table *new,
		const struct table *ports_old, const struct table *ports_new, double until)
{
	size_t i = 0, j = 0;
	int ret = 0;

	while ((i < old->n || j < new->n) && ret == 0) {
		int c = i == old->n ? 1 : j == new->n ? -1 : strcmp(old->e[i].id, new->e[j].id);
		const struct entry *was = c <= 0 ? &old->e[i++] : NULL;
		const struct entry *is = c >= 0 ? &new->e[j++] : NULL;

		if (was && is && was->rev == is->rev && was->rev >= 0 &&
		    strcmp(was->link, is->link) == 0)
			continue;
		ret = name_server(p, server_of(was, ports_old), until);
		if (ret == 0)
			ret = name_server(p, server_of(is, ports_new), until);
	}
	return ret;
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

int osfs_netprobe_run(struct osfs_api *api, struct osfs_netprobe *p, double now, char ***ids,
		      size_t *n, char **msg)
{
	struct table ports = { 0 }, fips = { 0 };
	double until = now + SETTLE_S;
	int ret;

	*ids = NULL;
	*n = 0;
	if (p->retry_at && now < p->retry_at)
		return -EAGAIN;
	/* ports first: a floating IP is looked up in ports as new as itself */
	ret = table_fetch(api, &ports_ask, &ports, msg);
	if (ret == 0)
		ret = table_fetch(api, &fips_ask, &fips, msg);
	if (ret == 0 && atomic_load(&p->ready)) {
		ret = diff(p, &p->ports, &ports, NULL, NULL, until);
		if (ret == 0)
			ret = diff(p, &p->fips, &fips, &p->ports, &ports, until);
	}
	if (ret < 0) {
		log_debug("netprobe: %s; servers are listed in full more often", strerror(-ret));
		table_clear(&ports);
		table_clear(&fips);
		forget(p);
		p->retry_at = now + RETRY_S;
		return ret;
	}
	forget(p);
	p->ports = ports;
	p->fips = fips;
	p->retry_at = 0;
	atomic_store(&p->ready, true);
	return named_now(p, now, ids, n);
}

bool osfs_netprobe_ready(const struct osfs_netprobe *p)
{
	return p && atomic_load(&p->ready);
}
