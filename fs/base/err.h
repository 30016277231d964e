/* err.h - the one way a message for the user travels with an error.
 *
 * A function that can fail for a reason the user should read takes a
 * `struct osfs_err *` (NULL when the caller wants no message), returns 0
 * or -errno, and on failure leaves one line in it: the API's own message
 * (Nova's "Quota exceeded ...", Keystone's reason), or one of ours.  The
 * caller owns the buffer, on its stack: nothing to free on any path, and
 * one size everywhere, large enough for what an API answers and for a
 * list of name candidates.  A message that does not fit is cut, never
 * lost.  The errno is the return value, not a field: one place for it.
 */
#ifndef OSFS_ERR_H
#define OSFS_ERR_H

#include <stdbool.h>

#define OSFS_ERR_MAX 1024

struct osfs_err {
	char msg[OSFS_ERR_MAX];   /* "" when there is nothing to say */
};

/* Put the printf-style message in e (when e is not NULL) and return
 * code, so that `return osfs_err_set(e, -EINVAL, "...")` reads as one. */
int osfs_err_set(struct osfs_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Nothing to say (e may be NULL). */
void osfs_err_clear(struct osfs_err *e);

/* Does e hold a message? */
bool osfs_err_has(const struct osfs_err *e);

/* e's message, or `other` when it holds none (other may be NULL:
 * notes.h clears a note then). */
const char *osfs_err_or(const struct osfs_err *e, const char *other);

#endif
