/* draft_defaults.c - mkdir of a draft: the name checked, the draft made,
 * and what the mount options give it (-o default_flavor, default_image,
 * default_networks, volume_size); a server draft complete by then boots at
 * once. */
#include "drafts_int.h"
#include "osfs_cache.h"
#include "osfs_base.h"
#include "osfs_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mount's default flavor, image and networks; *complete when both
 * flavor and image have one, so that mkdir boots at once. */
static int server_defaults(struct osfs_fs *fs, const char *fname, bool *complete_now)
{
	const struct osfs_opts *o = &fs->opts;
	struct osfs_node node = {
	    .type = OSFS_N_DRAFT_FILE, .kind = OSFS_SERVERS, .key = (char *)fname};
	int ret = 0;

	if (o->default_networks) {
		node.index = D_NETWORKS;
		ret =
		    osfs_drafts_write(fs, &node, o->default_networks, strlen(o->default_networks));
	}
	if (ret == 0 && o->default_flavor) {
		node.index = D_FLAVOR;
		ret = osfs_drafts_write(fs, &node, o->default_flavor, strlen(o->default_flavor));
	}
	if (ret == 0 && o->default_image) {
		node.index = D_IMAGE;
		ret = osfs_drafts_write(fs, &node, o->default_image, strlen(o->default_image));
	}
	*complete_now = ret == 0 && o->default_flavor && o->default_image;
	return ret;
}

/* The size a volume draft starts with: -o volume_size, else 1 GiB. */
static int volume_defaults(struct osfs_fs *fs, const char *fname, bool *complete_now)
{
	struct osfs_node node = {
	    .type = OSFS_N_DRAFT_FILE, .kind = OSFS_VOLUMES, .key = (char *)fname, .index = D_SIZE};
	char size[32];

	*complete_now = false; /* created by `echo create > ctl` */
	snprintf(size, sizeof(size), "%ld\n", fs->opts.volume_size > 0 ? fs->opts.volume_size : 1);
	return osfs_drafts_write(fs, &node, size, strlen(size));
}

/* The defaults of each kind that has them. */
static int (*const defaults[OSFS_NKINDS])(struct osfs_fs *fs, const char *fname, bool *complete) = {
	[OSFS_SERVERS] = server_defaults,
	[OSFS_VOLUMES] = volume_defaults,
};

static int apply_defaults(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	bool complete_now = false;
	int ret = defaults[kind] ? defaults[kind](fs, fname, &complete_now) : 0;

	if (ret == 0 && complete_now)
		ret = osfs_draft_commit(fs, kind, fname);
	return ret;
}

/* Is fname, or the name it stands for, already in the kind's listing? */
static int name_taken(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_listing *l = NULL;
	char *name = osfs_name_decode(fname);
	int ret = osfs_cache_list(fs->cache, kind, &l, NULL);

	if (ret == 0 && (osfs_listing_find(l, fname) || strcmp(fname, ".by-id") == 0))
		ret = -EEXIST;
	for (size_t i = 0; ret == 0 && name && i < l->n; i++)
		if (l->items[i]->name && strcmp(l->items[i]->name, name) == 0)
			ret = -EEXIST;
	if (l)
		osfs_listing_put(l);
	free(name);
	return ret;
}

int osfs_drafts_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_err why = { "" };
	int ret;

	if (!osfs_draft_kind_of(kind))
		return -EPERM;
	if ((ret = name_taken(fs, kind, fname)) < 0)
		return ret;
	if ((ret = osfs_drafts_add(fs, kind, fname, &why)) < 0) {
		if (why.msg[0])
			log_err("%s: mkdir refused: %s", osfs_kinds[kind].dir, why.msg);
		return ret;
	}
	if ((ret = apply_defaults(fs, kind, fname)) < 0) {
		struct osfs_node node = { .type = OSFS_N_DRAFT, .kind = kind, .key = (char *)fname,
					  .index = -1 };
		osfs_drafts_remove(fs, &node);
	}
	return ret;
}
