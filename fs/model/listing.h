/* listing.h - one kind's resources at one moment, and how a newer answer
 * is merged into it.
 *
 * A listing is immutable once built and refcounted; it holds references to
 * its resources, sorted by file name (items) and by id (by_id).  Merging
 * builds a new listing that shares every resource that did not change, so
 * unchanged resources keep their mtime (and the kernel its cached pages).
 * Merging never goes back in time: an answer replaces what we hold only
 * when its `updated` is newer, or equal and its request started later.
 */
#ifndef OSFS_LISTING_H
#define OSFS_LISTING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "kinds.h"
#include "model.h"
#include "names.h"

struct osfs_listing {
	atomic_int refs;
	enum osfs_kind_id kind;
	double fetched;            /* when the oldest request behind it started
				    * (wall clock: compared with the API's times) */
	double arrived;            /* when its newest answer arrived (monotonic):
				    * its age */
	struct osfs_res **items;   /* sorted by fname */
	size_t n;
	struct osfs_res **by_id;   /* the same, sorted by id */
	bool single;               /* one resource fetched alone (watch, spot) */
};

enum osfs_change { OSFS_CHANGED, OSFS_ADDED, OSFS_REMOVED };

/* What a merge changed, one call per resource: old is NULL for an added
 * one, new_ NULL for a removed one.  Both are borrowed for the call. */
typedef void (*osfs_merge_fn)(void *ctx, enum osfs_kind_id kind, const struct osfs_res *old,
			      const struct osfs_res *new_);

/* Build a listing from parsed resources (takes them), fetched now, with
 * names assigned (names.c) by the name map `names` (NULL: names handed
 * out for the first time).  NULL on ENOMEM. */
struct osfs_listing *osfs_listing_new_in(enum osfs_kind_id kind, struct osfs_names *names,
					 struct osfs_res **items, size_t n);

/* osfs_listing_new_in without a name map. */
struct osfs_listing *osfs_listing_new(enum osfs_kind_id kind, struct osfs_res **items, size_t n);

/* A new listing: old (may be NULL) brought up to date with `got`, the
 * items of one answer (taken; their `seen` set), fetched at `fetched`.
 * New and renamed resources are named through `names`, the kind's name map
 * (NULL: every name assigned afresh, so names may move).
 * complete: got is the whole collection, so what it lacks is gone;
 * otherwise got holds only changes, and items whose status is the kind's
 * gone_status are removed.  report (may be NULL) hears every change.
 * NULL on ENOMEM (got is freed). */
struct osfs_listing *osfs_listing_merge(enum osfs_kind_id kind, struct osfs_names *names,
					const struct osfs_listing *old, struct osfs_res **got,
					size_t n, double fetched, bool complete,
					osfs_merge_fn report, void *ctx);

/* Does `a` supersede `b` (the same resource seen twice)? */
bool osfs_res_newer(const struct osfs_res *a, const struct osfs_res *b);

void osfs_listing_put(struct osfs_listing *l);
struct osfs_listing *osfs_listing_hold(struct osfs_listing *l);

/* Borrowed lookups in a listing (NULL when absent). */
struct osfs_res *osfs_listing_find(const struct osfs_listing *l, const char *fname);
struct osfs_res *osfs_listing_find_id(const struct osfs_listing *l, const char *id);

#endif
