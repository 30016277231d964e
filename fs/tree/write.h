/* write.h - every change a user can make through the mount, by node.
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

/* Apply a value file's whole new content (data[0..len)), or one command
 * line (without its newline) of a command file. */
int osfs_write_apply(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len);

/* Is node a command file (ctl: a live resource's or a draft's), written
 * a line at a time, rather than a value file? */
bool osfs_write_is_command(const struct osfs_node *node);

/* The content a write to value file `node` starts from when it does not
 * continue the writer's stream (`>>`): malloc'd in *buf (length *len); ""
 * for a key being made.  0 or -errno. */
int osfs_write_base(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len);

/* May a rename move `from` into directory `dir`: a metadata key within
 * its own metadata directory (what sed -i and editors do)? */
bool osfs_write_renames(const struct osfs_node *from, const struct osfs_node *dir);

/* rename(2) of metadata key `from` onto key `to` (a node from lookup or
 * osfs_write_create): `to` is set to value[0..len), then `from` goes, in
 * the cloud too.  0 or -errno; on failure `from` is as it was. */
int osfs_write_rename(struct osfs_fs *fs, struct osfs_node *from, struct osfs_node *to,
		      const char *value, size_t len);

/* mkdir, rmdir and unlink of `name` in directory node dir. */
int osfs_write_mkdir(struct osfs_fs *fs, const struct osfs_node *dir, const char *name);
int osfs_write_rmdir(struct osfs_fs *fs, const struct osfs_node *dir, const char *name);
int osfs_write_unlink(struct osfs_fs *fs, const struct osfs_node *dir, const char *name);

/* create(2) of a new file `name` in directory node dir (one without it):
 * only a metadata key.  Fills `node` for the open handle. */
int osfs_write_create(struct osfs_fs *fs, const struct osfs_node *dir, const char *name,
		      struct osfs_node *node);

#endif
