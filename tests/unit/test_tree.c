/* The tree (tree.c): paths to nodes, their attributes, entries, contents
 * and links, over a fake cloud (osfs_api_call and the compute version are
 * defined here, so the linker leaves api.c out). */
#include "api.h"
#include "cache.h"
#include "check.h"
#include "children.h"
#include "drafts.h"
#include "fs.h"
#include "notes.h"
#include "tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char servers[] =
	"{\"servers\": ["
	"{\"id\": \"aaaa1111-0000\", \"name\": \"web/1\", \"status\": \"ACTIVE\","
	" \"updated\": \"2026-01-01T00:00:05Z\", \"created\": \"2026-01-01T00:00:01Z\","
	" \"metadata\": {\"role\": \"web\"}},"
	"{\"id\": \"bbbb2222-0000\", \"name\": \"db\", \"status\": \"SHUTOFF\","
	" \"updated\": \"2026-01-01T00:00:09Z\", \"created\": \"2026-01-01T00:00:02Z\","
	" \"metadata\": {}}]}";

/* Neutron: a network with a subnet, a port of server web/1 and a router's
 * port (no name: listed under its id), a group whose rule points at it. */
static const char networks[] =
	"{\"networks\": [{\"id\": \"net-1\", \"name\": \"private\", \"status\": \"ACTIVE\","
	" \"shared\": true, \"router:external\": false, \"mtu\": 1500, \"subnets\": [\"sub-1\"]}]}";
static const char ports[] =
	"{\"ports\": ["
	"{\"id\": \"port-1\", \"name\": \"\", \"status\": \"ACTIVE\", \"network_id\": \"net-1\","
	" \"device_owner\": \"compute:nova\", \"device_id\": \"aaaa1111-0000\","
	" \"fixed_ips\": [{\"subnet_id\": \"sub-1\", \"ip_address\": \"10.0.0.5\"}]},"
	"{\"id\": \"port-2\", \"name\": \"gw\", \"status\": \"DOWN\", \"network_id\": \"net-1\","
	" \"device_owner\": \"network:router_interface\", \"device_id\": \"router-1\","
	" \"fixed_ips\": []}]}";
static const char groups[] =
	"{\"security_groups\": [{\"id\": \"sg-1\", \"name\": \"default\", \"description\": \"d\","
	" \"security_group_rules\": ["
	"{\"id\": \"rule-1\", \"direction\": \"ingress\", \"protocol\": \"tcp\","
	" \"port_range_min\": 22, \"port_range_max\": 22, \"remote_group_id\": null},"
	"{\"id\": \"rule-2\", \"direction\": \"ingress\", \"protocol\": null,"
	" \"remote_group_id\": \"sg-1\"}]}]}";

static const char actions[] =
	"{\"instanceActions\": ["
	"{\"action\": \"reboot\", \"request_id\": \"req-2\", \"start_time\": \"2026-01-01T00:10:00.000000\","
	" \"user_id\": \"u1\", \"project_id\": \"p1\", \"message\": null, \"instance_uuid\": \"aaaa1111-0000\"},"
	"{\"action\": \"create\", \"request_id\": \"req-1\", \"start_time\": \"2026-01-01T00:00:01.000000\","
	" \"user_id\": \"u1\", \"project_id\": \"p1\", \"message\": null}]}";

static const char action_shown[] =
	"{\"instanceAction\": {\"action\": \"reboot\", \"request_id\": \"req-2\","
	" \"instance_uuid\": \"aaaa1111-0000\", \"events\": [{\"event\": \"compute_reboot_instance\","
	" \"start_time\": \"2026-01-01T00:10:00.000000\", \"finish_time\": \"2026-01-01T00:10:02.000000\","
	" \"result\": \"Success\"}]}}";

/* The operator's plane: one name in two projects, two hosts. */
static const char all_servers[] =
	"{\"servers\": ["
	"{\"id\": \"cccc3333-0000\", \"name\": \"web\", \"status\": \"ACTIVE\", \"tenant_id\": \"p2\","
	" \"created\": \"2026-01-01T00:00:03Z\", \"OS-EXT-SRV-ATTR:host\": \"cmp2\","
	" \"OS-EXT-SRV-ATTR:hypervisor_hostname\": \"cmp2\"},"
	"{\"id\": \"dddd4444-0000\", \"name\": \"web\", \"status\": \"ACTIVE\", \"tenant_id\": \"p1\","
	" \"created\": \"2026-01-01T00:00:01Z\", \"OS-EXT-SRV-ATTR:host\": \"cmp1\","
	" \"OS-EXT-SRV-ATTR:hypervisor_hostname\": \"cmp1\"}]}";
