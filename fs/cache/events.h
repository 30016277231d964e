/* events.h - what the daemon saw change, for `tail -f`.
 *
 * FUSE cannot raise inotify events for changes made in the cloud, so
 * every observed change of a server's status, task_state or power_state
 * becomes one line, "<time> <status> <task_state> <power_state>" (an empty
 * value reads "-"), appended to that server's `events` file (the last
 * OSFS_EVENTS_PER_RES kept) and, prefixed by "<kind>/<name>", to the
 * cloud's /.openstackfs/events (the last OSFS_EVENTS_ALL kept).
 * Thread-safe: one lock, a leaf in the lock order.
 */
#ifndef OSFS_EVENTS_H
#define OSFS_EVENTS_H

#include "osfs_model.h"

#define OSFS_EVENTS_PER_RES 100
#define OSFS_EVENTS_ALL 1000

struct osfs_events;

struct osfs_events *osfs_events_new(void);
void osfs_events_free(struct osfs_events *ev);

/* Note r's state if it differs from old's (old NULL: r is new; r NULL:
 * old is gone).  Kinds without a status are ignored. */
void osfs_events_note(struct osfs_events *ev, enum osfs_kind_id kind, const struct osfs_res *old,
		      const struct osfs_res *r);

/* The lines kept for resource `id` (NULL: the whole cloud), oldest first;
 * caller frees; "" when none. */
char *osfs_events_read(struct osfs_events *ev, const char *id);

#endif
