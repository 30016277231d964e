/* fsops.c - the FUSE glue on libfuse's low-level API (see fsops.h).
 *
 * Each operation takes the names from the root down to its inode (and
 * name) from the inode table and hands them to the tree one directory node
 * at a time (osfs_tree_child), does its work in a helper that returns 0 or
 * -errno, and replies exactly once.  No lock of ours is held
 * when a reply is sent.
 *
 * Timeouts: the root, the kind directories and /.openstackfs never change
 * (STATIC_TIMEOUT); a resource's files live as long as the cache says
 * (osfs_cache_hold: long while the kind is refreshed in the background,
 * which invalidates what changed; links to other kinds, their TTL), a resource
 * followed after a write at most SINGLE_TIMEOUT; files that change by
 * themselves and drafts have 0.
 *
 * Directories are read from the entries listed at opendir (so offsets stay
 * valid while a listing changes).  The kernel may keep its cached pages of
 * a directory (cache_readdir + keep_cache) when the entries listed now are
 * those listed last time: a fingerprint per directory inode says so.
 */
#include "fsops.h"
#include "osfs_base.h"
#include "cwds.h"
#include "inodes.h"
#include "notify.h"
#include "osfs_tree.h"
#include "osfs_cache.h"
#include "osfs_model.h"
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WRITE_MAX (1024 * 1024)
#define STATIC_TIMEOUT 3600.0
#define SINGLE_TIMEOUT 1.0
#define CONSOLE_REUSE_S 3.0   /* console.log costs a POST: reuse a render this young,
				* so that `tail -f` asks at most every 3 s */
#define STREAM_IDLE_S 5.0     /* a write this long after the last one begins anew */
#define COMMAND_MAX 4096      /* bytes of an unfinished ctl line */

struct dirh;

struct osfs_glue {
	struct osfs_fs *fs;
	struct osfs_inodes *inodes;
	/* made in init, once the session runs; gone in destroy */
	struct osfs_notify *_Atomic notify;
	struct fuse_session *se;
	bool no_open;                 /* OPEN answered ENOSYS (set in init) */
	/* Protects dirs: every open directory handle, so that those the
	 * kernel never releases (it may drop the last RELEASEDIRs when
	 * unmounting) are freed in destroy.  Leaf lock. */
	pthread_mutex_t dirs_lock;
	struct dirh *dirs;
	uint64_t next_dirh;           /* the key of the next one; under dirs_lock */
	char *mount_path;             /* absolute, no symlinks: where cwds are looked for */
};

/* The mount point as /proc shows processes' cwds under it: as the
 * supervisor resolved it before mounting, else as given. */
static char *mount_path_of(const char *mountpoint)
{
	const char *env = getenv(OSFS_MOUNT_PATH_ENV);

	return env ? strdup(env) : osfs_cwds_root(mountpoint, false);
}

struct osfs_glue *osfs_glue_new(struct osfs_fs *fs)
{
	struct osfs_glue *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->fs = fs;
	if (!(g->mount_path = mount_path_of(fs->opts.mountpoint ? fs->opts.mountpoint : "/"))) {
		free(g);
		return NULL;
	}
	pthread_mutex_init(&g->dirs_lock, NULL);
	/* directory handles are keys, not pointers: one the kernel got from the
	 * last generation (supervisor.h) matches none of ours */
	g->next_dirh = (uint64_t)time(NULL) << 32 ^ (uint64_t)getpid() << 12;
	if (!(g->inodes = osfs_inodes_new())) {
		free(g->mount_path);
		free(g);
		return NULL;
	}
	osfs_inodes_set_max(g->inodes, fs->opts.max_inodes);
	return g;
}

void osfs_glue_set_session(struct osfs_glue *g, struct fuse_session *se)
{
	g->se = se;
}

long osfs_glue_keep_inodes(struct osfs_glue *g, int fd)
{
	return osfs_inodes_keep(g->inodes, fd);
}

void osfs_glue_free(struct osfs_glue *g)
{
	if (!g)
		return;
	osfs_notify_free(atomic_exchange(&g->notify, NULL));
	osfs_inodes_free(g->inodes);
	pthread_mutex_destroy(&g->dirs_lock);
	free(g->mount_path);
	free(g);
}

void osfs_glue_invalidate_all(struct osfs_glue *g)
{
	struct osfs_notify *n = atomic_load(&g->notify);

	for (int k = 0; n && k < OSFS_NKINDS; k++)
		osfs_notify_queue(n, (enum osfs_kind_id)k, NULL, OSFS_CHANGED);
}

void osfs_glue_stop(struct osfs_glue *g)
{
	osfs_cache_observe(g->fs->cache, NULL, NULL);
	osfs_notify_free(atomic_exchange(&g->notify, NULL));
}

static struct osfs_glue *glue_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* ---- log ---- */

void osfs_fuse_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	static const int ours[] = {
		[FUSE_LOG_EMERG] = OSFS_LOG_ERR, [FUSE_LOG_ALERT] = OSFS_LOG_ERR,
		[FUSE_LOG_CRIT] = OSFS_LOG_ERR, [FUSE_LOG_ERR] = OSFS_LOG_ERR,
		[FUSE_LOG_WARNING] = OSFS_LOG_WARN, [FUSE_LOG_NOTICE] = OSFS_LOG_INFO,
		[FUSE_LOG_INFO] = OSFS_LOG_INFO, [FUSE_LOG_DEBUG] = OSFS_LOG_DEBUG,
	};
	int lvl = (unsigned)level <= FUSE_LOG_DEBUG ? ours[level] : OSFS_LOG_DEBUG;
	char msg[512];
	size_t len;

	if (lvl > osfs_log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	if (len)
		osfs_log_write(lvl, "fuse: %s", msg);
}

/* ---- resolving ---- */

/* The node names[0..n) lead to from the root.  0 or -errno; on failure
 * the node holds nothing. */
