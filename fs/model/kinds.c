/* kinds.c - the tables behind /flavors, /images, /servers, /keypairs,
 * /limits (Nova, Glance), /networks, /subnets, /ports, /security_groups,
 * /floating_ips (Neutron v2.0), /volumes (Cinder v3), and the operator's
 * plane under /admin/ (Nova's admin APIs, Keystone's projects, each
 * service's quotas of a project: fact sheet §3.15).  File names are
 * DESIGN.md's; pointers are the API's field names (openstack-api.md). */
#include "kinds.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct osfs_field flavor_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "vcpus", .pointers = "/vcpus", .fmt = OSFS_FMT_TEXT },
	{ .file = "ram", .pointers = "/ram", .fmt = OSFS_FMT_TEXT },
	{ .file = "disk", .pointers = "/disk", .fmt = OSFS_FMT_TEXT },
	{ .file = "ephemeral", .pointers = "/OS-FLV-EXT-DATA:ephemeral", .fmt = OSFS_FMT_INT },
	{ .file = "swap", .pointers = "/swap", .fmt = OSFS_FMT_INT },
	{ .file = "is_public", .pointers = "/os-flavor-access:is_public", .fmt = OSFS_FMT_TEXT },
	{ .file = "description", .pointers = "/description", .fmt = OSFS_FMT_TEXT },
};

static const struct osfs_field image_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "size", .pointers = "/size", .fmt = OSFS_FMT_TEXT },
	{ .file = "disk_format", .pointers = "/disk_format", .fmt = OSFS_FMT_TEXT },
	{ .file = "container_format", .pointers = "/container_format", .fmt = OSFS_FMT_TEXT },
	{ .file = "visibility", .pointers = "/visibility", .fmt = OSFS_FMT_TEXT },
	{ .file = "min_disk", .pointers = "/min_disk", .fmt = OSFS_FMT_TEXT },
	{ .file = "min_ram", .pointers = "/min_ram", .fmt = OSFS_FMT_TEXT },
	{ .file = "checksum", .pointers = "/checksum", .fmt = OSFS_FMT_TEXT },
	{ .file = "created_at", .pointers = "/created_at", .fmt = OSFS_FMT_TEXT },
	{ .file = "updated_at", .pointers = "/updated_at", .fmt = OSFS_FMT_TEXT },
	{ .file = "owner", .pointers = "/owner", .fmt = OSFS_FMT_TEXT },
	{ .file = "tags", .pointers = "/tags", .fmt = OSFS_FMT_LIST },
};

/* What every server shows, in servers/ and in admin/servers/. */
#define SERVER_FIELDS \
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "task_state", .pointers = "/OS-EXT-STS:task_state", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "vm_state", .pointers = "/OS-EXT-STS:vm_state", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "power_state", .pointers = "/OS-EXT-STS:power_state", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "flavor", .pointers = "/flavor/original_name|/flavor/id", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "image", .pointers = "/image/id", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "addresses", .pointers = "/addresses", .fmt = OSFS_FMT_ADDRESSES }, \
	{ .file = "key_name", .pointers = "/key_name", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "created", .pointers = "/created", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "updated", .pointers = "/updated", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "host_id", .pointers = "/hostId", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "fault", .pointers = "/fault/message", .fmt = OSFS_FMT_TEXT }, \
	{ .file = "security_groups", .pointers = "/security_groups", .fmt = OSFS_FMT_LIST, .item_keys = "name" },

static const struct osfs_field server_fields[] = {
	SERVER_FIELDS
	/* Nova's volumes_attached changes without a new `updated`, so deltas
	 * miss a detach: the links come from the volumes' own attachments */
	{ .file = "volumes", .pointers = "/os-extended-volumes:volumes_attached", .fmt = OSFS_FMT_BACKLINKS,
	  .item_keys = "id", .link = OSFS_VOLUMES, .back_field = "servers" },
};

