/* The inode table (inodes.c): stable numbers, lookup counts, paths,
 * subtrees, snapshots and write buffers, and speed at 400,000 inodes. */
#include "check.h"
#include "inodes.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t look(struct osfs_inodes *t, uint64_t parent, const char *name)
{
	uint64_t ino = 0;
	CHECK(osfs_inodes_lookup(t, parent, name, &ino) == 0);
	return ino;
}

static void test_numbers_and_paths(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t servers = look(t, OSFS_ROOT_INO, "servers");
	uint64_t web = look(t, servers, "web1");
	uint64_t status = look(t, web, "status");
	char *p;

	CHECK(servers != OSFS_ROOT_INO && web != servers && status != web);
	CHECK(look(t, servers, "web1") == web);            /* same path, same number */
	CHECK(osfs_inodes_peek(t, servers, "web1") == web);
	CHECK(osfs_inodes_peek(t, servers, "web2") == 0);
	CHECK_STR(p = osfs_inodes_path(t, status, NULL), "/servers/web1/status");
	free(p);
	CHECK_STR(p = osfs_inodes_path(t, OSFS_ROOT_INO, NULL), "/");
	free(p);
	CHECK_STR(p = osfs_inodes_path(t, OSFS_ROOT_INO, "images"), "/images");
	free(p);
	CHECK_STR(p = osfs_inodes_path(t, web, "json"), "/servers/web1/json");
	free(p);
	CHECK(osfs_inodes_path(t, 9999, NULL) == NULL && errno == ENOENT);
	{ /* the names the glue hands the tree, root first */
		char **names;
		size_t n;
		CHECK(osfs_inodes_names(t, web, "json", &names, &n) == 0 && n == 3);
		CHECK_STR(names[0], "servers");
		CHECK_STR(names[1], "web1");
		CHECK_STR(names[2], "json");
		free(names);
		CHECK(osfs_inodes_names(t, OSFS_ROOT_INO, NULL, &names, &n) == 0 && n == 0);
		free(names);
		CHECK(osfs_inodes_names(t, 9999, NULL, &names, &n) == -ENOENT && !names);
	}
	{
		uint64_t x;
		CHECK(osfs_inodes_lookup(t, 9999, "x", &x) == -ENOENT);
	}
	osfs_inodes_free(t);
}

static void test_forget(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t dir = look(t, OSFS_ROOT_INO, "servers");
	uint64_t web = look(t, dir, "web1"), web2;

	look(t, dir, "web1");                          /* two references */
	osfs_inodes_forget(t, web, 1);
	CHECK(osfs_inodes_peek(t, dir, "web1") == web);
	osfs_inodes_forget(t, web, 1);
	CHECK(osfs_inodes_peek(t, dir, "web1") == 0);  /* gone at zero */
	web2 = look(t, dir, "web1");
	CHECK(web2 != web);                            /* a number is never reused */

	/* a directory whose count reached zero stays while a child lives */
	uint64_t st = look(t, web2, "status");
	osfs_inodes_forget(t, web2, 1);
	CHECK(osfs_inodes_peek(t, dir, "web1") == web2);
	osfs_inodes_forget(t, st, 1);
	CHECK(osfs_inodes_peek(t, dir, "web1") == 0);
	CHECK(osfs_inodes_count(t) == 2);               /* root and servers */
	osfs_inodes_forget(t, OSFS_ROOT_INO, 100);      /* the root never goes */
	CHECK(osfs_inodes_peek(t, OSFS_ROOT_INO, "servers") == dir);
	osfs_inodes_free(t);
}

static void test_subtree(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t dir = look(t, OSFS_ROOT_INO, "servers");
	uint64_t a = look(t, dir, "a"), b = look(t, dir, "b");
	uint64_t a1 = look(t, a, "status"), a2 = look(t, a, "metadata"), a3 = look(t, a2, "k");
	struct osfs_inode_ref *refs;
	size_t n;
	int seen = 0;

	look(t, b, "status");
	CHECK(osfs_inodes_subtree(t, a, &refs, &n) == 0);
	CHECK(n == 4 && refs[0].ino == a && refs[0].parent == dir);
	for (size_t i = 0; i < n; i++)
		seen += refs[i].ino == a1 || refs[i].ino == a2 || refs[i].ino == a3;
	CHECK(seen == 3);
	osfs_inodes_refs_free(refs, n);
	CHECK(osfs_inodes_subtree(t, 424242, &refs, &n) == -ENOENT);
	osfs_inodes_free(t);
}

