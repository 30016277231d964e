/* tree.c - resolve a name in a directory node, and give each node its
 * attributes, entries and content.  Listings come from the cache; drafts (servers and
 * keypairs being made) from drafts.c; error notes from notes.c. */
#include "tree.h"
#include "osfs_cache.h"
#include "osfs_clients.h"
#include "ctl.h"
#include "drafts.h"
#include "osfs_base.h"
#include "osfs_model.h"
#include "merged.h"
#include "newkeys.h"
#include "notes.h"
#include "osfs_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIVE_DIR "live"  /* /.openstackfs/live: what costs a request of its own */

static char *render_version(struct osfs_fs *fs);
static char *render_cloud(struct osfs_fs *fs);
static char *render_stats(struct osfs_fs *fs);
static char *render_log(struct osfs_fs *fs);
static char *render_events(struct osfs_fs *fs);
static char *render_pid(struct osfs_fs *fs);
static char *render_generation(struct osfs_fs *fs);

static const struct {
	const char *name;
	char *(*render)(struct osfs_fs *fs);
} meta_files[] = {
	{ "version", render_version },
	{ "cloud", render_cloud },
	{ "stats", render_stats },
	{ "log", render_log },
	{ "events", render_events },
	{ "pid", render_pid },
	{ "generation", render_generation },
};

#define NMETA (sizeof(meta_files) / sizeof(meta_files[0]))

/* Stands for every kind with ctl verbs (ctl.h) in extras[]. */
#define WITH_VERBS OSFS_NKINDS

/* Files a resource directory has besides its fields, per kind.  What
 * costs a request of its own (`ondemand`) lives under /.openstackfs/live,
 * which walks never enter: the resource directory shows a symlink to it,
 * which recursive tools do not follow and a person's `cat` does. */
static const struct {
	enum osfs_kind_id kind;
	const char *name;
	enum osfs_node_type type;
	bool ondemand;
} extras[] = {
	{ WITH_VERBS, "ctl", OSFS_N_CTL, false },
	{ WITH_VERBS, "error", OSFS_N_ERROR, false },
	{ OSFS_SERVERS, "console.log", OSFS_N_CONSOLE, true },
	{ OSFS_SERVERS, "events", OSFS_N_EVENTS, false },
	{ OSFS_SERVERS, "admin_pass", OSFS_N_SECRET, false },
};

#define NEXTRAS (sizeof(extras) / sizeof(extras[0]))

/* Is extras[i] a file of kind's resources? */
static bool extra_of(size_t i, enum osfs_kind_id kind)
{
	return extras[i].kind == kind || (extras[i].kind == WITH_VERBS && osfs_ctl_has_verbs(kind));
}

static char *render_version(struct osfs_fs *fs)
{
	char *s = NULL;
	if (asprintf(&s, "openstackfs %s\ncompute %s\n", OSFS_VERSION,
		     osfs_api_compute_version(fs->api)) < 0)
		return NULL;
	return s;
}

static char *render_cloud(struct osfs_fs *fs)
{
	const struct osfs_config *c = &fs->cfg;
	char *s = NULL;
	if (asprintf(&s, "cloud %s\nauth_url %s\nproject %s\nregion %s\ninterface %s\n",
		     c->cloud ? c->cloud : "envvars", c->auth_url ? c->auth_url : "",
		     c->project_name ? c->project_name : c->project_id ? c->project_id : "",
		     c->region_name ? c->region_name : "",
		     c->interface ? c->interface : "public") < 0)
		return NULL;
	return s;
}

/* The serving process (supervisor.h): the one to kill to see a restart. */
static char *render_pid(struct osfs_fs *fs)
{
	char *s = NULL;

	return asprintf(&s, "%ld\n", (long)getpid()) < 0 ? NULL : s;
}

/* 1 at mount, one more for each serving process started since. */
static char *render_generation(struct osfs_fs *fs)
{
	char *s = NULL;

	return asprintf(&s, "%lu\n", fs->generation) < 0 ? NULL : s;
}

static char *render_stats(struct osfs_fs *fs)
{
	return osfs_stats_render();
}

static char *render_log(struct osfs_fs *fs)
{
	return osfs_log_recent();
}

/* Reading an events file is how `tail -f` waits for news: make sure the
 * news is being fetched (a watched resource directly, else its listing,
 * refreshed behind the reader when stale). */
static void follow(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_res *r)
{
	struct osfs_listing *l = NULL;

	if ((!r || osfs_cache_fresh(fs->cache, kind, r, &l) < 0 || !l) &&
	    osfs_cache_list(fs->cache, kind, &l, NULL) < 0)
		l = NULL;
	osfs_listing_put(l);
}

static char *render_events(struct osfs_fs *fs)
{
	follow(fs, OSFS_SERVERS, NULL);
	return osfs_cache_events(fs->cache, NULL);
}

void osfs_node_release(struct osfs_node *node)
{
	osfs_listing_put(node->listing);
	free(node->key);
	free(node->subkey);
	memset(node, 0, sizeof(*node));
}

/* Is there an extras file of this type for r (admin_pass only once known)? */
static bool extra_exists(struct osfs_fs *fs, enum osfs_node_type type, const struct osfs_res *r)
{
	return type != OSFS_N_SECRET || osfs_drafts_has_admin_pass(fs, r->id);
}

static bool from_show(const struct osfs_node *node)
{
	return node->type == OSFS_N_FIELD && osfs_kinds[node->kind].fields[node->index].from_show;
}