static const struct osfs_field keypair_fields[] = {
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "type", .pointers = "/type", .fmt = OSFS_FMT_TEXT },
	{ .file = "fingerprint", .pointers = "/fingerprint", .fmt = OSFS_FMT_TEXT },
	{ .file = "public_key", .pointers = "/public_key", .fmt = OSFS_FMT_TEXT },
};

static const struct osfs_field network_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "shared", .pointers = "/shared", .fmt = OSFS_FMT_TEXT },
	{ .file = "external", .pointers = "/router:external", .fmt = OSFS_FMT_TEXT },
	{ .file = "mtu", .pointers = "/mtu", .fmt = OSFS_FMT_TEXT },
	{ .file = "admin_state_up", .pointers = "/admin_state_up", .fmt = OSFS_FMT_TEXT },
	{ .file = "subnets", .pointers = "/subnets", .fmt = OSFS_FMT_LINKS, .link = OSFS_SUBNETS },
};

static const struct osfs_field subnet_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "cidr", .pointers = "/cidr", .fmt = OSFS_FMT_TEXT },
	{ .file = "gateway_ip", .pointers = "/gateway_ip", .fmt = OSFS_FMT_TEXT },
	{ .file = "ip_version", .pointers = "/ip_version", .fmt = OSFS_FMT_TEXT },
	{ .file = "enable_dhcp", .pointers = "/enable_dhcp", .fmt = OSFS_FMT_TEXT },
	{ .file = "network", .pointers = "/network_id", .fmt = OSFS_FMT_LINK, .link = OSFS_NETWORKS },
	{ .file = "allocation_pools", .pointers = "/allocation_pools", .fmt = OSFS_FMT_LIST, .item_keys = "start end" },
	{ .file = "dns_nameservers", .pointers = "/dns_nameservers", .fmt = OSFS_FMT_LIST },
};

static const struct osfs_field port_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "mac_address", .pointers = "/mac_address", .fmt = OSFS_FMT_TEXT },
	{ .file = "fixed_ips", .pointers = "/fixed_ips", .fmt = OSFS_FMT_LIST, .item_keys = "ip_address subnet_id" },
	{ .file = "network", .pointers = "/network_id", .fmt = OSFS_FMT_LINK, .link = OSFS_NETWORKS },
	{ .file = "device_owner", .pointers = "/device_owner", .fmt = OSFS_FMT_TEXT },
	{ .file = "device", .pointers = "/device_id", .fmt = OSFS_FMT_LINK, .link = OSFS_SERVERS,
	  .if_pointer = "/device_owner", .if_prefix = "compute:" },
	{ .file = "security_groups", .pointers = "/security_groups", .fmt = OSFS_FMT_LIST },
};

static const struct osfs_field rule_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "direction", .pointers = "/direction", .fmt = OSFS_FMT_TEXT },
	{ .file = "ethertype", .pointers = "/ethertype", .fmt = OSFS_FMT_TEXT },
	{ .file = "protocol", .pointers = "/protocol", .fmt = OSFS_FMT_TEXT },
	{ .file = "port_range_min", .pointers = "/port_range_min", .fmt = OSFS_FMT_TEXT },
	{ .file = "port_range_max", .pointers = "/port_range_max", .fmt = OSFS_FMT_TEXT },
	{ .file = "remote_ip_prefix", .pointers = "/remote_ip_prefix", .fmt = OSFS_FMT_TEXT },
	{ .file = "remote_group", .pointers = "/remote_group_id", .fmt = OSFS_FMT_LINK, .link = OSFS_SECURITY_GROUPS },
};

static const struct osfs_field security_group_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "description", .pointers = "/description", .fmt = OSFS_FMT_TEXT },
	{ .file = "rules", .pointers = "/security_group_rules", .fmt = OSFS_FMT_NESTED, .item_keys = "id",
	  .nested = rule_fields, .nnested = N(rule_fields) },
};