static int walk(struct osfs_glue *g, char *const *names, size_t n, struct osfs_node *node)
{
	struct osfs_node next;
	int ret;

	osfs_tree_root(node);
	for (size_t i = 0; i < n; i++) {
		ret = osfs_tree_child(g->fs, node, names[i], &next);
		osfs_node_release(node);
		if (ret < 0)
			return ret;
		*node = next;
	}
	return 0;
}

/* The node at ino (or at name inside ino).  0 or -errno; on failure the
 * node holds nothing. */
static int resolve(struct osfs_glue *g, fuse_ino_t ino, const char *name, struct osfs_node *node)
{
	char **names;
	size_t n;
	int ret = osfs_inodes_names(g->inodes, ino, name, &names, &n);

	osfs_tree_root(node);
	if (ret < 0)
		return ret == -ENOENT ? -ESTALE : ret;
	ret = walk(g, names, n, node);
	free(names);
	return ret;
}

/* The node of ino's directory (dir) and of ino itself (node): both hold
 * nothing on failure; a name the directory does not have (-ENOENT) leaves
 * dir resolved and ino's name in *name (malloc'd), for a write to make it. */
static int resolve_in_dir(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *dir,
			  struct osfs_node *node, char **name)
{
	char **names;
	size_t n;
	int ret = osfs_inodes_names(g->inodes, ino, NULL, &names, &n);

	osfs_tree_root(dir);
	osfs_tree_root(node);
	*name = NULL;
	if (ret < 0)
		return ret == -ENOENT ? -ESTALE : ret;
	if (n == 0 || (ret = walk(g, names, n - 1, dir)) < 0)
		goto out; /* the root (no directory holds it), or its directory is gone */
	ret = osfs_tree_child(g->fs, dir, names[n - 1], node);
	if (ret == -ENOENT && !(*name = strdup(names[n - 1])))
		ret = -ENOMEM;
	if (ret < 0 && ret != -ENOENT)
		osfs_node_release(dir);
out:
	free(names);
	return ret;
}

/* Node types that never change; others follow their listing or are
 * dynamic. */
static const bool static_type[OSFS_N_COUNT] = {
	[OSFS_N_ROOT] = true, [OSFS_N_KIND] = true, [OSFS_N_META] = true, [OSFS_N_LIVE] = true,
};

/* Does the node show another kind's resources (a link, a directory of
 * links)?  Then a change there is not one of its own kind's refreshes. */
static bool derived(const struct osfs_node *node)
{
	const struct osfs_kind *k = &osfs_kinds[node->kind];
	const struct osfs_field *f;

	if ((node->type != OSFS_N_FIELD && node->type != OSFS_N_ELEM && node->type != OSFS_N_ELEM_FILE) ||
	    node->index < 0 || (size_t)node->index >= k->nfields)
		return false;
	f = &k->fields[node->index];
	if (node->type == OSFS_N_ELEM_FILE && f->nested && node->sub >= 0 && (size_t)node->sub < f->nnested)
		f = &f->nested[node->sub];
	return f->fmt == OSFS_FMT_LINK || f->fmt == OSFS_FMT_LINKS || f->fmt == OSFS_FMT_BACKLINKS;
}

static double node_timeout(struct osfs_glue *g, const struct osfs_node *node)
{
	double t;

	if (static_type[node->type])
		return STATIC_TIMEOUT;
	if (osfs_node_is_dynamic(node) || node->type == OSFS_N_DRAFT)
		return 0;
	t = derived(node) ? osfs_cache_ttl(g->fs->cache, node->kind)
			  : osfs_cache_hold(g->fs->cache, node->kind);
	if (node->listing && node->listing->single && t > SINGLE_TIMEOUT)
		t = SINGLE_TIMEOUT;
	return t;
}

/* ---- snapshots of files that change by themselves ---- */

/* When a dynamic file was first seen: its resource's time, else the
 * mount's. */
static struct timespec first_seen(struct osfs_glue *g, const struct osfs_node *node)
{
	double t = node->res && node->res->mtime ? node->res->mtime : (double)g->fs->mounted_at;

	return (struct timespec){ .tv_sec = (time_t)t };
}

/* Does new content continue old's (old's bytes, then perhaps more)? */
static bool continues(const struct osfs_snap *old, const char *buf, size_t len)
{
	return len >= old->len && memcmp(old->data, buf, old->len) == 0;
}

/* The content of dynamic node `ino` as of now: a new reference in *out.
 * The mtime moves only when the content differs from the last render.
 *
 * console.log is read by whoever holds its inode from one version to its
 * end: a render that only adds to the last replaces it (a reader midway
 * still reads the one version, now longer; `tail -f` follows), but one
 * that does not (Nova answers the last lines, so a long console's window
 * moves on) leaves ino its old content for good (`final`).  *moved then
 * says the name must go to a new inode, and *newer (when not NULL: a
 * lookup) gets the new render for it; else it is dropped.  A lookup that
 * finds ino final is told *moved too. */
static int snap_render(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node,
		       struct osfs_snap **out, bool *moved, struct osfs_snap **newer)
{
	struct osfs_snap *old = osfs_inodes_snap_get(g->inodes, ino), *s = NULL;
	bool console = node->type == OSFS_N_CONSOLE;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	if (old && console && atomic_load(&old->final)) {
		*out = old;
		*moved = newer != NULL; /* a lookup: the name goes to a new inode */
		return 0;
	}
	if (old && console && osfs_now_mono() - old->made < CONSOLE_REUSE_S) {
		*out = old;
		return 0;
	}
	if ((ret = osfs_tree_read(g->fs, node, &buf, &len)) < 0)
		goto out;
	if (!(s = osfs_snap_new(buf, len))) {
		ret = -ENOMEM;
		goto out;
	}
	if (old && console && !continues(old, buf, len)) {
		atomic_store(&old->final, true);
		*moved = true;
		s->mtime = first_seen(g, node); /* the new inode's first content */
		if (newer)
			*newer = s;
		else
			osfs_snap_put(s);
		*out = old;
		old = NULL;
		goto out;
	}
	s->mtime = osfs_inodes_content_mtime(g->inodes, ino, buf, len, first_seen(g, node));
	atomic_fetch_add(&s->refs, 1);
	osfs_inodes_snap_set(g->inodes, ino, s);
	*out = s;
out:
	osfs_snap_put(old);
	free(buf);
	return ret;
}

