/* cwds.h - the working directories of the machine's processes under the
 * mount: the directories whose names must stay while a shell sits in them
 * (a dropped name makes getcwd fail there). */
#ifndef OSFS_CWDS_H
#define OSFS_CWDS_H

#include <stdbool.h>
#include <stddef.h>

/* The cwd of every process, from /proc, that lies under `root` (an absolute
 * path without symlinks), as a path relative to it ("" for root itself):
 * a malloc'd array of malloc'd strings in *out, count in *n, freed with
 * osfs_cwds_free.  0 or -ENOMEM; processes that cannot be read are left
 * out. */
int osfs_cwds_under(const char *root, char ***out, size_t *n);

/* The mount point as /proc shows cwds under it: absolute, and without
 * symlinks when `resolve` (only before mounting: once mounted, resolving
 * it would ask this very daemon).  Caller frees; NULL on ENOMEM. */
char *osfs_cwds_root(const char *mountpoint, bool resolve);
void osfs_cwds_free(char **paths, size_t n);

#endif