static const struct osfs_field floating_ip_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "address", .pointers = "/floating_ip_address", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "fixed_ip", .pointers = "/fixed_ip_address", .fmt = OSFS_FMT_TEXT },
	{ .file = "port", .pointers = "/port_id", .fmt = OSFS_FMT_LINK, .link = OSFS_PORTS },
	{ .file = "server", .pointers = "/port_details/device_id", .fmt = OSFS_FMT_LINK, .link = OSFS_SERVERS,
	  .if_pointer = "/port_details/device_owner", .if_prefix = "compute:" },
	{ .file = "network", .pointers = "/floating_network_id", .fmt = OSFS_FMT_LINK, .link = OSFS_NETWORKS },
};

static const struct osfs_field volume_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "size", .pointers = "/size", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "bootable", .pointers = "/bootable", .fmt = OSFS_FMT_TEXT },
	{ .file = "volume_type", .pointers = "/volume_type", .fmt = OSFS_FMT_TEXT },
	{ .file = "availability_zone", .pointers = "/availability_zone", .fmt = OSFS_FMT_TEXT },
	{ .file = "created_at", .pointers = "/created_at", .fmt = OSFS_FMT_TEXT },
	{ .file = "attachments", .pointers = "/attachments", .fmt = OSFS_FMT_LIST, .item_keys = "server_id device" },
	{ .file = "servers", .pointers = "/attachments", .fmt = OSFS_FMT_LINKS, .item_keys = "server_id", .link = OSFS_SERVERS },
};

static const struct osfs_field action_fields[] = {
	{ .file = "action", .pointers = "/action", .fmt = OSFS_FMT_TEXT },
	{ .file = "request_id", .pointers = "/request_id", .fmt = OSFS_FMT_TEXT },
	{ .file = "start_time", .pointers = "/start_time", .fmt = OSFS_FMT_TEXT },
	{ .file = "user_id", .pointers = "/user_id", .fmt = OSFS_FMT_TEXT },
	{ .file = "project_id", .pointers = "/project_id", .fmt = OSFS_FMT_TEXT },
	{ .file = "message", .pointers = "/message", .fmt = OSFS_FMT_TEXT },
	{ .file = "server", .pointers = "/instance_uuid", .fmt = OSFS_FMT_LINK, .link = OSFS_SERVERS },
	{ .file = "events", .pointers = "/events", .fmt = OSFS_FMT_LIST,
	  .item_keys = "event start_time finish_time result", .from_show = true },
};

/* Admin-only members of a server (all_tenants listings). */
static const struct osfs_field admin_server_fields[] = {
	SERVER_FIELDS
	{ .file = "project", .pointers = "/tenant_id", .fmt = OSFS_FMT_LINK, .link = OSFS_PROJECTS },
	{ .file = "hypervisor", .pointers = "/OS-EXT-SRV-ATTR:hypervisor_hostname", .fmt = OSFS_FMT_LINK,
	  .link = OSFS_HYPERVISORS, .by_name = true },
	{ .file = "host", .pointers = "/OS-EXT-SRV-ATTR:host", .fmt = OSFS_FMT_TEXT },
	{ .file = "instance_name", .pointers = "/OS-EXT-SRV-ATTR:instance_name", .fmt = OSFS_FMT_TEXT },
};

