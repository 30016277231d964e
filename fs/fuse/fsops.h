/* fsops.h - the FUSE glue: libfuse's low-level operations on top of the
 * path-based tree (tree.c) and write side (write.c).
 *
 * Inode numbers map to paths through the inode table (inodes.h).  Warm
 * reads never reach the daemon: OPEN and FLUSH are answered ENOSYS (the
 * kernel then opens by itself and serves pages from its cache), so every
 * size given is exact.  Files that change by themselves have timeout 0, a
 * changing mtime, and are read from a snapshot rendered at getattr.
 * Changes found by the cache, or made by our own writes, reach the kernel
 * through the notifier (notify.h).
 *
 * fsops.c, notify.c, relay.c and main.c are the only files that know FUSE's
 * types.
 */
#ifndef OSFS_FSOPS_H
#define OSFS_FSOPS_H

#include <fuse_lowlevel.h>

#include "osfs_tree.h"

/* Per-mount state of the glue: the userdata of the FUSE session. */
struct osfs_glue;

/* A glue for fs (kept, not owned); NULL on ENOMEM. */
struct osfs_glue *osfs_glue_new(struct osfs_fs *fs);

/* The session the glue answers for; set before the loop starts. */
void osfs_glue_set_session(struct osfs_glue *g, struct fuse_session *se);

/* Tell the kernel to drop everything it cached of every kind (SIGHUP);
 * sent by the notifier thread.  Safe from any thread. */
void osfs_glue_invalidate_all(struct osfs_glue *g);

/* Stop telling the kernel of changes: the notifier thread ends before the
 * session lets go of /dev/fuse (call it before fuse_session_unmount). */
void osfs_glue_stop(struct osfs_glue *g);

/* Take the inode numbers the last serving process gave the kernel from
 * the inode log in fd, and log ours there (inodes.h).  The number of
 * records replayed, or -errno. */
long osfs_glue_keep_inodes(struct osfs_glue *g, int fd);

/* Free the glue (after the session is destroyed). */
void osfs_glue_free(struct osfs_glue *g);

extern const struct fuse_lowlevel_ops osfs_fsops;

/* libfuse's messages, into our log (for fuse_set_log_func). */
void osfs_fuse_log(enum fuse_log_level level, const char *fmt, va_list ap);

#endif
