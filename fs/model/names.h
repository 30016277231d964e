/* names.h - resource names ↔ file names.
 *
 * Encoding is reversible: '/' → %2F, '%' → %25, a leading '.' → %2E (so
 * ".", ".." and ".by-id" cannot be names), the empty name → %00.  A name
 * longer than NAME_MAX once encoded is cut at a UTF-8 boundary and given
 * the "~<first 8 chars of id>" suffix.  A resource without a name is its
 * id.
 *
 * A name never moves: a name map (one per kind, for a mount's life)
 * remembers every file name handed out and the id it went to.  A resource
 * keeps its file name as long as its API name is unchanged; a file name
 * once given to one id is never given to another, even after that
 * resource is gone (its path is then ENOENT), unless the user creates a
 * resource under it (osfs_names_give).  A resource that needs a
 * name (new, or renamed in the cloud) gets its encoded name if that is
 * free, else "<name>~<first 8 chars of id>", else "<name>~<id>", else
 * "<name>~<8 chars>~2", "~3", ...  Among new resources that want one
 * name, the oldest (by created time, then id) asks first: so the oldest
 * keeps the plain name only when names are first handed out.
 */
#ifndef OSFS_NAMES_H
#define OSFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "osfs_base.h"
#include "model.h"

#define OSFS_NAME_MAX 255
#define OSFS_ID_SUFFIX 8

/* Encoded file name for an API name; caller frees; NULL on ENOMEM. */
char *osfs_name_encode(const char *name);

/* The API name for a file name, or NULL if fname is not a valid encoding. */
char *osfs_name_decode(const char *fname);

/* May fname name a new resource (mkdir)?  0, or -EINVAL with the reason
 * in why: longer than OSFS_NAME_MAX bytes, a control character
 * (below 0x20, or 0x7f), not a valid encoding, a name that is not valid
 * UTF-8 once decoded (osfs_text_is_utf8), a name the API would show
 * under another file name (".x" is shown as "%2Ex", "%41" as "A": the
 * user's directory would vanish), the empty name, or blanks at either end
 * (the API strips them).  -ENOMEM. */
int osfs_name_check_new(const char *fname, struct osfs_err *why);

/* Text as the API measures it: characters (UTF-8 code points) in s, and
 * whether s holds a control character (below 0x20, or 0x7f). */
size_t osfs_text_chars(const char *s);
bool osfs_text_has_control(const char *s);

/* "^name$" with regex metacharacters escaped (Nova's name filter is a
 * regular expression); caller frees; NULL on ENOMEM. */
char *osfs_name_regex_exact(const char *name);

/* Is s valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF, no lone or missing continuation bytes)? */
bool osfs_text_is_utf8(const char *s);

/* The file names handed out for one kind; its own lock makes it safe to
 * share between threads.  osfs_names_new: NULL on ENOMEM; the caller
 * frees it with osfs_names_free (which takes NULL). */
struct osfs_names;
struct osfs_names *osfs_names_new(void);
void osfs_names_free(struct osfs_names *m);

/* Set items[i]->fname (freeing the old) for resources shown together, by
 * the rules above, and record them in m.  m NULL: a map of this call
 * only (names handed out for the first time).  The ids must be distinct
 * for the names to be stable.  0 or -ENOMEM. */
int osfs_names_assign_in(struct osfs_names *m, struct osfs_res **items, size_t n);

/* Hand fname to id, made from the API name `name`: the one way a file
 * name goes to another id, for a resource the user has just created under
 * that name (mkdir, then boot) where a resource now gone had it.  The
 * caller makes sure no resource shown now has fname.  0 or -ENOMEM. */
int osfs_names_give(struct osfs_names *m, const char *fname, const char *id, const char *name);

/* Call fn(ctx, fname, id) for every file name m ever handed out, under
 * m's lock (fn takes no lock of the map's). */
void osfs_names_each(struct osfs_names *m, void (*fn)(void *ctx, const char *fname, const char *id),
		     void *ctx);

/* Record that fname went to id, unless fname went to some id already:
 * a name the last generation handed out (supervisor.h) to a resource
 * since gone, which no other may take.  0 or -ENOMEM. */
int osfs_names_reserve(struct osfs_names *m, const char *fname, const char *id);

/* osfs_names_assign_in with a map of this call only. */
int osfs_names_assign(struct osfs_res **items, size_t n);

#endif
