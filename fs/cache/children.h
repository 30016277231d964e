/* children.h - kinds nested under one resource (servers/<name>/actions/).
 *
 * A nested kind (osfs_kind.parent) is listed per parent resource, with one
 * GET of its list_path holding the parent's id; the listing is kept for the
 * kind's TTL.  The tree shows it as a directory of the parent, whose
 * entries are resources of the nested kind like any other.
 *
 * Locking: `lock` (children.c) protects the table of listings.  It is a
 * leaf lock: never held while calling the API, the cache or the tree.
 * Fetches run outside it, so two readers of one stale parent may both
 * fetch; the later answer is kept.
 */
#ifndef OSFS_CHILDREN_H
#define OSFS_CHILDREN_H

#include "osfs_net.h"
#include "osfs_model.h"

struct osfs_children;

/* ttl[k] as for osfs_cache_new (0: the kind's default).  Keeps api. */
struct osfs_children *osfs_children_new(struct osfs_api *api, const double ttl[OSFS_NKINDS]);
void osfs_children_free(struct osfs_children *c);

/* The listing of nested kind `kind` under the parent whose id is parent_id
 * (a new reference), no older than the kind's TTL.  0 or -errno. */
int osfs_children_list(struct osfs_children *c, enum osfs_kind_id kind, const char *parent_id,
		       struct osfs_listing **out);

#endif