/* A resource file's content as of the size the kernel is given: a later
 * refresh may change the resource before the kernel reads, and the read
 * must then still match that size (the kernel hears of the change and asks
 * again).  Takes content. */
static void pin_content(struct osfs_glue *g, fuse_ino_t ino, char *content, size_t len)
{
	struct osfs_snap *s = osfs_snap_new(content, len);

	if (s)
		osfs_inodes_snap_set(g->inodes, ino, s);
	free(content);
}

/* Attributes of node as inode ino.  Regular files are rendered now (unless
 * `render` is false: then a dynamic file's size is unknown and left at 0).
 * A resource file whose content moved on since ino first showed it keeps
 * showing the old size and mtime: *moved says so; so does a console.log
 * whose window moved on (its new render in *newer, when not NULL). */
static int stat_node(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node, bool render,
		     struct stat *st, bool *moved, struct osfs_snap **newer)
{
	bool dynamic = osfs_node_is_dynamic(node);
	struct osfs_snap *s;
	char *content = NULL;
	size_t len = 0;
	int ret = osfs_tree_stat(g->fs, node, st, render && !dynamic ? &content : NULL, &len);

	st->st_ino = ino;
	*moved = content && !osfs_inodes_shows(g->inodes, ino, content, len, st);
	if (content && !*moved)
		pin_content(g, ino, content, len);
	else
		free(content);
	if (ret < 0 || !dynamic || !render)
		return ret;
	if ((ret = snap_render(g, ino, node, &s, moved, newer)) < 0)
		return ret;
	st->st_size = (off_t)s->len;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim = st->st_ctim = s->mtime;
	osfs_snap_put(s);
	return 0;
}

/* The resource behind node changed (by us, or since the kernel got an
 * inode of its old content): let the kernel drop what it has of it, so
 * that its names are looked up again. */
static void changed(struct osfs_glue *g, const struct osfs_node *node)
{
	struct osfs_notify *n = atomic_load(&g->notify);

	if (n && node->res && node->type != OSFS_N_DRAFT && node->type != OSFS_N_DRAFT_FILE)
		osfs_notify_queue(n, node->kind, node->res->fname, OSFS_CHANGED);
}

/* Past the inode table's bound, the kernel is asked to drop the oldest
 * names (it then forgets their inodes), but not those of the directories
 * where processes work. */
static void evict(struct osfs_glue *g)
{
	struct osfs_notify *n = atomic_load(&g->notify);
	struct osfs_inode_ref *refs;
	size_t count, ncwds = 0;
	char **cwds = NULL;

	if (!n || !osfs_inodes_over(g->inodes) || osfs_cwds_under(g->mount_path, &cwds, &ncwds) < 0)
		return;
	if (osfs_inodes_evictable(g->inodes, cwds, ncwds, &refs, &count) == 0 && count) {
		osfs_notify_drop(n, refs, count);
	}
	osfs_cwds_free(cwds, ncwds);
}

/* The entry for `name` in `parent`: one more kernel reference on success.
 * A dynamic file whose render fails still gets its entry (size 0): the
 * read that follows reports the error. */
static int make_entry(struct osfs_glue *g, fuse_ino_t parent, const char *name,
		      struct osfs_node *node, struct fuse_entry_param *e)
{
	struct osfs_snap *newer = NULL;
	bool moved = false;
	uint64_t ino;
	int ret, tries = 0;

	memset(e, 0, sizeof(*e));
	do { /* an inode showing older content goes out of the name: a new one */
		if (moved)
			osfs_inodes_retire(g->inodes, ino);
		if ((ret = osfs_inodes_lookup(g->inodes, parent, name, &ino)) < 0) {
			osfs_snap_put(newer);
			return ret;
		}
		if (newer) /* the render that moved the old one on: no second request */
			osfs_inodes_snap_set(g->inodes, ino, newer);
		newer = NULL;
		ret = stat_node(g, ino, node, true, &e->attr, &moved, &newer);
	} while (ret == 0 && moved && ++tries < 3);
	osfs_snap_put(newer);
	if (ret < 0 && osfs_node_is_dynamic(node))
		ret = stat_node(g, ino, node, false, &e->attr, &moved, NULL);
	if (ret < 0) {
		osfs_inodes_forget(g->inodes, ino, 1);
		return ret;
	}
	if (!S_ISDIR(e->attr.st_mode))
		osfs_inodes_mark_file(g->inodes, ino);
	e->ino = ino;
	e->attr_timeout = e->entry_timeout = node_timeout(g, node);
	evict(g);
	return 0;
}

static void reply_entry_or_err(fuse_req_t req, const struct fuse_entry_param *e, int ret)
{
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else if (fuse_reply_entry(req, e) == -ENOENT)
		osfs_inodes_forget(glue_of(req)->inodes, e->ino, 1); /* interrupted */
}

/* ino was written to: the resource it is in now (a draft's ctl that
 * booted is the new server's) changed, and the kernel is told of that and
 * of what the write's own fetches changed before the write is answered
 * (all but ino itself, told once answered: notify.h). */
static void touched(struct osfs_glue *g, fuse_ino_t ino)
{
	struct osfs_notify *n = atomic_load(&g->notify);
	struct osfs_node node;

	if (resolve(g, ino, NULL, &node) == 0)
		changed(g, &node);
	osfs_node_release(&node);
	if (n)
		osfs_notify_flush(n);
}

