/* errors.c - (HTTP status, error-message pattern) -> errno, one table for
 * every service.  See errors.h for the rows in words. */
#include "errors.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static const struct {
	long status;
	const char *pattern;  /* substring of the API's message, or NULL: any */
	int err;
} rows[] = {
	{ 400, NULL, EINVAL },
	{ 401, NULL, EACCES },
	{ 403, "uota", EDQUOT },          /* "Quota exceeded", "quota" */
	{ 403, "limit exceeded", EDQUOT },
	{ 403, NULL, EACCES },
	{ 404, NULL, ENOENT },
	{ 405, NULL, EINVAL },
	{ 406, NULL, ENOTSUP },
	{ 409, NULL, EBUSY },
	{ 410, NULL, ENOENT },
	{ 413, "uota", EDQUOT },          /* older Nova: over quota as 413 */
	{ 413, NULL, EFBIG },
	{ 415, NULL, EINVAL },
	{ 429, NULL, EAGAIN },
	{ 501, NULL, ENOTSUP },
	{ 502, NULL, EAGAIN },
	{ 503, NULL, EAGAIN },
	{ 504, NULL, ETIMEDOUT },
};

static bool row_matches(size_t i, long status, const char *message)
{
	if (rows[i].status != status)
		return false;
	return !rows[i].pattern || (message && strstr(message, rows[i].pattern));
}

int osfs_error_errno(long status, const char *message)
{
	if (status >= 200 && status < 300)
		return 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (row_matches(i, status, message))
			return rows[i].err;
	return status >= 400 && status < 500 ? EINVAL : EIO;
}