/* Read at compute 2.87, the last microversion with the usage fields. */
static const struct osfs_field hypervisor_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/hypervisor_hostname", .fmt = OSFS_FMT_TEXT },
	{ .file = "state", .pointers = "/state", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "hypervisor_type", .pointers = "/hypervisor_type", .fmt = OSFS_FMT_TEXT },
	{ .file = "vcpus", .pointers = "/vcpus", .fmt = OSFS_FMT_TEXT },
	{ .file = "vcpus_used", .pointers = "/vcpus_used", .fmt = OSFS_FMT_TEXT },
	{ .file = "memory_mb", .pointers = "/memory_mb", .fmt = OSFS_FMT_TEXT },
	{ .file = "memory_mb_used", .pointers = "/memory_mb_used", .fmt = OSFS_FMT_TEXT },
	{ .file = "local_gb", .pointers = "/local_gb", .fmt = OSFS_FMT_TEXT },
	{ .file = "local_gb_used", .pointers = "/local_gb_used", .fmt = OSFS_FMT_TEXT },
	{ .file = "running_vms", .pointers = "/running_vms", .fmt = OSFS_FMT_TEXT },
	{ .file = "host_ip", .pointers = "/host_ip", .fmt = OSFS_FMT_TEXT },
	{ .file = "service", .pointers = "/service/id", .fmt = OSFS_FMT_LINK, .link = OSFS_COMPUTE_SERVICES },
	{ .file = "servers", .pointers = "/servers", .fmt = OSFS_FMT_BACKLINKS, .link = OSFS_ADMIN_SERVERS,
	  .back_field = "hypervisor" },
};

static const struct osfs_field compute_service_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "binary", .pointers = "/binary", .fmt = OSFS_FMT_TEXT },
	{ .file = "host", .pointers = "/host", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "state", .pointers = "/state", .fmt = OSFS_FMT_TEXT },
	{ .file = "zone", .pointers = "/zone", .fmt = OSFS_FMT_TEXT },
	{ .file = "disabled_reason", .pointers = "/disabled_reason", .fmt = OSFS_FMT_TEXT },
	{ .file = "forced_down", .pointers = "/forced_down", .fmt = OSFS_FMT_TEXT },
	{ .file = "updated_at", .pointers = "/updated_at", .fmt = OSFS_FMT_TEXT },
};

static const struct osfs_field project_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "domain", .pointers = "/domain_id", .fmt = OSFS_FMT_TEXT },
	{ .file = "enabled", .pointers = "/enabled", .fmt = OSFS_FMT_TEXT },
	{ .file = "description", .pointers = "/description", .fmt = OSFS_FMT_TEXT },
	{ .file = "servers", .pointers = "/id", .fmt = OSFS_FMT_BACKLINKS, .link = OSFS_ADMIN_SERVERS,
	  .back_field = "project" },
};

static const struct osfs_field aggregate_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "name", .pointers = "/name", .fmt = OSFS_FMT_TEXT },
	{ .file = "availability_zone", .pointers = "/availability_zone", .fmt = OSFS_FMT_TEXT },
	{ .file = "hosts", .pointers = "/hosts", .fmt = OSFS_FMT_LINKS, .link = OSFS_HYPERVISORS, .by_name = true },
	{ .file = "created_at", .pointers = "/created_at", .fmt = OSFS_FMT_TEXT },
};

/* Named by their number; .by-id/ holds their uuid (the paging marker). */
static const struct osfs_field migration_fields[] = {
	{ .file = "id", .pointers = "/id", .fmt = OSFS_FMT_TEXT },
	{ .file = "uuid", .pointers = "/uuid", .fmt = OSFS_FMT_TEXT },
	{ .file = "status", .pointers = "/status", .fmt = OSFS_FMT_TEXT },
	{ .file = "migration_type", .pointers = "/migration_type", .fmt = OSFS_FMT_TEXT },
	{ .file = "source_compute", .pointers = "/source_compute", .fmt = OSFS_FMT_TEXT },
	{ .file = "dest_compute", .pointers = "/dest_compute", .fmt = OSFS_FMT_TEXT },
	{ .file = "source_node", .pointers = "/source_node", .fmt = OSFS_FMT_TEXT },
	{ .file = "dest_node", .pointers = "/dest_node", .fmt = OSFS_FMT_TEXT },
	{ .file = "created_at", .pointers = "/created_at", .fmt = OSFS_FMT_TEXT },
	{ .file = "updated_at", .pointers = "/updated_at", .fmt = OSFS_FMT_TEXT },
	{ .file = "server", .pointers = "/instance_uuid", .fmt = OSFS_FMT_LINK, .link = OSFS_ADMIN_SERVERS },
	{ .file = "project", .pointers = "/project_id", .fmt = OSFS_FMT_LINK, .link = OSFS_PROJECTS },
};