/* ---- refusals ---- */

/* EPERM (EROFS on a read-only mount) for what the mount never does, with
 * one log line naming the operation and the path. */
static int refuse(struct osfs_glue *g, const char *op, fuse_ino_t ino, const char *name,
		  const char *to)
{
	char *path = osfs_inodes_path(g->inodes, ino, name);
	int err = g->fs->opts.ro ? EROFS : EPERM;

	log_warn("%s %s%s%s refused: %s", op, path ? path : "?", to ? " -> " : "", to ? to : "",
		 err == EROFS ? "read-only mount" : "not something the cloud can do through the mount");
	free(path);
	return err;
}

/* ---- operations ---- */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	static const unsigned wanted[] = {
		FUSE_CAP_PARALLEL_DIROPS, FUSE_CAP_ASYNC_READ, FUSE_CAP_AUTO_INVAL_DATA,
		FUSE_CAP_READDIRPLUS, FUSE_CAP_READDIRPLUS_AUTO, FUSE_CAP_NO_OPEN_SUPPORT,
	};
	struct osfs_glue *g = userdata;
	struct osfs_notify *n;

	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (conn->capable & wanted[i])
			conn->want |= wanted[i];
	/* O_TRUNC must reach us as a SETATTR: with no OPEN, an atomic O_TRUNC
	 * would be lost, and `>` of a short value over a long one would keep
	 * the long one's tail */
	conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
	g->no_open = (conn->want & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
	n = osfs_notify_new(g->se, g->inodes);
	if (n && osfs_notify_start(n) == 0) {
		atomic_store(&g->notify, n);
		osfs_cache_observe(g->fs->cache, osfs_notify_queue, n);
	} else {
		log_err("no notifier thread: the kernel keeps what it cached until timeouts");
		osfs_notify_free(n);
	}
	log_info("mounted %s", g->fs->label);
}

static void dirh_untrack(struct osfs_glue *g, struct dirh *d);
static void dirh_free(struct dirh *d);

static void op_destroy(void *userdata)
{
	struct osfs_glue *g = userdata;

	osfs_glue_stop(g);
	while (g->dirs) {
		struct dirh *d = g->dirs;
		dirh_untrack(g, d);
		dirh_free(d);
	}
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct osfs_glue *g = glue_of(req);
	struct fuse_entry_param e = { 0 };
	struct osfs_node node;
	int ret = resolve(g, parent, name, &node);

	if (ret == 0)
		ret = make_entry(g, parent, name, &node, &e);
	osfs_node_release(&node);
	reply_entry_or_err(req, &e, ret);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	osfs_inodes_forget(glue_of(req)->inodes, ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct osfs_glue *g = glue_of(req);

	for (size_t i = 0; i < count; i++)
		osfs_inodes_forget(g->inodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct osfs_glue *g = glue_of(req);
	struct osfs_node node;
	struct stat st;
	bool moved = false;
	int ret = resolve(g, ino, NULL, &node);

	if (ret == 0)
		ret = stat_node(g, ino, &node, true, &st, &moved, NULL);
	if (moved)
		changed(g, &node);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, node_timeout(g, &node));
	osfs_node_release(&node);
}

/* setattr bits that only say "now", or how the kernel got here */
#define BENIGN_BITS (FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME | \
		     FUSE_SET_ATTR_FORCE | FUSE_SET_ATTR_KILL_SUID | FUSE_SET_ATTR_KILL_SGID | \
		     FUSE_SET_ATTR_FILE | FUSE_SET_ATTR_KILL_PRIV | FUSE_SET_ATTR_OPEN | \
		     FUSE_SET_ATTR_TOUCH)

/* The name of what a setattr asks for beyond a size or "now": NULL when
 * nothing else. */
static const char *setattr_refused(int to_set)
{
	static const struct { int bit; const char *op; } ops[] = {
		{ FUSE_SET_ATTR_MODE, "chmod" },
		{ FUSE_SET_ATTR_UID, "chown" },
		{ FUSE_SET_ATTR_GID, "chown" },
		{ FUSE_SET_ATTR_ATIME, "utimens" },
		{ FUSE_SET_ATTR_MTIME, "utimens" },
	};

	if ((to_set & FUSE_SET_ATTR_ATIME_NOW))
		to_set &= ~FUSE_SET_ATTR_ATIME;
	if ((to_set & FUSE_SET_ATTR_MTIME_NOW))
		to_set &= ~FUSE_SET_ATTR_MTIME;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (to_set & ops[i].bit)
			return ops[i].op;
	return NULL;
}

/* A value file cut to `size`.  O_TRUNC (`>`, no file handle) begins an
 * empty stream: the writes that follow are the value, sent as they come,
 * so `>` alone changes nothing.  truncate(1) (ftruncate) sets the value
 * now. */
static int truncate_value(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node, off_t size,
			  bool by_fd)
{
	char *base = NULL;
	size_t len = 0;
	int ret;

	if (size == 0 && !by_fd)
		return osfs_inodes_wbuf_begin(g->inodes, ino, "", 0);
	if ((ret = osfs_write_base(g->fs, node, &base, &len)) < 0)
		goto out;
	if ((size_t)size > len) {
		ret = -EINVAL; /* a value has no holes to grow into */
		goto out;
	}
	if ((ret = osfs_write_apply(g->fs, node, base, (size_t)size)) == 0)
		ret = osfs_inodes_wbuf_begin(g->inodes, ino, base, (size_t)size);
out:
	if (ret < 0)
		osfs_inodes_wbuf_clear(g->inodes, ino);
	free(base);
	return ret;
}

/* A size change (O_TRUNC, truncate) of a writable file; "touch" of one.
 * A command file's unfinished line goes with O_TRUNC. */
