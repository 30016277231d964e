/* listkeep.h - the listings, kept where the next serving process finds
 * them.
 *
 * After each refresh, a kind's listing is written to a memory file the
 * supervisor holds (supervisor.h): every resource's packed API object and
 * file name, with where its next delta starts.  A restarted serving
 * process takes a kind's listing from there the first time the kind is
 * read, so that it asks the cloud only what changed since (one delta),
 * not for the whole list again.
 *
 * The file: a table at offset 0 (a magic, then per kind the offset and
 * length of its latest image), images after it.  An image is written
 * past every other, then the table points at it (one pwrite), then the
 * old one is punched out, so a kill leaves the last whole image.
 *
 * Thread-safe: one lock (a leaf) around the table and the file's end.
 */
#ifndef OSFS_LISTKEEP_H
#define OSFS_LISTKEEP_H

#include "osfs_model.h"

/* Where a kind's refreshes stood when its listing was kept. */
struct osfs_listkeep_state {
	long long since;   /* the next changes-since (the API's clock), 0: none */
	double skew;       /* our clock minus the API's at the last answer */
	double resynced;   /* the last full listing (monotonic: the same in every
			    * process of one boot) */
};

struct osfs_listkeep;

/* Keep listings in fd (the caller keeps it open).  NULL on ENOMEM. */
struct osfs_listkeep *osfs_listkeep_new(int fd);
void osfs_listkeep_free(struct osfs_listkeep *lk);

/* Write l, kind's listing, with st and every name `names` (the kind's
 * name map) ever handed out, so that no name moves across a restart.  0,
 * or -errno when it was not written (the last image stays). */
int osfs_listkeep_put(struct osfs_listkeep *lk, enum osfs_kind_id kind,
		      const struct osfs_listing *l, struct osfs_names *names,
		      const struct osfs_listkeep_state *st);

/* The listing last put for kind still holds: write only st and l's times
 * into its image (a refresh that changed nothing costs no image). */
void osfs_listkeep_touch(struct osfs_listkeep *lk, enum osfs_kind_id kind,
			 const struct osfs_listing *l, const struct osfs_listkeep_state *st);

/* kind's kept listing, its names given through `names` (the kind's name
 * map), and st; NULL when none is kept (or it cannot be read). */
struct osfs_listing *osfs_listkeep_get(struct osfs_listkeep *lk, enum osfs_kind_id kind,
				       struct osfs_names *names, struct osfs_listkeep_state *st);

#endif
