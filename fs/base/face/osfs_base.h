/* osfs_base.h - the face of fs/base/.
 *
 * What every layer may use: the log, the counters, the one table from
 * an HTTP error to errno, the clocks, small text helpers (times, URL
 * components, ctl words, base64), packed texts, JSON spans.
 *
 * Uses: libc, pthreads, and zstd (pack.c) only.
 *
 * Other folders include this header, never the folder's own; the build
 * shows them no other (fs/CMakeLists.txt).
 */
#ifndef OSFS_FACE_BASE_H
#define OSFS_FACE_BASE_H

#include "../clock.h"
#include "../err.h"
#include "../errors.h"
#include "../jscan.h"
#include "../log.h"
#include "../pack.h"
#include "../stats.h"
#include "../text.h"

#endif
