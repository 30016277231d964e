/* supervisor.c - hold the mount, run one serving process after another.
 *
 * One thread, no signal handlers: every signal it cares for is blocked and
 * read from a signalfd, next to the socket generation 1 hands the mounted
 * /dev/fuse descriptor up on.  A serving process is this binary run again
 * with OSFS_SUPERVISED="SOCK,FUSE,INIT,LOG,TOKEN,GENERATION" (descriptor numbers
 * it inherits) and argv[0] "openstackfs-serve"; it gets SIGTERM when the
 * supervisor dies, so that a killed supervisor leaves no process behind.
 */
#include "supervisor.h"
#include "osfs_base.h"
#include "cwds.h"
#include "unmount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENV_NAME "OSFS_SUPERVISED"
#define SERVING_ARGV0 "openstackfs-serve"
#define QUICK_S 1.0          /* a serving process that dies sooner died quickly... */
#define QUICK_MAX 5          /* ...and this many quick deaths in a row end the mount */
#define STOP_GRACE_MS 10000  /* a stopping serving process is killed after this */

static const int handled[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2 };

struct sup {
	char **argv;              /* the serving process's: argv[0] replaced */
	char exe[PATH_MAX];       /* the binary on disk, run for each generation */
	char *mnt;                /* absolute */
	pid_t self;
	int sig_fd;               /* signalfd of `handled` */
	int status_fd;            /* daemon mode: the waiting command's pipe until mounted */
	int sock;                 /* our end of generation 1's socket, until it hands up */
	struct osfs_handed h;     /* what the next serving process gets */
	pid_t child;              /* the serving process, or -1 */
	double started;           /* CLOCK_MONOTONIC seconds of its start */
	int quick;                /* quick deaths in a row */
	bool stopping, upgrading, killed;
};

/* ---- the serving process's side ---- */

/* The numbers of the variable: sock, fuse_fd, init_fd, log_fd, token_fd,
 * then drafts_fd and listings_fd (absent when a supervisor of an earlier
 * version started us: an upgrade in place), then the generation.  The
 * count read, or -1 when malformed. */
static int handed_numbers(const char *v, long *num, int max)
{
	int n = 0;
	char *end;

	while (n < max) {
		num[n++] = strtol(v, &end, 10);
		if (end == v || (*end && *end != ','))
			return -1;
		if (!*end)
			return n;
		v = end + 1;
	}
	return -1;
}

int osfs_supervised(struct osfs_handed *h)
{
	const char *v = getenv(ENV_NAME);
	int *fds[] = { &h->sock, &h->fuse_fd, &h->init_fd, &h->log_fd, &h->token_fd,
		       &h->drafts_fd, &h->listings_fd };
	const int nfds = (int)(sizeof(fds) / sizeof(fds[0]));
	long num[8];
	int n;

	if (!v)
		return 0;
	n = handed_numbers(v, num, nfds + 1);
	unsetenv(ENV_NAME);
	if (n < 6 || num[n - 1] < 1)
		return -EINVAL;
	for (int i = 0; i < nfds; i++)
		*fds[i] = i < n - 1 ? (int)num[i] : -1;
	h->generation = (unsigned long)num[n - 1];
	for (int i = 2; i < nfds; i++) /* the memory files, when handed */
		if (*fds[i] >= 0 && fcntl(*fds[i], F_GETFD) < 0)
			return -EINVAL;
	if (h->init_fd < 0 || h->log_fd < 0 || h->token_fd < 0)
		return -EINVAL;
	return 1;
}

int osfs_supervised_mounted(struct osfs_handed *h, int fd)
{
	char byte = 'm';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int ret = 0;

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(h->sock, &msg, MSG_NOSIGNAL) != 1)
		ret = -errno;
	close(h->sock);
	h->sock = -1;
	h->fuse_fd = fd;
	return ret;
}

/* ---- starting a generation ---- */

static void exec_serving(struct sup *s, const char *env, int sock)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != s->self)
		_exit(1);
	if (sock >= 0)
		fcntl(sock, F_SETFD, 0);
	setenv(ENV_NAME, env, 1);
	execv(s->exe, s->argv);
	fprintf(stderr, "openstackfs: cannot run %s: %s\n", s->exe, strerror(errno));
	_exit(127);
}

/* Start generation s->h.generation.  0 or -errno. */
static int spawn(struct sup *s)
{
	int pair[2] = { -1, -1 };
	char env[128];
	pid_t pid;

	if (s->h.fuse_fd < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	snprintf(env, sizeof(env), "%d,%d,%d,%d,%d,%d,%d,%lu", pair[1], s->h.fuse_fd, s->h.init_fd,
		 s->h.log_fd, s->h.token_fd, s->h.drafts_fd, s->h.listings_fd, s->h.generation);
	pid = fork();
	if (pid == 0)
		exec_serving(s, env, pair[1]);
	if (pair[1] >= 0)
		close(pair[1]);
	if (pid < 0) {
		int err = errno;

		if (pair[0] >= 0)
			close(pair[0]);
		return -err;
	}
	s->sock = pair[0];
	s->child = pid;
	s->started = osfs_now_mono();
	return 0;
}

/* ---- the mount ---- */

/* Has the kernel let go of the connection (unmounted, or aborted)? */
static bool conn_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLNVAL));
}

