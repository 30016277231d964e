/* inolog.c - the inode table's changes in an append-only file with a
 * movable start. */
#include "inolog.h"
#include "osfs_base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC 0x676f6c6f6e69736full   /* "osinolog" */
#define HEADER_SIZE 4096              /* records start on the second page */
#define REPLAY_MAX (1ull << 31)       /* bytes of records read back */
#define REWRITE_MIN (1u << 20)        /* no rewrite below this many bytes of records... */
#define REWRITE_RATIO 8               /* ...nor below this many times the table's image */
#define IMAGE_BYTES 64                /* about what one inode takes in an image */

struct header {
	uint64_t magic;
	uint64_t start, end;   /* the records: [start, end) */
};

struct rec {
	uint32_t op;
	uint32_t namelen;      /* bytes of name following, padded to 8 */
	uint64_t ino, val;
};

struct osfs_inolog {
	int fd;
	struct header h;
	bool rewriting;        /* records go to `image` ... */
	char *image;           /* ... (NULL when out of memory: the rewrite is dropped) */
	size_t ilen, icap;
	bool failed;           /* a write failed: said once */
};

static size_t padded(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void failed(struct osfs_inolog *l)
{
	if (!l->failed)
		log_err("cannot keep the inode log (%s): a restart will not know every inode",
			strerror(errno));
	l->failed = true;
}

static void put_header(struct osfs_inolog *l)
{
	if (pwrite(l->fd, &l->h, sizeof(l->h), 0) != (ssize_t)sizeof(l->h))
		failed(l);
}

struct osfs_inolog *osfs_inolog_new(int fd)
{
	struct osfs_inolog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->fd = fd;
	l->h = (struct header){ .magic = MAGIC, .start = HEADER_SIZE, .end = HEADER_SIZE };
	return l;
}

void osfs_inolog_free(struct osfs_inolog *l)
{
	if (l)
		free(l->image);
	free(l);
}

static long apply_all(const char *buf, size_t len, osfs_inolog_apply *apply, void *arg)
{
	char name[256];
	size_t at = 0;
	long n = 0;

	while (at + sizeof(struct rec) <= len) {
		struct rec r;

		memcpy(&r, buf + at, sizeof(r));
		at += sizeof(r);
		if (r.namelen >= sizeof(name) || at + padded(r.namelen) > len)
			return -EINVAL;
		memcpy(name, buf + at, r.namelen);
		name[r.namelen] = '\0';
		at += padded(r.namelen);
		apply(arg, (enum osfs_inolog_op)r.op, r.ino, r.val, name);
		n++;
	}
	return at == len ? n : -EINVAL;
}

long osfs_inolog_replay(struct osfs_inolog *l, osfs_inolog_apply *apply, void *arg)
{
	struct header h;
	size_t len;
	char *buf;
	ssize_t got = pread(l->fd, &h, sizeof(h), 0);
	long ret;

	if (got == 0)
		return 0;
	if (got != (ssize_t)sizeof(h) || h.magic != MAGIC || h.start < HEADER_SIZE ||
	    h.end < h.start || h.end - h.start > REPLAY_MAX)
		return got < 0 ? -errno : -EINVAL;
	len = (size_t)(h.end - h.start);
	if (!(buf = malloc(len ? len : 1)))
		return -ENOMEM;
	ret = pread(l->fd, buf, len, (off_t)h.start) == (ssize_t)len ? apply_all(buf, len, apply, arg)
								     : -EIO;
	free(buf);
	if (ret >= 0)
		l->h = h;
	return ret;
}

static void image_add(struct osfs_inolog *l, const char *buf, size_t len)
{
	if (l->image && l->ilen + len > l->icap) {
		size_t cap = (l->icap ? l->icap * 2 : 65536) + len;
		char *p = realloc(l->image, cap);

		if (!p) {
			free(l->image);
			l->image = NULL;
			return;
		}
		l->image = p;
		l->icap = cap;
	}
	if (l->image) {
		memcpy(l->image + l->ilen, buf, len);
		l->ilen += len;
	}
}

void osfs_inolog_add(struct osfs_inolog *l, enum osfs_inolog_op op, uint64_t ino, uint64_t val,
		     const char *name)
{
	size_t namelen = name ? strlen(name) : 0;
	struct rec r = { .op = op, .namelen = (uint32_t)namelen, .ino = ino, .val = val };
	char buf[sizeof(r) + 264] = { 0 };
	size_t len = sizeof(r) + padded(namelen);

	if (namelen >= 256)
		return; /* no such name reaches the table: the kernel caps names at 255 */
	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), name ? name : "", namelen);
	if (l->rewriting) {
		image_add(l, buf, len);
		return;
	}
	if (pwrite(l->fd, buf, len, (off_t)l->h.end) != (ssize_t)len) {
		failed(l);
		return;
	}
	l->h.end += len;
	put_header(l);
}

int osfs_inolog_bloated(const struct osfs_inolog *l, size_t live)
{
	uint64_t bytes = l->h.end - l->h.start;

	return bytes > REWRITE_MIN && bytes > (uint64_t)live * IMAGE_BYTES * REWRITE_RATIO;
}

void osfs_inolog_rewrite_begin(struct osfs_inolog *l)
{
	l->rewriting = true;
	l->ilen = l->icap = 0;
	l->image = malloc(1); /* grown by image_add; NULL drops the rewrite */
}

/* The image is written past the records in one write, then becomes the
 * log in one header write: a kill in between leaves the old log whole. */
void osfs_inolog_rewrite_end(struct osfs_inolog *l)
{
	uint64_t old = l->h.start & ~(uint64_t)(HEADER_SIZE - 1);
	uint64_t at = (l->h.end + HEADER_SIZE - 1) & ~(uint64_t)(HEADER_SIZE - 1);

	l->rewriting = false;
	if (!l->image)
		return;
	if (pwrite(l->fd, l->image, l->ilen, (off_t)at) != (ssize_t)l->ilen) {
		failed(l);
	} else {
		l->h.start = at;
		l->h.end = at + l->ilen;
		put_header(l);
		/* the old records' pages go back to the system */
		fallocate(l->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)old,
			  (off_t)(at - old));
	}
	free(l->image);
	l->image = NULL;
}
