/* fuzz_config.c - what config.c makes of a clouds.yaml and secure.yaml:
 * osfs_config_load for cloud "c", then osfs_config_check.
 *
 * Input: clouds.yaml, optionally a NUL byte and secure.yaml.  The files
 * are memfds, named to the loader as /proc/self/fd/N through
 * OS_CLIENT_CONFIG_FILE and OS_CLIENT_SECURE_FILE; no real environment
 * and no search directory is used. */
#include "config.h"
#include "fuzz.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

static char clouds_path[64], secure_path[64];
static const char *fake_env(const char *name)
{
	if (strcmp(name, "OS_CLIENT_CONFIG_FILE") == 0)
		return clouds_path;
	if (strcmp(name, "OS_CLIENT_SECURE_FILE") == 0)
		return secure_path[0] ? secure_path : NULL;
	if (strcmp(name, "OS_CLOUD") == 0)
		return "c";
	return NULL;
}

static int memfile(const char *name, const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const no_dirs[] = { NULL };
	const uint8_t *nul = memchr(data, '\0', size);
	size_t first = nul ? (size_t)(nul - data) : size;
	struct osfs_config cfg;
	struct osfs_err err;
	int fd1, fd2 = -1, ret;

	fd1 = memfile("clouds.yaml", data, first, clouds_path, sizeof(clouds_path));
	secure_path[0] = '\0';
	if (nul)
		fd2 = memfile("secure.yaml", nul + 1, size - first - 1, secure_path, sizeof(secure_path));
	ret = osfs_config_load(&cfg, NULL, fake_env, no_dirs, &err);
	FUZZ_ASSERT(ret <= 0, "positive result %d", ret);
	if (ret == 0) {
		(void)osfs_config_check(&cfg, &err);
		osfs_config_free(&cfg);
	} else {
		FUZZ_ASSERT(err.msg[0], "error %d without a message", ret);
	}
	close(fd1);
	if (fd2 >= 0)
		close(fd2);
	return 0;
}
