/* inodes.h - the kernel's inode numbers and the paths they stand for.
 *
 * An inode is one (parent inode, name) the kernel looked up.  It keeps its
 * number while the kernel knows it: LOOKUP (and READDIRPLUS) count one
 * reference each, FORGET drops them, and at zero (with no child left) the
 * inode goes.  The root is FUSE_ROOT_ID ("/") and never goes.  The names
 * from the root down to an inode are handed out when asked: the tree
 * resolves them one directory node at a time.
 *
 * Besides the name, an inode carries two things the FUSE glue attaches:
 * the snapshot of a file that changes by itself (rendered at getattr, read
 * from until the next one) and the bytes written so far to a file that
 * accumulates (user_data).
 *
 * Numbers survive a restart of the serving process: once given a log
 * (osfs_inodes_keep), the table writes each change to it before the kernel
 * hears of it, and a new table replays it (inolog.h).
 *
 * Locking: one mutex per table protects every field of every inode.  It is
 * a leaf lock: nothing else is taken while it is held, and it is never held
 * while calling the tree, the cache or FUSE (the log it writes under it
 * takes no lock).  All functions are thread-safe.  No FUSE type appears
 * here.
 */
#ifndef OSFS_INODES_H
#define OSFS_INODES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#define OSFS_ROOT_INO 1   /* FUSE_ROOT_ID */

/* The content of a file that changes by itself, as rendered once.
 * Immutable once made but for `final`; refcounted. */
struct osfs_snap {
	atomic_int refs;
	atomic_bool final;       /* its inode shows it for good (set once, by
				  * the glue: a console.log moved on) */
	struct timespec mtime;   /* when the content last differed */
	double made;             /* CLOCK_MONOTONIC seconds of the render */
	size_t len;
	char data[];
};

/* A snapshot holding a copy of data[0..len), made now, mtime unset; NULL
 * on ENOMEM.  Put it with osfs_snap_put. */
struct osfs_snap *osfs_snap_new(const char *data, size_t len);
void osfs_snap_put(struct osfs_snap *s);

struct osfs_inodes;

/* An empty table holding the root; NULL on ENOMEM. */
struct osfs_inodes *osfs_inodes_new(void);
void osfs_inodes_free(struct osfs_inodes *t);

/* Replay the inode log in fd (the last generation's changes; an empty
 * file has none) into the table, then log every change to it.  The number
 * of records replayed, or -errno (the table is then as it was, unlogged). */
long osfs_inodes_keep(struct osfs_inodes *t, int fd);

/* The inode of `name` in directory `parent`, made if new, with one more
 * kernel reference.  0, -ENOENT (parent unknown) or -ENOMEM. */
int osfs_inodes_lookup(struct osfs_inodes *t, uint64_t parent, const char *name, uint64_t *ino);

/* The inode of `name` in `parent` if the table has it (no reference
 * taken), else 0. */
uint64_t osfs_inodes_peek(struct osfs_inodes *t, uint64_t parent, const char *name);

/* Drop n kernel references; the inode goes at zero once it has no
 * children.  Unknown inodes are ignored. */
void osfs_inodes_forget(struct osfs_inodes *t, uint64_t ino, uint64_t n);

/* The names that lead from the root to `ino` (none for the root), then
 * `name` when not NULL: *n of them in *names, one malloc'd block the
 * caller frees.  0, -ENOENT (ino unknown) or -ENOMEM. */
int osfs_inodes_names(struct osfs_inodes *t, uint64_t ino, const char *name, char ***names,
		      size_t *n);

/* The absolute path of `ino` ("/" for the root), or of `name` inside it
 * when name is not NULL, for messages.  Malloc'd; NULL when ino is unknown
 * or on ENOMEM (errno says which). */
char *osfs_inodes_path(struct osfs_inodes *t, uint64_t ino, const char *name);

/* An inode of a subtree, as the kernel is told to drop it: a file that
 * shows content (see osfs_inodes_shows) by its name in parent, anything
 * else by its number.  A file retired from its name is left out: a reader
 * holding it reads on the content it showed from the kernel's pages, which
 * an invalidation by number would drop (its next read would get content
 * longer than the size the kernel holds, cut short). */
struct osfs_inode_ref {
	uint64_t ino, parent;
	char *name;                  /* malloc'd for a file showing content, else NULL */
	bool writing;                /* a write to it is being answered */
};

/* A write to ino is being answered (begins), or was answered: while it
 * is, the kernel holds its pages locked, and an invalidation of them
 * would wait for the answer (notify.c leaves it for later). */
void osfs_inodes_writing(struct osfs_inodes *t, uint64_t ino, bool begins);
bool osfs_inodes_is_written(struct osfs_inodes *t, uint64_t ino);

/* Every inode of the subtree under `ino`, itself first: a malloc'd array
 * in *out (count in *n), freed with osfs_inodes_refs_free.  0, -ENOENT or
 * -ENOMEM. */
int osfs_inodes_subtree(struct osfs_inodes *t, uint64_t ino, struct osfs_inode_ref **out,
			size_t *n);
void osfs_inodes_refs_free(struct osfs_inode_ref *refs, size_t n);

/* Number of inodes in the table, the root included. */
size_t osfs_inodes_count(struct osfs_inodes *t);

/* The snapshot attached to ino: a new reference, or NULL. */
struct osfs_snap *osfs_inodes_snap_get(struct osfs_inodes *t, uint64_t ino);

