/* stats.c - the process's counters and their text form. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>

struct osfs_stats osfs_stats;

const char *const osfs_service_names[OSFS_NSVC] = {
	[OSFS_SVC_IDENTITY] = "identity",
	[OSFS_SVC_COMPUTE] = "compute",
	[OSFS_SVC_IMAGE] = "image",
	[OSFS_SVC_NETWORK] = "network",
	[OSFS_SVC_VOLUME] = "volume",
};

char *osfs_stats_render(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	unsigned long total = 0;

	if (!f)
		return NULL;
	for (int i = 0; i < OSFS_NSVC; i++) {
		unsigned long n = atomic_load(&osfs_stats.requests[i]);
		fprintf(f, "requests.%s %lu\n", osfs_service_names[i], n);
		total += n;
	}
	fprintf(f, "requests.total %lu\n", total);
	fprintf(f, "errors %lu\n", atomic_load(&osfs_stats.errors));
	fprintf(f, "retries %lu\n", atomic_load(&osfs_stats.retries));
	fprintf(f, "reauths %lu\n", atomic_load(&osfs_stats.reauths));
	fprintf(f, "cache.hits %lu\n", atomic_load(&osfs_stats.cache_hits));
	fprintf(f, "cache.misses %lu\n", atomic_load(&osfs_stats.cache_misses));
	fprintf(f, "lookups %lu\n", atomic_load(&osfs_stats.lookups));
	fprintf(f, "inodes %lu\n", atomic_load(&osfs_stats.inodes));
	fprintf(f, "evictions %lu\n", atomic_load(&osfs_stats.evictions));
	fprintf(f, "parse.slow %lu\n", atomic_load(&osfs_stats.parse_slow));
	fclose(f);
	return out;
}
