/* osfs_config.h - the face of fs/config/.
 *
 * The mount's configuration: options, environment, clouds.yaml and
 * secure.yaml, checked before mounting.
 *
 * Uses: base.  libyaml stays in cloudsyaml.c.
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_CONFIG_H
#define OSFS_FACE_CONFIG_H

#include "../config.h"

#endif
