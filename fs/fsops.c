/* fsops.c - FUSE glue: path-based operations on top of tree.c and write.c.
 *
 * An open file is a struct handle holding its node and either the content
 * rendered at open (reads) or the bytes written so far (writes).  Files
 * whose content changes between reads of one listing (stats, log, ctl,
 * console.log, drafts) and all server files (they change after actions)
 * use direct I/O so the kernel never serves a stale size or page.
 */
#include "fsops.h"
#include "fs.h"
#include "log.h"
#include "tree.h"
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WRITE_MAX (1024 * 1024)

struct handle {
	struct osfs_node node;
	char *data;
	size_t len, cap;
	bool writing;
	struct handle *prev, *next;   /* in open_handles, under handles_lock */
};

/* Every open handle, so that those the kernel never releases (it may drop
 * the last RELEASEs when unmounting) are freed in destroy. */
static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle *open_handles;

static void handle_track(struct handle *h)
{
	pthread_mutex_lock(&handles_lock);
	h->next = open_handles;
	if (open_handles)
		open_handles->prev = h;
	open_handles = h;
	pthread_mutex_unlock(&handles_lock);
}

static void handle_free(struct handle *h)
{
	pthread_mutex_lock(&handles_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		open_handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&handles_lock);
	osfs_node_release(&h->node);
	free(h->data);
	free(h);
}

static struct osfs_fs *fs_of(void)
{
	return fuse_get_context()->private_data;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct osfs_fs *fs = fs_of();
	double t = osfs_cache_ttl(fs->cache, OSFS_SERVERS);

	/* The kernel may keep names and attributes as long as our shortest
	 * listing lives; contents are re-read at every open (keep_cache off),
	 * and a short read fixes a stale size. */
	for (int k = 0; k < OSFS_NKINDS; k++)
		if (osfs_cache_ttl(fs->cache, k) < t)
			t = osfs_cache_ttl(fs->cache, k);
	cfg->entry_timeout = t;
	cfg->attr_timeout = t;
	cfg->negative_timeout = 0;
	cfg->use_ino = 0;
	cfg->nullpath_ok = 0;
	cfg->kernel_cache = 0;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want |= FUSE_CAP_ASYNC_READ;
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	log_info("mounted %s", fs->label);
	return fs;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct osfs_fs *fs = fs_of();
	struct osfs_node node;
	int ret;

	if (fi && fi->fh) {
		struct handle *h = (struct handle *)(uintptr_t)fi->fh;
		ret = osfs_tree_stat(fs, &h->node, st);
		if (ret == 0 && h->writing)
			st->st_size = (off_t)h->len;
		return ret;
	}
	ret = osfs_tree_lookup(fs, path, &node);
	if (ret == 0)
		ret = osfs_tree_stat(fs, &node, st);
	osfs_node_release(&node);
	return ret;
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct osfs_fs *fs = fs_of();
	struct osfs_node node;
	char *target = NULL;
	int ret = osfs_tree_lookup(fs, path, &node);

