/* ctl.h - the verbs a `ctl` file takes, as a table per kind.
 *
 * Live servers: reboot, reboot hard, stop, start, pause, unpause, suspend,
 * resume, lock, unlock, resize FLAVOR, confirm-resize, revert-resize,
 * rebuild [IMAGE], shelve, unshelve, rescue, unrescue, snapshot NAME,
 * delete, unset KEY, attach VOLUME, detach VOLUME, add-floating-ip
 * NETWORK, remove-floating-ip ADDRESS, add-security-group NAME,
 * remove-security-group NAME (these through compute.h, network.h and
 * volume.h).  Keypairs and volumes: delete.  Floating IPs: release
 * (remove-floating-ip only disassociates).  admin/servers: migrate
 * [HOST], live-migrate [HOST], evacuate [HOST], confirm-resize,
 * revert-resize; admin/compute_services: enable, disable [REASON],
 * force-down, unforce-down (a refusal by policy is EACCES with the API's
 * message in `error`).  Drafts: boot
 * and delete (drafts.c).  Parsing trims surrounding blanks and newlines,
 * folds runs of blanks and ignores case, so `echo "Reboot  hard" > ctl`
 * works; a verb's argument (the KEY of `unset KEY`) is taken as written,
 * inner blanks and case kept.  Anything else is -EINVAL.
 */
#ifndef OSFS_CTL_H
#define OSFS_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "osfs_base.h"
#include "fs.h"
#include "osfs_model.h"

/* A verb that is more than one fixed request (it looks a name up first,
 * or talks to another service): 0 or -errno, with the API's message in
 * err or a reason of our own in why. */
typedef int (*osfs_verb_fn)(struct osfs_fs *fs, const struct osfs_res *r, const char *arg,
			    struct osfs_err *err, struct osfs_err *why);


struct osfs_verb {
	const char *words;     /* "reboot hard"; for a verb with an argument, its word: "unset" */
	const char *arg;       /* the argument's name in `cat ctl` ("KEY"), or NULL: none;
				* in brackets ("[IMAGE]") it may be left out */
	const char *action;    /* a server action's JSON body ({"os-stop": null}), or NULL;
				* with arg_key, the action's name ("resize") */
	bool removes;          /* the resource itself goes away (its kind's listing changes) */
	osfs_verb_fn run;      /* what a verb without an action does */
	const char *shows_in;  /* the field that shows the change seconds after the
				* API accepted it ("addresses"), or NULL */
	/* An action with an argument: the body is {action: {arg_key: ARG}}. */
	const char *arg_key;            /* "flavorRef", or NULL */
	const struct osfs_kind *arg_of; /* ARG names one of these (name or id): its id is
					 * sent; unknown or ambiguous is -EINVAL */
	const char *arg_default;        /* the resource's field that stands for an ARG
					 * left out ("image"), or NULL */
	const struct osfs_kind *changes;/* another kind whose listing the verb changes */
};

/* Has kind a ctl file (and an error file): verbs of its own? */
bool osfs_ctl_has_verbs(enum osfs_kind_id kind);

/* The verb without an argument that `text` names for `kind`, or NULL. */
const struct osfs_verb *osfs_ctl_parse(enum osfs_kind_id kind, const char *text, size_t len);

/* Any verb of `kind`: *verb, and *arg its argument (malloc'd; NULL for a
 * verb without one).  -EINVAL with a reason in why when text
 * names no verb or an argument is missing or extra; -ENOMEM. */
int osfs_ctl_parse_arg(enum osfs_kind_id kind, const char *text, size_t len,
		       const struct osfs_verb **verb, char **arg, struct osfs_err *why);

/* The verbs of `kind`, one per line ("unset KEY"); caller frees. */
char *osfs_ctl_help(enum osfs_kind_id kind);

/* Carry out verb (with arg, or NULL) on resource r: one API call, no retry
 * of a failed POST.  On success the resource is watched (and its kind's
 * listing invalidated when it goes away); r's error note is cleared, or on
 * failure holds the API's message.  0 or -errno. */
int osfs_ctl_run(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_res *r,
		 const struct osfs_verb *verb, const char *arg);

#endif
