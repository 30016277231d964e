/* volume.h - the Cinder (v3) calls of the write side: create, delete and
 * finding a volume by name or id.
 *
 * This module owns their URLs, bodies and answer parsing.  Functions
 * return 0 or -errno; err (when not NULL) gets the API's one-line reason
 * (err.h).  Changing calls are sent once.  json-c stays here.
 */
#ifndef OSFS_VOLUME_H
#define OSFS_VOLUME_H

#include <stddef.h>

#include "osfs_base.h"
#include "osfs_net.h"

/* The id of the volume `value` names (an id, or a name exactly one volume
 * has).  -EINVAL with the reason in why for an unknown or ambiguous name. */
int osfs_volume_resolve(struct osfs_api *api, const char *value, char **id, struct osfs_err *why);

/* POST /volumes {"volume": {"size": size, "name": name}}, once; *id the
 * new volume's id (caller frees).  On failure *status is the answer's
 * HTTP status (0: none came, the volume may exist all the same). */
int osfs_volume_create(struct osfs_api *api, const char *name, long size, char **id, long *status,
		       struct osfs_err *err);

/* Ids of the volumes named exactly `name`; NULL on failure. */
char **osfs_volume_ids_named(struct osfs_api *api, const char *name);

/* DELETE /volumes/{id}.  A volume Cinder refuses to delete because of its
 * state (in-use, attaching: a 400 or 409) is -EBUSY. */
int osfs_volume_delete(struct osfs_api *api, const char *id, struct osfs_err *err);

/* The id in a {"volume": {"id"}} answer; caller frees.  For unit tests. */
char *osfs_volume_created_id(const char *body);

#endif
