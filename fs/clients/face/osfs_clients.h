/* osfs_clients.h - the face of fs/clients/.
 *
 * The service clients: the read calls of every kind from its row
 * (fetch.c), what changed since a listing (delta.c), the write calls of
 * compute, network and volume, whether the operator's plane is open.
 *
 * Uses: net, model, and what they use.
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_CLIENTS_H
#define OSFS_FACE_CLIENTS_H

#include "../admin.h"
#include "../compute.h"
#include "../delta.h"
#include "../fetch.h"
#include "../network.h"
#include "../volume.h"

#endif