/* A project's quotas as each service keeps them, in one directory
 * (merged.h): one file per resource, "<limit> <in use>" (-1: no limit).
 * Read when a person looks (admin/projects/<name>/quota is a link into
 * /.openstackfs/live/), one request per service, kept 10 s. */
#define QUOTA(service, path, pointer, keys) \
	.dir = "quota", .area = OSFS_ADMIN_AREA, .svc = service, .nested = true, \
	.parent = OSFS_PROJECTS, .singleton = true, .list_path = path, .paging = OSFS_PAGE_NONE, \
	.sub_pointer = pointer, .sub_keys = keys, .ttl = 10

/* Neutron and Cinder page with limit/marker and a next link in
 * <collection>_links, as Nova does; Neutron's "" name means none. */
#define NEUTRON(path, coll, key) \
	.svc = OSFS_SVC_NETWORK, .list_path = "/v2.0/" path, .show_path = "/v2.0/" path "/%s", \
	.collection = coll, .show_key = key, .id_pointer = "/id", .created_pointer = "/created_at", \
	.updated_pointer = "/updated_at", .paging = OSFS_PAGE_NOVA, .page_size = 1000, \
	.blank_name_is_none = true, NEUTRON_DELTA

/* Zed refuses changed_since and sorting by updated_at (400), but every
 * change bumps a resource's revision_number: a listing of ids and
 * revisions names what to fetch by id and what is gone.  A full listing
 * now and then for what changes without a new revision (a floating IP's
 * port_details follow its port). */
