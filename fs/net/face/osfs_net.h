/* osfs_net.h - the face of fs/net/.
 *
 * One call to a service: libcurl (http.c), Keystone's token and
 * catalog (auth.c, token.c, tokenkeep.c), and a call with its deadline,
 * token and retries (api.c).
 *
 * Uses: config, base.  libcurl stays in http.c.
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_NET_H
#define OSFS_FACE_NET_H

#include "../api.h"
#include "../http.h"

#endif
