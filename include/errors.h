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

#endif
