/* osfs_cache.h - the face of fs/cache/.
 *
 * What the mount knows of the cloud: each kind's listing kept for
 * its TTL, refreshed single-flight, spots and watches; nested kinds per
 * parent (children.c); the changes seen (events.c).
 *
 * Uses: clients and everything below them.
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_CACHE_H
#define OSFS_FACE_CACHE_H

#include "../cache.h"
#include "../children.h"

#endif
