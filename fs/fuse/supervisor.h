/* supervisor.h - the process that holds the mount while serving processes
 * come and go.
 *
 * `openstackfs MOUNTPOINT` runs as the supervisor.  It starts the serving
 * process (this binary again, told so by OSFS_SUPERVISED in its
 * environment), which loads the configuration, authenticates and mounts
 * exactly as an unsupervised daemon would, then hands the /dev/fuse
 * descriptor up.  Until then a failure is the command's failure: the
 * supervisor exits with the serving process's status, nothing mounted.
 * From then on the supervisor keeps the descriptor, so the mount stays,
 * and starts the next generation on it as soon as a serving process dies.
 * Generations pass on what must survive in memfds the supervisor made (the
 * FUSE_INIT request, relay.h; the inode log, inolog.h; the token,
 * tokenkeep.h).
 *
 * Stops: an unmount (fusermount3 -u, umount) ends the serving process and
 * then the supervisor; SIGTERM or SIGINT to the supervisor stops the
 * serving process, unmounts and exits 0; a serving process that dies
 * before it served for a second, five times in a row, makes the supervisor
 * unmount, say why, and exit 1.  SIGHUP is passed on; SIGUSR2 replaces the
 * serving process by the binary on disk once it answered what it holds.
 */
#ifndef OSFS_SUPERVISOR_H
#define OSFS_SUPERVISOR_H

#include <stdbool.h>

/* What a serving process got from its supervisor. */
struct osfs_handed {
	int sock;            /* generation 1: where the mounted fd goes; else -1 */
	int fuse_fd;         /* the mount's /dev/fuse; -1 until generation 1 mounts */
	int init_fd;         /* memfd: the FUSE_INIT request (relay.h) */
	int log_fd;          /* memfd: the inode log (inolog.h) */
	int token_fd;        /* memfd: the token (tokenkeep.h) */
	int drafts_fd;       /* memfd: the drafts (drafts.h) */
	int listings_fd;     /* memfd: the listings (listkeep.h) */
	unsigned long generation;   /* 1 at mount */
};

/* The mount point as the supervisor resolved it before mounting (an
 * absolute path without symlinks), for its serving processes: resolving
 * it again once mounted would ask the mount itself. */
#define OSFS_MOUNT_PATH_ENV "OSFS_MOUNT_PATH"

/* Run as the supervisor of `mountpoint`: argv is the command line as
 * given, run again for each generation.  Returns the exit status. */
int osfs_supervise(char *const argv[], const char *mountpoint, bool foreground);

/* Is this process a serving process?  1 (and *h filled, the variable
 * unset), 0 when not, -EINVAL when the variable is malformed. */
int osfs_supervised(struct osfs_handed *h);

/* Generation 1, mounted: hand fd to the supervisor.  0 or -errno. */
int osfs_supervised_mounted(struct osfs_handed *h, int fd);

/* Out of the foreground: stdin, stdout and stderr on /dev/null, the log to
 * syslog (what the supervisor does once mounted, and a serving process in
 * daemon mode once it mounted). */
void osfs_supervised_quiet(void);

#endif
