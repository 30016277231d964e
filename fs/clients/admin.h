/* admin.h - whether the credentials may use the operator's plane.
 *
 * /admin/ (kinds whose area is OSFS_ADMIN_AREA) holds every project's
 * data, so it is shown only when the cloud's policy lets these
 * credentials read it.  That is asked once, at mount: one GET of Nova's
 * compute services, which the default policy gives to admins only.
 */
#ifndef OSFS_ADMIN_H
#define OSFS_ADMIN_H

#include <stdbool.h>

#include "osfs_net.h"

/* True when the cloud answers the probe with 200; false on a refusal
 * (403, 401) or any other failure, which is logged. */
bool osfs_admin_probe(struct osfs_api *api);

#endif