/* Let go of the descriptor and, unless it is gone already, of the mount. */
static void release_mount(struct sup *s)
{
	bool gone;

	if (s->h.fuse_fd < 0)
		return;
	gone = conn_gone(s->h.fuse_fd);
	close(s->h.fuse_fd); /* first: an unmount would wait for this process */
	s->h.fuse_fd = -1;
	if (!gone && osfs_unmount(s->mnt) < 0)
		log_err("cannot unmount %s", s->mnt);
}

void osfs_supervised_quiet(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	osfs_log_use_syslog(true);
}

/* Generation 1 mounted: the waiting command may go. */
static void mounted(struct sup *s)
{
	char ok = 0;

	if (s->status_fd < 0)
		return;
	if (write(s->status_fd, &ok, 1) != 1)
		log_warn("the starting command is gone");
	close(s->status_fd);
	s->status_fd = -1;
	osfs_supervised_quiet();
	if (chdir("/") != 0)
		log_warn("cannot chdir to /: %s", strerror(errno));
}

/* Generation 1's descriptor, when it handed it up. */
static void take_fd(struct sup *s)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;

	if (s->sock < 0)
		return;
	n = recvmsg(s->sock, &msg, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&s->h.fuse_fd, CMSG_DATA(c), sizeof(int));
	close(s->sock);
	s->sock = -1;
	if (s->h.fuse_fd >= 0)
		mounted(s);
}

/* ---- deaths ---- */

static void describe(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

/* The serving process died before it mounted: its failure is the
 * command's.  The exit status. */
static int failed_start(struct sup *s, int status)
{
	char code = WIFEXITED(status) && WEXITSTATUS(status) ? (char)WEXITSTATUS(status) : 1;

	if (s->status_fd >= 0 && write(s->status_fd, &code, 1) != 1)
		log_warn("the starting command is gone");
	return code;
}

/* A serving process died while the mount stays: count it, start the next
 * one.  -1 to go on, else the exit status. */
static int restart(struct sup *s, int status)
{
	double served = osfs_now_mono() - s->started;
	char why[96];
	int r;

	describe(status, why, sizeof(why));
	if (s->upgrading) {
		log_info("generation %lu stopped for the upgrade", s->h.generation);
	} else {
		s->quick = served < QUICK_S ? s->quick + 1 : 0;
		log_warn("serving process of generation %lu %s after %.1f s", s->h.generation, why,
			 served);
	}
	if (s->quick >= QUICK_MAX) {
		log_err("the serving process died %d times in a row within %.0f s of its start "
			"(the last: %s); unmounting %s", QUICK_MAX, QUICK_S, why, s->mnt);
		release_mount(s);
		return 1;
	}
	s->upgrading = false;
	s->h.generation++;
	if ((r = spawn(s)) < 0) {
		log_err("cannot start a serving process: %s; unmounting %s", strerror(-r), s->mnt);
		release_mount(s);
		return 1;
	}
	return -1;
}

static int child_died(struct sup *s, int status)
{
	s->child = -1;
	take_fd(s);
	if (s->h.fuse_fd < 0)
		return failed_start(s, status);
	if (conn_gone(s->h.fuse_fd)) {
		log_info("%s was unmounted", s->mnt);
		release_mount(s);
		return 0;
	}
	/* stopped on purpose: by us, or by SIGTERM or SIGINT of its own */
	if (s->stopping || (!s->upgrading && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		release_mount(s);
		return 0;
	}
	return restart(s, status);
}

/* ---- signals ---- */

static int on_signal(struct sup *s, int sig)
{
	int status;
	pid_t pid;

	switch (sig) {
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == s->child)
				return child_died(s, status);
		return -1;
	case SIGTERM:
	case SIGINT:
		s->stopping = true;
		if (s->child > 0)
			kill(s->child, SIGTERM);
		return -1;
	case SIGUSR2:
		if (s->child > 0 && s->h.fuse_fd >= 0 && !s->stopping) {
			log_info("SIGUSR2: generation %lu makes way for %s", s->h.generation, s->exe);
			s->upgrading = true;
			kill(s->child, SIGTERM);
		}
		return -1;
	default: /* SIGHUP is the serving process's */
		if (s->child > 0)
			kill(s->child, sig);
		return -1;
	}
}

static int run(struct sup *s)
{
	struct signalfd_siginfo si;
	int ret = -1;

	while (ret < 0) {
		struct pollfd p[2] = { { .fd = s->sig_fd, .events = POLLIN },
				       { .fd = s->sock, .events = POLLIN } };
		int n = poll(p, s->sock >= 0 ? 2 : 1, s->stopping && !s->killed ? STOP_GRACE_MS : -1);

		if (n == 0 && s->child > 0) {
			log_err("the serving process did not stop within %d s: killed",
				STOP_GRACE_MS / 1000);
			kill(s->child, SIGKILL);
			s->killed = true;
		}
		if (n > 0 && s->sock >= 0 && p[1].revents)
			take_fd(s);
		if (n > 0 && (p[0].revents & POLLIN) && read(s->sig_fd, &si, sizeof(si)) == sizeof(si))
			ret = on_signal(s, (int)si.ssi_signo);
	}
	return ret;
}

/* ---- setting up ---- */

/* Daemon mode: the command waits until generation 1 mounted (or failed)
 * and exits with that status; the supervisor goes on in a new session.
 * 1 in the waiting command (*status set), 0 in the supervisor, -errno. */
static int detach(struct sup *s, int *status)
{
	int pipefd[2];
	char code = 1;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid > 0) {
		close(pipefd[1]);
		*status = read(pipefd[0], &code, 1) == 1 ? code : 1;
		close(pipefd[0]);
		return 1;
	}
	close(pipefd[0]);
	setsid();
	s->status_fd = pipefd[1];
	s->self = getpid();
	return 0;
}

