/* kinds.h - the resource kinds the tree shows, as data.
 *
 * Each kind is one row of osfs_kinds: where its list lives, how it pages,
 * and a table of attribute files, each read from the API object with a
 * JSON pointer.  Adding a kind (volumes, networks) means one more row and
 * one more field table in kinds.c; no other layer changes.
 */
#ifndef OSFS_KINDS_H
#define OSFS_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include "osfs_base.h"

enum osfs_kind_id {
	OSFS_FLAVORS, OSFS_IMAGES, OSFS_SERVERS, OSFS_KEYPAIRS, OSFS_LIMITS,
	OSFS_NETWORKS, OSFS_SUBNETS, OSFS_PORTS, OSFS_SECURITY_GROUPS, OSFS_FLOATING_IPS,
	OSFS_VOLUMES, OSFS_SERVER_ACTIONS,
	/* the operator's plane, under /admin/ (OSFS_ADMIN_AREA) */
	OSFS_ADMIN_SERVERS, OSFS_HYPERVISORS, OSFS_COMPUTE_SERVICES, OSFS_PROJECTS,
	OSFS_AGGREGATES, OSFS_MIGRATIONS,
	/* a project's quotas, one kind per service keeping them (merged.h) */
	OSFS_QUOTA_COMPUTE, OSFS_QUOTA_NETWORK, OSFS_QUOTA_VOLUME,
	OSFS_NKINDS
};

/* The directory under the mount root of the kinds whose `area` it is:
 * every project's data, shown only to credentials that may read it. */
#define OSFS_ADMIN_AREA "admin"


enum osfs_paging {
	OSFS_PAGE_NONE,   /* one response holds everything */
	OSFS_PAGE_NOVA,   /* limit/marker, next link in <collection>_links */
	OSFS_PAGE_GLANCE, /* "next": "/v2/images?marker=..." */
};

enum osfs_fmt {
	OSFS_FMT_TEXT,      /* string as is; numbers/bools as JSON; null empty */
	OSFS_FMT_INT,       /* like TEXT, but "" (Nova's swap) reads as 0 */
	OSFS_FMT_LIST,      /* array, one element per line (objects: their item_keys) */
	OSFS_FMT_ADDRESSES, /* Nova addresses: "net addr" one per line */
	OSFS_FMT_LINK,      /* symlink to the `link` resource whose id this is; absent if empty */
	OSFS_FMT_LINKS,     /* directory of such symlinks, one per array element */
	OSFS_FMT_NESTED,    /* directory of the array's objects, each a directory of `nested` files */
	OSFS_FMT_BACKLINKS, /* directory of symlinks to the `link` resources whose LINKS
			     * field `back_field` names this one (read from their listing) */
};

struct osfs_field {
	const char *file;
	const char *pointers;    /* JSON pointers, '|' between alternatives */
	enum osfs_fmt fmt;
	const char *item_keys;   /* LIST, LINKS, NESTED of objects: the members shown, ' '
				  * between ("start end"); the first names a NESTED element */
	enum osfs_kind_id link;  /* LINK, LINKS: the kind linked to */
	const char *if_pointer;  /* LINK: only when the value there ... */
	const char *if_prefix;   /* ... starts with this ("compute:") */
	const struct osfs_field *nested; /* NESTED: the files of each element */
	size_t nnested;
	const char *back_field;  /* BACKLINKS: the LINKS field of `link` that points here */
	bool from_show;          /* only the show answer has it: read with one GET of
				  * show_path, fresh each time */
	bool by_name;            /* LINK, LINKS, BACKLINKS: the value is the linked
				  * resource's name, not its id (a hypervisor's host) */
};

/* A field shown as a directory (LINKS, NESTED) or as a symlink (LINK). */
static inline bool osfs_field_is_dir(const struct osfs_field *f)
{
	return f->fmt == OSFS_FMT_LINKS || f->fmt == OSFS_FMT_NESTED || f->fmt == OSFS_FMT_BACKLINKS;
}

