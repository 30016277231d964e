/* osfs_model.h - the face of fs/model/.
 *
 * The kinds table and the resources parsed from the APIs' answers:
 * rows of what each kind lists and shows, listings and their merges, file
 * names.  No network; its only state is the dictionary each kind's
 * objects are packed with, set once (model_dict.c).
 *
 * Uses: base.  json-c stays inside (model_tree.h is internal).
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_MODEL_H
#define OSFS_FACE_MODEL_H

#include "../kinds.h"
#include "../listing.h"
#include "../model.h"
#include "../names.h"

#endif
