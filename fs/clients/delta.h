/* delta.h - what changed since a listing, asked the cheapest way a kind's
 * API allows (the kind's delta columns in kinds.h): by time (Nova's
 * changes-since, Cinder's updated_at=gte:) or by revision (Neutron: a
 * listing of ids and revisions, then what is new or changed by id).
 * Stateless like fetch.h; cache.c plans the refreshes and merges answers.
 */
#ifndef OSFS_DELTA_H
#define OSFS_DELTA_H

#include "osfs_net.h"
#include "osfs_model.h"
#include "netprobe.h"

/* GET what changed since `since` (the API's clock, seconds) with the
 * kind's delta_param; *date as osfs_fetch_all's.  0 or -errno (-EINVAL:
 * the API refused the filter), with a reason in err (if err). */
int osfs_delta_since(struct osfs_api *api, enum osfs_kind_id kind, long long since,
		     struct osfs_page *got, long long *date, struct osfs_err *err);

/* The whole collection as it is now, asked by revision: the kind's
 * rev_query names every id with its revision; what base holds at the same
 * revision is taken from base (new references), the rest is fetched with
 * id_param filters.  What base has and got lacks is gone.  0 or -errno
 * with a reason in err (if err); on failure got holds nothing. */
int osfs_delta_revisions(struct osfs_api *api, enum osfs_kind_id kind,
			 const struct osfs_listing *base, struct osfs_page *got,
			 long long *date, struct osfs_err *err);

/* The servers probe names (netprobe.h: Neutron changed their addresses
 * behind Nova's back), fetched one by one and appended to got unless got
 * holds them already: Nova filters by uuid for admins only, one value at
 * a time.  Servers gone meanwhile are left to the delta.  0 (also when the
 * probe cannot tell: the kind's short resync stays), OSFS_DELTA_RESYNC
 * (too many to fetch alone: list everything) or -errno, with a reason in
 * err (if err). */
#define OSFS_DELTA_RESYNC 1
int osfs_delta_addresses(struct osfs_api *api, enum osfs_kind_id kind,
			 struct osfs_netprobe *probe, struct osfs_page *got, struct osfs_err *err);

/* Run probe only to learn the revisions of now, before a full listing
 * (what changes after it, the next run names). */
void osfs_delta_probe_learn(struct osfs_api *api, struct osfs_netprobe *probe);

#endif
