/* netprobe.h - which servers Neutron changed behind Nova's back.
 *
 * Nova keeps a server's `updated` when Neutron changes its addresses (a
 * floating IP associated or released, a port added, removed or given
 * another fixed IP; checked on the real cloud), so changes-since misses
 * them.  A probe keeps the revision of every port and floating IP with
 * what each points at (a port's server, a floating IP's port) and, run
 * again, lists the floating IPs (few) with their ports, and at most once
 * a minute the ports by revision alone (~60 bytes a port), then asks what
 * is new or changed by id, to name the servers whose addresses may have
 * changed since.  Nova's
 * addresses follow Neutron's a few seconds later (2-3 s on the real
 * cloud), so a server stays named for a while after its change is seen.
 *
 * Not thread-safe: its owner runs it from one thread at a time (cache.c:
 * within a kind's refresh, which is single-flight); osfs_netprobe_ready
 * may be asked from any thread.
 */
#ifndef OSFS_NETPROBE_H
#define OSFS_NETPROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "osfs_net.h"

struct osfs_netprobe;

struct osfs_netprobe *osfs_netprobe_new(void);
void osfs_netprobe_free(struct osfs_netprobe *p);

/* List ports and floating IPs by revision at `now` (monotonic).  *ids
 * (NULL-terminated, osfs_model_strv_free; NULL when *n is 0) are the
 * servers whose ports or floating IPs changed since the last run, or
 * within the settling time before.  A first run, and the first after a
 * failure, only learns: it names none.  0 or -errno (Neutron absent or
 * refusing: the probe then knows nothing and asks again only after a
 * while, answering -EAGAIN meanwhile), with a reason in err (if err). */
int osfs_netprobe_run(struct osfs_api *api, struct osfs_netprobe *p, double now, char ***ids,
		      size_t *n, struct osfs_err *err);

/* Did its last run succeed (so that the next names every change)? */
bool osfs_netprobe_ready(const struct osfs_netprobe *p);

#endif
