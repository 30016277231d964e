/* compute.h - the Nova calls the write side makes: boot, finding servers
 * by name, server actions, metadata, keypairs, volume attachments and
 * security groups.
 *
 * This module owns their URLs, request bodies and the reading of their
 * answers; callers get ids, strings and errnos.  Every call that changes
 * something is sent once (no_retry).  On failure err (when not NULL)
 * holds the API's one-line reason (err.h).  json-c stays here.
 */
#ifndef OSFS_COMPUTE_H
#define OSFS_COMPUTE_H

#include <stddef.h>

#include "osfs_net.h"
#include "osfs_model.h"

/* What every boot sends. */
enum osfs_net_mode { OSFS_NET_AUTO, OSFS_NET_NONE, OSFS_NET_LIST };

struct osfs_server_spec {
	const char *name;
	const char *flavor_ref;
	const char *image_ref;
	const char *key_name;          /* or NULL */
	const char *user_data_b64;     /* or NULL */
	const char *availability_zone; /* or NULL */
	enum osfs_net_mode net_mode;
	const char *const *net_ids;    /* OSFS_NET_LIST: NULL-ended uuids */
	const struct osfs_kv *metadata;
	size_t nmetadata;
};

/* What a boot adds to a server spec. */
struct osfs_boot_spec {
	struct osfs_server_spec server;
	const char *const *security_groups; /* NULL-ended names, or NULL */
	long boot_volume_size;               /* GiB > 0: boot from a new volume
					      * made from image_ref; 0: none */
};

/* {"server": {...}} for POST /servers: the spec's fields, networks ("auto",
 * "none" or [{"uuid"}]) and metadata, security_groups [{"name"}] and, with
 * boot_volume_size, a block_device_mapping_v2 from the image instead of
 * imageRef.
 * Caller frees; NULL on ENOMEM. */
char *osfs_compute_boot_body(const struct osfs_boot_spec *spec);

/* The id and adminPass (NULL when the answer has none) of a boot answer.
 * 0, -EPROTO (no id) or -ENOMEM; the caller frees both. */
int osfs_compute_parse_boot(const char *body, char **id, char **admin_pass);

/* POST /servers with body, once.  0 with *id (and *admin_pass, or NULL);
 * else -errno, *status the HTTP status (0: no answer, the server may
 * exist all the same) and err the reason. */
int osfs_compute_boot(struct osfs_api *api, const char *body, char **id, char **admin_pass,
		      long *status, struct osfs_err *err);

/* Ids of the servers the API lists with exactly this name; NULL on failure. */
char **osfs_compute_servers_named(struct osfs_api *api, const char *name);

/* POST /servers/{server}/os-volume_attachments {"volumeAttachment":
 * {"volumeId"}}, and DELETE .../os-volume_attachments/{volume}. */
int osfs_compute_attach(struct osfs_api *api, const char *server, const char *volume, struct osfs_err *err);
int osfs_compute_detach(struct osfs_api *api, const char *server, const char *volume, struct osfs_err *err);

/* Server action addSecurityGroup / removeSecurityGroup {"name"}. */
int osfs_compute_security_group(struct osfs_api *api, const char *server, const char *name,
				int add, struct osfs_err *err);

/* POST /servers/{server}/action with body ({"reboot": ...}), once. */
int osfs_compute_action(struct osfs_api *api, const char *server, const char *body, struct osfs_err *err);

/* The same with the body {action: {key: value}} ({"resize": {"flavorRef":
 * "2"}}), value sent as a JSON string. */
int osfs_compute_action_arg(struct osfs_api *api, const char *server, const char *action,
			    const char *key, const char *value, struct osfs_err *err);

/* DELETE /servers/{server}. */
int osfs_compute_delete(struct osfs_api *api, const char *server, struct osfs_err *err);

/* The server's console output (its last 1000 lines) in *out (caller
 * frees). */
int osfs_compute_console(struct osfs_api *api, const char *server, char **out, struct osfs_err *err);

/* PUT /servers/{server}/metadata/{key} {"meta": {key: value}}, and
 * DELETE of that key. */
int osfs_compute_set_meta(struct osfs_api *api, const char *server, const char *key,
			  const char *value, struct osfs_err *err);
int osfs_compute_unset_meta(struct osfs_api *api, const char *server, const char *key, struct osfs_err *err);

/* POST /os-keypairs {"keypair": {name, public_key}}, once; DELETE
 * /os-keypairs/{name}. */
int osfs_compute_import_keypair(struct osfs_api *api, const char *name, const char *public_key,
				struct osfs_err *err);
int osfs_compute_delete_keypair(struct osfs_api *api, const char *name, struct osfs_err *err);

/* What an admin moves a server with (fact sheet 3.15), to `host` or,
 * NULL, where the scheduler picks: OSFS_MOVE_COLD is {"migrate": ...}
 * (host from 2.56; then confirmResize), OSFS_MOVE_LIVE {"os-migrateLive":
 * {"host", "block_migration": "auto"}} (2.25+), OSFS_MOVE_EVACUATE
 * {"evacuate": {"host"}} (only off a host that is down or forced down). */
enum osfs_move { OSFS_MOVE_COLD, OSFS_MOVE_LIVE, OSFS_MOVE_EVACUATE };
int osfs_compute_move(struct osfs_api *api, const char *server, enum osfs_move how,
		      const char *host, struct osfs_err *err);

/* PUT /os-services/{id} (2.53+): `status` "enabled" or "disabled" (with
 * `reason`, or NULL), or NULL to leave it; forced_down 0 or 1, or -1 to
 * leave it. */
int osfs_compute_service_set(struct osfs_api *api, const char *id, const char *status,
			     const char *reason, int forced_down, struct osfs_err *err);

#endif
