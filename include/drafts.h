/* drafts.h - servers and keypairs that exist only on our side, until the
 * user asks the cloud to create them.
 *
 *   mkdir /servers/web1        a draft: status DRAFT, `missing` lists what
 *                              boot still needs (flavor, image)
 *   echo m1.tiny > flavor      resolved against the cached flavor list at
 *                              once (unknown or ambiguous: EINVAL + error)
 *   echo boot > ctl            POST /servers, never resent; a dropped
 *                              connection is settled by looking the name up
 *   rmdir /servers/web1        discards the draft
 *
 *   mkdir /keypairs/k1; cat key.pub > /keypairs/k1/public_key   imports it
 *
 * Drafts live in memory only; they are lost when the daemon stops.
 */
#ifndef OSFS_DRAFTS_H
#define OSFS_DRAFTS_H

#include <stdbool.h>
#include <stddef.h>

#include "tree.h"

struct osfs_drafts *osfs_drafts_new(void);
void osfs_drafts_free(struct osfs_drafts *drafts);

/* Resolve /<kind>/<name>/<rest...> inside a draft.  Returns 0 when it is
 * a draft path (node filled), 1 when `name` is no draft, or -errno. */
int osfs_drafts_lookup(struct osfs_fs *fs, enum osfs_kind_id kind, const char *name,
		       char **rest, int nrest, struct osfs_node *node);

/* Add every draft name of `kind` to a directory listing. */
void osfs_drafts_list(struct osfs_fs *fs, enum osfs_kind_id kind, osfs_fill_fn fill, void *ctx);
int osfs_drafts_list_files(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx);
int osfs_drafts_read(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len);
bool osfs_drafts_file_writable(const struct osfs_node *node);

/* mkdir: a new draft, booted at once when defaults make it complete.
 * -EEXIST when the name is taken, -EPERM for kinds without drafts. */
int osfs_drafts_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname);

/* rmdir of a draft. */
int osfs_drafts_remove(struct osfs_fs *fs, struct osfs_node *node);

/* The whole content written so far to a draft file; applies it. */
int osfs_drafts_write(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len);

/* A new metadata key in a draft (create), and its removal (unlink). */
int osfs_drafts_meta_create(struct osfs_fs *fs, struct osfs_node *dir, const char *key,
			    struct osfs_node *file);
int osfs_drafts_unlink(struct osfs_fs *fs, struct osfs_node *node);

#endif
