/* relay.c - FUSE_INIT kept by generation 1, replayed by the next ones;
 * the journal of changing requests that tells which may be done again. */
#include "relay.h"
#include "osfs_base.h"
#include "osfs_net.h"

#include <errno.h>
#include <linux/fuse.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef FUSE_NOTIFY_RESEND
#define FUSE_NOTIFY_RESEND 7   /* protocol 7.40, Linux 6.9 */
#endif
#ifndef FUSE_UNIQUE_RESEND
#define FUSE_UNIQUE_RESEND (1ULL << 63)   /* marks a request sent again */
#endif
#define INIT_MAX 512           /* a FUSE_INIT request is ~100 bytes */
#define JOURNAL_OFF 4096       /* the journal's place in the FUSE_INIT file */
#define JOURNAL_SLOTS 256      /* changing requests under way at once; more
				* are not noted (sent again: refused) */

/* A changing request under way, in the memfd every generation maps: the
 * next one reads what the dead one noted.  Lock-free: a slot is claimed
 * by compare-and-swap of its unique from 0. */
enum sent { UNSENT = 1, MAY_HAVE_LEFT = 2 };

struct note {
	_Atomic uint64_t unique;  /* the kernel's, 0: free */
	_Atomic uint32_t sent;    /* enum sent */
	uint32_t pad;
};

/* What may have changed the cloud: sent again, such a request is answered
 * here and never reaches the session (its request may have left). */
static const struct {
	uint32_t opcode;
	const char *name;
} changes[] = {
	{ FUSE_WRITE, "write" }, { FUSE_MKDIR, "mkdir" }, { FUSE_RMDIR, "rmdir" },
	{ FUSE_UNLINK, "unlink" }, { FUSE_RENAME, "rename" }, { FUSE_RENAME2, "rename" },
	{ FUSE_SETATTR, "truncate" }, { FUSE_CREATE, "create" }, { FUSE_MKNOD, "mknod" },
	{ FUSE_SYMLINK, "symlink" }, { FUSE_LINK, "link" }, { FUSE_FALLOCATE, "fallocate" },
	{ FUSE_SETXATTR, "setxattr" }, { FUSE_REMOVEXATTR, "removexattr" },
};

enum phase {
	RECORD,    /* keep the FUSE_INIT the kernel sends */
	REPLAY,    /* the first read returns the kept FUSE_INIT */
	ANSWERING, /* the session is answering it: other readers wait */
	SERVING,   /* plain reads and writes */
};

static struct {
	atomic_int phase;
	int init_fd;
	_Alignas(8) char init[INIT_MAX]; /* written before the loop starts, read-only after */
	size_t init_len;
	uint64_t init_unique;
	struct note *journal;            /* JOURNAL_SLOTS, shared; NULL: none */
} relay;

/* The slot (plus one; 0: none) of the changing request this thread
 * serves: libfuse's workers answer what they read. */
static _Thread_local size_t serving;

/* Ask the kernel to send again every request it had handed to the dead
 * generation.  Harmless when there is none. */
static void resend(int fd)
{
	struct fuse_out_header oh = { .len = sizeof(oh), .error = FUSE_NOTIFY_RESEND, .unique = 0 };

	if (write(fd, &oh, sizeof(oh)) != (ssize_t)sizeof(oh))
		log_warn("the kernel cannot resend what the last serving process had not answered "
			 "(%s): those callers wait until interrupted", strerror(errno));
}

static void record(const void *buf, size_t len)
{
	const struct fuse_in_header *in = buf;

	if (in->opcode != FUSE_INIT || len > INIT_MAX)
		return;
	if (pwrite(relay.init_fd, buf, len, 0) != (ssize_t)len)
		log_err("cannot keep FUSE_INIT: %s; a restart will not be possible", strerror(errno));
	atomic_store(&relay.phase, SERVING);
}

/* ---- the journal ---- */

/* Note a changing request as this thread's, nothing sent yet. */
static void note_start(uint64_t unique)
{
	serving = 0;
	for (size_t i = 0; relay.journal && i < JOURNAL_SLOTS; i++) {
		uint64_t free_ = 0;
		if (atomic_compare_exchange_strong(&relay.journal[i].unique, &free_, unique)) {
			atomic_store(&relay.journal[i].sent, UNSENT);
			serving = i + 1;
			return;
		}
	}
}

/* http.c, before a request that may change the cloud leaves. */
static void note_leaving(void)
{
	if (serving)
		atomic_store(&relay.journal[serving - 1].sent, MAY_HAVE_LEFT);
}

/* The answer to `unique` is written: its note goes. */
static void note_end(uint64_t unique)
{
	struct note *nt = serving ? &relay.journal[serving - 1] : NULL;

	if (nt && atomic_load(&nt->unique) == unique) {
		atomic_store(&nt->sent, 0);
		atomic_store(&nt->unique, 0);
		serving = 0;
	}
}

/* Did the dead generation note request `unique` (sent again now) with
 * nothing sent?  Its note is taken over as this thread's (true), or
 * dropped (false: it may have left, or was never noted). */
static bool note_unsent(uint64_t unique)
{
	uint64_t was = unique & ~FUSE_UNIQUE_RESEND;

	serving = 0;
	for (size_t i = 0; relay.journal && i < JOURNAL_SLOTS; i++) {
		struct note *nt = &relay.journal[i];
		if (atomic_load(&nt->unique) != was)
			continue;
		if (atomic_load(&nt->sent) == UNSENT) {
			atomic_store(&nt->unique, unique); /* its answer carries the mark */
			serving = i + 1;
			return true;
		}
		atomic_store(&nt->sent, 0);
		atomic_store(&nt->unique, 0);
		return false;
	}
	return false;
}