static void test_snapshots_and_buffers(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t f = look(t, OSFS_ROOT_INO, "stats");
	struct osfs_snap *s = osfs_snap_new("abc\n", 4), *got;
	char *all;
	size_t len;

	osfs_inodes_snap_set(t, f, s);
	got = osfs_inodes_snap_get(t, f);
	CHECK(got == s && got->len == 4 && memcmp(got->data, "abc\n", 4) == 0);
	osfs_snap_put(got);
	osfs_inodes_snap_set(t, f, NULL);
	CHECK(osfs_inodes_snap_get(t, f) == NULL);
	/* a big snapshot is not kept: the cap holds */
	char *big = calloc(1, 32u << 20);
	osfs_inodes_snap_set(t, f, osfs_snap_new(big, 32u << 20));
	CHECK(osfs_inodes_snap_get(t, f) == NULL);
	free(big);

	/* a value stream: no write before it begins */
	CHECK(osfs_inodes_wbuf_write(t, f, 0, "x", 1, 64, &all, &len) == -ESTALE);
	CHECK(osfs_inodes_wbuf_begin(t, f, "", 0) == 0);          /* `>`: from empty */
	CHECK(osfs_inodes_wbuf_continues(t, f, 0, 5.0));
	CHECK(!osfs_inodes_wbuf_continues(t, f, 3, 5.0));        /* past its end */
	CHECK(osfs_inodes_wbuf_write(t, f, 0, "hello ", 6, 64, &all, &len) == 0);
	CHECK(len == 6);
	free(all);
	CHECK(osfs_inodes_wbuf_write(t, f, 6, "world", 5, 64, &all, &len) == 0);
	CHECK_STR(all, "hello world");                  /* two writes, one value */
	free(all);
	CHECK(osfs_inodes_wbuf_write(t, f, 0, "J", 1, 64, &all, &len) == 0);
	CHECK_STR(all, "Jello world");                  /* a write over its start */
	free(all);
	CHECK(osfs_inodes_wbuf_write(t, f, 40, "x", 1, 64, &all, &len) == -EINVAL); /* a hole */
	CHECK(osfs_inodes_wbuf_begin(t, f, "alice\n", 6) == 0);  /* `>>`: from the value */
	CHECK(osfs_inodes_wbuf_write(t, f, 6, "bob\n", 4, 64, &all, &len) == 0);
	CHECK_STR(all, "alice\nbob\n");
	free(all);
	CHECK(osfs_inodes_wbuf_write(t, f, 60, "toolong", 7, 64, &all, &len) == -EFBIG);
	CHECK(all == NULL);
	osfs_inodes_wbuf_clear(t, f);
	CHECK(!osfs_inodes_wbuf_continues(t, f, 0, 5.0));

	/* a command stream: lines run whole, once */
	CHECK(osfs_inodes_wbuf_lines(t, f, 0, "un", 2, 64, &all, &len) == 0);
	CHECK(all == NULL && len == 0);                 /* no newline yet */
	CHECK(osfs_inodes_wbuf_lines(t, f, 2, "lock\nreb", 8, 64, &all, &len) == 0);
	CHECK_STR(all, "unlock\n");
	free(all);
	CHECK(osfs_inodes_wbuf_lines(t, f, 10, "oot hard\n", 9, 64, &all, &len) == 0);
	CHECK_STR(all, "reboot hard\n");
	free(all);
	CHECK(osfs_inodes_wbuf_lines(t, f, 0, "sto", 3, 64, &all, &len) == 0);
	CHECK(osfs_inodes_wbuf_lines(t, f, 0, "start\n", 6, 64, &all, &len) == 0);
	CHECK_STR(all, "start\n");                      /* a new `>` drops "sto" */
	free(all);
	CHECK(osfs_inodes_wbuf_lines(t, f, 0, "x", 1, 4, &all, &len) == 0);
	CHECK(osfs_inodes_wbuf_lines(t, f, 1, "yyyy", 4, 4, &all, &len) == -EINVAL);
	CHECK(osfs_inodes_wbuf_lines(t, f, 5, "\n", 1, 4, &all, &len) == 0);
	CHECK_STR(all, "\n");                           /* the refused line left nothing */
	free(all);

	/* content times: stable while the content is */
	struct timespec first = { .tv_sec = 1000 }, m;
	m = osfs_inodes_content_mtime(t, f, "a", 1, first);
	CHECK(m.tv_sec == 1000);
	m = osfs_inodes_content_mtime(t, f, "a", 1, first);
	CHECK(m.tv_sec == 1000);                        /* same content, same time */
	m = osfs_inodes_content_mtime(t, f, "b", 1, first);
	CHECK(m.tv_sec > 1000);                         /* changed: now */
	osfs_inodes_wbuf_clear(t, f);
	CHECK(osfs_inodes_dirfp_swap(t, f, 7) == 0 && osfs_inodes_dirfp_swap(t, f, 8) == 7);
	osfs_inodes_free(t);                            /* frees buffers and snapshots */
}

