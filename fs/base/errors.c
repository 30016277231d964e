/* errors.c - (HTTP status, error-message pattern) -> errno, one table for
 * every service.  See errors.h for the rows in words. */
#include "errors.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

int osfs_error_for_user(int err)
{
	return err == -EPROTO ? -EIO : err;
}

/* The length of the HTML tag that starts at s ("<br />", "</p>",
 * "<!-- x -->"), or 0 when s does not start one. */
static size_t tag_length(const char *s)
{
	const char *end;

	if (s[0] != '<' || !(isalpha((unsigned char)s[1]) || s[1] == '/' || s[1] == '!'))
		return 0;
	end = strchr(s, '>');
	return end ? (size_t)(end - s) + 1 : 0;
}

char *osfs_error_plain_text(const char *text)
{
	char *out = malloc(strlen(text) + 1);
	size_t o = 0;
	bool blank = false;

	if (!out)
		return NULL;
	for (const char *p = text; *p; ) {
		size_t tag = tag_length(p);
		if (tag || isspace((unsigned char)*p)) {
			blank = o > 0;
			p += tag ? tag : 1;
			continue;
		}
		if (blank)
			out[o++] = ' ';
		blank = false;
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/* the calling thread's last unanswered request (errors.h); "" for none */
static _Thread_local char unanswered[OSFS_ERROR_UNANSWERED_MAX];

void osfs_error_set_unanswered(const char *why)
{
	snprintf(unanswered, sizeof(unanswered), "%s", why ? why : "");
}

const char *osfs_error_unanswered(void)
{
	return unanswered[0] ? unanswered : NULL;
}