static int do_setattr(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node,
		      const struct stat *attr, int to_set, bool by_fd)
{
	int ret = osfs_write_check(g->fs, node);

	if (ret < 0 || !(to_set & FUSE_SET_ATTR_SIZE))
		return ret;
	if (osfs_write_is_command(node)) {
		osfs_inodes_wbuf_clear(g->inodes, ino);
		return 0;
	}
	return truncate_value(g, ino, node, attr->st_size, by_fd);
}

/* The chmod and chown bits that change nothing: those asking for what the
 * file already has, and on a file the writer may write (a metadata key,
 * a draft field), all of them, since the cloud keeps no mode or owner
 * (sed -i and install set both on their temporary file). */
static int unchanged_bits(const struct osfs_node *node, bool writable, const struct stat *attr,
			  const struct stat *now, int to_set)
{
	int same = 0;

	if (writable && !osfs_write_is_command(node))
		return to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID);

	if ((to_set & FUSE_SET_ATTR_MODE) && (attr->st_mode & 07777) == (now->st_mode & 07777))
		same |= FUSE_SET_ATTR_MODE;
	if ((to_set & FUSE_SET_ATTR_UID) && attr->st_uid == now->st_uid)
		same |= FUSE_SET_ATTR_UID;
	if ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid == now->st_gid)
		same |= FUSE_SET_ATTR_GID;
	return same;
}

/* setattr: refusals first, then a writable file's size or "now". */
static int setattr_node(struct osfs_glue *g, fuse_ino_t ino, const struct stat *attr, int to_set,
			bool by_fd, struct stat *st)
{
	const char *op;
	struct osfs_node node;
	struct stat now;
	bool writable, moved;
	int ret;

	if ((ret = resolve(g, ino, NULL, &node)) < 0)
		return ret;
	if ((ret = osfs_tree_stat(g->fs, &node, &now, NULL, NULL)) < 0)
		goto out;
	writable = osfs_write_check(g->fs, &node) == 0;
	to_set &= ~unchanged_bits(&node, writable, attr, &now, to_set);
	if ((op = setattr_refused(to_set)))
		ret = -refuse(g, op, ino, NULL, NULL);
	else if (!(to_set & ~FUSE_SET_ATTR_CTIME))
		ret = 0; /* nothing asked that the file does not have */
	else if (!(to_set & FUSE_SET_ATTR_SIZE) && !writable)
		ret = -refuse(g, "utimens", ino, NULL, NULL); /* touch of a read-only file */
	else
		ret = do_setattr(g, ino, &node, attr, to_set, by_fd);
	if (ret == 0 && (to_set & FUSE_SET_ATTR_SIZE))
		osfs_inodes_shows_reset(g->inodes, ino); /* its writer changes it */
	if (ret == 0)
		ret = stat_node(g, ino, &node, true, st, &moved, NULL);
	if (ret == 0 && (to_set & FUSE_SET_ATTR_SIZE))
		st->st_size = attr->st_size;
out:
	osfs_node_release(&node);
	return ret;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct stat st;
	int ret = setattr_node(glue_of(req), ino, attr, to_set, fi != NULL, &st);

	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, 0);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct osfs_glue *g = glue_of(req);
	struct osfs_node node;
	char *target = NULL;
	int ret = resolve(g, ino, NULL, &node);

	if (ret == 0)
		ret = osfs_tree_readlink(g->fs, &node, &target);
	osfs_node_release(&node);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_readlink(req, target);
	free(target);
}

/* After a change in directory node dir, the entry of `name` in `parent`. */
static int entry_after(struct osfs_glue *g, fuse_ino_t parent, const struct osfs_node *dir,
		       const char *name, struct fuse_entry_param *e)
{
	struct osfs_node node;
	int ret = osfs_tree_child(g->fs, dir, name, &node);

	if (ret == 0)
		ret = make_entry(g, parent, name, &node, e);
	osfs_node_release(&node);
	return ret;
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct osfs_glue *g = glue_of(req);
	struct fuse_entry_param e = { 0 };
	struct osfs_node dir;
	int ret = resolve(g, parent, NULL, &dir);

	if (ret == 0)
		ret = osfs_write_mkdir(g->fs, &dir, name);
	if (ret == 0)
		ret = entry_after(g, parent, &dir, name, &e);
	osfs_node_release(&dir);
	reply_entry_or_err(req, &e, ret);
}

/* unlink and rmdir: in the parent's node, then the resource they were in
 * is changed (the kernel drops what it has of it). */
static void remove_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
			 int (*fn)(struct osfs_fs *, const struct osfs_node *, const char *))
{
	struct osfs_glue *g = glue_of(req);
	struct osfs_node dir;
	int ret = resolve(g, parent, NULL, &dir);

	if (ret == 0 && (ret = fn(g->fs, &dir, name)) == 0)
		changed(g, &dir);
	osfs_node_release(&dir);
	fuse_reply_err(req, -ret);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, osfs_write_unlink);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, osfs_write_rmdir);
}

/* The file `name` in directory node dir, made when not there. */
static int create_in(struct osfs_glue *g, const struct osfs_node *dir, const char *name,
		     struct osfs_node *node)
{
	int ret = osfs_tree_child(g->fs, dir, name, node);

	if (ret == 0) /* an existing file: opened for writing */
		return osfs_write_check(g->fs, node);
	return ret == -ENOENT ? osfs_write_create(g->fs, dir, name, node) : ret;
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct osfs_glue *g = glue_of(req);
	struct fuse_entry_param e = { 0 };
	struct osfs_node dir, node = { 0 };
	int ret = resolve(g, parent, NULL, &dir);

	if (ret == 0)
		ret = create_in(g, &dir, name, &node);
	if (ret == 0)
		ret = make_entry(g, parent, name, &node, &e);
	osfs_node_release(&node);
	osfs_node_release(&dir);
	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	e.attr_timeout = e.entry_timeout = 0; /* the key exists once written */
	fi->fh = 0;
	fi->direct_io = 0;
	fi->keep_cache = 0;
	if (fuse_reply_create(req, &e, fi) == -ENOENT)
		osfs_inodes_forget(g->inodes, e.ino, 1);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct osfs_glue *g = glue_of(req);
	struct osfs_node node;
	int ret;