/* A file inode shows one content; a changed one goes out of its name. */
static void test_shows_and_retire(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t dir = look(t, OSFS_ROOT_INO, "srv"), f = look(t, dir, "json"), g;
	struct stat st = { .st_size = 3, .st_mtim = { .tv_sec = 100 } };
	struct osfs_inode_ref *refs;
	char *path;
	size_t n;

	CHECK(osfs_inodes_shows(t, f, "old", 3, &st));        /* first: noted */
	CHECK(osfs_inodes_shows(t, f, "old", 3, &st));
	st = (struct stat){ .st_size = 5, .st_mtim = { .tv_sec = 200 } };
	CHECK(!osfs_inodes_shows(t, f, "newer", 5, &st));     /* moved on */
	CHECK(st.st_size == 3 && st.st_mtim.tv_sec == 100);   /* what it showed */
	CHECK(osfs_inodes_subtree(t, dir, &refs, &n) == 0);
	CHECK(n == 2 && !refs[0].name && refs[1].ino == f && refs[1].parent == dir);
	CHECK(refs[1].name && strcmp(refs[1].name, "json") == 0); /* dropped by name */
	osfs_inodes_refs_free(refs, n);

	g = look(t, dir, "json");                              /* a second reference */
	CHECK(g == f);
	osfs_inodes_retire(t, f);                              /* gives that one back */
	g = look(t, dir, "json");
	CHECK(g != f && osfs_inodes_peek(t, dir, "json") == g);
	path = osfs_inodes_path(t, f, NULL);                   /* f lives on for its reader */
	CHECK(path && strcmp(path, "/srv/json") == 0);
	free(path);
	osfs_inodes_forget(t, f, 1);
	CHECK(osfs_inodes_count(t) == 3);                      /* root, srv, the new json */
	osfs_inodes_shows_reset(t, g);
	st = (struct stat){ .st_size = 1 };
	CHECK(osfs_inodes_shows(t, g, "x", 1, &st) && osfs_inodes_shows(t, g, "x", 1, &st));
	osfs_inodes_free(t);
}

/* Past the bound, the oldest names go back, each once; a directory where
 * a process works stays. */
static void test_bound(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t kind = look(t, OSFS_ROOT_INO, "servers"), dir = look(t, kind, "a"), f[12];
	char cwd[] = "servers/a", *keep[] = { cwd };
	struct osfs_inode_ref *refs;
	char name[16];
	size_t n;

	osfs_inodes_set_max(t, 8);
	for (int k = 0; k < 12; k++) {
		snprintf(name, sizeof(name), "f%d", k);
		f[k] = look(t, dir, name);
		osfs_inodes_mark_file(t, f[k]);
	}
	CHECK(osfs_inodes_over(t));
	CHECK(osfs_inodes_evictable(t, keep, 1, &refs, &n) == 0);
	CHECK(n == 15 - 8 + 1);                        /* root, servers, a, 12 files: back to 7 */
	CHECK(refs[0].ino == f[0] && refs[0].parent == dir && strcmp(refs[0].name, "f0") == 0);
	CHECK(refs[n - 1].ino == f[n - 1]);            /* the oldest files, not the cwd */
	osfs_inodes_refs_free(refs, n);
	CHECK(!osfs_inodes_over(t));
	CHECK(osfs_inodes_evictable(t, NULL, 0, &refs, &n) == 0 && n == 0); /* not again while pending */
	for (size_t k = 0; k < 8; k++)
		osfs_inodes_forget(t, f[k], 1);         /* the kernel forgets them */
	CHECK(osfs_inodes_count(t) == 7);
	CHECK(osfs_inodes_evictable(t, NULL, 0, &refs, &n) == 0 && n == 0); /* under the bound */
	osfs_inodes_free(t);
}