static const char hypervisors[] =
	"{\"hypervisors\": [{\"id\": \"h-1\", \"hypervisor_hostname\": \"cmp1\", \"state\": \"up\","
	" \"vcpus\": 8, \"service\": {\"id\": \"s-1\", \"host\": \"cmp1\"}},"
	"{\"id\": \"h-2\", \"hypervisor_hostname\": \"cmp2\", \"state\": \"down\","
	" \"service\": {\"id\": \"s-2\", \"host\": \"cmp2\"}}]}";
static const char services[] =
	"{\"services\": [{\"id\": \"s-1\", \"binary\": \"nova-compute\", \"host\": \"cmp1\","
	" \"status\": \"enabled\"}]}";
static const char projects[] =
	"{\"projects\": [{\"id\": \"p1\", \"name\": \"alpha\"}, {\"id\": \"p2\", \"name\": \"beta\"}]}";
static const char aggregates[] =
	"{\"aggregates\": [{\"id\": 7, \"name\": \"fast\", \"hosts\": [\"cmp1\"],"
	" \"metadata\": {\"ssd\": \"true\"}}]}";

static const struct {
	const char *prefix;
	const char *body;
} answers[] = {
	{ "/servers/aaaa1111-0000/os-instance-actions", actions },
	{ "/servers/aaaa1111-0000/os-instance-actions/req-2", action_shown }, /* the longer wins */
	{ "/servers/detail", servers },
	{ "/servers/detail?all_tenants=1", all_servers }, /* after: the longer wins */
	{ "/os-hypervisors/detail", hypervisors },
	{ "/os-services", services },
	{ "/v3/projects", projects },
	{ "/os-aggregates", aggregates },
	{ "/v2.0/networks", networks },
	{ "/v2.0/ports", ports },
	{ "/v2.0/security-groups", groups },
};

bool osfs_api_version_refused(struct osfs_api *api, enum osfs_service svc)
{
	(void)api;
	(void)svc;
	return false;
}

int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, struct osfs_err *err)
{
	const char *body = NULL;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	osfs_err_clear(err);
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (strncmp(call->path, answers[i].prefix, strlen(answers[i].prefix)) == 0)
			body = answers[i].body;
	if (!body) {
		resp->status = 404;
		resp->body = strdup("{\"itemNotFound\": {\"message\": \"nothing here\"}}");
		return -ENOENT;
	}
	resp->status = 200;
	resp->body = strdup(strstr(call->path, "name=") ? "{\"servers\": [], \"ports\": [], \"networks\": [], \"security_groups\": []}" : body);
	resp->len = strlen(resp->body);
	return 0;
}

const char *osfs_api_compute_version(const struct osfs_api *api)
{
	return "2.93";
}

bool osfs_api_has_service(const struct osfs_api *api, enum osfs_service svc)
{
	return svc != OSFS_SVC_VOLUME; /* a cloud without Cinder */
}

static struct osfs_fs fs;

/* The node of an absolute path, one name at a time as the FUSE glue
 * hands them to the tree; on failure it holds nothing. */
static int walk(const char *path, struct osfs_node *node)
{
	char *copy = strdup(path), *save = NULL;
	struct osfs_node next;
	int ret = copy ? 0 : -ENOMEM;

	osfs_tree_root(node);
	for (char *name = strtok_r(copy, "/", &save); ret == 0 && name;
	     name = strtok_r(NULL, "/", &save)) {
		ret = osfs_tree_child(&fs, node, name, &next);
		osfs_node_release(node);
		if (ret == 0)
			*node = next;
	}
	free(copy);
	return ret;
}

static int type_of(const char *path)
{
	struct osfs_node n;
	int ret = walk(path, &n);
	int type = ret < 0 ? ret : (int)n.type;

	osfs_node_release(&n);
	return type;
}

static char *content(const char *path)
{
	struct osfs_node n;
	char *buf = NULL;
	size_t len;

	if (walk(path, &n) == 0 && osfs_tree_read(&fs, &n, &buf, &len) < 0)
		buf = NULL;
	osfs_node_release(&n);
	return buf;
}