	if (g->no_open) { /* the kernel opens by itself from now on */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	/* an old kernel: every open comes here */
	ret = resolve(g, ino, NULL, &node);
	if (ret == 0 && (fi->flags & O_ACCMODE) != O_RDONLY)
		ret = osfs_write_check(g->fs, &node);
	fi->direct_io = ret == 0 && osfs_node_is_dynamic(&node);
	fi->keep_cache = !fi->direct_io;
	osfs_node_release(&node);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_open(req, fi);
}

static void reply_slice(fuse_req_t req, const char *data, size_t len, size_t size, off_t off)
{
	if (off < 0 || (size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, data + off, len - (size_t)off < size ? len - (size_t)off : size);
}

/* A dynamic file (or a resource file pinned by its getattr) is read from
 * the snapshot its getattr rendered; the snapshot goes once read to the
 * end (the next read follows a getattr). */
static int read_dynamic(fuse_req_t req, struct osfs_glue *g, fuse_ino_t ino,
			struct osfs_node *node, size_t size, off_t off)
{
	struct osfs_snap *s = osfs_inodes_snap_get(g->inodes, ino);
	bool moved = false; /* no old render to move on from */
	int ret = 0;

	if (!s && (ret = snap_render(g, ino, node, &s, &moved, NULL)) < 0)
		return ret;
	if (off >= 0 && (size_t)off + size >= s->len && node->type != OSFS_N_CONSOLE)
		osfs_inodes_snap_set(g->inodes, ino, NULL); /* console.log: kept for its reuse */
	reply_slice(req, s->data, s->len, size, off);
	osfs_snap_put(s);
	return 0;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct osfs_glue *g = glue_of(req);
	struct osfs_snap *pinned = NULL;
	struct osfs_node node;
	char *buf = NULL;
	size_t len = 0;
	int ret = resolve(g, ino, NULL, &node);

	if (ret == 0 && (osfs_node_is_dynamic(&node) || (pinned = osfs_inodes_snap_get(g->inodes, ino)))) {
		ret = read_dynamic(req, g, ino, &node, size, off);
	} else if (ret == 0 && (ret = osfs_tree_read(g->fs, &node, &buf, &len)) == 0) {
		reply_slice(req, buf, len, size, off);
	}
	osfs_snap_put(pinned);
	osfs_node_release(&node);
	free(buf);
	if (ret < 0)
		fuse_reply_err(req, -ret);
}

/* A file being written: the node at ino, or the metadata key it is about
 * to become (create made it; the listing does not have it yet). */
static int resolve_for_write(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node)
{
	struct osfs_node dir;
	char *name = NULL;
	int ret = resolve_in_dir(g, ino, &dir, node, &name);

	if (ret == -ENOENT && name) /* its directory is there, it is not */
		ret = osfs_write_create(g->fs, &dir, name, node);
	osfs_node_release(&dir);
	free(name);
	return ret;
}

/* A command file (ctl) runs each line once, when its newline arrives;
 * the first line refused ends the write with its error. */
static int write_command(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node,
			 const char *buf, size_t size, off_t off)
{
	char *lines = NULL, *p, *end;
	size_t len = 0;
	int ret = osfs_inodes_wbuf_lines(g->inodes, ino, off, buf, size, COMMAND_MAX, &lines, &len);

	for (p = lines, end = lines + len; ret == 0 && p && p < end; p++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
		if (strspn(p, " \t\r") < n)
			ret = osfs_write_apply(g->fs, node, p, n);
		p = nl;
	}
	free(lines);
	return ret;
}

/* A value file: what the writer wrote since its stream began is the new
 * value, applied as each write arrives (the writer's write() gets the
 * cloud's answer).  A write that continues no stream starts from the
 * current content, so `>>` appends. */
static int write_value(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node,
		       const char *buf, size_t size, off_t off)
{
	char *all = NULL, *base = NULL;
	size_t len = 0;
	int ret = 0;

	if (!osfs_inodes_wbuf_continues(g->inodes, ino, off, STREAM_IDLE_S) &&
	    ((ret = osfs_write_base(g->fs, node, &base, &len)) < 0 ||
	     (ret = osfs_inodes_wbuf_begin(g->inodes, ino, base, len)) < 0))
		goto out;
	if ((ret = osfs_inodes_wbuf_write(g->inodes, ino, off, buf, size, WRITE_MAX, &all, &len)) < 0)
		goto out;
	ret = osfs_write_apply(g->fs, node, all, len);
out:
	if (ret < 0)
		osfs_inodes_wbuf_clear(g->inodes, ino); /* the next write starts from the cloud's */
	free(base);
	free(all);
	return ret;
}

static int do_write(struct osfs_glue *g, fuse_ino_t ino, struct osfs_node *node, const char *buf,
		    size_t size, off_t off)
{
	int ret = osfs_write_check(g->fs, node);

	if (ret < 0)
		return ret;
	if (off < 0 || (size_t)off + size > WRITE_MAX)
		return -EFBIG;
	if (osfs_write_is_command(node))
		return write_command(g, ino, node, buf, size, off);
	return write_value(g, ino, node, buf, size, off);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct osfs_glue *g = glue_of(req);
	struct osfs_node node;
	int ret = resolve_for_write(g, ino, &node);
	struct osfs_notify *n;

	osfs_inodes_writing(g->inodes, ino, true);
	if (ret == 0)
		ret = do_write(g, ino, &node, buf, size, off);
	if (ret == 0) { /* what a getattr pinned and showed is the old content */
		osfs_inodes_snap_set(g->inodes, ino, NULL);
		osfs_inodes_shows_reset(g->inodes, ino);
	}
	osfs_node_release(&node);
	if (ret < 0) {
		osfs_inodes_writing(g->inodes, ino, false);
		fuse_reply_err(req, -ret);
		return;
	}
	touched(g, ino);
	osfs_inodes_writing(g->inodes, ino, false);
	fuse_reply_write(req, size);
	if ((n = atomic_load(&g->notify)))
		osfs_notify_inode(n, ino);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, ENOSYS); /* the kernel stops sending FLUSH */
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

/* ---- directories ---- */

struct dent {
	char *name;
	mode_t mode;
};

struct dirh {
	struct dent *ents;
	size_t n, cap;
	uint64_t fp;        /* FNV-1a over names and types */
	bool nomem;
	/* under dirs_lock: */
	uint64_t key;       /* the kernel's fh */
	int users;          /* readdirs using it (dirh_get) */
	bool released;      /* RELEASEDIR came: freed by its last user */
	struct dirh *prev, *next;   /* in glue->dirs */
};

static int dir_add(void *ctx, const char *name, const struct stat *st)
{
	struct dirh *d = ctx;
	mode_t mode = st ? st->st_mode & S_IFMT : S_IFDIR;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dent *p = realloc(d->ents, cap * sizeof(*p));
		if (!p)
			goto nomem;
		d->ents = p;
		d->cap = cap;
	}
	if (!(d->ents[d->n].name = strdup(name)))
		goto nomem;
	d->ents[d->n++].mode = mode;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		d->fp = (d->fp ^ *c) * 1099511628211ull;
	d->fp = (d->fp ^ (mode >> 12)) * 1099511628211ull;
	return 0;
nomem:
	d->nomem = true;
	return 1;
}

/* Track d under a new key, or under `key` when not 0; its key. */
static uint64_t dirh_track(struct osfs_glue *g, struct dirh *d, uint64_t key)
{
	pthread_mutex_lock(&g->dirs_lock);
	key = d->key = key ? key : ++g->next_dirh;
	d->next = g->dirs;
	if (g->dirs)
		g->dirs->prev = d;
	g->dirs = d;
	pthread_mutex_unlock(&g->dirs_lock);
	return key;
}

static void dirh_untrack_locked(struct osfs_glue *g, struct dirh *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		g->dirs = d->next;
	if (d->next)
		d->next->prev = d->prev;
}

static void dirh_untrack(struct osfs_glue *g, struct dirh *d)
{
	pthread_mutex_lock(&g->dirs_lock);
	dirh_untrack_locked(g, d);
	pthread_mutex_unlock(&g->dirs_lock);
}

static struct dirh *dirh_find_locked(struct osfs_glue *g, uint64_t fh)
{
	struct dirh *d;

