/* API JSON → resources (model.c, kinds.c) and the error-message table. */
#include "api.h"
#include "check.h"
#include "ctl.h"
#include "http.h"
#include "model.h"

#include <errno.h>
#include <stdlib.h>

static const char servers_page[] =
	"{\"servers\": ["
	" {\"id\": \"s1\", \"name\": \"web/1\", \"status\": \"ACTIVE\", \"OS-EXT-STS:task_state\": null,"
	"  \"OS-EXT-STS:vm_state\": \"active\", \"OS-EXT-STS:power_state\": 1,"
	"  \"flavor\": {\"original_name\": \"m1.tiny\", \"vcpus\": 1}, \"image\": {\"id\": \"i1\"},"
	"  \"addresses\": {\"private\": [{\"addr\": \"10.0.0.5\"}, {\"addr\": \"fd00::5\"}]},"
	"  \"metadata\": {\"role\": \"web\", \"a\": \"1\"}, \"created\": \"2024-01-01T00:00:00Z\","
	"  \"key_name\": null, \"hostId\": \"h\"},"
	" {\"id\": \"s2\", \"name\": \"db\", \"status\": \"ERROR\", \"flavor\": {\"id\": \"42\"},"
	"  \"image\": \"\", \"addresses\": {}, \"fault\": {\"message\": \"No valid host\"}}"
	"], \"servers_links\": [{\"rel\": \"next\", \"href\": \"http://internal:8774/v2.1/servers/detail?marker=s2\"}]}";

static const char *field(const struct osfs_res *r, enum osfs_kind_id k, const char *file)
{
	int i = osfs_kind_field(&osfs_kinds[k], file);
	return i < 0 ? NULL : r->vals[i];
}