struct names {
	char text[512];
};

static int collect(void *ctx, const char *name, const struct stat *st)
{
	struct names *nm = ctx;
	size_t used = strlen(nm->text);

	snprintf(nm->text + used, sizeof(nm->text) - used, "%s%s", name, S_ISDIR(st->st_mode) ? "/ " : " ");
	return 0;
}

static void entries(const char *path, char *out, size_t len)
{
	struct osfs_node n;
	struct names nm = { "" };

	if (walk(path, &n) == 0)
		osfs_tree_list(&fs, &n, collect, &nm);
	osfs_node_release(&n);
	snprintf(out, len, "%s", nm.text);
}

static void test_lookup(void)
{
	CHECK(type_of("/") == OSFS_N_ROOT);
	CHECK(type_of("/servers") == OSFS_N_KIND);
	CHECK(type_of("/servers/web%2F1") == OSFS_N_RES);
	CHECK(type_of("/servers/web%2F1/status") == OSFS_N_FIELD);
	CHECK(type_of("/servers/web%2F1/json") == OSFS_N_JSON);
	CHECK(type_of("/servers/web%2F1/metadata") == OSFS_N_SUBDIR);
	CHECK(type_of("/servers/web%2F1/metadata/role") == OSFS_N_SUBFILE);
	CHECK(type_of("/servers/web%2F1/ctl") == OSFS_N_CTL);
	CHECK(type_of("/servers/web%2F1/events") == OSFS_N_EVENTS);
	CHECK(type_of("/servers/.by-id") == OSFS_N_BYID);
	CHECK(type_of("/servers/.by-id/bbbb2222-0000") == OSFS_N_LINK);
	CHECK(type_of("/.openstackfs/stats") == OSFS_N_META_FILE);
	CHECK(type_of("/.openstackfs/events") == OSFS_N_META_FILE);
	/* what is not there */
	CHECK(type_of("/servers/web/1") == -ENOENT);          /* '/' is %2F in names */
	CHECK(type_of("/servers/nobody") == -ENOENT);
	CHECK(type_of("/servers/db/metadata/none") == -ENOENT);
	CHECK(type_of("/servers/db/status/more") == -ENOTDIR);  /* a file holds no names */
	CHECK(type_of("/nokind") == -ENOENT);
	CHECK(type_of("/servers/.by-id/no-such-id") == -ENOENT);
}

static void test_content_and_attributes(void)
{
	struct osfs_node n;
	struct stat st;
	char *s = content("/servers/db/status"), *target = NULL;

	CHECK_STR(s, "SHUTOFF\n");
	free(s);
	s = content("/servers/web%2F1/metadata/role");
	CHECK_STR(s, "web\n");
	free(s);
	s = content("/servers/web%2F1/json");
	CHECK(s && strstr(s, "\"name\": \"web/1\"") && s[strlen(s) - 1] == '\n');
	/* sizes are true, and the mtime is the resource's own `updated` */
	CHECK(walk("/servers/web%2F1/json", &n) == 0);
	CHECK(osfs_tree_stat(&fs, &n, &st, NULL, NULL) == 0);
	CHECK(s && st.st_size == (off_t)strlen(s) && S_ISREG(st.st_mode));
	CHECK(st.st_mtime == 1767225605);                 /* 2026-01-01T00:00:05Z */
	osfs_node_release(&n);
	free(s);
	CHECK(walk("/servers/.by-id/aaaa1111-0000", &n) == 0);
	CHECK(osfs_tree_readlink(&fs, &n, &target) == 0);
	CHECK_STR(target, "../web%2F1");
	free(target);
	osfs_node_release(&n);
}

static void test_entries(void)
{
	char got[512];

	entries("/servers", got, sizeof(got));
	CHECK_STR(got, ".by-id/ db/ web%2F1/ ");
	entries("/servers/.by-id", got, sizeof(got));
	CHECK_STR(got, "aaaa1111-0000 bbbb2222-0000 ");
	entries("/servers/web%2F1/metadata", got, sizeof(got));
	CHECK_STR(got, "role ");
	entries("/servers/db", got, sizeof(got));
	CHECK(strstr(got, "status ") && strstr(got, "metadata/ ") && strstr(got, "events ") &&
	      strstr(got, "ctl ") && strstr(got, "json "));
	entries("/", got, sizeof(got));
	CHECK(strstr(got, "servers/ ") && strstr(got, ".openstackfs/ "));
}

