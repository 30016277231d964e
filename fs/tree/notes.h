/* notes.h - the last error message per resource, for its `error` file.
 * Keys are resource ids (or "draft:<kind>:<name>" for drafts).  Thread-safe. */
#ifndef OSFS_NOTES_H
#define OSFS_NOTES_H

struct osfs_notes;

struct osfs_notes *osfs_notes_new(void);
void osfs_notes_free(struct osfs_notes *notes);

/* Replace the note for key (msg NULL: clear it). */
void osfs_notes_set(struct osfs_notes *notes, const char *key, const char *msg);

/* The note with a trailing newline, or "" when none; caller frees. */
char *osfs_notes_get(struct osfs_notes *notes, const char *key);

#endif