/* The index in `changes` of a request that may change the cloud, or -1. */
static int change_of(const void *buf, ssize_t n)
{
	const struct fuse_in_header *in = buf;

	if (n < (ssize_t)sizeof(*in))
		return -1;
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		if (changes[i].opcode == in->opcode)
			return (int)i;
	return -1;
}

/* May the request be served again when nothing left for it?  A write
 * from its start (a ctl line, a value, a draft field): serving it again
 * is what the dead generation would have done.  Not mkdir, rm, mv, ...:
 * their local part (a draft made or gone) may be done already. */
static bool may_serve_again(const void *buf, ssize_t n)
{
	const struct fuse_in_header *in = buf;
	const struct fuse_write_in *w = (const void *)(in + 1);

	return in->opcode == FUSE_WRITE && n >= (ssize_t)(sizeof(*in) + sizeof(*w)) &&
	       w->offset == 0;
}

/* A request the dead generation had taken that may have changed the
 * cloud: not done twice.  A write whose request had not left is served
 * now (false); any other is answered ETIMEDOUT, as a request whose answer
 * never came (true). */
static bool refuse_resent(int fd, const void *buf, ssize_t n)
{
	const struct fuse_in_header *in = buf;
	struct fuse_out_header oh = { .len = sizeof(oh), .error = -ETIMEDOUT };
	int i = change_of(buf, n);
	bool again = may_serve_again(buf, n);

	serving = 0;
	if (i < 0)
		return false;
	if (!(in->unique & FUSE_UNIQUE_RESEND)) {
		if (again)
			note_start(in->unique);
		return false;
	}
	if (note_unsent(in->unique) && again) {
		log_info("a %s by pid %u was under way when the last serving process died, "
			 "nothing sent yet: done now", changes[i].name, in->pid);
		return false;
	}
	oh.unique = in->unique;
	log_err("a %s by pid %u was under way when the last serving process died: not done "
		"again (its outcome is unknown; the caller gets ETIMEDOUT)", changes[i].name, in->pid);
	if (write(fd, &oh, sizeof(oh)) != (ssize_t)sizeof(oh))
		log_warn("cannot answer it: %s", strerror(errno));
	return true;
}

static ssize_t relay_read(int fd, void *buf, size_t len, void *userdata)
{
	const struct timespec nap = { .tv_nsec = 100 * 1000 };
	int expect = REPLAY;
	ssize_t n;

	if (atomic_compare_exchange_strong(&relay.phase, &expect, ANSWERING)) {
		n = (ssize_t)(len < relay.init_len ? len : relay.init_len);
		memcpy(buf, relay.init, (size_t)n);
		return n;
	}
	while (atomic_load(&relay.phase) == ANSWERING)
		nanosleep(&nap, NULL); /* microseconds; a cancellation point, no lock held */
	do /* also notes the changing requests (refuse_resent) */
		n = read(fd, buf, len);
	while (refuse_resent(fd, buf, n));
	if (n >= (ssize_t)sizeof(struct fuse_in_header) && atomic_load(&relay.phase) == RECORD)
		record(buf, (size_t)n);
	return n;
}

static ssize_t relay_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	const struct fuse_out_header *oh = iov[0].iov_base;
	ssize_t total = 0;

	if (atomic_load(&relay.phase) != ANSWERING || iov[0].iov_len < sizeof(*oh) ||
	    oh->unique != relay.init_unique) {
		if (iov[0].iov_len >= sizeof(*oh) && oh->unique)
			note_end(oh->unique);
		return writev(fd, iov, count);
	}
	/* the answer to the replayed FUSE_INIT: the kernel has generation 1's */
	for (int i = 0; i < count; i++)
		total += (ssize_t)iov[i].iov_len;
	resend(fd);
	atomic_store(&relay.phase, SERVING);
	return total;
}

/* The kept FUSE_INIT, when there is one.  true when loaded. */
static bool load(int init_fd)
{
	const struct fuse_in_header *in = (const void *)relay.init;
	ssize_t n = pread(init_fd, relay.init, INIT_MAX, 0);

	if (n < (ssize_t)sizeof(*in) || in->opcode != FUSE_INIT || in->len < sizeof(*in) ||
	    in->len > (size_t)n)
		return false;
	relay.init_len = in->len;
	relay.init_unique = in->unique;
	return true;
}

/* Map the journal (after FUSE_INIT in the same file); without it, every
 * changing request sent again is refused. */
static void journal_map(int init_fd)
{
	size_t end = JOURNAL_OFF + JOURNAL_SLOTS * sizeof(struct note);
	struct stat st;
	void *p;

	if (fstat(init_fd, &st) < 0 || (st.st_size < (off_t)end && ftruncate(init_fd, (off_t)end) < 0))
		goto fail;
	p = mmap(NULL, JOURNAL_SLOTS * sizeof(struct note), PROT_READ | PROT_WRITE, MAP_SHARED,
		 init_fd, JOURNAL_OFF);
	if (p == MAP_FAILED)
		goto fail;
	relay.journal = p;
	osfs_http_on_change(note_leaving);
	return;
fail:
	log_warn("no journal of writes under way (%s): after a restart, each is refused",
		 strerror(errno));
}

int osfs_relay_install(struct fuse_session *se, int fuse_fd, int init_fd, bool inherited)
{
	static const struct fuse_custom_io io = { .writev = relay_writev, .read = relay_read };

	relay.init_fd = init_fd;
	journal_map(init_fd);
	if (load(init_fd)) {
		atomic_init(&relay.phase, REPLAY);
	} else {
		atomic_init(&relay.phase, RECORD);
		if (inherited) /* a generation died before it kept FUSE_INIT: ask for it again */
			resend(fuse_fd);
	}
	return fuse_session_custom_io(se, &io, fuse_fd);
}
