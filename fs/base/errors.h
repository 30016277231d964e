/* errors.h - the one table from an HTTP error answer to errno.
 *
 * Every service's failures go through osfs_error_errno: a row matches a
 * status and, when the row names one, a pattern found in the API's error
 * message (Nova says "Quota exceeded for instances" with a 403, oslo's
 * size limit says "Request is too large" with a 413).  The first matching
 * row wins, so rows with a pattern come before the plain status row.
 *
 *   400 EINVAL   401 EACCES   403 EACCES (EDQUOT when the message speaks
 *   of a quota or a limit exceeded)   404 ENOENT   405 EINVAL   406 ENOTSUP
 *   409 EBUSY    410 ENOENT   413 EFBIG (EDQUOT for a quota)   415 EINVAL
 *   429 EAGAIN   501 ENOTSUP  502 EAGAIN   503 EAGAIN   504 ETIMEDOUT
 *   other 4xx EINVAL, other 5xx (and anything else) EIO, 2xx 0.
 */
#ifndef OSFS_ERRORS_H
#define OSFS_ERRORS_H

/* The positive errno for an answer with `status` whose error message
 * (from osfs_api_error_message, may be NULL) is `message`. */
int osfs_error_errno(long status, const char *message);

/* The errno a user is given for an internal one: the man page's list.
 * -EPROTO (an answer we could not read, or a connection that broke in the
 * middle of one) is -EIO, "any other failure"; every other value is
 * returned as it is.  Takes and returns a negative errno (or 0). */
int osfs_error_for_user(int err);

/* `text` as one plain line for the log and error files: HTML tags (an
 * API's "<br /><br />") removed, every run of blanks, tabs and newlines
 * one space, no blank at either end.  A '<' that opens no tag stays.
 * Never longer than text.  NULL on ENOMEM; the caller frees. */
char *osfs_error_plain_text(const char *text);

/* After a failed request that is never resent (a POST), in the thread
 * that made it: why it may have been carried out all the same ("no answer
 * within 30 s", a broken connection, a gateway's 504), so that its outcome
 * is unknown; NULL when it was answered, or never left.  Set by api.c for
 * each call (NULL: cleared); the text belongs to the thread and lasts until
 * its next call. */
#define OSFS_ERROR_UNANSWERED_MAX 128
void osfs_error_set_unanswered(const char *why);
const char *osfs_error_unanswered(void);

#endif
