/* write.c - the write side of the tree: checks, then ctl.c, drafts.c or a
 * metadata call.  What a directory changes comes as its node and a name. */
#include "write.h"
#include "osfs_cache.h"
#include "osfs_clients.h"
#include "ctl.h"
#include "drafts.h"
#include "osfs_base.h"
#include "osfs_model.h"
#include "newkeys.h"
#include "notes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_live_meta(const struct osfs_node *node)
{
	return (node->type == OSFS_N_SUBFILE || node->type == OSFS_N_SUBDIR) &&
	       osfs_kinds[node->kind].sub_writable && !osfs_kinds[node->kind].singleton;
}

int osfs_write_check(struct osfs_fs *fs, const struct osfs_node *node)
{
	if (fs->opts.ro)
		return -EROFS;
	switch (node->type) {
	case OSFS_N_CTL:
		return 0;
	case OSFS_N_SUBFILE:
		return is_live_meta(node) ? 0 : -EACCES;
	case OSFS_N_DRAFT_FILE:
		return osfs_drafts_check_write(fs, node);
	default:
		return -EACCES;
	}
}

bool osfs_write_is_command(const struct osfs_node *node)
{
	return node->type == OSFS_N_CTL ||
	       (node->type == OSFS_N_DRAFT_FILE && osfs_drafts_file_is_command(node));
}

int osfs_write_base(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len)
{
	if (node->type == OSFS_N_SUBFILE && !osfs_res_sub(node->res, node->key)) {
		*len = 0;
		return (*buf = strdup("")) ? 0 : -ENOMEM;
	}
	return osfs_tree_read(fs, node, buf, len);
}

/* A live metadata key (value: text up to 255 characters, the limit
 * drafts apply too). */
static int set_meta(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	struct osfs_err err = { "" };
	char *value;
	int ret = -ENOMEM;

	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (!(value = strndup(data, len)))
		goto out;
	if (strlen(value) != len || osfs_text_chars(value) > 255) {
		osfs_notes_set(fs->notes, node->res->id, "metadata values are text of at most 255 characters");
		ret = -EINVAL;
		goto out;
	}
	ret = osfs_compute_set_meta(fs->api, node->res->id, node->key, value, &err);
	osfs_notes_set(fs->notes, node->res->id, osfs_err_or(&err, NULL));
	if (ret == 0)
		osfs_cache_watch(fs->cache, node->kind, node->res->id);
out:
	if (ret < 0 && !osfs_res_sub(node->res, node->key))
		osfs_newkeys_forget(fs->newkeys, node->res->id, node->key); /* refused: not made */
	free(value);
	return ret;
}

static int write_ctl(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	const struct osfs_verb *verb;
	struct osfs_err why = { "" };
	char *arg = NULL;
	int ret = osfs_drafts_late_create(fs, node->kind, node->res->id, data, len);

	if (ret <= 0) /* "boot" reached the server its draft became */
		return ret;
	ret = osfs_ctl_parse_arg(node->kind, data, len, &verb, &arg, &why);

	if (ret == -EINVAL) {
		osfs_notes_set(fs->notes, node->res->id, why.msg);
		log_err("%s/%s: %s", osfs_kinds[node->kind].dir, node->res->fname, why.msg);
	}
	if (ret == 0)
		ret = osfs_ctl_run(fs, node->kind, node->res, verb, arg);
	free(arg);
	return ret;
}

int osfs_write_apply(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	int ret = osfs_write_check(fs, node);

	if (ret < 0)
		return ret;
	switch (node->type) {
	case OSFS_N_CTL:
		return write_ctl(fs, node, data, len);
	case OSFS_N_SUBFILE:
		return set_meta(fs, node, data, len);
	case OSFS_N_DRAFT_FILE:
		return osfs_drafts_write(fs, node, data, len);
	default:
		return -EACCES;
	}
}

int osfs_write_mkdir(struct osfs_fs *fs, const struct osfs_node *dir, const char *name)
{
	struct osfs_node existing;

	if (fs->opts.ro)
		return -EROFS;
	if (dir->type == OSFS_N_KIND)
		return osfs_drafts_create(fs, dir->kind, name);
	if (osfs_tree_child(fs, dir, name, &existing) < 0)
		return -EPERM;
	osfs_node_release(&existing);
	return -EEXIST;
}