static char *link_of(const char *path)
{
	struct osfs_node n;
	char *target = NULL;

	if (walk(path, &n) == 0 && osfs_tree_readlink(&fs, &n, &target) < 0)
		target = NULL;
	osfs_node_release(&n);
	return target;
}

static void test_links_and_nested(void)
{
	char got[512], *s;

	/* a field naming another resource is a link to it, through .by-id */
	s = link_of("/ports/port-1/network");
	CHECK_STR(s, "../../networks/.by-id/net-1");
	free(s);
	s = link_of("/ports/port-1/device");
	CHECK_STR(s, "../../servers/.by-id/aaaa1111-0000");
	free(s);
	/* a router's port has no server: no device link at all */
	CHECK(type_of("/ports/gw/device") == -ENOENT);
	entries("/ports/gw", got, sizeof(got));
	CHECK(strstr(got, "network ") && !strstr(got, "device "));
	s = content("/ports/port-1/fixed_ips");
	CHECK_STR(s, "10.0.0.5 sub-1\n");
	free(s);
	/* a list of ids is a directory of links */
	entries("/networks/private/subnets", got, sizeof(got));
	CHECK_STR(got, "sub-1 ");
	s = link_of("/networks/private/subnets/sub-1");
	CHECK_STR(s, "../../../subnets/.by-id/sub-1");
	free(s);
	CHECK(type_of("/networks/private/subnets/sub-2") == -ENOENT);
	/* an array of objects is a directory of directories */
	entries("/security_groups/default/rules", got, sizeof(got));
	CHECK_STR(got, "rule-1/ rule-2/ ");
	s = content("/security_groups/default/rules/rule-1/port_range_min");
	CHECK_STR(s, "22\n");
	free(s);
	s = content("/security_groups/default/rules/rule-2/protocol");
	CHECK_STR(s, "\n");                                /* null: any protocol */
	free(s);
	s = link_of("/security_groups/default/rules/rule-2/remote_group");
	CHECK_STR(s, "../../../../security_groups/.by-id/sg-1");
	free(s);
	CHECK(type_of("/security_groups/default/rules/rule-1/remote_group") == -ENOENT);
	CHECK(type_of("/security_groups/default/rules/rule-9") == -ENOENT);
	/* a kind nested in a resource: a server's actions, a request each, so
	 * a symlink into /.openstackfs/live, where walks find nothing */
	s = link_of("/servers/web%2F1/actions");
	CHECK_STR(s, "../../.openstackfs/live/servers/aaaa1111-0000/actions");
	free(s);
	CHECK(type_of("/servers/web%2F1/actions/req-1") == -ENOTDIR); /* the kernel follows the link */
	entries("/servers/web%2F1", got, sizeof(got));
	CHECK(strstr(got, " actions ") != NULL && strstr(got, " console.log ") != NULL); /* links */
	entries("/.openstackfs/live", got, sizeof(got));
	CHECK_STR(got, "");
	entries("/.openstackfs/live/servers", got, sizeof(got));
	CHECK_STR(got, "");
	CHECK(type_of("/.openstackfs/live/servers/aaaa1111-0000") == OSFS_N_LIVE_RES);
	CHECK(type_of("/.openstackfs/live/servers/no-such-id") == -ENOENT);
	CHECK(type_of("/.openstackfs/live/flavors") == -ENOENT);   /* nothing on demand there */
	entries("/.openstackfs/live/servers/aaaa1111-0000", got, sizeof(got));
	CHECK_STR(got, "actions/ console.log ");
	entries("/.openstackfs/live/servers/aaaa1111-0000/actions", got, sizeof(got));
	CHECK_STR(got, "req-1/ req-2/ ");
	s = content("/.openstackfs/live/servers/aaaa1111-0000/actions/req-2/action");
	CHECK_STR(s, "reboot\n");
	free(s);
	CHECK(type_of("/.openstackfs/live/servers/aaaa1111-0000/actions/req-3") == -ENOENT);
	s = content("/.openstackfs/live/servers/aaaa1111-0000/actions/req-2/events"); /* from GET of that action */
	CHECK_STR(s, "compute_reboot_instance 2026-01-01T00:10:00.000000 2026-01-01T00:10:02.000000 Success\n");
	free(s);
	s = link_of("/.openstackfs/live/servers/aaaa1111-0000/actions/req-2/server");
	CHECK_STR(s, "../../../../../../servers/.by-id/aaaa1111-0000");
	free(s);
	CHECK(type_of("/actions") == -ENOENT);                 /* not a top-level kind */
	/* a kind whose service the catalog lacks is not there */
	entries("/", got, sizeof(got));
	CHECK(strstr(got, "networks/ ") && !strstr(got, "volumes/ "));
	CHECK(type_of("/volumes") == -ENOENT);
}

