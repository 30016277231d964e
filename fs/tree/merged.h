/* merged.h - one directory made of several singleton kinds nested in one
 * parent under the same name (osfs_kind.nested, .singleton, same .dir):
 * admin/projects/<name>/quota/ holds the quotas that Nova, Neutron and
 * Cinder each keep for the project, one file per resource (the kinds'
 * subdir entries).
 *
 * A file is named after its entry, encoded as names.h says; an entry that
 * two of the kinds both have is "<service>.<entry>" in each
 * (compute.security_groups beside network.security_groups).  A kind whose
 * service the catalog lacks adds nothing, nor one whose API refuses
 * (children.h keeps the refusal as an empty listing).  Each kind's answer
 * is kept for its TTL by children.c: the directory costs one request per
 * service, and only when someone looks (it lives under
 * /.openstackfs/live/, out of the walks' way).
 */
#ifndef OSFS_MERGED_H
#define OSFS_MERGED_H

#include "fs.h"
#include "osfs_model.h"

/* One file of a merged directory: the kind whose listing `l` holds it
 * (borrowed for the call), its subdir entry `key`, its file name.  A
 * nonzero return stops the walk. */
typedef int (*osfs_merged_fn)(void *ctx, enum osfs_kind_id kind, struct osfs_listing *l,
			      const char *key, const char *fname);

/* Does kind `other` belong to the merged directory of kind `first`? */
bool osfs_merged_with(enum osfs_kind_id first, enum osfs_kind_id other);

/* Calls fn for every file of the merged directory of `first` (the first
 * kind of its group) under the parent resource parent_id.  0 (also when
 * fn stopped it) or -errno when a listing could not be fetched. */
int osfs_merged_each(struct osfs_fs *fs, enum osfs_kind_id first, const char *parent_id,
		     osfs_merged_fn fn, void *ctx);

#endif