bool osfs_node_is_dynamic(const struct osfs_node *node)
{
	return from_show(node) || node->type == OSFS_N_META_FILE || node->type == OSFS_N_CONSOLE ||
	       node->type == OSFS_N_ERROR || node->type == OSFS_N_CTL ||
	       node->type == OSFS_N_DRAFT_FILE || node->type == OSFS_N_EVENTS ||
	       node->type == OSFS_N_SECRET;
}

/* ---- a name in a directory node ---- */

/* Where a LIVE node stands (its index): /.openstackfs/live, live/admin,
 * live/[admin/]<kind>. */
enum { LIVE_TOP, LIVE_AREA, LIVE_KIND };

/* node's own key, a copy of `key` (the one it had goes). */
static int set_key(struct osfs_node *node, const char *key)
{
	free(node->key);
	node->key = strdup(key);
	return node->key ? 0 : -ENOMEM;
}

/* A copy of `from` that holds its own listing reference and strings. */
static int node_copy(const struct osfs_node *from, struct osfs_node *to)
{
	*to = *from;
	to->key = from->key ? strdup(from->key) : NULL;
	to->subkey = from->subkey ? strdup(from->subkey) : NULL;
	to->listing = from->listing ? osfs_listing_hold(from->listing) : NULL;
	if ((from->key && !to->key) || (from->subkey && !to->subkey)) {
		osfs_node_release(to);
		return -ENOMEM;
	}
	return 0;
}

