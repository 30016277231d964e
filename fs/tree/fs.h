/* fs.h - one mounted cloud: its options and the state every layer shares.
 *
 * struct osfs_fs is made in main.c before mounting and handed to FUSE as
 * private data; the FUSE glue (fsops.c) passes it down to the tree.
 */
#ifndef OSFS_FS_H
#define OSFS_FS_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "osfs_config.h"   /* struct osfs_config, held by value */
#include "osfs_model.h"    /* OSFS_NKINDS */

/* Only pointers to the layers below: a file that calls one includes its
 * face header itself. */
struct osfs_api;
struct osfs_cache;
struct osfs_children;
struct osfs_drafts;
struct osfs_newkeys;
struct osfs_notes;

struct osfs_opts {
	char *cloud;                /* --cloud NAME, or the mount source */
	char *mountpoint;
	double ttl;                 /* -o ttl=: every kind */
	double ttls[OSFS_NKINDS];   /* -o ttl_servers= ...: one kind */
	double active;              /* -o active=: seconds a kind stays refreshed in
				     * the background after a read (0: never) */
	double connect_timeout;     /* seconds */
	double timeout;             /* seconds, whole request */
	unsigned long max_response; /* bytes */
	unsigned long max_inodes;   /* inodes kept for the kernel before it is asked
				     * to drop the oldest files' names (0: no bound) */
	int ro;
	int debug;
	int foreground;
	int allow_other;
	int noadmin;                /* -o noadmin: no /admin/, no probe */
	int show_help, show_version;
	char *default_flavor, *default_image, *default_networks;
	long volume_size;           /* GiB of a new volume draft; 0: 1 */
};

struct osfs_fs {
	struct osfs_opts opts;
	struct osfs_config cfg;
	struct osfs_api *api;
	struct osfs_cache *cache;
	struct osfs_children *children; /* nested kinds' listings */
	struct osfs_drafts *drafts;   /* servers and keypairs being made */
	struct osfs_notes *notes;     /* per-resource error messages */
	struct osfs_newkeys *newkeys; /* metadata keys made, not yet listed */
	char *label;                  /* "openstackfs:CLOUD" */
	time_t mounted_at;
	unsigned long generation;     /* of the serving process (supervisor.h) */
	bool admin;                   /* the credentials may use the admin APIs:
				       * /admin/ is shown (admin.h) */
	uid_t uid;
	gid_t gid;
};

#endif
