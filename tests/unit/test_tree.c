/* The tree (tree.c): paths to nodes, their attributes, entries, contents
 * and links, over a fake cloud (osfs_api_call and the compute version are
 * defined here, so the linker leaves api.c out). */
#include "api.h"
#include "cache.h"
#include "check.h"
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

int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, char **msg)
{
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (msg)
		*msg = NULL;
	if (strncmp(call->path, "/servers/detail", 15) != 0) {
		resp->status = 404;
		resp->body = strdup("{\"itemNotFound\": {\"message\": \"nothing here\"}}");
		return -ENOENT;
	}
	resp->status = 200;
	resp->body = strdup(strstr(call->path, "name=") ? "{\"servers\": []}" : servers);
	resp->len = strlen(resp->body);
	return 0;
}

const char *osfs_api_compute_version(const struct osfs_api *api)
{
	return "2.93";
}

static struct osfs_fs fs;

static int type_of(const char *path)
{
	struct osfs_node n;
	int ret = osfs_tree_lookup(&fs, path, &n);
	int type = ret < 0 ? ret : (int)n.type;

	osfs_node_release(&n);
	return type;
}

static char *content(const char *path)
{
	struct osfs_node n;
	char *buf = NULL;
	size_t len;

	if (osfs_tree_lookup(&fs, path, &n) == 0 && osfs_tree_read(&fs, &n, &buf, &len) < 0)
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

	if (osfs_tree_lookup(&fs, path, &n) == 0)
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
	CHECK(type_of("/servers/db/status/more") == -ENOENT);
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
	CHECK(osfs_tree_lookup(&fs, "/servers/web%2F1/json", &n) == 0);
	CHECK(osfs_tree_stat(&fs, &n, &st, NULL, NULL) == 0);
	CHECK(s && st.st_size == (off_t)strlen(s) && S_ISREG(st.st_mode));
	CHECK(st.st_mtime == 1767225605);                 /* 2026-01-01T00:00:05Z */
	osfs_node_release(&n);
	free(s);
	CHECK(osfs_tree_lookup(&fs, "/servers/.by-id/aaaa1111-0000", &n) == 0);
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

int main(void)
{
	double ttl[OSFS_NKINDS] = { 0 };

	fs.drafts = osfs_drafts_new();
	fs.notes = osfs_notes_new();
	fs.cache = osfs_cache_new(NULL, ttl);
	test_lookup();
	test_content_and_attributes();
	test_entries();
	osfs_drafts_free(fs.drafts);
	osfs_notes_free(fs.notes);
	osfs_cache_free(fs.cache);
	return CHECK_DONE();
}
