/* node.h - what a path resolves to: the tree's nodes, shared by tree.c,
 * which resolves paths, and the layers it asks about their parts (drafts.c
 * for drafts, write.c for changes).  Only types: no layer below the tree
 * has to know the tree.
 */
#ifndef OSFS_NODE_H
#define OSFS_NODE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "osfs_model.h"

struct osfs_listing;
struct osfs_res;

enum osfs_node_type {
	OSFS_N_ROOT,
	OSFS_N_KIND,      /* /servers */
	OSFS_N_BYID,      /* /servers/.by-id */
	OSFS_N_LINK,      /* /servers/.by-id/<id> */
	OSFS_N_RES,       /* /servers/<name> */
	OSFS_N_FIELD,     /* /servers/<name>/status */
	OSFS_N_JSON,      /* /servers/<name>/json, /limits/json */
	OSFS_N_SUBDIR,    /* /servers/<name>/metadata */
	OSFS_N_SUBFILE,   /* /servers/<name>/metadata/<key>, /limits/<key> */
	OSFS_N_CTL,       /* /servers/<name>/ctl, /keypairs/<name>/ctl */
	OSFS_N_ERROR,     /* /servers/<name>/error */
	OSFS_N_CONSOLE,   /* /servers/<name>/console.log */
	OSFS_N_EVENTS,    /* /servers/<name>/events */
	OSFS_N_SECRET,    /* /servers/<name>/admin_pass: 0400, only when known */
	OSFS_N_NESTED_KIND, /* /servers/<name>/actions: a kind listed per resource */
	OSFS_N_ELEM,      /* /networks/<name>/subnets/<id>, /security_groups/<name>/rules/<id> */
	OSFS_N_ELEM_FILE, /* /security_groups/<name>/rules/<id>/protocol */
	OSFS_N_DRAFT,     /* /servers/<name> not yet created */
	OSFS_N_DRAFT_FILE,/* a file of a draft */
	OSFS_N_META,      /* /.openstackfs */
	OSFS_N_META_FILE, /* /.openstackfs/stats */
	OSFS_N_ONDEMAND,  /* /servers/<name>/console.log, .../actions: a symlink into
			   * /.openstackfs/live, where what costs a request of its own lives */
	OSFS_N_LIVE,      /* /.openstackfs/live, /.openstackfs/live/servers: list nothing,
			   * so that no walk enters what lies below */
	OSFS_N_LIVE_RES,  /* /.openstackfs/live/servers/<id>: console.log, actions/ */
	OSFS_N_AREA,      /* /admin: the kinds of an area (osfs_kind.area) */
	OSFS_N_COUNT      /* the number of types: keep last */
};

struct osfs_node {
	enum osfs_node_type type;
	enum osfs_kind_id kind;
	struct osfs_listing *listing;   /* reference, or NULL */
	struct osfs_res *res;           /* borrowed from listing */
	int index;                      /* field / meta file / draft file */
	int sub;                        /* ELEM_FILE: index into the field's nested files */
	char *key;                      /* subdir key, element id, or draft name */
	char *subkey;                   /* metadata key inside a draft */
	bool live;                      /* reached through /.openstackfs/live/<kind>/<id> */
};

typedef int (*osfs_fill_fn)(void *ctx, const char *name, const struct stat *st);

#endif