/* Attach s to ino (NULL detaches), taking the caller's reference.  The
 * snapshots of all inodes together stay under a byte cap: past it, s is
 * not kept (the next read renders afresh).  Unknown ino: s is put. */
void osfs_inodes_snap_set(struct osfs_inodes *t, uint64_t ino, struct osfs_snap *s);

/* Write streams.  What is written to a value file (a metadata key, a
 * draft field) since a stream began is the file's new content: a stream
 * begins with a base (the content the writer started from: empty after
 * O_TRUNC, the current value for `>>`), and each write puts its bytes at
 * its offset.  A command file (ctl) takes lines instead: see _lines. */

/* Begin ino's stream with base[0..len).  0, -ENOENT, -ENOMEM. */
int osfs_inodes_wbuf_begin(struct osfs_inodes *t, uint64_t ino, const char *base, size_t len);

/* Does a write at `off` continue ino's stream: one begun, written within
 * idle_s seconds, that reaches off? */
bool osfs_inodes_wbuf_continues(struct osfs_inodes *t, uint64_t ino, off_t off, double idle_s);

/* Put data[0..size) at `off` in ino's stream and give the whole stream so
 * far: a malloc'd, NUL-terminated copy in *all (length in *len).  0,
 * -EFBIG past max bytes, -EINVAL for a hole (off past the end), -ESTALE
 * when no stream was begun, -ENOENT, -ENOMEM. */
int osfs_inodes_wbuf_write(struct osfs_inodes *t, uint64_t ino, off_t off, const char *data,
			   size_t size, size_t max, char **all, size_t *len);

/* A command file's write: data is added to what ino's writers left
 * unfinished (dropped first when off is 0: a new `>`), and the complete
 * lines, each with its '\n', are cut out into a malloc'd *lines (length in
 * *len; NULL and 0 when no line is complete yet).  The unfinished rest
 * waits for its newline.  -EINVAL past max unfinished bytes (dropped). */
int osfs_inodes_wbuf_lines(struct osfs_inodes *t, uint64_t ino, off_t off, const char *data,
			   size_t size, size_t max, char **lines, size_t *len);

/* What ino's stream holds: a malloc'd, NUL-terminated copy in *buf
 * (length *len).  0, -ENOENT (no stream), -ENOMEM. */
int osfs_inodes_wbuf_copy(struct osfs_inodes *t, uint64_t ino, char **buf, size_t *len);

/* End ino's stream (and drop an unfinished line). */
void osfs_inodes_wbuf_clear(struct osfs_inodes *t, uint64_t ino);

/* When the content data[0..len) of dynamic file ino last changed: the
 * time kept for it when it is the content seen last, else now (or
 * `first`, the first time ino is rendered, unless ino came from the last
 * generation's log).  Lets tar and find -newer see
 * a stable mtime on files rendered afresh at each stat. */
struct timespec osfs_inodes_content_mtime(struct osfs_inodes *t, uint64_t ino, const char *data,
					  size_t len, struct timespec first);

/* A resource file's inode shows one content for its life, like a file
 * replaced by rename: a reader that opened it reads to its end what it
 * began with, whatever the cloud does meanwhile.  Does ino show
 * data[0..len)?  True when it does, or showed nothing yet (it now shows
 * data, with st's size and mtime); false when it shows other content: st
 * then gets the size and mtime shown, and the name should be looked up
 * again (osfs_inodes_retire). */
bool osfs_inodes_shows(struct osfs_inodes *t, uint64_t ino, const char *data, size_t len,
		       struct stat *st);

/* ino's own writer changed it: it shows what its next stat gives. */
void osfs_inodes_shows_reset(struct osfs_inodes *t, uint64_t ino);

/* Take ino out of name lookups (the next lookup of its name makes a new
 * inode) and drop the one reference the caller's lookup took; it lives on
 * for the kernel's other references. */
void osfs_inodes_retire(struct osfs_inodes *t, uint64_t ino);

/* The bound.  The kernel keeps a name and its inode for as long as it
 * likes; a walk over 20,000 servers leaves half a million of them here.
 * Past `max` inodes (0: no bound), the oldest files' names are given back
 * to the kernel, which then forgets their inodes. */
void osfs_inodes_set_max(struct osfs_inodes *t, size_t max);

/* ino is not a directory. */
void osfs_inodes_mark_file(struct osfs_inodes *t, uint64_t ino);

/* Does the table hold more than its bound (and no batch is on its way)? */
bool osfs_inodes_over(struct osfs_inodes *t);

/* When the table holds more than its bound: the oldest inodes whose names
 * the kernel should drop, enough to come back to 7/8 of the bound, by
 * name in *out (freed with osfs_inodes_refs_free; *n is 0 under the
 * bound).  Files and directories below a kind's go, but not a directory
 * on one of the `keep` paths (relative to the root: the working
 * directories of processes, whose getcwd would fail) nor above one.
 * Each inode is handed out once.  0 or -ENOMEM. */
int osfs_inodes_evictable(struct osfs_inodes *t, char *const *keep, size_t nkeep,
			  struct osfs_inode_ref **out, size_t *n);

/* Record fp as the fingerprint of directory ino's entries and return the
 * one recorded before (0 when none, or ino unknown). */
uint64_t osfs_inodes_dirfp_swap(struct osfs_inodes *t, uint64_t ino, uint64_t fp);

#endif
