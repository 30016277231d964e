/* draft_resolve.c - names written to a draft (flavor, image, networks)
 * turned into ids against the cache's listings, with a reason that names
 * the candidates when there is not exactly one. */
#include "drafts_int.h"
#include "osfs_cache.h"
#include "osfs_model.h"
#include "osfs_base.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The id of the one `kind` resource that `value` names: an id, an API
 * name shared by no other, or a file name (e.g. "cirros~1a2b3c4d"). */
int osfs_draft_resolve(struct osfs_fs *fs, enum osfs_kind_id kind, const char *value, char **id,
		       struct osfs_err *why)
{
	struct osfs_listing *l = NULL;
	struct osfs_res *hit = NULL, *first = NULL;
	struct osfs_err err = { "" };
	char *fname = NULL;
	size_t same = 0;
	int ret;

	*id = NULL;
	ret = osfs_cache_list(fs->cache, kind, &l, &err);
	if (ret < 0) {
		ret = osfs_err_set(why, ret, "cannot list %s: %s", osfs_kinds[kind].dir,
				   osfs_err_has(&err) ? err.msg : strerror(-ret));
		goto out;
	}
	hit = osfs_listing_find_id(l, value);
	for (size_t i = 0; i < l->n; i++) {
		if (hit || !l->items[i]->name || strcmp(l->items[i]->name, value) != 0)
			continue;
		if (same++ == 0)
			first = l->items[i];
	}
	if (!hit && same == 1)
		hit = first;
	if (same > 1) {
		ret = osfs_err_set(why, -EINVAL,
				      "%zu %s are named '%.200s': write an id or a name from "
				      "%s/ such as '%.200s~...'",
				      same, osfs_kinds[kind].dir, value, osfs_kinds[kind].dir,
				      first->fname);
		goto out;
	}
	if (!hit && (fname = osfs_name_encode(value)))
		hit = osfs_listing_find(l, fname);
	if (!hit) {
		char names[512] = "";
		for (size_t i = 0, o = 0; i < l->n && o < sizeof(names); i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, " %s",
					      l->items[i]->fname);
		ret = osfs_err_set(
		    why, -EINVAL, "nothing in %s/ is named or has the id '%.200s'; there are:%s",
		    osfs_kinds[kind].dir, value, names);
		goto out;
	}
	*id = strdup(hit->id);
	ret = *id ? 0 : -ENOMEM;
out:
	free(fname);
	osfs_listing_put(l);
	return ret;
}

int osfs_drafts_resolve(struct osfs_fs *fs, enum osfs_kind_id kind, const char *value, char **id,
			struct osfs_err *why)
{
	return osfs_draft_resolve(fs, kind, value, id, why);
}

/* networks: each name or id known to Neutron (auto and none are words). */
static int check_named_networks(struct osfs_fs *fs, const char *value, struct osfs_err *why)
{
	char **nets;
	int ret;

	if ((ret = osfs_draft_check_networks(value, why)) < 0 || strcmp(value, "auto") == 0 ||
	    strcmp(value, "none") == 0)
		return ret;
	if (!(nets = osfs_draft_split_at(value, NET_SEPS)))
		return -ENOMEM;
	ret = osfs_draft_resolve_networks(fs, nets, why);
	osfs_model_strv_free(nets);
	return ret;
}

/* flavor, image, key_name, networks: checked, then resolved (against the
 * cache, or Neutron) without the lock, then stored if the draft is still
 * open, as written (flavor and image with their ids). */
int osfs_draft_resolve_field(struct osfs_fs *fs, struct osfs_node *node, int f, const char *data,
			     size_t len, struct osfs_err *why)
{
	enum osfs_kind_id target = f == D_FLAVOR  ? OSFS_FLAVORS
				   : f == D_IMAGE ? OSFS_IMAGES
						  : OSFS_KEYPAIRS;
	char *value = len <= VALUE_MAX ? osfs_draft_single_line(data, len) : NULL, *id = NULL;
	struct draft *dr;
	int ret;

	if (!value)
		return osfs_err_set(why, -EINVAL, "%s: one line of text", osfs_dfiles[f].name);
	ret = osfs_draft_check_text(f, value, why);
	if (ret == 0 && *value && f == D_NETWORKS)
		ret = check_named_networks(fs, value, why);
	else if (ret == 0 && *value)
		ret = osfs_draft_resolve(fs, target, value, &id, why);
	pthread_mutex_lock(&fs->drafts->lock);
	if (ret == 0)
		ret = osfs_draft_find_open_locked(fs->drafts, node->kind, node->key, &dr, why);
	if (ret == 0) {
		char **slot = f == D_FLAVOR  ? &dr->f.flavor_id
			      : f == D_IMAGE ? &dr->f.image_id
					     : NULL;
		free(dr->f.vals[f]);
		dr->f.vals[f] = *value ? value : NULL;
		value = NULL;
		if (slot) {
			free(*slot);
			*slot = id;
			id = NULL;
		}
	}
	osfs_draft_unlock(fs->drafts);
	free(value);
	free(id);
	return ret;
}