	for (d = g->dirs; d && d->key != fh; d = d->next)
		;
	return d;
}

/* The handle the kernel calls fh, used until dirh_put; NULL for one of
 * the last generation's. */
static struct dirh *dirh_get(struct osfs_glue *g, uint64_t fh)
{
	struct dirh *d;

	pthread_mutex_lock(&g->dirs_lock);
	if ((d = dirh_find_locked(g, fh)))
		d->users++;
	pthread_mutex_unlock(&g->dirs_lock);
	return d;
}

static void dirh_put(struct osfs_glue *g, struct dirh *d)
{
	bool last;

	pthread_mutex_lock(&g->dirs_lock);
	last = --d->users == 0 && d->released;
	pthread_mutex_unlock(&g->dirs_lock);
	if (last)
		dirh_free(d);
}

static void dirh_free(struct dirh *d)
{
	for (size_t i = 0; d && i < d->n; i++)
		free(d->ents[i].name);
	if (d)
		free(d->ents);
	free(d);
}

static int list_dir(struct osfs_glue *g, fuse_ino_t ino, struct dirh **out)
{
	struct dirh *d = calloc(1, sizeof(*d));
	struct osfs_node node;
	int ret = d ? resolve(g, ino, NULL, &node) : -ENOMEM;

	*out = NULL;
	if (ret < 0)
		goto out;
	d->fp = 14695981039346656037ull;
	dir_add(d, ".", NULL);
	dir_add(d, "..", NULL);
	ret = osfs_tree_list(g->fs, &node, dir_add, d);
	osfs_node_release(&node);
	if (ret == 0 && d->nomem)
		ret = -ENOMEM;
out:
	if (ret < 0)
		dirh_free(d);
	else
		*out = d;
	return ret;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct osfs_glue *g = glue_of(req);
	struct dirh *d;
	int ret = list_dir(g, ino, &d);

	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	/* the kernel's pages of this directory are good when nothing changed */
	fi->cache_readdir = 1;
	fi->keep_cache = osfs_inodes_dirfp_swap(g->inodes, ino, d->fp) == d->fp;
	fi->fh = dirh_track(g, d, 0);
	if (fuse_reply_open(req, fi) == -ENOENT) {
		dirh_untrack(g, d);
		dirh_free(d);
	}
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct osfs_glue *g = glue_of(req);
	struct dirh *d;
	bool unused = false;

	pthread_mutex_lock(&g->dirs_lock);
	if ((d = dirh_find_locked(g, fi->fh))) {
		dirh_untrack_locked(g, d);
		d->released = true;
		unused = d->users == 0;
	}
	pthread_mutex_unlock(&g->dirs_lock);
	if (unused)
		dirh_free(d);
	fuse_reply_err(req, 0);
}

static bool is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* The d_ino of a name listed without an entry (readdir skips 0): the
 * inode's number when the table has it, else a number from the name that
 * no inode can have (top bit set). */
static fuse_ino_t dirent_ino(struct osfs_glue *g, fuse_ino_t dir, const char *name)
{
	uint64_t ino = strcmp(name, ".") == 0 ? dir : strcmp(name, "..") == 0 ? OSFS_ROOT_INO :
		       osfs_inodes_peek(g->inodes, dir, name);
	uint64_t h = 14695981039346656037ull ^ dir;

	if (ino)
		return ino;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 1099511628211ull;
	return h | (1ull << 63);
}

/* The readdirplus entry of one name; e->ino 0 (a plain entry) for dots,
 * files that would have to be rendered, names that went away, and all of
 * them when the directory's node (dnode) could not be had. */
static void plus_entry(struct osfs_glue *g, fuse_ino_t dir, const struct osfs_node *dnode,
		       const struct dent *de, struct fuse_entry_param *e)
{
	struct osfs_node node;

	memset(e, 0, sizeof(*e));
	if (dnode && !is_dot(de->name) && osfs_tree_child(g->fs, dnode, de->name, &node) == 0) {
		if (!osfs_node_is_dynamic(&node) && make_entry(g, dir, de->name, &node, e) < 0)
			memset(e, 0, sizeof(*e));
		osfs_node_release(&node);
	}
	if (!e->ino) {
		e->attr.st_mode = de->mode;
		e->attr.st_ino = dirent_ino(g, dir, de->name);
	}
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct osfs_glue *g = glue_of(req);
	struct dirh *d = dirh_get(g, fi->fh);
	char *buf = malloc(size);
	struct osfs_node dnode;
	bool have_dir = plus && resolve(g, ino, NULL, &dnode) == 0;
	size_t pos = 0;
	int ret = 0;

	if (!d && (ret = list_dir(g, ino, &d)) == 0) { /* opened by the last generation */
		d->users = 1;
		dirh_track(g, d, fi->fh);
	}
	if (!buf || ret < 0) {
		fuse_reply_err(req, buf ? -ret : ENOMEM);
		if (d)
			dirh_put(g, d);
		free(buf);
		goto out;
	}
	for (size_t i = off < 0 ? 0 : (size_t)off; i < d->n; i++) {
		struct fuse_entry_param e;
		size_t need;

		if (plus) {
			plus_entry(g, ino, have_dir ? &dnode : NULL, &d->ents[i], &e);
			need = fuse_add_direntry_plus(req, buf + pos, size - pos, d->ents[i].name, &e,
						      (off_t)(i + 1));
		} else {
			memset(&e, 0, sizeof(e));
			e.attr.st_mode = d->ents[i].mode;
			e.attr.st_ino = dirent_ino(g, ino, d->ents[i].name);
			need = fuse_add_direntry(req, buf + pos, size - pos, d->ents[i].name, &e.attr,
						 (off_t)(i + 1));
		}
		if (need > size - pos) {
			if (e.ino)
				osfs_inodes_forget(g->inodes, e.ino, 1);
			break;
		}
		pos += need;
	}
	dirh_put(g, d); /* before the reply: the kernel may release d once it has it */
	fuse_reply_buf(req, buf, pos);
	free(buf);
out:
	if (have_dir)
		osfs_node_release(&dnode);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st = {
		.f_bsize = 4096, .f_frsize = 4096, .f_namemax = 255,
	};

	fuse_reply_statfs(req, &st);
}

/* ---- what the mount never does (issue: friendly refusals) ---- */

/* The value a renamed key carries: what its writer wrote (the listing
 * may not show it yet), else its content. */
static int renamed_value(struct osfs_glue *g, fuse_ino_t parent, const char *name,
			 struct osfs_node *from, char **value, size_t *len)
{
	uint64_t ino = osfs_inodes_peek(g->inodes, parent, name);

