/* cwds.c - the working directories under the mount (see cwds.h). */
#include "cwds.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The part of `path` below `root`, or NULL when it is not below it. */
static const char *below(const char *root, size_t root_len, const char *path)
{
	if (strncmp(path, root, root_len) != 0)
		return NULL;
	if (path[root_len] == '\0')
		return path + root_len;
	return path[root_len] == '/' ? path + root_len + 1 : NULL;
}

static int add(char ***out, size_t *n, size_t *cap, const char *rel)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		char **p = realloc(*out, c * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*out = p;
		*cap = c;
	}
	if (!((*out)[*n] = strdup(rel)))
		return -ENOMEM;
	++*n;
	return 0;
}

int osfs_cwds_under(const char *root, char ***out, size_t *n)
{
	size_t cap = 0, root_len = strlen(root);
	DIR *proc = opendir("/proc");
	struct dirent *d;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (!proc)
		return 0; /* no /proc: nothing known to keep */
	while (ret == 0 && (d = readdir(proc))) {
		char link[sizeof(d->d_name) + 16], path[PATH_MAX];
		const char *rel;
		ssize_t len;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(link, sizeof(link), "/proc/%s/cwd", d->d_name);
		if ((len = readlink(link, path, sizeof(path) - 1)) <= 0)
			continue;
		path[len] = '\0';
		if ((rel = below(root, root_len, path)))
			ret = add(out, n, &cap, rel);
	}
	closedir(proc);
	if (ret < 0) {
		osfs_cwds_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

void osfs_cwds_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

char *osfs_cwds_root(const char *mountpoint, bool resolve)
{
	char cwd[PATH_MAX], *path = resolve ? realpath(mountpoint, NULL) : NULL;

	if (path || mountpoint[0] == '/')
		return path ? path : strdup(mountpoint);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&path, "%s/%s", cwd, mountpoint) < 0)
		return NULL;
	return path;
}
