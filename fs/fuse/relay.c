/* relay.c - FUSE_INIT kept by generation 1, replayed by the next ones. */
#include "relay.h"
#include "osfs_base.h"

#include <errno.h>
#include <linux/fuse.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
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
} relay;

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

/* A request the dead generation had taken that may have changed the
 * cloud: not done twice.  Answered ETIMEDOUT, as a request whose answer
 * never came; true when it was. */
static bool refuse_resent(int fd, const void *buf, ssize_t n)
{
	const struct fuse_in_header *in = buf;
	struct fuse_out_header oh = { .len = sizeof(oh), .error = -ETIMEDOUT };
	size_t i = 0;

	if (n < (ssize_t)sizeof(*in) || !(in->unique & FUSE_UNIQUE_RESEND))
		return false;
	while (i < sizeof(changes) / sizeof(changes[0]) && changes[i].opcode != in->opcode)
		i++;
	if (i == sizeof(changes) / sizeof(changes[0]))
		return false;
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
	do
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
	    oh->unique != relay.init_unique)
		return writev(fd, iov, count);
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
	struct stat st;

	if (fstat(init_fd, &st) < 0 || st.st_size < (off_t)sizeof(struct fuse_in_header) ||
	    st.st_size > INIT_MAX || pread(init_fd, relay.init, (size_t)st.st_size, 0) != st.st_size)
		return false;
	relay.init_len = (size_t)st.st_size;
	relay.init_unique = ((const struct fuse_in_header *)(const void *)relay.init)->unique;
	return true;
}

int osfs_relay_install(struct fuse_session *se, int fuse_fd, int init_fd, bool inherited)
{
	static const struct fuse_custom_io io = { .writev = relay_writev, .read = relay_read };

	relay.init_fd = init_fd;
	if (load(init_fd)) {
		atomic_init(&relay.phase, REPLAY);
	} else {
		atomic_init(&relay.phase, RECORD);
		if (inherited) /* a generation died before it kept FUSE_INIT: ask for it again */
			resend(fuse_fd);
	}
	return fuse_session_custom_io(se, &io, fuse_fd);
}
