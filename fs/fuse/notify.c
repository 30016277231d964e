/* notify.c - the invalidation queue and its thread (see notify.h).
 *
 * A ring of QUEUE_MAX events under one mutex; the thread takes them all
 * at once, drops the mutex, and only then talks to the inode table and the
 * kernel.  Lock order: notify lock, then nothing (the inode table's lock is
 * taken only after it is released).
 */
#include "notify.h"
#include "osfs_model.h"
#include "osfs_base.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_MAX 1024

struct event {
	enum osfs_kind_id kind;
	enum osfs_change what;
	char *fname;                 /* NULL: the whole kind */
	struct osfs_inode_ref *drop; /* not NULL: names to drop, nothing else */
	size_t ndrop;
	uint64_t only;               /* not 0: this inode alone, nothing else */
};

/* Longest a writer waits for its change to reach the kernel: a change
 * queued behind a batch of dropped names, or one that waits on pages
 * another write holds, must not hold a write for long. */
#define FLUSH_WAIT_S 1.0

struct osfs_notify {
	struct fuse_session *se;
	struct osfs_inodes *inodes;
	/* Protects everything below.  Leaf lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct event queue[QUEUE_MAX];
	size_t head, len;
	bool overflow[OSFS_NKINDS];  /* events of the kind were dropped */
	uint64_t pushed, sent;       /* events queued so far, and sent so far */
	pthread_cond_t flushed;      /* sent moved (CLOCK_MONOTONIC) */
	bool stop;
	bool running;
	pthread_t thread;
};

struct osfs_notify *osfs_notify_new(struct fuse_session *se, struct osfs_inodes *inodes)
{
	struct osfs_notify *n = calloc(1, sizeof(*n));
	pthread_condattr_t mono;

	if (!n)
		return NULL;
	n->se = se;
	n->inodes = inodes;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&n->flushed, &mono);
	pthread_condattr_destroy(&mono);
	return n;
}

static void event_free(struct event *e)
{
	free(e->fname);
	osfs_inodes_refs_free(e->drop, e->ndrop);
}

/* Queue e (taking what it holds); when the queue is full, `overflow` says
 * whether the whole kind must go instead.  Its number in the queue's
 * order (flush). */
static uint64_t push(struct osfs_notify *n, struct event e, bool overflow)
{
	uint64_t seq;

	pthread_mutex_lock(&n->lock);
	seq = ++n->pushed;
	if (!n->stop && n->len == QUEUE_MAX) {
		n->overflow[e.kind] |= overflow;
	} else if (!n->stop) {
		n->queue[(n->head + n->len) % QUEUE_MAX] = e;
		n->len++;
		e = (struct event){ 0 };
	}
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	event_free(&e);
	return seq;
}

void osfs_notify_queue(void *ctx, enum osfs_kind_id kind, const char *fname, enum osfs_change what)
{
	/* a name that cannot be copied (ENOMEM) leaves the event for the whole kind */
	push(ctx, (struct event){ kind, what, fname ? strdup(fname) : NULL, NULL, 0, 0 }, true);
}

/* Wait until event seq is sent, at most FLUSH_WAIT_S. */
static void flush(struct osfs_notify *n, uint64_t seq)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)FLUSH_WAIT_S;
	pthread_mutex_lock(&n->lock);
	while (n->running && !n->stop && n->sent < seq)
		if (pthread_cond_timedwait(&n->flushed, &n->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&n->lock);
}

void osfs_notify_flush(struct osfs_notify *n)
{
	uint64_t seq;

	pthread_mutex_lock(&n->lock);
	seq = n->pushed;
	pthread_mutex_unlock(&n->lock);
	flush(n, seq);
}

void osfs_notify_inode(struct osfs_notify *n, uint64_t ino)
{
	/* its kind is unused: an inode alone is never folded into a whole kind */
	push(n, (struct event){ .kind = OSFS_SERVERS, .what = OSFS_CHANGED, .only = ino }, false);
}

void osfs_notify_drop(struct osfs_notify *n, struct osfs_inode_ref *refs, size_t count)
{
	push(n, (struct event){ .drop = refs, .ndrop = count }, false);
}

static void inval_inode(struct osfs_notify *n, uint64_t ino)
{
	int err = fuse_lowlevel_notify_inval_inode(n->se, ino, 0, 0);

	if (err < 0 && err != -ENOENT)
		log_debug("inval_inode %llu: %s", (unsigned long long)ino, strerror(-err));
}

