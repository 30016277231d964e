/* unmount.c - take a FUSE mount away, as root or through fusermount3. */
#include "unmount.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

int osfs_unmount(const char *mountpoint)
{
	int status = 0;
	pid_t pid;

	if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-z", "-q", "--", mountpoint, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}