static mode_t mode_at(const char *path)
{
	struct osfs_node n;
	struct stat st = { 0 };

	if (walk(path, &n) == 0)
		osfs_tree_stat(&fs, &n, &st, NULL, NULL);
	osfs_node_release(&n);
	return st.st_mode;
}

/* path is a symlink to want / a file holding want. */
static void expect_link(const char *path, const char *want)
{
	char *s = link_of(path);

	CHECK_STR(s, want);
	free(s);
}

static void expect_content(const char *path, const char *want)
{
	char *s = content(path);

	CHECK_STR(s, want);
	free(s);
}

static void test_admin(void)
{
	char got[512];

	CHECK(type_of("/admin") == -ENOENT);      /* credentials that may not */
	entries("/", got, sizeof(got));
	CHECK(!strstr(got, "admin/"));
	fs.admin = true;
	entries("/", got, sizeof(got));
	CHECK(strstr(got, "admin/ ") != NULL);
	entries("/admin", got, sizeof(got));
	CHECK_STR(got, "servers/ hypervisors/ compute_services/ projects/ aggregates/ migrations/ ");
	CHECK(type_of("/admin/flavors") == -ENOENT);
	CHECK(type_of("/hypervisors") == -ENOENT);
	/* every project's servers: the oldest keeps the name */
	entries("/admin/servers", got, sizeof(got));
	CHECK_STR(got, ".by-id/ web/ web~cccc3333/ ");
	expect_content("/admin/servers/web/host", "cmp1\n");
	expect_link("/admin/servers/web/project", "../../projects/.by-id/p1");
	expect_link("/admin/servers/web~cccc3333/hypervisor", "../../hypervisors/cmp2");
	entries("/admin/hypervisors/cmp2/servers", got, sizeof(got));
	CHECK_STR(got, "web~cccc3333 ");   /* as admin/servers names them */
	expect_link("/admin/hypervisors/cmp2/servers/web~cccc3333", "../../../servers/web~cccc3333");
	entries("/admin/projects/beta/servers", got, sizeof(got));
	CHECK_STR(got, "web~cccc3333 ");
	expect_link("/admin/hypervisors/cmp1/service", "../../compute_services/.by-id/s-1");
	CHECK(type_of("/admin/compute_services/nova-compute@cmp1") == OSFS_N_RES);
	expect_link("/admin/aggregates/fast/hosts/cmp1", "../../../hypervisors/cmp1");
	expect_content("/admin/aggregates/fast/metadata/ssd", "true\n");
	/* the mounting user's alone */
	CHECK(mode_at("/admin") == (S_IFDIR | 0500));
	CHECK(mode_at("/admin/hypervisors/cmp1") == (S_IFDIR | 0500));
	CHECK(mode_at("/admin/hypervisors/cmp1/vcpus") == (S_IFREG | 0400));
	CHECK(mode_at("/admin/compute_services/nova-compute@cmp1/ctl") == (S_IFREG | 0600));
	CHECK(mode_at("/servers/db/status") == (S_IFREG | 0444)); /* the project's stay */
	fs.admin = false;
}

int main(void)
{
	double ttl[OSFS_NKINDS] = { 0 };

	fs.drafts = osfs_drafts_new();
	fs.notes = osfs_notes_new();
	fs.cache = osfs_cache_new(NULL, ttl);
	fs.children = osfs_children_new(NULL, ttl);
	test_lookup();
	test_content_and_attributes();
	test_entries();
	test_links_and_nested();
	test_admin();
	osfs_drafts_free(fs.drafts);
	osfs_notes_free(fs.notes);
	osfs_cache_free(fs.cache);
	osfs_children_free(fs.children);
	return CHECK_DONE();
}