#define NEUTRON_DELTA \
	.rev_query = "fields=id&fields=revision_number", .rev_pointer = "/revision_number", \
	.rev_page_size = 10000, .id_param = "id", .resync = 300

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
		.busy = " queued saving uploading importing ",
		.paging = OSFS_PAGE_GLANCE, .page_size = 1000,
		.fields = image_fields, .nfields = N(image_fields), .ttl = 120,
	},
	[OSFS_SERVERS] = {
		.dir = "servers", .svc = OSFS_SVC_COMPUTE,
		.list_path = "/servers/detail", .show_path = "/servers/%s",
		.collection = "servers", .show_key = "server",
		.id_pointer = "/id", .name_pointer = "/name", .created_pointer = "/created",
		.updated_pointer = "/updated", .delta_param = "changes-since", .gone_status = "DELETED",
		/* Nova's `updated` stays when Neutron changes the addresses or a
		 * port's groups: a probe of Neutron's revisions names those
		 * servers; without it, only a full listing shows that */
		.resync = 60, .neutron_resync = 3600, .busy = " BUILD ",
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
	[OSFS_NETWORKS] = {
		.dir = "networks", NEUTRON("networks", "networks", "network"),
		.name_pointer = "/name", .name_query = "/v2.0/networks?name=%s",
		.fields = network_fields, .nfields = N(network_fields), .ttl = 60,
	},
	[OSFS_SUBNETS] = {
		.dir = "subnets", NEUTRON("subnets", "subnets", "subnet"),
		.name_pointer = "/name", .name_query = "/v2.0/subnets?name=%s",
		.fields = subnet_fields, .nfields = N(subnet_fields), .ttl = 60,
	},
	[OSFS_PORTS] = {
		.dir = "ports", NEUTRON("ports", "ports", "port"),
		.name_pointer = "/name", .name_query = "/v2.0/ports?name=%s",
		.fields = port_fields, .nfields = N(port_fields), .ttl = 10,
	},
	[OSFS_SECURITY_GROUPS] = {
		.dir = "security_groups", NEUTRON("security-groups", "security_groups", "security_group"),
		.name_pointer = "/name", .name_query = "/v2.0/security-groups?name=%s",
		.fields = security_group_fields, .nfields = N(security_group_fields), .ttl = 60,
	},
	[OSFS_FLOATING_IPS] = {
		.dir = "floating_ips", NEUTRON("floatingips", "floatingips", "floatingip"),
		.name_pointer = "/floating_ip_address",
		.name_query = "/v2.0/floatingips?floating_ip_address=%s",
		.fields = floating_ip_fields, .nfields = N(floating_ip_fields), .ttl = 10,
	},
	[OSFS_VOLUMES] = {
		.dir = "volumes", .svc = OSFS_SVC_VOLUME,
		.list_path = "/volumes/detail", .show_path = "/volumes/%s",
		.collection = "volumes", .show_key = "volume",
		.id_pointer = "/id", .name_pointer = "/name", .created_pointer = "/created_at",
		.updated_pointer = "/updated_at", .name_query = "/volumes/detail?name=%s",
		/* 3.60 filters by updated_at (below it the filter is ignored);
		 * deleted volumes leave the list, so a count (3.45) tells */
		.delta_param = "updated_at", .delta_op = "gte:", .version = "volume 3.60",
		.count_path = "/volumes?limit=0&with_count=true", .resync = 300,
		.busy = " creating reserved attaching detaching deleting extending downloading "
			"uploading retyping backing-up restoring-backup ",
		.paging = OSFS_PAGE_NOVA, .page_size = 1000, .blank_name_is_none = true,
		.fields = volume_fields, .nfields = N(volume_fields), .ttl = 10,
	},
	[OSFS_SERVER_ACTIONS] = {
		.dir = "actions", .svc = OSFS_SVC_COMPUTE, .nested = true, .parent = OSFS_SERVERS,
		.list_path = "/servers/%s/os-instance-actions", .collection = "instanceActions",
		.show_path = "/servers/%s/os-instance-actions/%s", .show_key = "instanceAction",
		.parent_field = "server",
		.id_pointer = "/request_id", .name_pointer = "/request_id",
		.created_pointer = "/start_time", .paging = OSFS_PAGE_NONE, .page_size = 1000,
		.fields = action_fields, .nfields = N(action_fields), .ttl = 10,
	},
	[OSFS_ADMIN_SERVERS] = {
		.dir = "servers", .area = OSFS_ADMIN_AREA, .svc = OSFS_SVC_COMPUTE,
		.list_path = "/servers/detail", .list_query = "all_tenants=1", .show_path = "/servers/%s",
		.collection = "servers", .show_key = "server",
		.id_pointer = "/id", .name_pointer = "/name", .created_pointer = "/created",
		.updated_pointer = "/updated", .delta_param = "changes-since", .gone_status = "DELETED",
		.resync = 60, .neutron_resync = 3600, .busy = " BUILD ",
		.name_query = "/servers/detail?all_tenants=1&name=%s", .name_query_regex = true,
		.paging = OSFS_PAGE_NOVA, .page_size = 1000,
		.subdir = "metadata", .sub_pointer = "/metadata",
		.fields = admin_server_fields, .nfields = N(admin_server_fields), .ttl = 10,
	},
	[OSFS_HYPERVISORS] = {
		.dir = "hypervisors", .area = OSFS_ADMIN_AREA, .svc = OSFS_SVC_COMPUTE, .max_minor = 87,
		.list_path = "/os-hypervisors/detail", .show_path = "/os-hypervisors/%s",
		.collection = "hypervisors", .show_key = "hypervisor",
		.id_pointer = "/id", .name_pointer = "/hypervisor_hostname",
		.paging = OSFS_PAGE_NOVA, .page_size = 1000,
		.fields = hypervisor_fields, .nfields = N(hypervisor_fields), .ttl = 30,
	},
	[OSFS_COMPUTE_SERVICES] = {
		.dir = "compute_services", .area = OSFS_ADMIN_AREA, .svc = OSFS_SVC_COMPUTE,
		.list_path = "/os-services", .collection = "services",
		.id_pointer = "/id", .name_pointer = "/binary", .name2_pointer = "/host",
		.paging = OSFS_PAGE_NONE,
		.fields = compute_service_fields, .nfields = N(compute_service_fields), .ttl = 30,
	},
	[OSFS_PROJECTS] = {
		.dir = "projects", .area = OSFS_ADMIN_AREA, .svc = OSFS_SVC_IDENTITY,
		.list_path = "/v3/projects", .show_path = "/v3/projects/%s",
		.collection = "projects", .show_key = "project",
		.id_pointer = "/id", .name_pointer = "/name",
		.paging = OSFS_PAGE_NONE,
		.fields = project_fields, .nfields = N(project_fields), .ttl = 60,
	},
	[OSFS_AGGREGATES] = {
		.dir = "aggregates", .area = OSFS_ADMIN_AREA, .svc = OSFS_SVC_COMPUTE,
		.list_path = "/os-aggregates", .show_path = "/os-aggregates/%s",
		.collection = "aggregates", .show_key = "aggregate",
		.id_pointer = "/id", .name_pointer = "/name", .created_pointer = "/created_at",
		.paging = OSFS_PAGE_NONE,
		.subdir = "metadata", .sub_pointer = "/metadata",
		.fields = aggregate_fields, .nfields = N(aggregate_fields), .ttl = 60,
	},
	[OSFS_MIGRATIONS] = {
		.dir = "migrations", .area = OSFS_ADMIN_AREA, .svc = OSFS_SVC_COMPUTE,
		.list_path = "/os-migrations", .collection = "migrations",
		.id_pointer = "/uuid", .name_pointer = "/id", .created_pointer = "/created_at",
		.paging = OSFS_PAGE_NOVA, .page_size = 1000,
		.fields = migration_fields, .nfields = N(migration_fields), .ttl = 10,
	},
	[OSFS_QUOTA_COMPUTE] = { QUOTA(OSFS_SVC_COMPUTE, "/os-quota-sets/%s/detail", "/quota_set",
				       "limit in_use") },
	[OSFS_QUOTA_NETWORK] = { QUOTA(OSFS_SVC_NETWORK, "/v2.0/quotas/%s/details", "/quota",
				       "limit used") },
	[OSFS_QUOTA_VOLUME] = { QUOTA(OSFS_SVC_VOLUME, "/os-quota-sets/%s?usage=true", "/quota_set",
				      "limit in_use") },
};

