/* osfs_tree.h - the face of fs/tree/.
 *
 * The tree below the mount point: a path's node and the files of
 * each kind, drafts and their boot, ctl verbs, writes, metadata keys made
 * through the mount, the `error` notes, and struct osfs_fs that holds a
 * mount's state.
 *
 * Uses: cache and everything below it.  No FUSE types.
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_TREE_H
#define OSFS_FACE_TREE_H

#include "../drafts.h"
#include "../fs.h"
#include "../newkeys.h"
#include "../notes.h"
#include "../tree.h"
#include "../write.h"

#endif
