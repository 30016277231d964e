/* fsops.h - the FUSE high-level operations table.  Each operation resolves
 * its path through tree.c / write.c and replies once; fsops.c is the only
 * file that knows FUSE's types besides main.c. */
#ifndef OSFS_FSOPS_H
#define OSFS_FSOPS_H

#include <fuse.h>

extern const struct fuse_operations osfs_fsops;

#endif