static int prepare(struct sup *s, char *const argv[], const char *mountpoint)
{
	ssize_t n = readlink("/proc/self/exe", s->exe, sizeof(s->exe) - 1);
	size_t argc = 0;

	if (n <= 0)
		return -errno;
	s->exe[n] = '\0';
	s->mnt = osfs_cwds_root(mountpoint, true); /* not mounted yet: resolving asks no daemon */
	if (s->mnt && setenv(OSFS_MOUNT_PATH_ENV, s->mnt, 1) != 0)
		return -errno;
	while (argv[argc])
		argc++;
	if (!s->mnt || !(s->argv = calloc(argc + 1, sizeof(*s->argv))))
		return -ENOMEM;
	memcpy(s->argv, argv, argc * sizeof(*argv));
	s->argv[0] = (char *)SERVING_ARGV0;
	if ((s->h.init_fd = memfd_create("openstackfs-init", 0)) < 0 ||
	    (s->h.log_fd = memfd_create("openstackfs-inodes", 0)) < 0 ||
	    (s->h.token_fd = memfd_create("openstackfs-token", 0)) < 0 ||
	    (s->h.drafts_fd = memfd_create("openstackfs-drafts", 0)) < 0 ||
	    (s->h.listings_fd = memfd_create("openstackfs-listings", 0)) < 0)
		return -errno;
	return 0;
}

/* Every signal we handle is read from s->sig_fd.  0 or -errno. */
static int catch_signals(struct sup *s)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN); /* the waiting command may be gone: write fails instead */
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&set, handled[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		return -errno;
	return 0;
}

static void sup_free(struct sup *s)
{
	if (s->sig_fd >= 0)
		close(s->sig_fd);
	if (s->sock >= 0)
		close(s->sock);
	if (s->status_fd >= 0)
		close(s->status_fd);
	if (s->h.init_fd >= 0)
		close(s->h.init_fd);
	if (s->h.log_fd >= 0)
		close(s->h.log_fd);
	if (s->h.token_fd >= 0)
		close(s->h.token_fd);
	if (s->h.drafts_fd >= 0)
		close(s->h.drafts_fd);
	if (s->h.listings_fd >= 0)
		close(s->h.listings_fd);
	free(s->argv);
	free(s->mnt);
}

int osfs_supervise(char *const argv[], const char *mountpoint, bool foreground)
{
	struct sup s = {
		.self = getpid(), .sig_fd = -1, .status_fd = -1, .sock = -1, .child = -1,
		.h = { .sock = -1, .fuse_fd = -1, .init_fd = -1, .log_fd = -1, .token_fd = -1,
		       .drafts_fd = -1, .listings_fd = -1, .generation = 1 },
	};
	int ret = 1, r;

	if ((r = prepare(&s, argv, mountpoint)) < 0) {
		fprintf(stderr, "openstackfs: cannot start the supervisor: %s\n", strerror(-r));
		goto out;
	}
	if (!foreground && (r = detach(&s, &ret)) != 0) {
		if (r < 0)
			fprintf(stderr, "openstackfs: cannot detach: %s\n", strerror(-r));
		goto out;
	}
	if ((r = catch_signals(&s)) < 0 || (r = spawn(&s)) < 0) {
		fprintf(stderr, "openstackfs: cannot start the serving process: %s\n", strerror(-r));
		ret = failed_start(&s, 1 << 8);
		goto out;
	}
	ret = run(&s);
out:
	sup_free(&s);
	return ret;
}