static const struct osfs_kind *kind_in(bool nested, enum osfs_kind_id parent, const char *area,
				       const char *dir, enum osfs_kind_id *id)
{
	for (int i = 0; i < OSFS_NKINDS; i++) {
		const struct osfs_kind *k = &osfs_kinds[i];
		/* a nested kind is found by its parent, whatever its area */
		if (k->nested == nested && (!nested || k->parent == parent) &&
		    (nested || (k->area && area ? strcmp(k->area, area) == 0 : k->area == area)) &&
		    strcmp(k->dir, dir) == 0) {
			if (id)
				*id = (enum osfs_kind_id)i;
			return k;
		}
	}
	return NULL;
}

const struct osfs_kind *osfs_kind_by_dir(const char *dir, enum osfs_kind_id *id)
{
	return kind_in(false, 0, NULL, dir, id);
}

const struct osfs_kind *osfs_kind_in_area(const char *area, const char *dir, enum osfs_kind_id *id)
{
	return kind_in(false, 0, area, dir, id);
}

const struct osfs_kind *osfs_kind_nested(enum osfs_kind_id parent, const char *dir,
					 enum osfs_kind_id *id)
{
	return kind_in(true, parent, NULL, dir, id);
}

static int find_field(const struct osfs_field *fields, size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].file, file) == 0)
			return (int)i;
	return -1;
}

int osfs_kind_field(const struct osfs_kind *k, const char *file)
{
	return find_field(k->fields, k->nfields, file);
}

int osfs_field_nested(const struct osfs_field *f, const char *file)
{
	return find_field(f->nested, f->nnested, file);
}