/* Whether `id` is one of the lines of text. */
static bool has_line(const char *text, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = text; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0'))
		if (strncmp(p, id, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* A link to nothing is not there, nor links into a kind the cloud lacks. */
static bool field_present(struct osfs_fs *fs, const struct osfs_field *f, const char *value)
{
	if (f->fmt == OSFS_FMT_LINK && !*value)
		return false;
	return f->fmt != OSFS_FMT_BACKLINKS || osfs_api_has_service(fs->api, osfs_kinds[f->link].svc);
}

static const struct osfs_field *field_of(const struct osfs_node *node)
{
	return &osfs_kinds[node->kind].fields[node->index];
}

/* The linked resources whose back_field names r, by the names their own
 * kind's directory shows: one per line, malloc'd; NULL on failure (-errno
 * in *ret). */
static char *backlinks(struct osfs_fs *fs, const struct osfs_field *f, const struct osfs_res *r,
		       int *ret)
{
	int back = osfs_kind_field(&osfs_kinds[f->link], f->back_field);
	struct osfs_listing *l = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *mem;

	if (back < 0 || (*ret = osfs_cache_list(fs->cache, f->link, &l, NULL)) < 0) {
		*ret = back < 0 ? -ENOENT : *ret;
		return NULL;
	}
	/* a back field naming its target (by_name) holds r's name */
	const char *me = osfs_kinds[f->link].fields[back].by_name ? r->name : r->id;

	if (!me) { /* no name: nothing names it */
		osfs_listing_put(l);
		out = strdup("");
		*ret = out ? 0 : -ENOMEM;
		return out;
	}
	if ((mem = open_memstream(&out, &len))) {
		for (size_t i = 0; i < l->n; i++)
			if (has_line(osfs_res_val(l->by_id[i], back), me))
				fprintf(mem, "%s\n", l->by_id[i]->fname);
		fclose(mem);
	}
	osfs_listing_put(l);
	*ret = out ? 0 : -ENOMEM;
	return out;
}

/* The element ids of a LINKS, NESTED or BACKLINKS field node, one per
 * line (malloc'd); NULL on failure (-errno in *ret). */
static char *element_ids(struct osfs_fs *fs, const struct osfs_node *node, int *ret)
{
	const struct osfs_field *f = field_of(node);
	char *out;

	if (f->fmt == OSFS_FMT_BACKLINKS)
		return backlinks(fs, f, node->res, ret);
	out = strdup(osfs_res_val(node->res, node->index));
	*ret = out ? 0 : -ENOMEM;
	return out;
}

/* The extras row of an on-demand file `name` of kind, or -1. */
static int ondemand_extra(enum osfs_kind_id kind, const char *name)
{
	for (size_t i = 0; i < NEXTRAS; i++)
		if (extras[i].ondemand && extra_of(i, kind) && strcmp(extras[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Is `name` in a resource of kind something that costs a request of its
 * own: an on-demand file or a nested kind? */
static bool is_ondemand(enum osfs_kind_id kind, const char *name)
{
	enum osfs_kind_id nested;

	return ondemand_extra(kind, name) >= 0 || osfs_kind_nested(kind, name, &nested);
}

/* Does kind have anything on demand? */
static bool kind_has_ondemand(enum osfs_kind_id kind)
{
	for (size_t i = 0; i < NEXTRAS; i++)
		if (extras[i].ondemand && extra_of(i, kind))
			return true;
	for (int i = 0; i < OSFS_NKINDS; i++)
		if (osfs_kinds[i].nested && osfs_kinds[i].parent == kind)
			return true;
	return false;
}

/* A resource changed by us is read directly until it settles. */
static int use_fresh(struct osfs_fs *fs, struct osfs_node *node)
{
	struct osfs_listing *one;
	int ret = osfs_cache_fresh(fs->cache, node->kind, node->res, &one);

	if (ret < 0 || !one)
		return ret;
	osfs_listing_put(node->listing);
	node->listing = one;
	node->res = one->items[0];
	return 0;
}

/* node->res, found in its kind's directory, becomes the node. */
static int enter_res(struct osfs_fs *fs, struct osfs_node *node)
{
	int ret = use_fresh(fs, node);

	node->type = OSFS_N_RES;
	return ret;
}

/* Kind k's directory (k NULL: no kind has the name). */
static int enter_kind(struct osfs_fs *fs, const struct osfs_kind *k, struct osfs_node *node)
{
	if (!k || !osfs_api_has_service(fs->api, k->svc))
		return -ENOENT;
	node->type = OSFS_N_KIND; /* the listing is fetched when needed */
	return 0;
}

/* node becomes the directory of nested kind `kind`, whose listing l
 * (taken; NULL for a merged directory) replaces the parent's. */
static void enter_nested(struct osfs_node *node, enum osfs_kind_id kind, struct osfs_listing *l)
{
	osfs_listing_put(node->listing);
	node->listing = l;
	node->kind = kind;
	node->res = NULL;
	node->type = OSFS_N_NESTED_KIND;
}

/* A kind nested in node's resource: its listing replaces the parent's;
 * a merged directory (quota/, merged.h) keeps the parent's id in `key`. */
static int enter_nested_kind(struct osfs_fs *fs, enum osfs_kind_id kind, struct osfs_node *node)
{
	struct osfs_listing *l = NULL;
	int ret;

	if (osfs_kinds[kind].singleton)
		ret = set_key(node, node->res->id);
	else
		ret = osfs_children_list(fs->children, kind, node->res->id, &l);
	if (ret == 0)
		enter_nested(node, kind, l);
	return ret;
}

static int step_root(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	if (strcmp(name, ".openstackfs") == 0) {
		node->type = OSFS_N_META;
		return 0;
	}
	if (strcmp(name, OSFS_ADMIN_AREA) == 0) { /* there only for credentials that may use it */
		node->type = OSFS_N_AREA;
		return fs->admin ? 0 : -ENOENT;
	}
	return enter_kind(fs, osfs_kind_by_dir(name, &node->kind), node);
}

static int step_area(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	return enter_kind(fs, osfs_kind_in_area(OSFS_ADMIN_AREA, name, &node->kind), node);
}

static int step_meta(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	if (strcmp(name, LIVE_DIR) == 0) {
		node->type = OSFS_N_LIVE;
		node->live = true;
		node->index = LIVE_TOP;
		return 0;
	}
	for (size_t i = 0; i < NMETA; i++) {
		if (strcmp(name, meta_files[i].name) == 0) {
			node->type = OSFS_N_META_FILE;
			node->index = (int)i;
			return 0;
		}
	}
	return -ENOENT;
}

/* Below /.openstackfs/live: [<area>/]<kind>/<id>/<on-demand part>.  The
 * resource is found by id in its kind's listing, so resolving costs no
 * request of its own; what is read there does. */
static int live_res(struct osfs_fs *fs, const char *id, struct osfs_node *node)
{
	int ret;

	if (!node->listing && (ret = osfs_cache_list(fs->cache, node->kind, &node->listing, NULL)) < 0)
		return ret;
	if (!(node->res = osfs_listing_find_id(node->listing, id)))
		return -ENOENT;
	node->type = OSFS_N_LIVE_RES;
	node->index = 0;
	return 0;
}

static int step_live(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	const struct osfs_kind *k;

	if (node->index == LIVE_KIND)
		return live_res(fs, name, node);
	if (node->index == LIVE_TOP && strcmp(name, OSFS_ADMIN_AREA) == 0) {
		node->index = LIVE_AREA;
		return fs->admin ? 0 : -ENOENT;
	}
	k = osfs_kind_in_area(node->index == LIVE_AREA ? OSFS_ADMIN_AREA : NULL, name, &node->kind);
	if (!k || k->singleton || !kind_has_ondemand(node->kind) || !osfs_api_has_service(fs->api, k->svc))
		return -ENOENT;
	node->index = LIVE_KIND;
	return 0;
}

static int step_live_res(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	enum osfs_kind_id nested;
	int extra;

	if (osfs_kind_nested(node->kind, name, &nested))
		return enter_nested_kind(fs, nested, node);
	if ((extra = ondemand_extra(node->kind, name)) < 0)
		return -ENOENT;
	node->type = extras[extra].type;
	return 0;
}

/* A singleton kind's directory (limits/): json and one file per key. */
static int step_singleton(const char *name, struct osfs_node *node)
{
	if (!node->listing->n)
		return -ENOENT;
	node->res = node->listing->items[0];
	if (strcmp(name, "json") == 0) {
		node->type = OSFS_N_JSON;
		return 0;
	}
	if (!osfs_res_sub(node->res, name))
		return -ENOENT;
	node->type = OSFS_N_SUBFILE;
	return set_key(node, name);
}

/* The resource `name` as the cache spots it without its whole listing:
 * 0 when spotted, 1 when the listing has to say. */
static int spot(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	int ret = osfs_cache_spot(fs->cache, node->kind, name, &node->listing);

	if (ret < 0)
		return ret;
	if (!node->listing)
		return 1;
	node->res = node->listing->items[0];
	return enter_res(fs, node);
}

/* In a kind's directory: a draft first, then a resource, .by-id, or a
 * singleton's file. */
static int step_kind(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	const struct osfs_kind *k = &osfs_kinds[node->kind];
	bool byid = strcmp(name, ".by-id") == 0;
	int ret;

	osfs_listing_put(node->listing); /* a directory's own listing is readdir's */
	node->listing = NULL;
	if ((ret = osfs_drafts_lookup(fs, node->kind, name, node)) <= 0)
		return ret;
	if (!k->singleton && !byid && (ret = spot(fs, name, node)) <= 0)
		return ret;
	if ((ret = osfs_cache_list(fs->cache, node->kind, &node->listing, NULL)) < 0)
		return ret;
	if (k->singleton)
		return step_singleton(name, node);
	if (byid) {
		node->type = OSFS_N_BYID;
		return 0;
	}
	if (!(node->res = osfs_listing_find(node->listing, name)))
		return -ENOENT;
	return enter_res(fs, node);
}

static int step_byid(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	if (!(node->res = osfs_listing_find_id(node->listing, name)))
		return -ENOENT;
	node->type = OSFS_N_LINK;
	return 0;
}

/* In a resource's directory: what is on demand (a symlink into live/),
 * its subdir, a field, json, the kind's extras. */
static int step_res(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	const struct osfs_kind *k = &osfs_kinds[node->kind];
	int field;

	if (is_ondemand(node->kind, name)) {
		node->type = OSFS_N_ONDEMAND;
		return set_key(node, name);
	}
	if (k->subdir && *k->subdir && strcmp(name, k->subdir) == 0) {
		node->type = OSFS_N_SUBDIR;
		return 0;
	}
	if ((field = osfs_kind_field(k, name)) >= 0) {
		node->type = OSFS_N_FIELD;
		node->index = field;
		return field_present(fs, &k->fields[field], osfs_res_val(node->res, field)) ? 0 : -ENOENT;
	}
	if (strcmp(name, "json") == 0) {
		node->type = OSFS_N_JSON;
		return 0;
	}
	for (size_t i = 0; i < NEXTRAS; i++) {
		if (extra_of(i, node->kind) && strcmp(name, extras[i].name) == 0) {
			node->type = extras[i].type;
			return extra_exists(fs, node->type, node->res) ? 0 : -ENOENT;
		}
	}
	return -ENOENT;
}

/* A key of the subdir, or one made through the mount and not yet listed. */
static int step_subdir(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	if (!osfs_res_sub(node->res, name) && !osfs_newkeys_has(fs->newkeys, node->res->id, name))
		return -ENOENT;
	node->type = OSFS_N_SUBFILE;
	return set_key(node, name);
}

/* An element of the LINKS, NESTED or BACKLINKS field node->index. */
static int step_field(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	char *ids;
	bool there;
	int ret;

	if (!osfs_field_is_dir(field_of(node)))
		return -ENOTDIR;
	if (!(ids = element_ids(fs, node, &ret)))
		return ret;
	there = has_line(ids, name);
	free(ids);
	if (!there)
		return -ENOENT;
	node->type = OSFS_N_ELEM;
	return set_key(node, name);
}

/* A file of a NESTED field's element; a link to nothing is not there. */
static int step_elem(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	const struct osfs_field *f = field_of(node);
	char *target = NULL;
	int ret;

	if (f->fmt != OSFS_FMT_NESTED)
		return -ENOTDIR;
	if ((node->sub = osfs_field_nested(f, name)) < 0)
		return -ENOENT;
	node->type = OSFS_N_ELEM_FILE;
	if (f->nested[node->sub].fmt != OSFS_FMT_LINK)
		return 0;
	ret = osfs_res_nested(f, node->res, node->key, node->sub, &target);
	if (ret == 0 && !*target)
		ret = -ENOENT;
	free(target);
	return ret;
}

/* What a file name in a merged directory names (merged.h). */
struct merged_hit {
	const char *fname;
	bool found;
	enum osfs_kind_id kind;
	struct osfs_listing *listing; /* a reference, once found */
	char *key;
};

static int merged_match(void *ctx, enum osfs_kind_id kind, struct osfs_listing *l, const char *key,
			const char *fname)
{
	struct merged_hit *hit = ctx;

	if (strcmp(fname, hit->fname) != 0)
		return 0;
	hit->found = true;
	hit->kind = kind;
	hit->key = strdup(key);
	hit->listing = hit->key ? osfs_listing_hold(l) : NULL;
	return 1;
}

/* A merged directory's file: the subdir entry of one of its kinds. */
static int step_merged(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	struct merged_hit hit = { .fname = name };
	int ret;

	if ((ret = osfs_merged_each(fs, node->kind, node->key, merged_match, &hit)) < 0)
		return ret;
	if (!hit.listing)
		return hit.found ? -ENOMEM : -ENOENT;
	free(node->key);
	*node = (struct osfs_node){ .type = OSFS_N_SUBFILE, .kind = hit.kind, .listing = hit.listing,
				    .res = hit.listing->items[0], .key = hit.key, .live = node->live };
	return 0;
}

/* In a nested kind's directory: one of its resources, or a merged
 * directory's file. */
static int step_nested(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	if (osfs_kinds[node->kind].singleton)
		return step_merged(fs, name, node);
	if (!(node->res = osfs_listing_find(node->listing, name)))
		return -ENOENT;
	node->type = OSFS_N_RES;
	return 0;
}

static int step_draft(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	return osfs_drafts_child(fs, name, node);
}

/* How a name resolves in a directory node, per type of directory; a type
 * without a row holds no names. */
typedef int (*step_fn)(struct osfs_fs *fs, const char *name, struct osfs_node *node);

static const step_fn steps[OSFS_N_COUNT] = {
	[OSFS_N_ROOT] = step_root,         [OSFS_N_AREA] = step_area,
	[OSFS_N_META] = step_meta,         [OSFS_N_LIVE] = step_live,
	[OSFS_N_LIVE_RES] = step_live_res, [OSFS_N_KIND] = step_kind,
	[OSFS_N_BYID] = step_byid,         [OSFS_N_RES] = step_res,
	[OSFS_N_SUBDIR] = step_subdir,     [OSFS_N_FIELD] = step_field,
	[OSFS_N_ELEM] = step_elem,         [OSFS_N_NESTED_KIND] = step_nested,
	[OSFS_N_DRAFT] = step_draft,
};

void osfs_tree_root(struct osfs_node *node)
{
	memset(node, 0, sizeof(*node)); /* OSFS_N_ROOT */
}

int osfs_tree_child(struct osfs_fs *fs, const struct osfs_node *dir, const char *name,
		    struct osfs_node *node)
{
	step_fn step = steps[dir->type];
	int ret;

	memset(node, 0, sizeof(*node));
	if (!step)
		return -ENOTDIR;
	if ((ret = node_copy(dir, node)) == 0)
		ret = step(fs, name, node);
	if (ret < 0)
		osfs_node_release(node);
	return ret;
}

/* ---- attributes ---- */

/* A kind whose directory takes mkdir: one with drafts. */
static bool kind_writable(enum osfs_kind_id kind)
{
	return osfs_drafts_of_kind(kind);
}

/* The field behind a FIELD, ELEM or ELEM_FILE node: the type of file it is. */
static mode_t field_mode(const struct osfs_node *node)
{
	const struct osfs_field *f = field_of(node);

	if (node->type == OSFS_N_ELEM_FILE)
		f = &f->nested[node->sub];
	else if (node->type == OSFS_N_ELEM)
		return f->fmt == OSFS_FMT_NESTED ? S_IFDIR | 0555 : S_IFLNK | 0777;
	if (f->fmt == OSFS_FMT_LINK)
		return S_IFLNK | 0777;
	return osfs_field_is_dir(f) ? S_IFDIR | 0555 : S_IFREG | 0444;
}

static mode_t mode_shared(struct osfs_fs *fs, const struct osfs_node *node)
{
	bool rw = !fs->opts.ro;

	switch (node->type) {
	case OSFS_N_FIELD:
	case OSFS_N_ELEM:
	case OSFS_N_ELEM_FILE:
		return field_mode(node);
	case OSFS_N_ROOT:
	case OSFS_N_META:
	case OSFS_N_BYID:
	case OSFS_N_NESTED_KIND:
	case OSFS_N_LIVE:
	case OSFS_N_LIVE_RES:
	case OSFS_N_AREA:
		return S_IFDIR | 0555;
	case OSFS_N_ONDEMAND:
		return S_IFLNK | 0777;
	case OSFS_N_KIND:
	case OSFS_N_RES:
	case OSFS_N_DRAFT:
		return S_IFDIR | (rw && kind_writable(node->kind) ? 0755 : 0555);
	case OSFS_N_SUBDIR:
		return S_IFDIR | (rw && osfs_kinds[node->kind].sub_writable ? 0755 : 0555);
	case OSFS_N_LINK:
		return S_IFLNK | 0777;
	case OSFS_N_SUBFILE:
		return S_IFREG | (rw && osfs_kinds[node->kind].sub_writable ? 0644 : 0444);
	case OSFS_N_CTL:
		return S_IFREG | (rw ? 0644 : 0444);
	case OSFS_N_SECRET:
	case OSFS_N_CONSOLE: /* cloud-init prints generated passwords there */
		return S_IFREG | 0400;
	case OSFS_N_DRAFT_FILE:
		return S_IFREG | (rw && osfs_drafts_file_writable(node) ? 0644 : 0444);
	default:
		return S_IFREG | 0444;
	}
}

/* Is node in an area (/admin), whose every file holds every project's
 * data?  (Nodes of no kind have kind 0, a kind at the root.) */
static bool in_area(const struct osfs_node *node)
{
	return node->type == OSFS_N_AREA || osfs_kinds[node->kind].area;
}

/* Under /admin only the mounting user reads, also with -o allow_other:
 * directories 0500, files 0400 (0600 where writable). */
static mode_t mode_of(struct osfs_fs *fs, const struct osfs_node *node)
{
	mode_t m = mode_shared(fs, node);

	if (!in_area(node) || S_ISLNK(m))
		return m;
	return (m & S_IFMT) | (m & 0700);
}

bool osfs_tree_is_dir(struct osfs_fs *fs, const struct osfs_node *node)
{
	return S_ISDIR(mode_of(fs, node));
}

int osfs_tree_stat(struct osfs_fs *fs, struct osfs_node *node, struct stat *st,
		   char **content, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (content) {
		*content = NULL;
		*len = 0;
	}
	st->st_mode = mode_of(fs, node);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_mtime = st->st_ctime = st->st_atime =
		node->res && node->res->mtime ? (time_t)node->res->mtime :
		node->listing ? (time_t)node->listing->fetched : fs->mounted_at;
	st->st_blksize = 4096;
	if (S_ISDIR(st->st_mode) || osfs_node_is_dynamic(node))
		return 0; /* dynamic files: sized by whoever renders them */
	if (node->type == OSFS_N_SUBFILE && !osfs_res_sub(node->res, node->key)) {
		st->st_size = 0; /* a key being created */
	} else if (S_ISLNK(st->st_mode)) {
		ret = osfs_tree_readlink(fs, node, &buf);
		st->st_size = buf ? (off_t)strlen(buf) : 0;
	} else if (node->type == OSFS_N_FIELD && !content) {
		st->st_size = (off_t)osfs_res_len(node->res, node->index);
	} else {
		ret = osfs_tree_read(fs, node, &buf, &n);
		st->st_size = (off_t)n;
		if (ret == 0 && content) {
			*content = buf;
			*len = n;
			buf = NULL;
		}
	}
	free(buf);
	st->st_blocks = (st->st_size + 511) / 512;
	return ret;
}

/* ---- directory entries ---- */

static int fill_node(struct osfs_fs *fs, osfs_fill_fn fill, void *ctx, const char *name,
		     struct osfs_node *proto, enum osfs_node_type type)
{
	struct osfs_node n = *proto;
	struct stat st;

	n.type = type;
	n.listing = NULL; /* borrowed: never released here */
	n.key = NULL;
	n.subkey = NULL;
	memset(&st, 0, sizeof(st));
	st.st_mode = mode_of(fs, &n);
	return fill(ctx, name, &st);
}

static int list_root(struct osfs_fs *fs, osfs_fill_fn fill, void *ctx)
{
	struct stat st = { .st_mode = S_IFDIR | 0555 };

	for (int k = 0; k < OSFS_NKINDS; k++)
		if (!osfs_kinds[k].nested && !osfs_kinds[k].area &&
		    osfs_api_has_service(fs->api, osfs_kinds[k].svc) && fill(ctx, osfs_kinds[k].dir, &st))
			return 0;
	if (fs->admin) {
		struct osfs_node area = { .type = OSFS_N_AREA };
		if (fill_node(fs, fill, ctx, OSFS_ADMIN_AREA, &area, OSFS_N_AREA))
			return 0;
	}
	fill(ctx, ".openstackfs", &st);
	return 0;
}

static int list_area(struct osfs_fs *fs, osfs_fill_fn fill, void *ctx)
{
	for (int k = 0; k < OSFS_NKINDS; k++) {
		struct osfs_node kind = { .kind = (enum osfs_kind_id)k };
		if (osfs_kinds[k].area && !osfs_kinds[k].nested &&
		    osfs_api_has_service(fs->api, osfs_kinds[k].svc) &&
		    fill_node(fs, fill, ctx, osfs_kinds[k].dir, &kind, OSFS_N_KIND))
			return 0;
	}
	return 0;
}

static int list_kind(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	const struct osfs_kind *k = &osfs_kinds[node->kind];
	struct osfs_listing *l;
	int ret;

	if (!node->listing && (ret = osfs_cache_list(fs->cache, node->kind, &node->listing, NULL)) < 0)
		return ret;
	l = node->listing;

	if (k->singleton) {
		struct osfs_node sub = { .kind = node->kind };
		if (fill_node(fs, fill, ctx, "json", &sub, OSFS_N_JSON))
			return 0;
		for (size_t i = 0; l->n && i < l->items[0]->nsub; i++)
			if (fill_node(fs, fill, ctx, l->items[0]->sub[i].key, &sub, OSFS_N_SUBFILE))
				return 0;
		return 0;
	}
	if (fill_node(fs, fill, ctx, ".by-id", node, OSFS_N_BYID))
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (fill_node(fs, fill, ctx, l->items[i]->fname, node, OSFS_N_RES))
			return 0;
	osfs_drafts_list(fs, node->kind, l, fill, ctx);
	return 0;
}

/* Is kind i the first of its merged directory (merged.h), or in none? */
static bool merged_first(int i)
{
	for (int j = 0; j < i; j++)
		if (osfs_merged_with(j, i))
			return false;
	return true;
}

/* A resource's extras and nested kinds: in its own directory, what is on
 * demand is a symlink (`live` false); in live/<kind>/<id>, only what is
 * on demand, as itself. */
static int list_ondemand(struct osfs_fs *fs, struct osfs_node *node, bool live, osfs_fill_fn fill,
			 void *ctx)
{
	for (int i = 0; i < OSFS_NKINDS; i++) {
		struct osfs_node nested = { .kind = (enum osfs_kind_id)i };
		if (osfs_kinds[i].nested && osfs_kinds[i].parent == node->kind && merged_first(i) &&
		    fill_node(fs, fill, ctx, osfs_kinds[i].dir, &nested,
			      live ? OSFS_N_NESTED_KIND : OSFS_N_ONDEMAND))
			return 0;
	}
	for (size_t i = 0; i < NEXTRAS; i++) {
		enum osfs_node_type type = extras[i].ondemand && !live ? OSFS_N_ONDEMAND : extras[i].type;
		if (!extra_of(i, node->kind) || (live && !extras[i].ondemand) ||
		    !extra_exists(fs, extras[i].type, node->res))
			continue;
		if (fill_node(fs, fill, ctx, extras[i].name, node, type))
			return 0;
	}
	return 0;
}

static int list_res(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	const struct osfs_kind *k = &osfs_kinds[node->kind];

	for (size_t i = 0; i < k->nfields; i++) {
		struct osfs_node f = *node;
		f.index = (int)i;
		if (!field_present(fs, &k->fields[i], osfs_res_val(node->res, i)))
			continue;
		if (fill_node(fs, fill, ctx, k->fields[i].file, &f, OSFS_N_FIELD))
			return 0;
	}
	if (fill_node(fs, fill, ctx, "json", node, OSFS_N_JSON))
		return 0;
	if (k->subdir && *k->subdir && fill_node(fs, fill, ctx, k->subdir, node, OSFS_N_SUBDIR))
		return 0;
	return list_ondemand(fs, node, false, fill, ctx);
}

/* The elements of a LINKS or NESTED field: one per line of its value. */
static int list_elements(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	int ret;
	char *ids = element_ids(fs, node, &ret), id[256];
	const char *p = ids;

	while (p && *p) {
		size_t n = strcspn(p, "\n");
		if (n && n < sizeof(id)) {
			memcpy(id, p, n);
			id[n] = '\0';
			if (fill_node(fs, fill, ctx, id, node, OSFS_N_ELEM))
				break;
		}
		p += n + (p[n] == '\n');
	}
	ret = ids ? 0 : ret;
	free(ids);
	return ret;
}

/* A merged directory's files (merged.h), each a subdir entry of its kind. */
struct merged_fill {
	struct osfs_fs *fs;
	struct osfs_node *dir;
	osfs_fill_fn fill;
	void *ctx;
};

static int merged_file(void *ctx, enum osfs_kind_id kind, struct osfs_listing *l, const char *key,
		       const char *fname)
{
	struct merged_fill *m = ctx;
	struct osfs_node file = { .kind = kind, .live = m->dir->live };

	return fill_node(m->fs, m->fill, m->ctx, fname, &file, OSFS_N_SUBFILE);
}

static int list_merged(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	struct merged_fill m = { .fs = fs, .dir = node, .fill = fill, .ctx = ctx };

	return osfs_merged_each(fs, node->kind, node->key, merged_file, &m);
}

/* The files of one NESTED element; links to nothing are left out. */
static int list_element(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	const struct osfs_field *f = field_of(node);

	for (size_t i = 0; i < f->nnested; i++) {
		struct osfs_node e = *node;
		char *v = NULL;
		bool absent = f->nested[i].fmt == OSFS_FMT_LINK &&
			      (osfs_res_nested(f, node->res, node->key, (int)i, &v) < 0 || !*v);
		free(v);
		e.sub = (int)i;
		if (!absent && fill_node(fs, fill, ctx, f->nested[i].file, &e, OSFS_N_ELEM_FILE))
			return 0;
	}
	return 0;
}

int osfs_tree_list(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	switch (node->type) {
	case OSFS_N_ROOT:
		return list_root(fs, fill, ctx);
	case OSFS_N_AREA:
		return list_area(fs, fill, ctx);
	case OSFS_N_META:
		for (size_t i = 0; i < NMETA; i++)
			if (fill_node(fs, fill, ctx, meta_files[i].name, node, OSFS_N_META_FILE))
				return 0;
		fill_node(fs, fill, ctx, LIVE_DIR, node, OSFS_N_LIVE);
		return 0;
	case OSFS_N_LIVE:
		return 0; /* nothing for walks to enter: reached by the links */
	case OSFS_N_LIVE_RES:
		return list_ondemand(fs, node, true, fill, ctx);
	case OSFS_N_KIND:
		return list_kind(fs, node, fill, ctx);
	case OSFS_N_BYID:
		for (size_t i = 0; i < node->listing->n; i++)
			if (fill_node(fs, fill, ctx, node->listing->by_id[i]->id, node, OSFS_N_LINK))
				break;
		return 0;
	case OSFS_N_RES:
		return list_res(fs, node, fill, ctx);
	case OSFS_N_SUBDIR: /* a key made but not written yet is not listed: it is not in the cloud */
		for (size_t i = 0; i < node->res->nsub; i++)
			if (fill_node(fs, fill, ctx, node->res->sub[i].key, node, OSFS_N_SUBFILE))
				break;
		return 0;
	case OSFS_N_NESTED_KIND:
		if (osfs_kinds[node->kind].singleton)
			return list_merged(fs, node, fill, ctx);
		for (size_t i = 0; i < node->listing->n; i++)
			if (fill_node(fs, fill, ctx, node->listing->items[i]->fname, node, OSFS_N_RES))
				break;
		return 0;
	case OSFS_N_FIELD:
		return osfs_tree_is_dir(fs, node) ? list_elements(fs, node, fill, ctx) : -ENOTDIR;
	case OSFS_N_ELEM:
		return osfs_tree_is_dir(fs, node) ? list_element(fs, node, fill, ctx) : -ENOTDIR;
	case OSFS_N_DRAFT:
		return osfs_drafts_list_files(fs, node, fill, ctx);
	default:
		return -ENOTDIR;
	}
}

/* ---- content ---- */

static int copy_out(const char *s, size_t len, char **buf, size_t *outlen)
{
	*buf = malloc(len + 1);
	if (!*buf)
		return -ENOMEM;
	memcpy(*buf, s, len);
	(*buf)[len] = '\0';
	*outlen = len;
	return 0;
}

static int take_string(char *s, char **buf, size_t *len)
{
	if (!s)
		return -ENOMEM;
	*buf = s;
	*len = strlen(s);
	return 0;
}

static int read_console(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len)
{
	struct osfs_err err = { "" };
	char *out = NULL;
	int ret = osfs_compute_console(fs->api, node->res->id, &out, &err);

	if (ret == 0)
		ret = take_string(out, buf, len);
	else if (osfs_err_has(&err))
		osfs_notes_set(fs->notes, node->res->id, err.msg);
	return ret;
}

/* A field only the show answer has, of a resource of a nested kind. */
static int read_from_show(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len)
{
	const struct osfs_kind *k = &osfs_kinds[node->kind];
	int parent = k->parent_field ? osfs_kind_field(k, k->parent_field) : -1;
	struct osfs_res *shown = NULL;
	int ret;

	if (parent < 0 || !*osfs_res_val(node->res, parent))
		return -ENOENT;
	ret = osfs_fetch_nested_one(fs->api, node->kind, osfs_res_val(node->res, parent), node->res->id, &shown);
	if (ret == 0)
		ret = copy_out(osfs_res_val(shown, node->index), osfs_res_len(shown, node->index), buf, len);
	osfs_res_free(shown);
	return ret;
}

static int read_element_file(struct osfs_node *node, char **buf, size_t *len)
{
	int ret = osfs_res_nested(field_of(node), node->res, node->key, node->sub, buf);

	*len = ret == 0 ? strlen(*buf) : 0;
	return ret;
}

int osfs_tree_read(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len)
{
	const struct osfs_kv *kv;

	*buf = NULL;
	*len = 0;
	switch (node->type) {
	case OSFS_N_FIELD:
		if (!S_ISREG(field_mode(node)))
			return -EISDIR;
		if (from_show(node))
			return read_from_show(fs, node, buf, len);
		return copy_out(osfs_res_val(node->res, node->index), osfs_res_len(node->res, node->index), buf, len);
	case OSFS_N_ELEM_FILE:
		return read_element_file(node, buf, len);
	case OSFS_N_JSON:
		return take_string(osfs_res_pretty(node->res), buf, len);
	case OSFS_N_SUBFILE:
		kv = osfs_res_sub(node->res, node->key);
		if (!kv && osfs_newkeys_has(fs->newkeys, node->res->id, node->key))
			return copy_out("", 0, buf, len); /* made, not written yet */
		return kv ? copy_out(kv->value, strlen(kv->value), buf, len) : -ENOENT;
	case OSFS_N_META_FILE:
		return take_string(meta_files[node->index].render(fs), buf, len);
	case OSFS_N_CTL:
		return take_string(osfs_ctl_help(node->kind), buf, len);
	case OSFS_N_ERROR:
		return take_string(osfs_notes_get(fs->notes, node->res->id), buf, len);
	case OSFS_N_CONSOLE:
		return read_console(fs, node, buf, len);
	case OSFS_N_EVENTS:
		follow(fs, node->kind, node->res);
		return take_string(osfs_cache_events(fs->cache, node->res->id), buf, len);
	case OSFS_N_DRAFT_FILE:
		return osfs_drafts_read(fs, node, buf, len);
	case OSFS_N_SECRET:
		*buf = osfs_drafts_admin_pass(fs, node->res->id);
		*len = *buf ? strlen(*buf) : 0;
		return *buf ? 0 : -ENOENT;
	default:
		return -EISDIR;
	}
}

/* A link field's target, from a file `depth` directories below the root
 * of kind `from`'s area (the mount's root when it has none): the linked
 * kind's .by-id entry for an id, or its entry for a name (by_name fields,
 * encoded here; the elements of a BACKLINKS field, file names already). */
static int link_target(enum osfs_kind_id from, const struct osfs_field *f, const char *value,
		       int depth, char **target)
{
	const struct osfs_kind *to = &osfs_kinds[f->link];
	const char *area = osfs_kinds[from].area;
	bool same = area && to->area && strcmp(area, to->area) == 0;
	bool named = f->by_name || f->fmt == OSFS_FMT_BACKLINKS;
	char up[32] = "", *fname = f->by_name ? osfs_name_encode(value) : NULL;
	int ret = 0;

	if (area && !same)
		depth++; /* from inside an area to outside it: up to the root */
	for (int i = 1; i < depth && i < 8; i++)
		strcat(up, "../");
	if (f->by_name && !fname)
		ret = -ENOMEM;
	else if (asprintf(target, "%s%s%s%s/%s%s", up, to->area && !same ? to->area : "",
			  to->area && !same ? "/" : "", to->dir, named ? "" : ".by-id/",
			  fname ? fname : value) < 0)
		ret = -ENOMEM;
	free(fname);
	return ret;
}

/* An on-demand part's link: <kind>/<name>/<part> (one level deeper in
 * an area) → /.openstackfs/live/[<area>/]<kind>/<id>/<part>. */
static int ondemand_target(const struct osfs_node *node, char **target)
{
	const char *area = osfs_kinds[node->kind].area;

	return asprintf(target, "%s../../.openstackfs/" LIVE_DIR "/%s%s%s/%s/%s", area ? "../" : "",
			area ? area : "", area ? "/" : "", osfs_kinds[node->kind].dir, node->res->id,
			node->key) < 0 ? -ENOMEM : 0;
}

int osfs_tree_readlink(struct osfs_fs *fs, struct osfs_node *node, char **target)
{
	char *id = NULL;
	int ret, depth;

	*target = NULL;
	if (node->type == OSFS_N_LINK)
		return asprintf(target, "../%s", node->res->fname) < 0 ? -ENOMEM : 0;
	if (node->type == OSFS_N_ONDEMAND)
		return ondemand_target(node, target);
	if (!S_ISLNK(mode_of(fs, node)))
		return -EINVAL;
	/* servers/X/actions/, and .openstackfs/live/ before it */
	depth = (osfs_kinds[node->kind].nested ? 2 : 0) + (node->live ? 2 : 0);
	switch (node->type) {
	case OSFS_N_FIELD:
		return link_target(node->kind, field_of(node), osfs_res_val(node->res, node->index), depth + 3, target);
	case OSFS_N_ELEM:
		return link_target(node->kind, field_of(node), node->key, depth + 4, target);
	default: /* OSFS_N_ELEM_FILE */
		if ((ret = osfs_res_nested(field_of(node), node->res, node->key, node->sub, &id)) == 0)
			ret = link_target(node->kind, &field_of(node)->nested[node->sub], id, depth + 5, target);
		free(id);
		return ret;
	}
}
