/* osfs_fuse.h - the face of fs/fuse/.
 *
 * The FUSE glue: the low-level operations, the kernel's inode
 * numbers and their log, notifications to the kernel, the supervisor that
 * holds the mount across serving processes, unmounting.  main.c (the
 * daemon) is this folder's too.
 *
 * Uses: tree and everything below it; the only folder with
 * fuse_lowlevel.h.
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_FUSE_H
#define OSFS_FACE_FUSE_H

#include "../fsops.h"
#include "../relay.h"
#include "../supervisor.h"
#include "../unmount.h"

#endif
