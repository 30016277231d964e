/* drafts.h - servers, keypairs and volumes that exist only on our side,
 * until the user asks the cloud to create them.
 *
 *   mkdir /servers/web1        a draft: status DRAFT, `missing` lists what
 *                              boot still needs (flavor, image); the name
 *                              is checked here (names.h) and must be new
 *   echo private > networks    names or ids, looked up in Neutron when
 *                              written (unknown or ambiguous: EINVAL, the
 *                              candidates in `error`) and again at boot
 *   security_groups, boot_volume_size (GiB: boot from a new volume)
 *   echo m1.tiny > flavor      checked against the API's limits and
 *                              resolved against the cached flavor list at
 *                              once (bad, unknown or ambiguous: EINVAL)
 *   echo boot > ctl            POST /servers with a copy of the draft,
 *                              never resent.  From then on the draft is
 *                              frozen (EBUSY) and reads status BUILD; it
 *                              stays listed until the kind's listing shows
 *                              the new server.  An answer that does not
 *                              come (timeout, dropped connection, 5xx):
 *                              the draft reads SETTLING and `boot` is
 *                              EBUSY while the name is looked up in the
 *                              background; the server that shows is the
 *                              one made, or after a minute (4 request
 *                              timeouts at least) the draft opens again.
 *                              A `boot` written while another is in
 *                              flight waits for it and gets its outcome
 *   rm web1/<file>             forgets what was written there (a metadata
 *                              key, a field); rmdir /servers/web1 discards
 *                              the draft.  Nothing here reaches the cloud.
 *
 *   mkdir /keypairs/k1; cat key.pub > /keypairs/k1/public_key   imports it
 *   mkdir /volumes/data1; echo 10 > /volumes/data1/size (default: -o
 *   volume_size, else 1); echo create > /volumes/data1/ctl   POST /volumes
 *
 * Every write, create and unlink leaves its outcome in the draft's `error`
 * file: empty after a success, the reason after a failure.  Drafts live in
 * memory only; they are lost when the daemon stops.
 */
#ifndef OSFS_DRAFTS_H
#define OSFS_DRAFTS_H

#include <stdbool.h>
#include <stddef.h>

#include "osfs_base.h"
#include "fs.h"
#include "node.h"
#include "osfs_model.h"


struct osfs_drafts *osfs_drafts_new(void);
void osfs_drafts_free(struct osfs_drafts *drafts);

/* Does kind take drafts (mkdir in its directory)? */
bool osfs_drafts_of_kind(enum osfs_kind_id kind);

/* Carry the drafts across restarts in fd, the supervisor's memory file
 * (draft_keep.c): take the last generation's, then keep them there.  The
 * number taken, or -EINVAL (a file not ours or cut short: none taken). */
int osfs_drafts_keep(struct osfs_fs *fs, int fd);

/* `name` in kind's directory, as a draft.  Returns 0 when it is one (node
 * becomes its directory), 1 when `name` is no draft (or a booted one: the
 * new resource answers), or -errno. */
int osfs_drafts_lookup(struct osfs_fs *fs, enum osfs_kind_id kind, const char *name,
		       struct osfs_node *node);

/* `name` in draft directory node (the draft's, or its metadata/): node
 * becomes that file or directory.  0, -ENOENT or -ENOMEM. */
int osfs_drafts_child(struct osfs_fs *fs, const char *name, struct osfs_node *node);

/* Add every draft name of `kind` to a directory listing, booted drafts
 * only while `l` (the listing being served) does not show them yet. */
void osfs_drafts_list(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_listing *l,
		      osfs_fill_fn fill, void *ctx);
int osfs_drafts_list_files(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx);
int osfs_drafts_read(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len);
bool osfs_drafts_file_writable(const struct osfs_node *node);

/* Is the draft file node its ctl (written a command line at a time)? */
bool osfs_drafts_file_is_command(const struct osfs_node *node);

/* May a draft file be opened for writing now?  0, -EACCES (read-only
 * file), -EBUSY (the draft is frozen: it boots), -ENOENT. */
int osfs_drafts_check_write(struct osfs_fs *fs, const struct osfs_node *node);

/* The id of the one `kind` resource that `value` names (an id, a name no
 * other has, or a file name), as draft fields resolve: in *id (caller
 * frees), or -EINVAL with the candidates in why. */
int osfs_drafts_resolve(struct osfs_fs *fs, enum osfs_kind_id kind, const char *value, char **id,
			struct osfs_err *why);

/* mkdir: a new draft, booted at once when defaults make it complete.
 * -EEXIST when the name (or the name it encodes) is taken, -EINVAL for a
 * name osfs_name_check_new refuses (the reason logged), -EPERM for kinds
 * without drafts. */
int osfs_drafts_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname);

/* mkdir's second half, without asking the cloud whether the name is
 * taken (exported for tests): 0, or -errno with the reason in why. */
int osfs_drafts_add(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, struct osfs_err *why);

/* rmdir of a draft (discards it) or of its empty metadata/ (nothing to
 * do).  -EBUSY while it boots. */
int osfs_drafts_remove(struct osfs_fs *fs, struct osfs_node *node);

/* The whole content written so far to a draft file; applies it. */
int osfs_drafts_write(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len);

/* A new metadata key in a draft (create), and unlink of a draft file. */
int osfs_drafts_meta_create(struct osfs_fs *fs, const struct osfs_node *dir, const char *key,
			    struct osfs_node *file);
int osfs_drafts_unlink(struct osfs_fs *fs, struct osfs_node *node);

/* The resource `id` of `kind` is gone (deleted through its ctl): a booted
 * draft still waiting to be listed for it is dropped. */
void osfs_drafts_forget(struct osfs_fs *fs, enum osfs_kind_id kind, const char *id);

/* A create verb ("boot") written to the ctl of a live resource `id` of
 * `kind`: 0 when a boot of this mount made it within the last seconds
 * (a writer that raced the boot learns it went well), -EINVAL (the reason
 * in id's error note) for another, 1 when data is not that verb. */
int osfs_drafts_late_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *id,
			    const char *data, size_t len);

/* "PASSWORD\n": the adminPass the boot of server `id` was given (held in
 * memory only, dropped when its ctl deletes it), or NULL; caller frees. */
char *osfs_drafts_admin_pass(struct osfs_fs *fs, const char *id);
bool osfs_drafts_has_admin_pass(struct osfs_fs *fs, const char *id);

/* The two halves of a boot, around the API call (exported for tests).
 * begin checks the draft is complete, freezes it and hands out a copy of
 * what it holds (free with osfs_draft_copy_free); end records the outcome:
 * the new resource's id, or a failure (ret < 0) that reopens the draft. */
struct osfs_draft_copy;
int osfs_drafts_boot_begin(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname,
			   struct osfs_draft_copy **copy, struct osfs_err *why);
void osfs_drafts_boot_end(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, int ret,
			  const char *created);
void osfs_draft_copy_free(struct osfs_draft_copy *copy);

#endif
