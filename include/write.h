/* write.h - every change a user can make through the mount, by path or node.
 *
 * What is writable: live servers' ctl and metadata/<key>, keypairs' and
 * volumes' ctl, drafts (drafts.h), mkdir/rmdir in /servers, /keypairs and
 * /volumes.  Everything
 * else refuses: files with EACCES, unlink with EPERM (a live metadata key
 * goes with `echo 'unset KEY' > ctl`), rmdir of a live resource with
 * ENOTEMPTY, all of it with EROFS on a read-only mount.  Nothing rm or
 * rmdir does reaches the cloud: only drafts, which live here, change.
 * A write is applied when its data arrives, so the writer's write() gets
 * the errno; the API's message lands in the resource's `error` file.
 */
#ifndef OSFS_WRITE_H
#define OSFS_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "tree.h"

/* May `node` be opened for writing?  0 or -EACCES/-EROFS. */
int osfs_write_check(struct osfs_fs *fs, const struct osfs_node *node);

/* Apply the whole content written so far (data[0..len)). */
int osfs_write_apply(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len);

/* Does writing to node accumulate (user_data) rather than apply each chunk? */
bool osfs_write_accumulates(const struct osfs_node *node);

int osfs_write_mkdir(struct osfs_fs *fs, const char *path);
int osfs_write_rmdir(struct osfs_fs *fs, const char *path);
int osfs_write_unlink(struct osfs_fs *fs, const char *path);

/* create(2) of a new file: only a metadata key.  Fills `node` for the
 * open handle. */
int osfs_write_create(struct osfs_fs *fs, const char *path, struct osfs_node *node);

#endif