/* A walk leaves directories behind: they go back too, the oldest first,
 * but not one with a write under way below it, nor a kind's. */
static void test_bound_dirs(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t kind = look(t, OSFS_ROOT_INO, "servers"), d[6], ctl;
	struct osfs_inode_ref *refs;
	char name[16];
	size_t n;

	osfs_inodes_set_max(t, 4);
	for (int k = 0; k < 6; k++) {
		snprintf(name, sizeof(name), "s%d", k);
		d[k] = look(t, kind, name);
	}
	ctl = look(t, d[0], "ctl");
	osfs_inodes_mark_file(t, ctl);
	CHECK(osfs_inodes_wbuf_begin(t, ctl, "", 0) == 0); /* "un" written, "lock" to come */
	CHECK(osfs_inodes_evictable(t, NULL, 0, &refs, &n) == 0);
	CHECK(n == 9 - 4 + 0 && refs[0].ino == d[1] && refs[0].parent == kind);
	CHECK(refs[n - 1].ino == d[5]);              /* every directory but s0, never servers */
	osfs_inodes_refs_free(refs, n);
	osfs_inodes_free(t);
}

/* 20,000 servers with 20 files each: every lookup stays cheap. */
static void test_many(void)
{
	struct osfs_inodes *t = osfs_inodes_new();
	uint64_t dir = look(t, OSFS_ROOT_INO, "servers"), ino = 0;
	struct timespec a, b;
	char name[32];
	int bad = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int s = 0; s < 20000; s++) {
		uint64_t srv;
		snprintf(name, sizeof(name), "srv-%d", s);
		if (osfs_inodes_lookup(t, dir, name, &srv) < 0)
			bad++;
		for (int f = 0; f < 20; f++) {
			snprintf(name, sizeof(name), "f%d", f);
			if (osfs_inodes_lookup(t, srv, name, &ino) < 0)
				bad++;
		}
	}
	for (int s = 0; s < 20000; s++) {
		snprintf(name, sizeof(name), "srv-%d", s);
		if (!osfs_inodes_peek(t, dir, name))
			bad++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(bad == 0);
	CHECK(osfs_inodes_count(t) == 2 + 20000 * 21);
	/* a list would take minutes here; a hash table well under a second */
	CHECK((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < 2.0);
	osfs_inodes_free(t);
}

/* A table replayed from its log (a restart, supervisor.h) gives the
 * kernel's numbers the same paths and lookup counts, also after the log
 * was written out again, and never reuses a number. */
static void test_log_replay(void)
{
	int fd = memfd_create("test-inolog", 0);
	struct osfs_inodes *a = osfs_inodes_new(), *b = osfs_inodes_new(), *c = osfs_inodes_new();
	uint64_t dir, web, st, gone, fresh, maxino = 0;
	char *p;

	CHECK(fd >= 0 && osfs_inodes_keep(a, fd) == 0);   /* an empty log */
	dir = look(a, OSFS_ROOT_INO, "servers");
	web = look(a, dir, "web1");
	look(a, dir, "web1");                             /* two references */
	st = look(a, web, "status");
	gone = look(a, dir, "old");
	osfs_inodes_forget(a, gone, 1);
	/* churn: enough records that the log is written out again */
	for (int i = 0; i < 60000; i++) {
		uint64_t x = look(a, web, "tmp");
		maxino = x > maxino ? x : maxino;
		osfs_inodes_forget(a, x, 1);
	}
	{
		struct stat sb;   /* 4.8 MB were logged; the old records were freed */
		CHECK(fstat(fd, &sb) == 0 && sb.st_size > (4 << 20) && sb.st_blocks * 512 < (2 << 20));
	}
	CHECK(osfs_inodes_keep(b, fd) > 0);
	CHECK(osfs_inodes_peek(b, dir, "web1") == web);
	CHECK(osfs_inodes_peek(b, web, "status") == st);
	CHECK(osfs_inodes_peek(b, dir, "old") == 0 && osfs_inodes_peek(b, web, "tmp") == 0);
	CHECK_STR(p = osfs_inodes_path(b, st, NULL), "/servers/web1/status");
	free(p);
	fresh = look(b, dir, "new");
	CHECK(fresh > maxino && fresh != gone);           /* numbers are not reused */
	osfs_inodes_forget(b, web, 1);
	CHECK(osfs_inodes_peek(b, dir, "web1") == web);   /* the second reference holds it */
	/* the log b kept goes on: a third generation sees b's changes */
	CHECK(osfs_inodes_keep(c, fd) > 0);
	CHECK(osfs_inodes_peek(c, dir, "new") == fresh);
	osfs_inodes_forget(c, st, 1);
	osfs_inodes_forget(c, web, 1);
	CHECK(osfs_inodes_peek(c, dir, "web1") == 0);     /* the counts came across */
	osfs_inodes_free(a);
	osfs_inodes_free(b);
	osfs_inodes_free(c);
	close(fd);
}

/* A retired inode (a file whose content moved on) stays retired in the
 * next generation: its name gives the new inode, its number its path, until
 * the kernel forgets it. */
static void test_log_retire(void)
{
	int fd = memfd_create("test-inolog", 0);
	struct osfs_inodes *a = osfs_inodes_new(), *b = osfs_inodes_new();
	uint64_t dir, old, fresh;
	char *p;

	CHECK(fd >= 0 && osfs_inodes_keep(a, fd) == 0);
	dir = look(a, OSFS_ROOT_INO, "servers");
	old = look(a, dir, "json");
	look(a, dir, "json");                  /* the lookup that saw it moved on ... */
	osfs_inodes_retire(a, old);            /* ... gives its reference back */
	fresh = look(a, dir, "json");
	CHECK(fresh != old);
	CHECK(osfs_inodes_keep(b, fd) > 0);
	CHECK(osfs_inodes_peek(b, dir, "json") == fresh);
	CHECK_STR(p = osfs_inodes_path(b, old, NULL), "/servers/json");
	free(p);
	osfs_inodes_forget(b, old, 1);         /* the kernel's one reference */
	CHECK(osfs_inodes_path(b, old, NULL) == NULL);
	CHECK(osfs_inodes_peek(b, dir, "json") == fresh);
	osfs_inodes_free(a);
	osfs_inodes_free(b);
	close(fd);
}

/* A record cut short by a kill, past the log's end, is not read; a file
 * that is no log is refused. */
static void test_log_torn(void)
{
	int fd = memfd_create("test-inolog", 0);
	struct osfs_inodes *a = osfs_inodes_new(), *b = osfs_inodes_new(), *c = osfs_inodes_new();
	uint64_t dir;
	struct stat st;
	static const char junk[] = "\x01\x00\x00\x00\xff\xff";

	CHECK(fd >= 0 && osfs_inodes_keep(a, fd) == 0);
	dir = look(a, OSFS_ROOT_INO, "servers");
	CHECK(fstat(fd, &st) == 0 && pwrite(fd, junk, sizeof(junk), st.st_size) == sizeof(junk));
	CHECK(osfs_inodes_keep(b, fd) == 2);               /* NEW and REF */
	CHECK(osfs_inodes_peek(b, OSFS_ROOT_INO, "servers") == dir);
	CHECK(pwrite(fd, "not a log", 9, 0) == 9);
	CHECK(osfs_inodes_keep(c, fd) == -EINVAL);
	osfs_inodes_free(a);
	osfs_inodes_free(b);
	osfs_inodes_free(c);
	close(fd);
}

int main(void)
{
	test_log_replay();
	test_log_retire();
	test_log_torn();
	test_numbers_and_paths();
	test_forget();
	test_subtree();
	test_snapshots_and_buffers();
	test_shows_and_retire();
	test_bound();
	test_bound_dirs();
	test_many();
	return CHECK_DONE();
}
