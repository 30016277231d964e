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

#endif