	if (ret == 0)
		ret = osfs_tree_readlink(fs, &node, &target);
	if (ret == 0 && size) {
		strncpy(buf, target, size - 1);
		buf[size - 1] = '\0';
	}
	free(target);
	osfs_node_release(&node);
	return ret;
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_one(void *ctx, const char *name, const struct stat *st)
{
	struct fill_ctx *f = ctx;
	return f->filler(f->buf, name, st, 0, 0);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct osfs_fs *fs = fs_of();
	struct fill_ctx ctx = { buf, filler };
	struct osfs_node node;
	int ret = osfs_tree_lookup(fs, path, &node);

	if (ret == 0) {
		filler(buf, ".", NULL, 0, 0);
		filler(buf, "..", NULL, 0, 0);
		ret = osfs_tree_list(fs, &node, fill_one, &ctx);
	}
	osfs_node_release(&node);
	return ret;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

static void set_io_mode(struct fuse_file_info *fi, const struct osfs_node *node)
{
	fi->direct_io = osfs_node_is_dynamic(node);
	/* Pages of a file backed by a full listing stay valid until its mtime
	 * (the listing's fetch time) changes; a resource followed closely
	 * after a write is read afresh at every open. */
	fi->keep_cache = !fi->direct_io && node->listing && !node->listing->single;
}

static int open_node(struct osfs_fs *fs, struct osfs_node *node, struct fuse_file_info *fi)
{
	struct handle *h = calloc(1, sizeof(*h));
	int ret = 0;

	if (!h) {
		osfs_node_release(node);
		return -ENOMEM;
	}
	h->node = *node;
	h->writing = wants_write(fi->flags);
	if (h->writing)
		ret = osfs_write_check(fs, &h->node);
	else
		ret = osfs_tree_read(fs, &h->node, &h->data, &h->len);
	if (ret < 0) {
		osfs_node_release(&h->node);
		free(h->data);
		free(h);
		return ret;
	}
	set_io_mode(fi, &h->node);
	handle_track(h);
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct osfs_fs *fs = fs_of();
	struct osfs_node node;
	int ret = osfs_tree_lookup(fs, path, &node);

	if (ret < 0)
		return ret;
	if (node.type == OSFS_N_KIND || node.type == OSFS_N_RES ||
	    node.type == OSFS_N_ROOT || node.type == OSFS_N_DRAFT) {
		osfs_node_release(&node);
		return -EISDIR;
	}
	return open_node(fs, &node, fi);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct osfs_fs *fs = fs_of();
	struct osfs_node node;
	int ret = osfs_tree_lookup(fs, path, &node);

	if (ret == 0)
		return open_node(fs, &node, fi);
	if (ret != -ENOENT)
		return ret;
	ret = osfs_write_create(fs, path, &node);
	if (ret < 0) {
		osfs_node_release(&node);
		return ret;
	}
	return open_node(fs, &node, fi);
}

static void reread(struct handle *h)
{
	char *data = NULL;
	size_t len = 0;

	if (osfs_tree_read(fs_of(), &h->node, &data, &len) < 0)
		return;
	free(h->data);
	h->data = data;
	h->len = len;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;

	if (h->writing && !h->data)
		return 0;
	if (!h->writing && off > 0 && (size_t)off >= h->len && osfs_node_is_dynamic(&h->node))
		reread(h); /* `tail -f` reads on where it stopped: events grow */
	if ((size_t)off >= h->len)
		return 0;
	if (size > h->len - (size_t)off)
		size = h->len - (size_t)off;
	memcpy(buf, h->data + off, size);
	return (int)size;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	size_t end = (size_t)off + size;
	int ret;

	if (!h->writing)
		return -EBADF;
	if (end > WRITE_MAX)
		return -EFBIG;
	if (end + 1 > h->cap) {
		size_t cap = h->cap ? h->cap : 4096;
		while (cap < end + 1)
			cap *= 2;
		char *p = realloc(h->data, cap);
		if (!p)
			return -ENOMEM;
		h->data = p;
		h->cap = cap;
	}
	if ((size_t)off > h->len)
		memset(h->data + h->len, 0, (size_t)off - h->len);
	memcpy(h->data + off, buf, size);
	if (end > h->len)
		h->len = end;
	h->data[h->len] = '\0';
	/* Apply now, so this write() returns the cloud's answer.  A value
	 * written in several chunks (user_data) is re-applied as it grows. */
	if (!osfs_write_accumulates(&h->node) && off != 0)
		return (int)size;
	ret = osfs_write_apply(fs_of(), &h->node, h->data, h->len);
	return ret < 0 ? ret : (int)size;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct osfs_fs *fs = fs_of();
	struct osfs_node node;
	int ret;

	if (fi && fi->fh) {
		struct handle *h = (struct handle *)(uintptr_t)fi->fh;
		if (!h->writing)
			return -EBADF;
		if ((size_t)size < h->len)
			h->len = (size_t)size;
		return 0;
	}
	ret = osfs_tree_lookup(fs, path, &node);
	if (ret == 0)
		ret = osfs_write_check(fs, &node);
	osfs_node_release(&node);
	return ret;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;

	if (h->writing && h->len == 0 && h->node.type == OSFS_N_DRAFT_FILE)
		osfs_write_apply(fs_of(), &h->node, "", 0); /* `: > file` clears it */
	handle_free(h);
	return 0;
}

static void op_destroy(void *private_data)
{
	while (open_handles)
		handle_free(open_handles);
}

static int op_mkdir(const char *path, mode_t mode)
{
	return osfs_write_mkdir(fs_of(), path);
}

static int op_rmdir(const char *path)
{
	return osfs_write_rmdir(fs_of(), path);
}

static int op_unlink(const char *path)
{
	return osfs_write_unlink(fs_of(), path);
}

static int op_statfs(const char *path, struct statvfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namemax = 255;
	return 0;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	return 0; /* `touch` on a writable file: nothing to record */
}

const struct fuse_operations osfs_fsops = {
	.init = op_init,
	.destroy = op_destroy,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.readdir = op_readdir,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.truncate = op_truncate,
	.release = op_release,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.statfs = op_statfs,
	.utimens = op_utimens,
};
