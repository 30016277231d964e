/* fetch.h - the read calls of every kind, from its row in the kinds table:
 * all pages of a listing, one resource by id, resources by name, a nested
 * kind's listing under one parent.  Answers come back parsed (model.h);
 * this layer builds the read URLs and pages through marker and next links,
 * asks every read of a kind at the kind's microversion (`version`, so that
 * the same resource reads the same however it was fetched), and holds no state: caching is cache.c's and children.c's.
 */
#ifndef OSFS_FETCH_H
#define OSFS_FETCH_H

#include "osfs_net.h"
#include "osfs_model.h"

/* GET every page of `kind` (query, e.g. "changes-since=...", may be NULL;
 * it is kept on every page); *date is the API's clock at the first answer
 * (0: unknown).  The next page is asked for, on a thread of its own, while
 * this one is parsed (its address read off the end of the body; the
 * parse's next link decides, so a wrong guess costs one GET); one request
 * is in flight at a time.  0 or -errno (-ELOOP when next links go round),
 * with a reason in err (if err).  On failure *all holds nothing. */
int osfs_fetch_all(struct osfs_api *api, enum osfs_kind_id kind, const char *query,
		   struct osfs_page *all, long long *date, struct osfs_err *err);

/* osfs_fetch_all without a query, where the items that `like` (kind's
 * listing, may be NULL) holds unchanged come back as its own, held: the
 * answer costs memory only for what changed. */
int osfs_fetch_all_like(struct osfs_api *api, enum osfs_kind_id kind,
			const struct osfs_listing *like, struct osfs_page *all, long long *date,
			struct osfs_err *err);

/* The same with pages of page_size, not the kind's. */
int osfs_fetch_pages(struct osfs_api *api, enum osfs_kind_id kind, const char *query,
		     int page_size, struct osfs_page *all, long long *date, struct osfs_err *err);

/* GET the resources ids[0..n) with the kind's id_param filter, a
 * hundred a request, appending them to got (those gone are not there);
 * `fields` (may be NULL: everything) is asked on every request
 * ("fields=id&fields=device_id").  0 or -errno with a reason in err (if
 * err). */
int osfs_fetch_ids(struct osfs_api *api, enum osfs_kind_id kind, const char *fields,
		   char *const *ids, size_t n, struct osfs_page *got, struct osfs_err *err);

/* GET the kind's count_path: how many resources
 * there are, in *count.  0 or -errno with a reason in err (if err). */
int osfs_fetch_count(struct osfs_api *api, enum osfs_kind_id kind, long long *count,
		     struct osfs_err *err);

/* GET <show_path> of id, counted as a lookup: the resource in *out. */
int osfs_fetch_one(struct osfs_api *api, enum osfs_kind_id kind, const char *id,
		   struct osfs_res **out);

/* The same for a resource of a nested kind under parent_id. */
int osfs_fetch_nested_one(struct osfs_api *api, enum osfs_kind_id kind, const char *parent_id,
			  const char *id, struct osfs_res **out);

/* GET the kind's list filtered by name, counted as a lookup: in *out the
 * one resource named exactly `name`, NULL when none or several are. */
int osfs_fetch_named(struct osfs_api *api, enum osfs_kind_id kind, const char *name,
		     struct osfs_res **out);

/* GET the listing of nested kind `kind` under parent_id (one answer; a
 * singleton kind's object is its one item). */
int osfs_fetch_nested(struct osfs_api *api, enum osfs_kind_id kind, const char *parent_id,
		      struct osfs_page *out);

#endif
