/* tokenkeep.h - the token, kept where the next serving process finds it.
 *
 * So that a restarted serving process (supervisor.h) does not ask Keystone
 * again, each new token is written to a memfd the supervisor holds, and the
 * next generation starts with it until it is due for renewal (auth.h), if
 * its configuration asks for a token the same way.
 * The file is private to the supervisor and its serving processes, which
 * no other process can read (they are not dumpable).  A file cut short by
 * a kill, or not ours, reads as no token.
 */
#ifndef OSFS_TOKENKEEP_H
#define OSFS_TOKENKEEP_H

#include "token.h"

#include <stdint.h>

/* Write tok to fd, replacing what it held, under `key` (what it was asked
 * with: see osfs_auth_keep).  0 or -errno. */
int osfs_tokenkeep_write(int fd, const struct osfs_token *tok, uint64_t key);

/* The token fd holds under `key` (refs 1), or NULL when none can be read
 * or it was asked with another key. */
struct osfs_token *osfs_tokenkeep_read(int fd, uint64_t key);

#endif
