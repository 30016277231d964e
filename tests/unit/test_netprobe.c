/* test_netprobe.c - which servers Neutron changed behind Nova's back
 * (netprobe.c), against a fake Neutron: what a run names, what it asks
 * and how often, and what it does when Neutron fails.  The probe's clock
 * is passed in, so no test waits. */
#include "check.h"
#include "netprobe.h"
#include "osfs_model.h"
#include "osfs_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPORTS 12
#define NFIPS 3

/* The fake cloud; one thread, no lock. */
static struct { int rev; char device[16]; bool there; } ports[NPORTS];
static struct { int rev; char port[16]; } fips[NFIPS];
static int lean_asks, rich_asks, by_id_asks, fip_asks;
static bool neutron_fails;

static void append(char **out, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*out = realloc(*out, *cap);
	}
	memcpy(*out + *len, text, n + 1);
	*len += n;
}

/* Does the query of path filter by id=port-i? */
static bool asks_id(const char *path, int i)
{
	char want[24];
	size_t n = (size_t)snprintf(want, sizeof(want), "&id=port-%d", i);

	for (const char *at = strstr(path, want); at; at = strstr(at + 1, want))
		if (at[n] == '&' || at[n] == '\0')
			return true;
	return false;
}

static char *ports_body(const char *path)
{
	bool rich = strstr(path, "fields=device_id") != NULL, ids = strstr(path, "&id=") != NULL;
	char *out = NULL, item[160];
	size_t len = 0, cap = 0;
	bool first = true;

	append(&out, &len, &cap, "{\"ports\": [");
	for (int i = 0; i < NPORTS; i++) {
		if (!ports[i].there || (ids && !asks_id(path, i)))
			continue;
	if (rich)
			snprintf(item, sizeof(item), "%s{\"id\": \"port-%d\", \"revision_number\": %d, "
				 "\"device_id\": \"%s\", \"device_owner\": \"%s\"}", first ? "" : ", ", i,
				 ports[i].rev, ports[i].device, *ports[i].device ? "compute:nova" : "");
		else
			snprintf(item, sizeof(item), "%s{\"id\": \"port-%d\", \"revision_number\": %d}",
				 first ? "" : ", ", i, ports[i].rev);
		append(&out, &len, &cap, item);
		first = false;
	}
	append(&out, &len, &cap, "]}");
	by_id_asks += ids;
	rich_asks += rich && !ids;
	lean_asks += !rich;
	return out;
}

static char *fips_body(void)
{
	char *out = NULL, item[128];
	size_t len = 0, cap = 0;

	append(&out, &len, &cap, "{\"floatingips\": [");
	for (int i = 0; i < NFIPS; i++) {
		snprintf(item, sizeof(item), "%s{\"id\": \"fip-%d\", \"revision_number\": %d, "
			 "\"port_id\": %s%s%s}", i ? ", " : "", i, fips[i].rev,
			 *fips[i].port ? "\"" : "", *fips[i].port ? fips[i].port : "null",
			 *fips[i].port ? "\"" : "");
		append(&out, &len, &cap, item);
	}
	append(&out, &len, &cap, "]}");
	fip_asks++;
	return out;
}

int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, struct osfs_err *err)
{
	(void)api;
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	osfs_err_clear(err);
	if (neutron_fails) {
		resp->status = 403;
		return -EACCES;
	}
	if (strncmp(call->path, "/v2.0/ports", 11) == 0)
		resp->body = ports_body(call->path);
	else if (strncmp(call->path, "/v2.0/floatingips", 17) == 0)
		resp->body = fips_body();
	else
		return -EIO;
	resp->len = strlen(resp->body);
	resp->status = 200;
	return 0;
}

bool osfs_api_version_refused(struct osfs_api *api, enum osfs_service svc)
{
	(void)api;
	(void)svc;
	return false;
}

/* The servers one run at `now` names, ' ' between, sorted; "" for none,
 * "error" when it fails. */
static char *named(struct osfs_netprobe *p, double now)
{
	char **ids = NULL, *out = calloc(1, 256);
	size_t n = 0;

	if (osfs_netprobe_run(NULL, p, now, &ids, &n, NULL) < 0) {
		strcpy(out, "error");
		return out;
	}
	for (size_t i = 0; i < n; i++) /* few: a plain sort */
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(ids[j], ids[i]) < 0) {
				char *t = ids[i];
				ids[i] = ids[j];
				ids[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, ids[i]);
	}
	osfs_model_strv_free(ids);
	return out;
}

