/* network.h - the Neutron (v2.0) calls of the write side: networks named
 * in a boot, and floating IPs.
 *
 * This module owns the URLs, bodies and answer parsing of these calls.
 * Functions return 0 or -errno; a reason for the user goes to why (err.h)
 * or err (the API's own message).  Changing
 * calls are sent once (no_retry).  json-c stays here.
 */
#ifndef OSFS_NETWORK_H
#define OSFS_NETWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "osfs_base.h"
#include "osfs_net.h"

/* Does s have the shape of a UUID (32 hex digits, dashes anywhere)? */
bool osfs_network_is_uuid(const char *s);

/* The id of the network `value` names: an id the API knows, or a name
 * exactly one network has.  -EINVAL with the candidates in why: for an
 * ambiguous name the ids that carry it, for an unknown one the networks
 * there are ("private (id), public (id)").  Other errors: the API's. */
int osfs_network_resolve(struct osfs_api *api, const char *value, char **id, struct osfs_err *why);

/* "name (id), name (id)" for the items of a {"networks": [...]} answer,
 * at most max bytes; caller frees.  Exported for unit tests. */
char *osfs_network_candidates(const char *body, size_t max);

/* Allocate a floating IP on external network `network` (name or id) and
 * associate it with a port of `server`: the first one (GET
 * /v2.0/ports?device_id, Neutron's order) that a router joins to that
 * network; *port says which.  *address: the new address.  Caller frees
 * *address and *port. */
int osfs_network_add_floating_ip(struct osfs_api *api, const char *server, const char *network,
				 char **address, char **port, struct osfs_err *err, struct osfs_err *why);

/* Disassociate floating IP `address` from `server` (PUT
 * /v2.0/floatingips/{id} with port_id null, like `openstack server remove
 * floating ip`): the address stays allocated to the project, whoever
 * allocated it.  -ENOENT with why when the project has no such address,
 * -EINVAL with why when it is not on a port of `server`. */
int osfs_network_remove_floating_ip(struct osfs_api *api, const char *server, const char *address,
				    struct osfs_err *err, struct osfs_err *why);

/* Release the floating IP with id `id` from the project (DELETE
 * /v2.0/floatingips/{id}, sent once), associated or not.  The API's
 * message in err on failure. */
int osfs_network_release_floating_ip(struct osfs_api *api, const char *id, struct osfs_err *err);

/* Security groups: the ids of those named `name` (caller frees; NULL on
 * failure); create one (0 and *id, or -errno with the HTTP status in
 * *status, 0 when no answer came); delete one (a group in use by a port
 * answers 409: -EBUSY, its message in err). */
char **osfs_network_security_groups_named(struct osfs_api *api, const char *name);
int osfs_network_create_security_group(struct osfs_api *api, const char *name,
				       const char *description, char **id, long *status, struct osfs_err *err);
int osfs_network_delete_security_group(struct osfs_api *api, const char *id, struct osfs_err *err);

/* From a {"floatingips": [...]} answer: the id and port_id (NULL when
 * unassociated) of the one with floating_ip_address == address.
 * 0, -ENOENT, -EPROTO.  Exported for unit tests. */
int osfs_network_parse_floating(const char *body, const char *address, char **id, char **port);

#endif