static void inval_entry(struct osfs_notify *n, uint64_t dir, const char *name)
{
	int err = fuse_lowlevel_notify_inval_entry(n->se, dir, name, strlen(name));

	if (err < 0 && err != -ENOENT)
		log_debug("inval_entry %llu/%s: %s", (unsigned long long)dir, name, strerror(-err));
}

/* A file showing content goes by name (a reader holding it reads on what
 * it began with; the next open looks the name up), the rest by number,
 * but for a file being written (its writer tells it once answered). */
static void inval_subtree(struct osfs_notify *n, uint64_t ino)
{
	struct osfs_inode_ref *refs;
	size_t count;

	if (!ino || osfs_inodes_subtree(n->inodes, ino, &refs, &count) < 0)
		return;
	for (size_t i = 0; i < count; i++) {
		if (refs[i].name)
			inval_entry(n, refs[i].parent, refs[i].name);
		else if (!refs[i].writing)
			inval_inode(n, refs[i].ino);
	}
	osfs_inodes_refs_free(refs, count);
}

static void send_event(struct osfs_notify *n, const struct event *e)
{
	const char *area = osfs_kinds[e->kind].area;
	uint64_t top, dir;

	if (e->drop) { /* names given back (the inode table's bound) */
		for (size_t i = 0; i < e->ndrop; i++)
			inval_entry(n, e->drop[i].parent, e->drop[i].name);
		malloc_trim(0); /* what the last batch's forgets freed goes back too */
		return;
	}
	if (e->only) { /* written again since: that write tells it in turn */
		if (!osfs_inodes_is_written(n->inodes, e->only))
			inval_inode(n, e->only);
		return;
	}
	top = area ? osfs_inodes_peek(n->inodes, OSFS_ROOT_INO, area) : OSFS_ROOT_INO;
	dir = top ? osfs_inodes_peek(n->inodes, top, osfs_kinds[e->kind].dir) : 0;
	if (!dir)
		return; /* the kernel never looked at the kind */
	if (!e->fname) {
		inval_subtree(n, dir);
		return;
	}
	if (e->what == OSFS_CHANGED) {
		inval_subtree(n, osfs_inodes_peek(n->inodes, dir, e->fname));
		return;
	}
	inval_entry(n, dir, e->fname);
	inval_inode(n, dir);
}

static void *notify_main(void *arg)
{
	struct osfs_notify *n = arg;
	struct event batch[QUEUE_MAX];
	bool whole[OSFS_NKINDS];
	size_t count;
	uint64_t taken;

	pthread_mutex_lock(&n->lock);
	while (!n->stop) {
		if (!n->len && !memchr(n->overflow, true, sizeof(n->overflow))) {
			pthread_cond_wait(&n->wake, &n->lock);
			continue;
		}
		taken = n->pushed; /* every event so far is in the batch or an overflow */
		for (count = 0; n->len; count++, n->len--, n->head = (n->head + 1) % QUEUE_MAX)
			batch[count] = n->queue[n->head];
		memcpy(whole, n->overflow, sizeof(whole));
		memset(n->overflow, 0, sizeof(n->overflow));
		pthread_mutex_unlock(&n->lock);
		for (int k = 0; k < OSFS_NKINDS; k++) {
			struct event e = { (enum osfs_kind_id)k, OSFS_CHANGED, NULL, NULL, 0, 0 };
			if (whole[k])
				send_event(n, &e);
		}
		for (size_t i = 0; i < count; i++) {
			if (batch[i].drop || batch[i].only || !whole[batch[i].kind])
				send_event(n, &batch[i]);
			event_free(&batch[i]);
		}
		pthread_mutex_lock(&n->lock);
		n->sent = taken;
		pthread_cond_broadcast(&n->flushed);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int osfs_notify_start(struct osfs_notify *n)
{
	int err = pthread_create(&n->thread, NULL, notify_main, n);

	n->running = err == 0;
	return -err;
}

void osfs_notify_free(struct osfs_notify *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_cond_signal(&n->wake);
	pthread_cond_broadcast(&n->flushed);
	pthread_mutex_unlock(&n->lock);
	if (n->running)
		pthread_join(n->thread, NULL);
	for (; n->len; n->len--, n->head = (n->head + 1) % QUEUE_MAX)
		event_free(&n->queue[n->head]);
	pthread_cond_destroy(&n->wake);
	pthread_cond_destroy(&n->flushed);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
