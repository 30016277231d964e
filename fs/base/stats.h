/* stats.h - counters shown in /.openstackfs/stats.  Updated with atomics
 * from any thread; read without locks (values may be a moment old). */
#ifndef OSFS_STATS_H
#define OSFS_STATS_H

#include <stdatomic.h>

enum osfs_service {
	OSFS_SVC_IDENTITY, OSFS_SVC_COMPUTE, OSFS_SVC_IMAGE, OSFS_SVC_NETWORK, OSFS_SVC_VOLUME,
	OSFS_NSVC
};

struct osfs_stats {
	atomic_ulong requests[OSFS_NSVC]; /* HTTP requests sent, per service */
	atomic_ulong errors;              /* requests that ended in an error */
	atomic_ulong retries;             /* GETs retried after 429/5xx/drops */
	atomic_ulong reauths;             /* tokens fetched after the first */
	atomic_ulong cache_hits;          /* listings served from the cache */
	atomic_ulong cache_misses;        /* listings fetched from the API */
	atomic_ulong lookups;             /* single-resource fetches */
	atomic_ulong inodes;              /* inodes the kernel holds (a gauge) */
	atomic_ulong evictions;           /* names the kernel was asked to drop (inodes.h) */
	atomic_ulong parse_slow;          /* list items the scanner left to json-c's
					   * tree (escaped keys, odd shapes) */
};

extern struct osfs_stats osfs_stats;

extern const char *const osfs_service_names[OSFS_NSVC];

#define osfs_stat_inc(field) atomic_fetch_add(&osfs_stats.field, 1)

/* "requests.compute 3\n..." ; caller frees. */
char *osfs_stats_render(void);

#endif