struct osfs_kind {
	const char *dir;            /* directory under the mount root (or the area) */
	const char *area;           /* OSFS_ADMIN_AREA, or NULL: at the root */
	enum osfs_service svc;
	int max_minor;              /* compute microversion at most 2.<this> (0: the
				     * negotiated one): fields a later one dropped */
	const char *list_path;      /* "/servers/detail" */
	const char *list_query;     /* added to every list request ("all_tenants=1") */
	const char *show_path;      /* "/servers/%s", or NULL */
	const char *collection;     /* list member holding the items */
	const char *show_key;       /* show wrapper ("server"), NULL if bare */
	const char *item_wrapper;   /* per-item wrapper in lists ("keypair") */
	const char *id_pointer;     /* "/id" ("/name" for keypairs) */
	const char *name_pointer;   /* "/name" */
	const char *name2_pointer;  /* joined to the name with '@' ("/host"), or NULL */
	const char *created_pointer;/* for ordering duplicate names */
	const char *updated_pointer;/* the API's change time, or NULL */
	/* How a refresh asks only for what changed (cache.c), when it can:
	 * by time, with delta_param (what changed since T, T in the API's
	 * clock), or by revision, with rev_query.  What tells a deletion:
	 * gone_status in the delta, or a count (count_path) other than the
	 * listing's, or (by revision) an id the index lacks. */
	const char *delta_param;    /* list filter "changed since T" ("changes-since"), or NULL */
	const char *delta_op;       /* written before T in its value ("gte:"), or NULL */
	const char *version;        /* microversion of every read of the kind
				     * ("volume 3.60": what its delta needs); a
				     * service that refuses it gets no deltas */
	const char *gone_status;    /* status of deleted items in a delta ("DELETED") */
	const char *count_path;     /* deletions are not in the delta: a list path whose
				     * "count" member is how many there are */
	const char *rev_query;      /* list query naming every id with its revision
				     * ("fields=id&fields=revision_number"), or NULL */
	const char *rev_pointer;    /* that revision: every change bumps it */
	int rev_page_size;          /* its page size (items are small: larger pages) */
	const char *id_param;       /* list filter by id, repeated for several ("id") */
	double resync;              /* with deltas: a full listing at least this often,
				     * for what changes without a new `updated` */
	double neutron_resync;      /* servers: with each delta, Neutron is asked what
				     * it changed behind Nova (netprobe.h); while it
				     * can tell, the full listing is this rare */
	const char *busy;           /* statuses on the way to another (" BUILD "),
				     * each between blanks */
	const char *name_query;     /* list path with a name filter ("%s"), or NULL */
	bool name_query_regex;      /* the filter is a regex (Nova), not exact */
	enum osfs_paging paging;
	int page_size;
	const char *subdir;         /* "metadata", "extra_specs", or NULL */
	const char *sub_pointer;    /* object whose members are the subdir files */
	bool sub_writable;          /* files in subdir can be written/removed */
	const char *sub_keys;       /* subdir entries are objects: each reads as these
				     * members' values on one line, ' ' between
				     * ("limit in_use"); entries of another type are
				     * left out.  NULL: each entry's value as is */
	const struct osfs_field *fields;
	size_t nfields;
	bool singleton;             /* one object: its subdir files sit in dir */
	bool blank_name_is_none;    /* "" is the API's "no name": shown under the id */
	bool nested;                /* listed per resource of `parent` (children.h):
				     * list_path holds the parent's id ("%s"); nested
				     * singletons sharing a dir are one directory
				     * of their subdir entries (merged.h) */
	enum osfs_kind_id parent;
	const char *parent_field;   /* nested: the LINK field holding the parent's id,
				     * show_path's first "%s" */
	double ttl;                 /* default seconds a listing stays fresh */
};

extern const struct osfs_kind osfs_kinds[OSFS_NKINDS];

/* The id of a row of osfs_kinds. */
static inline enum osfs_kind_id osfs_kind_id_of(const struct osfs_kind *k)
{
	return (enum osfs_kind_id)(k - osfs_kinds);
}

/* Can a refresh of k ask only for what changed? */
static inline bool osfs_kind_has_delta(const struct osfs_kind *k)
{
	return k->delta_param || k->rev_query;
}

/* The top-level kind whose directory is `dir`, or NULL. */
const struct osfs_kind *osfs_kind_by_dir(const char *dir, enum osfs_kind_id *id);

/* The kind of `area` (OSFS_ADMIN_AREA) whose directory is `dir`, or NULL. */
const struct osfs_kind *osfs_kind_in_area(const char *area, const char *dir, enum osfs_kind_id *id);

/* The kind nested in `parent` whose directory is `dir`, or NULL. */
const struct osfs_kind *osfs_kind_nested(enum osfs_kind_id parent, const char *dir,
					 enum osfs_kind_id *id);

/* Index of the field named `file` in k->fields, or -1. */
int osfs_kind_field(const struct osfs_kind *k, const char *file);

/* Index of the field named `file` in a NESTED field's table, or -1. */
int osfs_field_nested(const struct osfs_field *f, const char *file);

#endif
