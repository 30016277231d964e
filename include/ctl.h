/* ctl.h - the verbs a `ctl` file takes, as a table per kind.
 *
 * Live servers: reboot, reboot hard, stop, start, pause, unpause, suspend,
 * resume, lock, unlock, delete.  Keypairs: delete.  Drafts: boot (drafts.c).
 * Parsing trims surrounding blanks and newlines and folds runs of blanks, so
 * `echo "reboot  hard" > ctl` works; anything else is -EINVAL.
 */
#ifndef OSFS_CTL_H
#define OSFS_CTL_H

#include <stddef.h>

#include "fs.h"
#include "kinds.h"
#include "model.h"

struct osfs_verb {
	const char *words;     /* "reboot hard" */
	const char *method;    /* "POST" or "DELETE" */
	const char *path;      /* printf format with the id: "/servers/%s/action" */
	const char *body;      /* JSON or NULL */
};

/* The verb `text` names for a resource of `kind`, or NULL. */
const struct osfs_verb *osfs_ctl_parse(enum osfs_kind_id kind, const char *text, size_t len);

/* Normalise `text` (trim, fold blanks, lower-case) into out; exported for
 * the draft's own verbs and for tests. */
void osfs_ctl_normalise(const char *text, size_t len, char *out, size_t outlen);

/* The verbs of `kind`, one per line; caller frees. */
char *osfs_ctl_help(enum osfs_kind_id kind);

/* Carry out verb on resource r: one API call, no retry of a failed POST.
 * On success the kind's listing is invalidated and the resource watched;
 * on failure the API's message goes to r's error note.  0 or -errno. */
int osfs_ctl_run(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_res *r,
		 const struct osfs_verb *verb);

#endif
