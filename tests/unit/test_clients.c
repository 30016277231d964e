/* test_clients.c - the pure parts of the service clients: request bodies
 * (compute.c) and the reading of answers (compute.c, network.c, volume.c). */
#include "check.h"
#include "compute.h"
#include "network.h"
#include "volume.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>

/* The JSON value at pointer p of text, as compact text ("" when absent). */
static char *at(const char *text, const char *p)
{
	struct json_object *root = json_tokener_parse(text), *v = NULL;
	char *out = strdup(root && json_pointer_get(root, p, &v) == 0 ?
			   json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "");

	json_object_put(root);
	return out;
}

#define CHECK_AT(text, p, want) do { char *v_ = at(text, p); CHECK_STR(v_, want); free(v_); } while (0)

static void boot_body(void)
{
	const char *nets[] = { "net-1", NULL }, *groups[] = { "default", "web servers", NULL };
	struct osfs_boot_spec spec = {
		.server = { .name = "web1", .flavor_ref = "1", .image_ref = "img-1",
			    .net_mode = OSFS_NET_LIST, .net_ids = nets },
		.security_groups = groups,
	};
	char *body = osfs_compute_boot_body(&spec);

	CHECK(body != NULL);
	CHECK_AT(body, "/server/imageRef", "\"img-1\"");
	CHECK_AT(body, "/server/networks", "[{\"uuid\":\"net-1\"}]");
	CHECK_AT(body, "/server/security_groups", "[{\"name\":\"default\"},{\"name\":\"web servers\"}]");
	CHECK_AT(body, "/server/block_device_mapping_v2", "");
	CHECK_AT(body, "/server/key_name", "");            /* absent, not null */
	CHECK_AT(body, "/server/metadata", "");
	free(body);

	char role[] = "role", web[] = "web";
	struct osfs_kv meta[] = { { role, web } };
	spec.server.metadata = meta;
	spec.server.nmetadata = 1;
	spec.server.net_mode = OSFS_NET_NONE;
	body = osfs_compute_boot_body(&spec);
	CHECK_AT(body, "/server/metadata", "{\"role\":\"web\"}");
	CHECK_AT(body, "/server/networks", "\"none\"");
	free(body);
	spec.server.metadata = NULL;
	spec.server.nmetadata = 0;
	spec.server.net_mode = OSFS_NET_LIST;

	spec.security_groups = NULL;
	spec.boot_volume_size = 20;
	body = osfs_compute_boot_body(&spec);
	CHECK_AT(body, "/server/imageRef", "");            /* the volume carries the image */
	CHECK_AT(body, "/server/security_groups", "");
	CHECK_AT(body, "/server/block_device_mapping_v2/0/uuid", "\"img-1\"");
	CHECK_AT(body, "/server/block_device_mapping_v2/0/boot_index", "0");
	CHECK_AT(body, "/server/block_device_mapping_v2/0/source_type", "\"image\"");
	CHECK_AT(body, "/server/block_device_mapping_v2/0/destination_type", "\"volume\"");
	CHECK_AT(body, "/server/block_device_mapping_v2/0/volume_size", "20");
	CHECK_AT(body, "/server/block_device_mapping_v2/0/delete_on_termination", "true");
	CHECK_AT(body, "/server/name", "\"web1\"");
	free(body);
}

static void boot_answer(void)
{
	char *id = NULL, *pass = NULL;

	CHECK(osfs_compute_parse_boot("{\"server\": {\"id\": \"s1\", \"adminPass\": \"pw\"}}", &id, &pass) == 0);
	CHECK_STR(id, "s1");
	CHECK_STR(pass, "pw");
	free(id);
	free(pass);
	CHECK(osfs_compute_parse_boot("{\"server\": {\"id\": \"s2\"}}", &id, &pass) == 0);
	CHECK_STR(id, "s2");
	CHECK(pass == NULL);
	free(id);
	CHECK(osfs_compute_parse_boot("{\"server\": {}}", &id, &pass) == -EPROTO);
	CHECK(osfs_compute_parse_boot("not json", &id, &pass) == -EPROTO);
	CHECK(id == NULL && pass == NULL);
}

static void networks(void)
{
	char *c = osfs_network_candidates("{\"networks\": [{\"id\": \"a1\", \"name\": \"private\"},"
					  "{\"id\": \"b2\", \"name\": \"\"}]}", 200);

	CHECK_STR(c, "private (a1), - (b2)");
	free(c);
	c = osfs_network_candidates("{\"networks\": [{\"id\": \"aaaaaaaaaa\", \"name\": \"long-name\"}]}", 10);
	CHECK(c && strlen(c) < 10 && strstr(c, "..."));
	free(c);
	CHECK(osfs_network_is_uuid("11111111-2222-3333-4444-555555555555"));
	CHECK(osfs_network_is_uuid("11111111222233334444555555555555"));
	CHECK(!osfs_network_is_uuid("private"));
	CHECK(!osfs_network_is_uuid("11111111-2222-3333-4444-55555555555"));
}

static void floating(void)
{
	const char *body = "{\"floatingips\": [{\"id\": \"f1\", \"floating_ip_address\": \"172.24.4.10\","
			   " \"port_id\": null}, {\"id\": \"f2\", \"floating_ip_address\": \"172.24.4.11\","
			   " \"port_id\": \"p1\"}]}";
	char *id = NULL, *port = NULL;

	CHECK(osfs_network_parse_floating(body, "172.24.4.11", &id, &port) == 0);
	CHECK_STR(id, "f2");
	CHECK_STR(port, "p1");
	free(id);
	free(port);
	CHECK(osfs_network_parse_floating(body, "172.24.4.10", &id, &port) == 0);
	CHECK_STR(id, "f1");
	CHECK(port == NULL);
	free(id);
	CHECK(osfs_network_parse_floating(body, "172.24.4.1", &id, &port) == -ENOENT);
	CHECK(osfs_network_parse_floating("{}", "172.24.4.1", &id, &port) == -EPROTO);
}

static void volumes(void)
{
	char *id = osfs_volume_created_id("{\"volume\": {\"id\": \"v1\", \"status\": \"creating\"}}");

	CHECK_STR(id, "v1");
	free(id);
	CHECK(osfs_volume_created_id("{\"volume\": {}}") == NULL);
	CHECK(osfs_volume_created_id("[]") == NULL);
}

int main(void)
{
	boot_body();
	boot_answer();
	networks();
	floating();
	volumes();
	return CHECK_DONE();
}
