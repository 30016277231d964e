/* text.h - small text helpers every layer may use: API times, URL
 * components, the words written to `ctl` files, base64.  No state, no
 * locks, no library beyond libc, so that the layers above can share them
 * without reaching into each other (the parser used to borrow these from
 * auth and http, the drafts from ctl).
 */
#ifndef OSFS_TEXT_H
#define OSFS_TEXT_H

#include <stddef.h>
#include <time.h>

/* ISO 8601 UTC ("2015-11-07T02:58:43.578887Z", zone optional) → time_t;
 * -1 when unreadable. */
time_t osfs_parse_time(const char *iso);

/* Percent-encode one path or query component (all but A-Z a-z 0-9 - . _ ~,
 * as RFC 3986 leaves unreserved); caller frees; NULL on ENOMEM. */
char *osfs_escape(const char *s);

/* Normalise `text` (trim, fold blanks, lower-case) into out[0..outlen):
 * how a word written to a `ctl` file is read. */
void osfs_text_normalise(const char *text, size_t len, char *out, size_t outlen);

/* data[0..len) in base64 (RFC 4648, padded), as Nova wants user_data;
 * caller frees; NULL on ENOMEM. */
char *osfs_base64(const char *data, size_t len);

#endif