int main(void)
{
	const struct osfs_kind *servers = &osfs_kinds[OSFS_SERVERS];
	struct osfs_page page;

	CHECK(osfs_model_parse_list(servers, servers_page, 2, &page) == 0);
	CHECK(page.n == 2);
	struct osfs_res *a = page.items[0], *b = page.items[1];
	CHECK_STR(a->name, "web/1");
	CHECK_STR(field(a, OSFS_SERVERS, "status"), "ACTIVE\n");
	CHECK_STR(field(a, OSFS_SERVERS, "task_state"), "\n");
	CHECK_STR(field(a, OSFS_SERVERS, "power_state"), "1\n");
	CHECK_STR(field(a, OSFS_SERVERS, "flavor"), "m1.tiny\n");
	CHECK_STR(field(b, OSFS_SERVERS, "flavor"), "42\n"); /* below 2.47: the id */
	CHECK_STR(field(a, OSFS_SERVERS, "addresses"), "private 10.0.0.5\nprivate fd00::5\n");
	CHECK_STR(field(b, OSFS_SERVERS, "addresses"), "\n");
	CHECK_STR(field(b, OSFS_SERVERS, "image"), "\n");
	CHECK_STR(field(b, OSFS_SERVERS, "fault"), "No valid host\n");
	CHECK(a->lens[osfs_kind_field(servers, "status")] == 7);
	CHECK(a->nsub == 2 && strcmp(a->sub[0].key, "a") == 0); /* sorted */
	CHECK_STR(osfs_res_sub(a, "role")->value, "web\n");
	CHECK(osfs_res_sub(a, "nope") == NULL);
	char *pretty = osfs_res_pretty(a), *compact = osfs_res_json(a);
	CHECK(pretty && strstr(pretty, "\"name\": \"web/1\"") != NULL);
	CHECK(compact && strstr(compact, "\"name\":\"web\\/1\"") == NULL &&
	      strstr(compact, "\"name\":\"web/1\"") != NULL); /* the text, unpacked */
	free(pretty);
	free(compact);
	/* the next page is rebuilt from the marker, never from the link's host */
	CHECK_STR(page.next, "/servers/detail?limit=2&marker=s2");
	osfs_page_free(&page);

	/* a page the cloud's max_limit cut short still has its next page */
	CHECK(osfs_model_parse_list(servers, servers_page, 1000, &page) == 0);
	CHECK_STR(page.next, "/servers/detail?limit=1000&marker=s2");
	osfs_page_free(&page);
	/* and a page without a link is the last */
	CHECK(osfs_model_parse_list(servers, "{\"servers\": [{\"id\": \"s9\"}]}", 1, &page) == 0);
	CHECK(page.next == NULL);
	osfs_page_free(&page);

	/* Glance: relative next, unwrapped show, null name, tags list */
	const struct osfs_kind *images = &osfs_kinds[OSFS_IMAGES];
	CHECK(osfs_model_parse_list(images,
		"{\"images\": [{\"id\": \"i1\", \"name\": null, \"size\": 123, \"tags\": [\"a\", \"b\"],"
		" \"checksum\": null}], \"next\": \"/v2/images?marker=i1&limit=1\"}", 1, &page) == 0);
	CHECK(page.items[0]->name == NULL);
	CHECK_STR(field(page.items[0], OSFS_IMAGES, "size"), "123\n");
	CHECK_STR(field(page.items[0], OSFS_IMAGES, "tags"), "a\nb\n");
	CHECK_STR(field(page.items[0], OSFS_IMAGES, "checksum"), "\n");
	CHECK_STR(page.next, "/v2/images?marker=i1&limit=1");
	osfs_page_free(&page);
	struct osfs_res *one;
	CHECK(osfs_model_parse_one(images, "{\"id\": \"i9\", \"name\": \"x\"}", &one) == 0);
	CHECK_STR(one->id, "i9");
	osfs_res_free(one);

	/* flavors: swap "" below 2.75 reads as 0; extra_specs as a subdir */
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_FLAVORS],
		"{\"flavors\": [{\"id\": \"1\", \"name\": \"m1.tiny\", \"ram\": 512, \"swap\": \"\","
		" \"extra_specs\": {\"hw:cpu_policy\": \"shared\"}}]}", 1000, &page) == 0);
	CHECK_STR(field(page.items[0], OSFS_FLAVORS, "ram"), "512\n");
	CHECK_STR(field(page.items[0], OSFS_FLAVORS, "swap"), "0\n");
	CHECK_STR(osfs_res_sub(page.items[0], "hw:cpu_policy")->value, "shared\n");
	osfs_page_free(&page);

	/* keypairs are wrapped; limits are one object */
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_KEYPAIRS],
		"{\"keypairs\": [{\"keypair\": {\"name\": \"k\", \"fingerprint\": \"f\"}}]}", 1000, &page) == 0);
	CHECK_STR(page.items[0]->id, "k");
	osfs_page_free(&page);
	CHECK(osfs_model_parse_one(&osfs_kinds[OSFS_LIMITS],
		"{\"limits\": {\"rate\": [], \"absolute\": {\"maxTotalInstances\": 10}}}", &one) == 0);
	CHECK_STR(osfs_res_sub(one, "maxTotalInstances")->value, "10\n");
	osfs_res_free(one);

	/* hostile input is an error, never a crash */
	CHECK(osfs_model_parse_list(servers, "{\"servers\": 5}", 1000, &page) == -EPROTO);
	CHECK(osfs_model_parse_list(servers, "[1,2", 1000, &page) == -EPROTO);
	CHECK(osfs_model_parse_list(servers, "{\"servers\": [{\"name\": \"no id\"}]}", 1000, &page) == -EPROTO);

	/* request bodies */
	const char *nets[] = { "11111111-2222-3333-4444-555555555555", NULL };
	char role[] = "role", web[] = "web";
	struct osfs_kv meta[] = { { role, web } };
	struct osfs_server_spec spec = { .name = "web1", .flavor_ref = "1", .image_ref = "i1",
		.net_mode = OSFS_NET_LIST, .net_ids = nets, .metadata = meta, .nmetadata = 1 };
	char *body = osfs_model_server_body(&spec);
	CHECK(strstr(body, "\"networks\":[{\"uuid\":\"11111111-2222-3333-4444-555555555555\"}]") != NULL);
	CHECK(strstr(body, "\"metadata\":{\"role\":\"web\"}") != NULL);
	CHECK(strstr(body, "key_name") == NULL);
	free(body);
	spec.net_mode = OSFS_NET_NONE;
	body = osfs_model_server_body(&spec);
	CHECK(strstr(body, "\"networks\":\"none\"") != NULL);
	free(body);

	/* error messages of each service's shape */
	char *m;
	CHECK_STR(m = osfs_api_error_message("{\"conflictingRequest\": {\"code\": 409, \"message\": \"locked\"}}"), "locked"); free(m);
	CHECK_STR(m = osfs_api_error_message("{\"error\": {\"code\": 401, \"message\": \"auth\"}}"), "auth"); free(m);
	CHECK_STR(m = osfs_api_error_message("{\"message\": \"gone\", \"code\": \"404 Not Found\"}"), "gone"); free(m);
	CHECK_STR(m = osfs_api_error_message("<html>oops\n</html>"), "<html>oops </html>"); free(m);

	/* one errno table */
	CHECK(osfs_http_status_errno(200) == 0);
	CHECK(osfs_http_status_errno(400) == EINVAL);
	CHECK(osfs_http_status_errno(404) == ENOENT);
	CHECK(osfs_http_status_errno(409) == EBUSY);
	CHECK(osfs_http_status_errno(429) == EAGAIN);
	CHECK(osfs_http_status_errno(503) == EAGAIN);
	CHECK(osfs_http_status_errno(500) == EIO);

	/* ctl verbs */
	CHECK(osfs_ctl_parse(OSFS_SERVERS, "reboot\n", 7) != NULL);
	CHECK_STR(osfs_ctl_parse(OSFS_SERVERS, "  Reboot   HARD \n", 17)->words, "reboot hard");
	CHECK(osfs_ctl_parse(OSFS_SERVERS, "explode\n", 8) == NULL);
	CHECK(osfs_ctl_parse(OSFS_FLAVORS, "delete", 6) == NULL);
	CHECK(osfs_ctl_parse(OSFS_KEYPAIRS, "delete", 6) != NULL);
	return CHECK_DONE();
}