	if (ino && osfs_inodes_wbuf_copy(g->inodes, ino, value, len) == 0)
		return 0;
	return osfs_write_base(g->fs, from, value, len);
}

/* The key `newname` in directory node dir: there already, or made for
 * the rename. */
static int rename_target(struct osfs_glue *g, const struct osfs_node *dir, const char *newname,
			 struct osfs_node *to)
{
	int ret = osfs_tree_child(g->fs, dir, newname, to);

	return ret == -ENOENT ? osfs_write_create(g->fs, dir, newname, to) : ret;
}

/* rename within one metadata directory (sed -i, editors' temporary
 * files); 1 when this is no such rename. */
static int rename_key(struct osfs_glue *g, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	struct osfs_node from = { 0 }, dir = { 0 }, to = { 0 };
	char *value = NULL;
	size_t len = 0;
	int ret;

	if ((ret = resolve(g, parent, name, &from)) < 0 ||
	    (ret = resolve(g, newparent, NULL, &dir)) < 0)
		goto out;
	if (flags || g->fs->opts.ro || !osfs_write_renames(&from, &dir)) {
		ret = 1;
		goto out;
	}
	if ((ret = renamed_value(g, parent, name, &from, &value, &len)) < 0 ||
	    (ret = rename_target(g, &dir, newname, &to)) < 0)
		goto out;
	if ((ret = osfs_write_rename(g->fs, &from, &to, value, len)) == 0)
		changed(g, &dir);
out:
	osfs_node_release(&from);
	osfs_node_release(&dir);
	osfs_node_release(&to);
	free(value);
	return ret;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	struct osfs_glue *g = glue_of(req);
	int ret = rename_key(g, parent, name, newparent, newname, flags);
	char *to;

	if (ret <= 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	to = osfs_inodes_path(g->inodes, newparent, newname);
	fuse_reply_err(req, refuse(g, "rename", parent, name, to));
	free(to);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, refuse(glue_of(req), "symlink", parent, name, link));
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct osfs_glue *g = glue_of(req);
	char *to = osfs_inodes_path(g->inodes, newparent, newname);

	fuse_reply_err(req, refuse(g, "link", ino, NULL, to));
	free(to);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	fuse_reply_err(req, refuse(glue_of(req), "mknod", parent, name, NULL));
}

const struct fuse_lowlevel_ops osfs_fsops = {
	.init = op_init,
	.destroy = op_destroy,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.statfs = op_statfs,
	.create = op_create,
	.readdirplus = op_readdirplus,
};
