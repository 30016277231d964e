/* kinds.c - the tables behind /flavors, /images, /servers, /keypairs and
 * /limits.  File names are DESIGN.md's; pointers are the API's field names
 * (openstack-api.md §3, §4). */
#include "kinds.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct osfs_field flavor_fields[] = {
	{ "id", "/id", OSFS_FMT_TEXT },
	{ "name", "/name", OSFS_FMT_TEXT },
	{ "vcpus", "/vcpus", OSFS_FMT_TEXT },
	{ "ram", "/ram", OSFS_FMT_TEXT },
	{ "disk", "/disk", OSFS_FMT_TEXT },
	{ "ephemeral", "/OS-FLV-EXT-DATA:ephemeral", OSFS_FMT_INT },
	{ "swap", "/swap", OSFS_FMT_INT },
	{ "is_public", "/os-flavor-access:is_public", OSFS_FMT_TEXT },
	{ "description", "/description", OSFS_FMT_TEXT },
};

static const struct osfs_field image_fields[] = {
	{ "id", "/id", OSFS_FMT_TEXT },
	{ "name", "/name", OSFS_FMT_TEXT },
	{ "status", "/status", OSFS_FMT_TEXT },
	{ "size", "/size", OSFS_FMT_TEXT },
	{ "disk_format", "/disk_format", OSFS_FMT_TEXT },
	{ "container_format", "/container_format", OSFS_FMT_TEXT },
	{ "visibility", "/visibility", OSFS_FMT_TEXT },
	{ "min_disk", "/min_disk", OSFS_FMT_TEXT },
	{ "min_ram", "/min_ram", OSFS_FMT_TEXT },
	{ "checksum", "/checksum", OSFS_FMT_TEXT },
	{ "created_at", "/created_at", OSFS_FMT_TEXT },
	{ "updated_at", "/updated_at", OSFS_FMT_TEXT },
	{ "owner", "/owner", OSFS_FMT_TEXT },
	{ "tags", "/tags", OSFS_FMT_LIST },
};

static const struct osfs_field server_fields[] = {
	{ "id", "/id", OSFS_FMT_TEXT },
	{ "name", "/name", OSFS_FMT_TEXT },
	{ "status", "/status", OSFS_FMT_TEXT },
	{ "task_state", "/OS-EXT-STS:task_state", OSFS_FMT_TEXT },
	{ "vm_state", "/OS-EXT-STS:vm_state", OSFS_FMT_TEXT },
	{ "power_state", "/OS-EXT-STS:power_state", OSFS_FMT_TEXT },
	{ "flavor", "/flavor/original_name|/flavor/id", OSFS_FMT_TEXT },
	{ "image", "/image/id", OSFS_FMT_TEXT },
	{ "addresses", "/addresses", OSFS_FMT_ADDRESSES },
	{ "key_name", "/key_name", OSFS_FMT_TEXT },
	{ "created", "/created", OSFS_FMT_TEXT },
	{ "updated", "/updated", OSFS_FMT_TEXT },
	{ "host_id", "/hostId", OSFS_FMT_TEXT },
	{ "fault", "/fault/message", OSFS_FMT_TEXT },
};

static const struct osfs_field keypair_fields[] = {
	{ "name", "/name", OSFS_FMT_TEXT },
	{ "type", "/type", OSFS_FMT_TEXT },
	{ "fingerprint", "/fingerprint", OSFS_FMT_TEXT },
	{ "public_key", "/public_key", OSFS_FMT_TEXT },
};

const struct osfs_kind osfs_kinds[OSFS_NKINDS] = {
	[OSFS_FLAVORS] = {
		.dir = "flavors", .svc = OSFS_SVC_COMPUTE,
		.list_path = "/flavors/detail", .show_path = "/flavors/%s",
		.collection = "flavors", .show_key = "flavor",
		.id_pointer = "/id", .name_pointer = "/name", .created_pointer = NULL,
		.paging = OSFS_PAGE_NOVA, .page_size = 1000,
		.subdir = "extra_specs", .sub_pointer = "/extra_specs",
		.fields = flavor_fields, .nfields = N(flavor_fields), .ttl = 300,
	},
	[OSFS_IMAGES] = {
		.dir = "images", .svc = OSFS_SVC_IMAGE,
		.list_path = "/v2/images", .show_path = "/v2/images/%s",
		.collection = "images", .show_key = NULL,
		.id_pointer = "/id", .name_pointer = "/name", .created_pointer = "/created_at",
		.updated_pointer = "/updated_at",
		.name_query = "/v2/images?name=%s",
		.paging = OSFS_PAGE_GLANCE, .page_size = 1000,
		.fields = image_fields, .nfields = N(image_fields), .ttl = 120,
	},
	[OSFS_SERVERS] = {
		.dir = "servers", .svc = OSFS_SVC_COMPUTE,
		.list_path = "/servers/detail", .show_path = "/servers/%s",
		.collection = "servers", .show_key = "server",
		.id_pointer = "/id", .name_pointer = "/name", .created_pointer = "/created",
		.updated_pointer = "/updated", .delta_param = "changes-since", .gone_status = "DELETED",
		.name_query = "/servers/detail?name=%s", .name_query_regex = true,
		.paging = OSFS_PAGE_NOVA, .page_size = 1000,
		.subdir = "metadata", .sub_pointer = "/metadata", .sub_writable = true,
		.fields = server_fields, .nfields = N(server_fields), .ttl = 10,
	},
	[OSFS_KEYPAIRS] = {
		.dir = "keypairs", .svc = OSFS_SVC_COMPUTE,
		.list_path = "/os-keypairs", .show_path = "/os-keypairs/%s",
		.collection = "keypairs", .show_key = "keypair", .item_wrapper = "keypair",
		.id_pointer = "/name", .name_pointer = "/name", .created_pointer = NULL,
		.paging = OSFS_PAGE_NOVA, .page_size = 1000,
		.fields = keypair_fields, .nfields = N(keypair_fields), .ttl = 60,
	},
	[OSFS_LIMITS] = {
		.dir = "limits", .svc = OSFS_SVC_COMPUTE,
		.list_path = "/limits", .collection = NULL,
		.id_pointer = NULL, .name_pointer = NULL,
		.paging = OSFS_PAGE_NONE,
		.subdir = "", .sub_pointer = "/limits/absolute",
		.singleton = true, .ttl = 30,
	},
};

const struct osfs_kind *osfs_kind_by_dir(const char *dir, enum osfs_kind_id *id)
{
	for (int i = 0; i < OSFS_NKINDS; i++) {
		if (strcmp(osfs_kinds[i].dir, dir) == 0) {
			if (id)
				*id = (enum osfs_kind_id)i;
			return &osfs_kinds[i];
		}
	}
	return NULL;
}

int osfs_kind_field(const struct osfs_kind *k, const char *file)
{
	for (size_t i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].file, file) == 0)
			return (int)i;
	return -1;
}
