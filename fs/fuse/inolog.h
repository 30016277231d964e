/* inolog.h - the inode table's changes, kept where the next serving
 * process finds them.
 *
 * The kernel holds inode numbers and lookup counts across a restart of
 * the serving process (supervisor.h).  So that the next generation means
 * the same by each number, the table (inodes.h) appends each new inode
 * (number, parent, name), each reference the kernel takes and each it
 * drops, and each inode retired from name lookups, to a file the supervisor keeps (a memfd), before the kernel hears
 * of it; the next generation replays the file into its table.
 *
 * The file: a header {magic, start, end} at offset 0, the records in
 * [start, end).  A record is written past `end`, then `end` moves (one
 * pwrite each), so a record cut short by a kill is never read.  When the
 * records outgrow the table, the table is written out again past `end`,
 * `start` and `end` move to it in one write, and the old records are
 * punched out of the file.
 *
 * Not thread-safe: the table calls it under its own lock.  It takes no
 * lock and calls nothing but the file's system calls.
 */
#ifndef OSFS_INOLOG_H
#define OSFS_INOLOG_H

#include <stddef.h>
#include <stdint.h>

enum osfs_inolog_op {
	OSFS_INOLOG_NEW = 1,   /* ino is `name` in directory `arg` */
	OSFS_INOLOG_REF,       /* the kernel took `arg` references to ino */
	OSFS_INOLOG_FORGET,    /* the kernel dropped `arg` references to ino */
	OSFS_INOLOG_NEXT,      /* the next new inode is numbered at least `arg` */
	OSFS_INOLOG_RETIRE,    /* ino leaves name lookups, dropping `arg` references */
	OSFS_INOLOG_LINE,      /* ino's unfinished command line: `name` (`arg` 1), none
				* (0), or one too long to keep (OSFS_INOLOG_LOST) */
};

#define OSFS_INOLOG_LOST 2

struct osfs_inolog;

/* A log on fd (kept open by its owner).  NULL on ENOMEM. */
struct osfs_inolog *osfs_inolog_new(int fd);
void osfs_inolog_free(struct osfs_inolog *l);

/* Call apply for each record in the file, oldest first.  The number of
 * records, or -errno (-EINVAL for a file that is no log; an empty file is
 * a log with no record). */
typedef void osfs_inolog_apply(void *arg, enum osfs_inolog_op op, uint64_t ino, uint64_t val,
			       const char *name);
long osfs_inolog_replay(struct osfs_inolog *l, osfs_inolog_apply *apply, void *arg);

/* Append one record (name only for NEW).  A failed write is logged once;
 * the next generation then starts from what was written before it. */
void osfs_inolog_add(struct osfs_inolog *l, enum osfs_inolog_op op, uint64_t ino, uint64_t val,
		     const char *name);

/* Do the records outnumber a table of `live` inodes enough to write the
 * table out again? */
int osfs_inolog_bloated(const struct osfs_inolog *l, size_t live);

/* Rewriting: between _begin and _end, osfs_inolog_add writes the new
 * image; _end makes it the log and frees the old records. */
void osfs_inolog_rewrite_begin(struct osfs_inolog *l);
void osfs_inolog_rewrite_end(struct osfs_inolog *l);

#endif
