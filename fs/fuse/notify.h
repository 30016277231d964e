/* notify.h - telling the kernel what changed, from a thread of its own.
 *
 * Changes (from the cache's observer, or from our own writes) are queued
 * and a notifier thread turns them into fuse_lowlevel_notify_inval_*:
 *   changed:        every known inode under /<kind>/<fname>/
 *   added, removed: the entry <fname> of /<kind>, and /<kind> itself (so
 *                   cached directory pages go)
 * Notifications are never sent from a thread answering a request (that can
 * deadlock the kernel); a write waits, a second at most, for the thread to
 * send what was queued before it answers, so that the writer's next open
 * sees what it changed.  The queue is bounded: when it overflows, the whole
 * kind is invalidated instead.  Part of the FUSE glue.
 */
#ifndef OSFS_NOTIFY_H
#define OSFS_NOTIFY_H

#include <fuse_lowlevel.h>

#include "osfs_cache.h"
#include "inodes.h"
#include "osfs_model.h"

struct osfs_notify;

/* A notifier for session se over the inode table (both kept, not owned).
 * NULL on ENOMEM.  Nothing is sent until osfs_notify_start. */
struct osfs_notify *osfs_notify_new(struct fuse_session *se, struct osfs_inodes *inodes);

/* Start the thread.  0 or -errno. */
int osfs_notify_start(struct osfs_notify *n);

/* Stop the thread (dropping what is queued) and free n. */
void osfs_notify_free(struct osfs_notify *n);

/* Queue one change; fname NULL means the whole kind.  Never blocks on the
 * kernel; safe from any thread, including request handlers.  Matches
 * osfs_cache_observer (ctx is the struct osfs_notify). */
void osfs_notify_queue(void *ctx, enum osfs_kind_id kind, const char *fname, enum osfs_change what);

/* Wait (a second at most) until every change queued so far is sent: a
 * write calls it before it answers, so that its writer's next open sees
 * what the write changed.  A file being written is left alone meanwhile
 * (its pages are locked until the write is answered, osfs_inodes_writing):
 * its writer tells it with osfs_notify_inode once it has answered. */
void osfs_notify_flush(struct osfs_notify *n);

/* Queue the invalidation of one inode. */
void osfs_notify_inode(struct osfs_notify *n, uint64_t ino);

/* Let the kernel drop the names of refs (names it need not keep: the
 * inode table's bound), taking the array.  Dropped when the queue is full. */
void osfs_notify_drop(struct osfs_notify *n, struct osfs_inode_ref *refs, size_t count);

#endif
