/* names.h - resource names ↔ file names.
 *
 * Encoding is reversible: '/' → %2F, '%' → %25, a leading '.' → %2E (so
 * ".", ".." and ".by-id" cannot be names), the empty name → %00.  A name
 * longer than NAME_MAX once encoded is cut at a UTF-8 boundary and given
 * the "~<first 8 chars of id>" suffix.  Among resources that share a file
 * name, the oldest (by created time, then id) keeps it and the others get
 * "<name>~<first 8 chars of id>".  A resource without a name is its id.
 */
#ifndef OSFS_NAMES_H
#define OSFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define OSFS_NAME_MAX 255
#define OSFS_ID_SUFFIX 8

/* Encoded file name for an API name; caller frees; NULL on ENOMEM. */
char *osfs_name_encode(const char *name);

/* The API name for a file name, or NULL if fname is not a valid encoding. */
char *osfs_name_decode(const char *fname);

/* May fname name a new resource (mkdir)?  0, or -EINVAL with the reason
 * in why[0..whylen): longer than OSFS_NAME_MAX bytes, a control character
 * (below 0x20, or 0x7f), not a valid encoding, a name the API would show
 * under another file name (".x" is shown as "%2Ex", "%41" as "A": the
 * user's directory would vanish), the empty name, or blanks at either end
 * (the API strips them).  -ENOMEM. */
int osfs_name_check_new(const char *fname, char *why, size_t whylen);

/* Text as the API measures it: characters (UTF-8 code points) in s, and
 * whether s holds a control character (below 0x20, or 0x7f). */
size_t osfs_text_chars(const char *s);
bool osfs_text_has_control(const char *s);

/* "^name$" with regex metacharacters escaped (Nova's name filter is a
 * regular expression); caller frees; NULL on ENOMEM. */
char *osfs_name_regex_exact(const char *name);

/* Set items[i]->fname for a whole listing (see above).  0 or -ENOMEM. */
int osfs_names_assign(struct osfs_res **items, size_t n);

#endif