#define CHECK_NAMED(p, now, want) do { char *got_ = named(p, now); CHECK_STR(got_, want); \
	free(got_); } while (0)

static void seed(void)
{
	for (int i = 0; i < NPORTS; i++) {
		ports[i].rev = 1;
		ports[i].there = i < 8;
		snprintf(ports[i].device, sizeof(ports[i].device), "srv-%d", i);
	}
	for (int i = 0; i < NFIPS; i++) {
		fips[i].rev = 1;
		fips[i].port[0] = '\0';
	}
	snprintf(fips[0].port, sizeof(fips[0].port), "port-0");
}

static void floating_ips_name_the_servers_they_join_and_leave(void)
{
	struct osfs_netprobe *p = osfs_netprobe_new();

	seed();
	CHECK(!osfs_netprobe_ready(p));
	CHECK_NAMED(p, 1000, "");                  /* the first run learns */
	CHECK(osfs_netprobe_ready(p));
	CHECK(rich_asks == 1 && fip_asks == 1 && lean_asks == 0);
	CHECK_NAMED(p, 1001, "");                  /* nothing changed */
	CHECK(fip_asks == 2 && lean_asks == 0);    /* the ports: not yet due */

	fips[0].rev++;                             /* moved from srv-0 to srv-3 */
	snprintf(fips[0].port, sizeof(fips[0].port), "port-3");
	fips[1].rev++;                             /* associated with srv-5 */
	snprintf(fips[1].port, sizeof(fips[1].port), "port-5");
	CHECK_NAMED(p, 1002, "srv-0 srv-3 srv-5");
	CHECK_NAMED(p, 1020, "srv-0 srv-3 srv-5"); /* until Nova has surely followed */
	CHECK_NAMED(p, 1040, "");
	CHECK(by_id_asks == 0);

	ports[9].there = true;                     /* a port made since the ports were listed */
	fips[2].rev++;
	snprintf(fips[2].port, sizeof(fips[2].port), "port-9");
	CHECK_NAMED(p, 1041, "srv-9");             /* its server asked by id */
	CHECK(by_id_asks == 1 && lean_asks == 0);
	osfs_netprobe_free(p);
}

static void ports_by_revision_once_a_minute(void)
{
	struct osfs_netprobe *p = osfs_netprobe_new();
	int by_id;

	seed();
	CHECK_NAMED(p, 2000, "");
	ports[2].there = false;                    /* deleted */
	ports[4].rev++;                            /* moved to another server */
	snprintf(ports[4].device, sizeof(ports[4].device), "srv-11");
	ports[10].there = true;                    /* added to srv-10 */
	CHECK_NAMED(p, 2030, "");                  /* not due: a minute after the last */
	by_id = by_id_asks;
	CHECK_NAMED(p, 2061, "srv-10 srv-11 srv-2 srv-4");
	CHECK(lean_asks == 1 && by_id_asks == by_id + 1); /* one request for what changed */
	CHECK_NAMED(p, 2200, "");
	CHECK(lean_asks == 2 && by_id_asks == by_id + 1); /* nothing changed: nothing by id */
	osfs_netprobe_free(p);
}

static void a_refusing_neutron_is_asked_again_only_later(void)
{
	struct osfs_netprobe *p = osfs_netprobe_new();
	int asks;

	seed();
	CHECK_NAMED(p, 3000, "");
	neutron_fails = true;
	CHECK_NAMED(p, 3001, "error");
	CHECK(!osfs_netprobe_ready(p));            /* the servers' short resync again */
	asks = fip_asks + rich_asks + lean_asks;
	neutron_fails = false;
	CHECK_NAMED(p, 3100, "error");             /* not asked meanwhile */
	CHECK(fip_asks + rich_asks + lean_asks == asks);
	fips[1].rev++;
	snprintf(fips[1].port, sizeof(fips[1].port), "port-1");
	CHECK_NAMED(p, 3400, "");                  /* asked again: learns anew */
	CHECK(osfs_netprobe_ready(p));
	osfs_netprobe_free(p);
}

int main(void)
{
	floating_ips_name_the_servers_they_join_and_leave();
	ports_by_revision_once_a_minute();
	a_refusing_neutron_is_asked_again_only_later();
	return CHECK_DONE();
}
