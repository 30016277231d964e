/* newkeys.h - metadata keys made through the mount that the cloud's
 * listing may not show yet.
 *
 * create(2) of servers/X/metadata/KEY makes a key that exists only once
 * written; until then lookups (the kernel's, and those default_permissions
 * makes under allow_other) and editors' renames must still find it.  `ls`
 * does not list it: the cloud does not have it.  A key is remembered for NEWKEY_KEEP_S seconds.
 * Bounded (the oldest goes first) and thread-safe: one leaf lock.
 */
#ifndef OSFS_NEWKEYS_H
#define OSFS_NEWKEYS_H

#include <stdbool.h>

#define NEWKEY_KEEP_S 30.0

struct osfs_newkeys;

struct osfs_newkeys *osfs_newkeys_new(void);
void osfs_newkeys_free(struct osfs_newkeys *nk);

/* Remember `key` of resource `id` as made now.  0 or -ENOMEM. */
int osfs_newkeys_add(struct osfs_newkeys *nk, const char *id, const char *key);

/* Was `key` of `id` made within NEWKEY_KEEP_S?  (nk may be NULL in this
 * and the calls below: a tree without writes, as in unit tests.) */
bool osfs_newkeys_has(struct osfs_newkeys *nk, const char *id, const char *key);

/* Forget `key` of `id` (renamed away, or refused). */
void osfs_newkeys_forget(struct osfs_newkeys *nk, const char *id, const char *key);


#endif