int osfs_write_rmdir(struct osfs_fs *fs, const struct osfs_node *dir, const char *name)
{
	struct osfs_node node;
	int ret;

	if (fs->opts.ro)
		return -EROFS;
	if ((ret = osfs_tree_child(fs, dir, name, &node)) < 0)
		return ret;
	switch (node.type) {
	case OSFS_N_DRAFT:
		ret = osfs_drafts_remove(fs, &node);
		break;
	case OSFS_N_KIND:
	case OSFS_N_RES:
	case OSFS_N_SUBDIR:
	case OSFS_N_BYID:
	case OSFS_N_META:
		ret = -ENOTEMPTY; /* never deletes a resource: use its ctl */
		break;
	default: /* a directory of links or of a resource's parts: never emptied either */
		ret = osfs_tree_is_dir(fs, &node) ? -ENOTEMPTY : -ENOTDIR;
	}
	osfs_node_release(&node);
	return ret;
}

/* rm never changes the cloud: a live metadata key goes with `unset KEY`
 * written to ctl, so say that where the user will look. */
static int refuse_unlink(const struct osfs_node *node, const char *name)
{
	const char *dir = osfs_kinds[node->kind].dir;

	if (node->type == OSFS_N_SUBFILE && is_live_meta(node))
		log_warn("/%s/%s/%s/%s: rm changes nothing in the cloud; to remove the key: "
			 "echo 'unset %s' > %s/%s/ctl", dir, node->res->fname,
			 osfs_kinds[node->kind].subdir, node->key, node->key, dir, node->res->fname);
	else
		log_info("%s: rm changes nothing in the cloud", name); /* rm -rf: one per file */
	return -EPERM;
}

int osfs_write_unlink(struct osfs_fs *fs, const struct osfs_node *dir, const char *name)
{
	struct osfs_node node;
	int ret;

	if (fs->opts.ro)
		return -EROFS;
	if ((ret = osfs_tree_child(fs, dir, name, &node)) < 0)
		return ret;
	if (node.type == OSFS_N_DRAFT_FILE)
		ret = osfs_drafts_unlink(fs, &node);
	else
		ret = refuse_unlink(&node, name);
	osfs_node_release(&node);
	return ret;
}

/* A live metadata key `name`, made in metadata directory node dir. */
static int create_key(struct osfs_fs *fs, const struct osfs_node *dir, const char *name,
		      struct osfs_node *node)
{
	int ret;

	*node = *dir;
	node->listing = osfs_listing_hold(dir->listing);
	node->type = OSFS_N_SUBFILE;
	node->key = strdup(name);
	ret = node->key ? osfs_newkeys_add(fs->newkeys, node->res->id, name) : -ENOMEM;
	if (ret < 0)
		osfs_node_release(node);
	return ret;
}

int osfs_write_create(struct osfs_fs *fs, const struct osfs_node *dir, const char *name,
		      struct osfs_node *node)
{
	memset(node, 0, sizeof(*node));
	if (fs->opts.ro)
		return -EROFS;
	if (dir->type == OSFS_N_SUBDIR && is_live_meta(dir))
		return create_key(fs, dir, name, node);
	if (dir->type == OSFS_N_DRAFT)
		return osfs_drafts_meta_create(fs, dir, name, node);
	return -EACCES;
}

bool osfs_write_renames(const struct osfs_node *from, const struct osfs_node *dir)
{
	bool live = from->type == OSFS_N_SUBFILE && is_live_meta(from) && dir->type == OSFS_N_SUBDIR &&
		    dir->kind == from->kind && strcmp(dir->res->id, from->res->id) == 0;
	bool draft = from->type == OSFS_N_DRAFT_FILE && from->subkey && dir->type == OSFS_N_DRAFT &&
		     dir->kind == from->kind && strcmp(dir->key, from->key) == 0;

	return live || draft;
}

/* The key `from` goes: from the draft, or from the cloud (a key that never
 * reached it is only forgotten). */
static int drop_key(struct osfs_fs *fs, struct osfs_node *from)
{
	struct osfs_err err = { "" };
	int ret;

	if (from->type == OSFS_N_DRAFT_FILE)
		return osfs_drafts_unlink(fs, from);
	osfs_newkeys_forget(fs->newkeys, from->res->id, from->key);
	ret = osfs_compute_unset_meta(fs->api, from->res->id, from->key, &err);
	if (ret == -ENOENT)
		ret = 0;
	if (ret == 0)
		osfs_cache_watch(fs->cache, from->kind, from->res->id);
	else
		osfs_notes_set(fs->notes, from->res->id, osfs_err_or(&err, NULL));
	return ret;
}

int osfs_write_rename(struct osfs_fs *fs, struct osfs_node *from, struct osfs_node *to,
		      const char *value, size_t len)
{
	int ret = osfs_write_check(fs, to);

	if (ret == 0)
		ret = osfs_write_apply(fs, to, value, len);
	if (ret == 0)
		ret = drop_key(fs, from);
	log_info("rename of key %s to %s: %s", from->subkey ? from->subkey : from->key,
		 to->subkey ? to->subkey : to->key, ret ? strerror(-ret) : "done");
	return ret;
}
