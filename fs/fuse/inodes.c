/* inodes.c - the inode table: two chained hash tables over one set of
 * inodes, one keyed by number, one by (parent number, name), and a tree of
 * parent/child links for paths and subtrees.  Both tables double when they
 * hold more inodes than buckets, so lookups stay O(1) at 400,000 inodes.
 */
#include "inodes.h"
#include "osfs_base.h"
#include "inolog.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#define SNAP_BYTES_MAX (16u << 20)   /* all snapshots together */
#define EVICT_SETTLE_S 1.0           /* the kernel forgets what it was told to drop within */
#define INITIAL_BUCKETS 1024

struct inode {
	uint64_t ino;
	uint64_t nlookup;            /* kernel references */
	uint64_t dirfp;              /* fingerprint of the entries last listed */
	struct inode *parent;        /* NULL for the root */
	struct inode *next_ino;      /* chain in by_ino */
	struct inode *next_name;     /* chain in by_name */
	struct inode *kids;          /* children, linked by next_sib/prev_sib */
	struct inode *next_sib, *prev_sib;
	struct shown *sh;            /* a file's, once it has shown something; or NULL */
	struct wstream *ws;          /* write stream, or NULL */
	uint32_t hash;               /* of (parent, name) */
	bool replayed;               /* made from the last generation's log */
	bool shows;                  /* a resource file: its shown part is what it shows */
	bool file;                   /* not a directory */
	bool retired;                /* out of by_name: lookups of its name get a new inode */
	bool kept;                   /* during an eviction batch: on a process's cwd path */
	uint16_t writing;            /* writes being answered (their pages are locked) */
	char name[];
};

/* What a file has shown, apart so that directories, most of the table
 * once files are dropped, do not carry it. */
struct shown {
	struct osfs_snap *snap;      /* or NULL */
	uint64_t chash;              /* content last rendered (dynamic files) or shown ... */
	struct timespec cmtime;      /* ... and when it last changed, or its mtime shown */
	off_t csize;                 /* the size shown (resource files) */
};

/* What a writer has written to a file so far (few files have one). */
struct wstream {
	size_t len, cap;             /* buf holds len bytes and a '\0'; room for cap */
	double time;                 /* CLOCK_MONOTONIC seconds of its last write */
	bool lost;                   /* command files: the unfinished line's start went
				      * with the last serving process */
	char buf[];
};

struct osfs_inodes {
	/* Protects everything below and every field of every inode.  Leaf
	 * lock: never held while calling another module. */
	pthread_mutex_t lock;
	struct inode **by_ino, **by_name;
	size_t nbuckets;             /* a power of two, for both tables */
	size_t count;
	uint64_t next_ino;
	size_t snap_bytes;
	struct inode *root;
	/* the bound: past `max` inodes, the oldest files' names are given back
	 * to the kernel (0: no bound) */
	size_t max;
	uint64_t *made;              /* a ring of inode numbers in the order made */
	size_t made_cap, made_head, made_len;
	size_t evicting;             /* inodes whose names went back, not yet forgotten */
	double evicted_at;           /* CLOCK_MONOTONIC seconds of the last batch */
	struct osfs_inolog *log;     /* or NULL: see osfs_inodes_keep */
};

/* ---- snapshots ---- */

struct osfs_snap *osfs_snap_new(const char *data, size_t len)
{
	struct osfs_snap *s = malloc(sizeof(*s) + len + 1);

	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	atomic_init(&s->final, false);
	s->made = osfs_now_mono();
	s->mtime = (struct timespec){ 0 };
	s->len = len;
	if (len)
		memcpy(s->data, data, len);
	s->data[len] = '\0';
	return s;
}

void osfs_snap_put(struct osfs_snap *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		free(s);
}

/* ---- hashing ---- */

static uint32_t name_hash(uint64_t parent, const char *name)
{
	uint32_t h = 2166136261u ^ (uint32_t)(parent * 0x9e3779b97f4a7c15ull >> 32);

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static size_t ino_slot(const struct osfs_inodes *t, uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 20) & (t->nbuckets - 1);
}

static struct inode *find_ino_locked(struct osfs_inodes *t, uint64_t ino)
{
	struct inode *i = t->by_ino[ino_slot(t, ino)];

	while (i && i->ino != ino)
		i = i->next_ino;
	return i;
}

static struct inode *find_name_locked(struct osfs_inodes *t, const struct inode *parent,
				      const char *name, uint32_t hash)
{
	struct inode *i = t->by_name[hash & (t->nbuckets - 1)];

	while (i && (i->parent != parent || i->hash != hash || strcmp(i->name, name) != 0))
		i = i->next_name;
	return i;
}

static void link_locked(struct osfs_inodes *t, struct inode *i)
{
	size_t a = ino_slot(t, i->ino), b = i->hash & (t->nbuckets - 1);

	i->next_ino = t->by_ino[a];
	t->by_ino[a] = i;
	if (i->retired)
		return;
	i->next_name = t->by_name[b];
	t->by_name[b] = i;
}

/* Double both tables; on ENOMEM they stay as they are (only slower). */
static void grow_locked(struct osfs_inodes *t)
{
	size_t old = t->nbuckets;
	struct inode **bi = calloc(old * 2, sizeof(*bi)), **bn = calloc(old * 2, sizeof(*bn));
	struct inode **oi = t->by_ino;

	if (!bi || !bn) {
		free(bi);
		free(bn);
		return;
	}
	free(t->by_name);
	t->by_ino = bi;
	t->by_name = bn;
	t->nbuckets = old * 2;
	for (size_t s = 0; s < old; s++) {
		for (struct inode *i = oi[s], *next; i; i = next) {
			next = i->next_ino;
			link_locked(t, i);
		}
	}
	free(oi);
}

static void unlink_chain(struct inode **slot, struct inode *i, size_t off)
{
	/* off: offset of the chain's next pointer inside struct inode */
	while (*slot && *slot != i)
		slot = (struct inode **)((char *)*slot + off);
	if (*slot)
		*slot = *(struct inode **)((char *)i + off);
}

/* i's shown part, made when first needed; NULL on ENOMEM. */
static struct shown *shown_locked(struct inode *i)
{
	if (!i->sh)
		i->sh = calloc(1, sizeof(*i->sh));
	return i->sh;
}

static void inode_free(struct inode *i)
{
	if (i->sh)
		osfs_snap_put(i->sh->snap);
	free(i->sh);
	free(i->ws);
	free(i);
}

/* Remove i, and then each parent left without references or children. */
static void reap_locked(struct osfs_inodes *t, struct inode *i)
{
	while (i && i != t->root && i->nlookup == 0 && !i->kids) {
		struct inode *parent = i->parent;

		unlink_chain(&t->by_ino[ino_slot(t, i->ino)], i, offsetof(struct inode, next_ino));
		if (!i->retired)
			unlink_chain(&t->by_name[i->hash & (t->nbuckets - 1)], i,
				     offsetof(struct inode, next_name));
		if (i->prev_sib)
			i->prev_sib->next_sib = i->next_sib;
		else
			parent->kids = i->next_sib;
		if (i->next_sib)
			i->next_sib->prev_sib = i->prev_sib;
		if (i->sh && i->sh->snap)
			t->snap_bytes -= i->sh->snap->len;
		inode_free(i);
		t->count--;
		t->evicting -= t->evicting > 0;
		atomic_store(&osfs_stats.inodes, t->count);
		i = parent;
	}
}

static void rewrite_log_locked(struct osfs_inodes *t);
static void retire_locked(struct osfs_inodes *t, uint64_t ino, uint64_t n);

/* ---- the table ---- */

struct osfs_inodes *osfs_inodes_new(void)
{
	struct osfs_inodes *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->nbuckets = INITIAL_BUCKETS;
	t->by_ino = calloc(t->nbuckets, sizeof(*t->by_ino));
	t->by_name = calloc(t->nbuckets, sizeof(*t->by_name));
	t->root = calloc(1, sizeof(*t->root) + 1);
	if (!t->by_ino || !t->by_name || !t->root) {
		free(t->by_ino);
		free(t->by_name);
		free(t->root);
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	t->root->ino = OSFS_ROOT_INO;
	t->root->nlookup = 1;
	t->root->hash = name_hash(0, "");
	link_locked(t, t->root);
	t->count = 1;
	t->next_ino = OSFS_ROOT_INO + 1;
	return t;
}

void osfs_inodes_free(struct osfs_inodes *t)
{
	if (!t)
		return;
	for (size_t s = 0; s < t->nbuckets; s++) {
		for (struct inode *i = t->by_ino[s], *next; i; i = next) {
			next = i->next_ino;
			inode_free(i);
		}
	}
	free(t->by_ino);
	free(t->by_name);
	free(t->made);
	osfs_inolog_free(t->log);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ---- the bound: inodes in the order they were made ---- */

/* Note that ino was made (only while the table is bounded). */
static void made_push_locked(struct osfs_inodes *t, uint64_t ino)
{
	if (!t->max)
		return;
	if (t->made_len == t->made_cap) {
		size_t cap = t->made_cap ? t->made_cap * 2 : 1024;
		uint64_t *p = malloc(cap * sizeof(*p));
		if (!p)
			return; /* this one is never given back: only less tidy */
		for (size_t k = 0; k < t->made_len; k++)
			p[k] = t->made[(t->made_head + k) % t->made_cap];
		free(t->made);
		t->made = p;
		t->made_cap = cap;
		t->made_head = 0;
	}
	t->made[(t->made_head + t->made_len++) % t->made_cap] = ino;
}

static uint64_t made_pop_locked(struct osfs_inodes *t)
{
	uint64_t ino = t->made[t->made_head];

	t->made_head = (t->made_head + 1) % t->made_cap;
	t->made_len--;
	return ino;
}

static struct inode *add_locked(struct osfs_inodes *t, struct inode *parent, const char *name,
				uint32_t hash, uint64_t ino)
{
	size_t len = strlen(name);
	struct inode *i = calloc(1, sizeof(*i) + len + 1);

	if (!i)
		return NULL;
	memcpy(i->name, name, len + 1);
	i->ino = ino;
	if (ino >= t->next_ino)
		t->next_ino = ino + 1;
	i->hash = hash;
	i->parent = parent;
	i->next_sib = parent->kids;
	if (parent->kids)
		parent->kids->prev_sib = i;
	parent->kids = i;
	if (t->count >= t->nbuckets)
		grow_locked(t);
	link_locked(t, i);
	t->count++;
	atomic_store(&osfs_stats.inodes, t->count);
	made_push_locked(t, i->ino);
	return i;
}

int osfs_inodes_lookup(struct osfs_inodes *t, uint64_t parent, const char *name, uint64_t *ino)
{
	uint32_t hash = name_hash(parent, name);
	struct inode *p, *i = NULL;
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	if (!(p = find_ino_locked(t, parent)))
		ret = -ENOENT;
	else if (!(i = find_name_locked(t, p, name, hash)) &&
		 (i = add_locked(t, p, name, hash, t->next_ino)) && t->log)
		osfs_inolog_add(t->log, OSFS_INOLOG_NEW, i->ino, parent, name);
	if (ret == 0 && !i)
		ret = -ENOMEM;
	if (ret == 0) {
		i->nlookup++;
		*ino = i->ino;
		/* logged before the kernel hears of it (see inolog.h) */
		if (t->log)
			osfs_inolog_add(t->log, OSFS_INOLOG_REF, i->ino, 1, NULL);
		rewrite_log_locked(t);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

uint64_t osfs_inodes_peek(struct osfs_inodes *t, uint64_t parent, const char *name)
{
	uint32_t hash = name_hash(parent, name);
	struct inode *p, *i = NULL;
	uint64_t ino;

	pthread_mutex_lock(&t->lock);
	if ((p = find_ino_locked(t, parent)))
		i = find_name_locked(t, p, name, hash);
	ino = i ? i->ino : 0;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

static void forget_locked(struct osfs_inodes *t, uint64_t ino, uint64_t n)
{
	struct inode *i;

	if ((i = find_ino_locked(t, ino)) && i != t->root) {
		if (t->log)
			osfs_inolog_add(t->log, OSFS_INOLOG_FORGET, ino, n, NULL);
		i->nlookup = n < i->nlookup ? i->nlookup - n : 0;
		reap_locked(t, i);
	}
}

void osfs_inodes_forget(struct osfs_inodes *t, uint64_t ino, uint64_t n)
{
	pthread_mutex_lock(&t->lock);
	forget_locked(t, ino, n);
	rewrite_log_locked(t);
	pthread_mutex_unlock(&t->lock);
}

/* ---- the log a restart replays (inolog.h) ---- */

/* Unfinished command lines (with the write streams, below). */
static bool line_pending(const struct inode *i);
static void log_line_locked(struct osfs_inodes *t, const struct inode *i);
static void replay_line_locked(struct inode *i, uint64_t how, const char *text);

/* Every inode under i, each after its parent, as the records that make it. */
static void image_locked(struct osfs_inodes *t, const struct inode *i)
{
	for (const struct inode *k = i->kids; k; k = k->next_sib) {
		osfs_inolog_add(t->log, OSFS_INOLOG_NEW, k->ino, i->ino, k->name);
		if (k->nlookup)
			osfs_inolog_add(t->log, OSFS_INOLOG_REF, k->ino, k->nlookup, NULL);
		if (line_pending(k))
			log_line_locked(t, k);
		image_locked(t, k);
		if (k->retired) /* after its children: it must not be reaped first */
			osfs_inolog_add(t->log, OSFS_INOLOG_RETIRE, k->ino, 0, NULL);
	}
}

static void rewrite_log_locked(struct osfs_inodes *t)
{
	if (!t->log || !osfs_inolog_bloated(t->log, t->count))
		return;
	osfs_inolog_rewrite_begin(t->log);
	osfs_inolog_add(t->log, OSFS_INOLOG_NEXT, 0, t->next_ino, NULL);
	image_locked(t, t->root);
	osfs_inolog_rewrite_end(t->log);
}

static void replay_one(void *arg, enum osfs_inolog_op op, uint64_t ino, uint64_t val,
		       const char *name)
{
	struct osfs_inodes *t = arg;
	struct inode *i;

	switch (op) {
	case OSFS_INOLOG_NEW:
		if (ino > OSFS_ROOT_INO && !find_ino_locked(t, ino) && (i = find_ino_locked(t, val)) &&
		    (i = add_locked(t, i, name, name_hash(val, name), ino)))
			i->replayed = true;
		break;
	case OSFS_INOLOG_REF:
		if ((i = find_ino_locked(t, ino)) && i != t->root)
			i->nlookup += val;
		break;
	case OSFS_INOLOG_FORGET:
		forget_locked(t, ino, val);
		break;
	case OSFS_INOLOG_RETIRE:
		retire_locked(t, ino, val);
		break;
	case OSFS_INOLOG_NEXT:
		if (val > t->next_ino)
			t->next_ino = val;
		break;
	case OSFS_INOLOG_LINE:
		if ((i = find_ino_locked(t, ino)))
			replay_line_locked(i, val, name);
		break;
	}
}

long osfs_inodes_keep(struct osfs_inodes *t, int fd)
{
	struct osfs_inolog *l = osfs_inolog_new(fd);
	long n;

	if (!l)
		return -ENOMEM;
	pthread_mutex_lock(&t->lock);
	n = osfs_inolog_replay(l, replay_one, t); /* t->log is NULL: nothing is logged again */
	if (n >= 0)
		t->log = l;
	pthread_mutex_unlock(&t->lock);
	if (n < 0)
		osfs_inolog_free(l);
	return n;
}

size_t osfs_inodes_count(struct osfs_inodes *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

static char *path_locked(const struct inode *i, const char *name)
{
	size_t len = name ? strlen(name) + 1 : 0, at;
	char *out;

	for (const struct inode *p = i; p->parent; p = p->parent)
		len += strlen(p->name) + 1;
	if (!(out = malloc(len + 2)))
		return NULL;
	at = len;
	out[at] = '\0';
	if (name) {
		at -= strlen(name);
		memcpy(out + at, name, strlen(name));
		out[--at] = '/';
	}
	for (const struct inode *p = i; p->parent; p = p->parent) {
		at -= strlen(p->name);
		memcpy(out + at, p->name, strlen(p->name));
		out[--at] = '/';
	}
	if (len == 0)
		strcpy(out, "/");
	return out;
}

char *osfs_inodes_path(struct osfs_inodes *t, uint64_t ino, const char *name)
{
	struct inode *i;
	char *path = NULL;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)))
		path = path_locked(i, name);
	else
		errno = ENOENT;
	pthread_mutex_unlock(&t->lock);
	return path;
}

/* The names from the root down to i, then `name` when not NULL: n
 * pointers, then the strings they point to, in one malloc'd block. */
static char **names_locked(const struct inode *i, const char *name, size_t *n)
{
	size_t count = name ? 1 : 0, bytes = name ? strlen(name) + 1 : 0, k;
	char **out, *at;

	for (const struct inode *p = i; p->parent; p = p->parent) {
		count++;
		bytes += strlen(p->name) + 1;
	}
	if (!(out = malloc(count * sizeof(*out) + bytes + 1)))
		return NULL;
	at = (char *)(out + count);
	k = count;
	if (name) {
		out[--k] = strcpy(at, name);
		at += strlen(name) + 1;
	}
	for (const struct inode *p = i; p->parent; p = p->parent) {
		out[--k] = strcpy(at, p->name);
		at += strlen(p->name) + 1;
	}
	*n = count;
	return out;
}

int osfs_inodes_names(struct osfs_inodes *t, uint64_t ino, const char *name, char ***names,
		      size_t *n)
{
	struct inode *i;
	int ret = 0;

	*names = NULL;
	*n = 0;
	pthread_mutex_lock(&t->lock);
	if (!(i = find_ino_locked(t, ino)))
		ret = -ENOENT;
	else if (!(*names = names_locked(i, name, n)))
		ret = -ENOMEM;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* Append i to a growing array, by name too when `named`. */
static int ref_add(struct osfs_inode_ref **out, size_t *n, size_t *cap, const struct inode *i,
		   bool named)
{
	struct osfs_inode_ref *r;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct osfs_inode_ref *p = realloc(*out, c * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*out = p;
		*cap = c;
	}
	r = &(*out)[(*n)++];
	*r = (struct osfs_inode_ref){ .ino = i->ino, .parent = i->parent ? i->parent->ino : 0,
				      .writing = i->writing > 0 };
	return named && !(r->name = strdup(i->name)) ? -ENOMEM : 0;
}

/* Depth-first over the subtree, appending to a growing array. */
static int collect_locked(const struct inode *i, struct osfs_inode_ref **out, size_t *n,
			  size_t *cap)
{
	if (i->shows && i->retired)
		return 0; /* its name is another's: those holding it read on what it showed */
	if (ref_add(out, n, cap, i, i->shows) < 0)
		return -ENOMEM;
	for (const struct inode *k = i->kids; k; k = k->next_sib)
		if (collect_locked(k, out, n, cap) < 0)
			return -ENOMEM;
	return 0;
}

void osfs_inodes_refs_free(struct osfs_inode_ref *refs, size_t n)
{
	for (size_t k = 0; refs && k < n; k++)
		free(refs[k].name);
	free(refs);
}

void osfs_inodes_writing(struct osfs_inodes *t, uint64_t ino, bool begins)
{
	struct inode *i;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)) && (begins ? i->writing < UINT16_MAX : i->writing > 0))
		i->writing += begins ? 1 : -1;
	pthread_mutex_unlock(&t->lock);
}

bool osfs_inodes_is_written(struct osfs_inodes *t, uint64_t ino)
{
	struct inode *i;
	bool writing;

	pthread_mutex_lock(&t->lock);
	writing = (i = find_ino_locked(t, ino)) && i->writing > 0;
	pthread_mutex_unlock(&t->lock);
	return writing;
}

int osfs_inodes_subtree(struct osfs_inodes *t, uint64_t ino, struct osfs_inode_ref **out,
			size_t *n)
{
	struct inode *i;
	size_t cap = 0;
	int ret = -ENOENT;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)))
		ret = collect_locked(i, out, n, &cap);
	pthread_mutex_unlock(&t->lock);
	if (ret < 0) {
		osfs_inodes_refs_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

struct osfs_snap *osfs_inodes_snap_get(struct osfs_inodes *t, uint64_t ino)
{
	struct osfs_snap *s = NULL;
	struct inode *i;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)) && i->sh && (s = i->sh->snap))
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&t->lock);
	return s;
}

void osfs_inodes_snap_set(struct osfs_inodes *t, uint64_t ino, struct osfs_snap *s)
{
	struct osfs_snap *old = NULL;
	struct inode *i;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)) && i->sh) {
		old = i->sh->snap;
		i->sh->snap = NULL;
		if (old)
			t->snap_bytes -= old->len;
	}
	if (i && s && t->snap_bytes + s->len <= SNAP_BYTES_MAX && shown_locked(i)) {
		i->sh->snap = s;
		t->snap_bytes += s->len;
		s = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	osfs_snap_put(old);
	osfs_snap_put(s);
}

/* Room for `end` bytes and a NUL in i's stream (begun if it was not). */
static int wbuf_grow_locked(struct inode *i, size_t end)
{
	size_t cap = i->ws ? i->ws->cap : 4096;
	struct wstream *w;

	if (i->ws && end + 1 <= cap)
		return 0;
	while (cap < end + 1)
		cap *= 2;
	if (!(w = realloc(i->ws, sizeof(*w) + cap)))
		return -ENOMEM;
	if (!i->ws) {
		w->len = 0;
		w->lost = false;
	}
	w->cap = cap;
	i->ws = w;
	return 0;
}

/* i's stream, emptied (not begun: nothing to empty). */
static void wbuf_empty_locked(struct inode *i)
{
	if (i->ws) {
		i->ws->len = 0;
		i->ws->lost = false;
	}
}

/* Has i an unfinished command line (kept, or lost in a restart)? */
static bool line_pending(const struct inode *i)
{
	return i->ws && (i->ws->len || i->ws->lost);
}

/* i's unfinished line, as the next generation will find it. */
static void log_line_locked(struct osfs_inodes *t, const struct inode *i)
{
	const struct wstream *w = i->ws;

	if (!t->log)
		return;
	if (!line_pending(i))
		osfs_inolog_add(t->log, OSFS_INOLOG_LINE, i->ino, 0, NULL);
	else if (!w->lost && w->len < 256 && strlen(w->buf) == w->len)
		osfs_inolog_add(t->log, OSFS_INOLOG_LINE, i->ino, 1, w->buf);
	else
		osfs_inolog_add(t->log, OSFS_INOLOG_LINE, i->ino, OSFS_INOLOG_LOST, NULL);
}

/* The line a restart left unfinished on i (replay). */
static void replay_line_locked(struct inode *i, uint64_t how, const char *text)
{
	size_t n = how == 1 ? strlen(text) : 0;

	free(i->ws);
	i->ws = NULL;
	if (!how || wbuf_grow_locked(i, n) < 0)
		return;
	memcpy(i->ws->buf, how == 1 ? text : "", n + 1);
	i->ws->len = n;
	i->ws->lost = how == OSFS_INOLOG_LOST;
	i->ws->time = osfs_now_mono();
}

/* data[0..size) at off in i's stream: a hole (off past the end) is
 * -EINVAL, since text files have none. */
static int wbuf_put_locked(struct inode *i, size_t off, const char *data, size_t size)
{
	size_t end = off + size;
	int ret;

	if (off > (i->ws ? i->ws->len : 0))
		return -EINVAL;
	if ((ret = wbuf_grow_locked(i, end)) < 0)
		return ret;
	if (size)
		memcpy(i->ws->buf + off, data, size);
	if (end > i->ws->len)
		i->ws->len = end;
	i->ws->buf[i->ws->len] = '\0';
	i->ws->time = osfs_now_mono();
	return 0;
}

/* A malloc'd, NUL-terminated copy of i's stream in *buf (length *len). */
static int wbuf_copy_locked(struct inode *i, char **buf, size_t *len)
{
	if (!(*buf = malloc(i->ws->len + 1)))
		return -ENOMEM;
	memcpy(*buf, i->ws->buf, i->ws->len + 1);
	*len = i->ws->len;
	return 0;
}

int osfs_inodes_wbuf_begin(struct osfs_inodes *t, uint64_t ino, const char *base, size_t len)
{
	struct inode *i;
	int ret = -ENOENT;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino))) {
		wbuf_empty_locked(i);
		ret = wbuf_put_locked(i, 0, base, len);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

bool osfs_inodes_wbuf_continues(struct osfs_inodes *t, uint64_t ino, off_t off, double idle_s)
{
	struct inode *i;
	bool yes = false;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)) && i->ws)
		yes = off >= 0 && (size_t)off <= i->ws->len && osfs_now_mono() - i->ws->time < idle_s;
	pthread_mutex_unlock(&t->lock);
	return yes;
}

/* Cut the complete lines out of i's stream into a malloc'd *lines. */
static int wbuf_take_lines_locked(struct inode *i, char **lines, size_t *len)
{
	struct wstream *w = i->ws;
	char *nl = w->len ? memrchr(w->buf, '\n', w->len) : NULL;
	size_t n = nl ? (size_t)(nl - w->buf) + 1 : 0;

	if (!n)
		return 0;
	if (!(*lines = malloc(n + 1)))
		return -ENOMEM;
	memcpy(*lines, w->buf, n);
	(*lines)[n] = '\0';
	*len = n;
	memmove(w->buf, w->buf + n, w->len - n + 1);
	w->len -= n;
	return 0;
}

int osfs_inodes_wbuf_lines(struct osfs_inodes *t, uint64_t ino, off_t off, const char *data,
			   size_t size, size_t max, char **lines, size_t *len)
{
	struct inode *i;
	int ret = -ENOENT;

	*lines = NULL;
	*len = 0;
	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino))) {
		bool pending = line_pending(i);
		size_t had;
		if (off == 0)
			wbuf_empty_locked(i); /* a new command: what a writer left unfinished goes */
		had = i->ws ? i->ws->len : 0;
		if (i->ws && i->ws->lost)
			ret = -EIO;  /* its start went with the process that had it */
		else
			ret = had + size > max ? -EINVAL : wbuf_put_locked(i, had, data, size);
		if (ret == 0)
			ret = wbuf_take_lines_locked(i, lines, len);
		if (ret < 0)
			wbuf_empty_locked(i); /* a refused line leaves nothing to complete */
		if (pending || line_pending(i))
			log_line_locked(t, i);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

static uint64_t content_hash(const char *data, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t k = 0; k < len; k++)
		h = (h ^ (unsigned char)data[k]) * 1099511628211ull;
	return h | 1; /* never 0, which means "nothing seen yet" */
}

struct timespec osfs_inodes_content_mtime(struct osfs_inodes *t, uint64_t ino, const char *data,
					  size_t len, struct timespec first)
{
	uint64_t h = content_hash(data, len);
	struct timespec when = first;
	struct inode *i;

	struct shown *sh;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)) && (sh = shown_locked(i))) {
		/* what the kernel cached of a replayed inode is unknown: it
		 * changed, as far as the kernel can tell */
		if ((sh->chash && sh->chash != h) || (!sh->chash && i->replayed))
			clock_gettime(CLOCK_REALTIME, &sh->cmtime);
		else if (!sh->chash)
			sh->cmtime = first;
		sh->chash = h;
		when = sh->cmtime;
	}
	pthread_mutex_unlock(&t->lock);
	return when;
}

bool osfs_inodes_shows(struct osfs_inodes *t, uint64_t ino, const char *data, size_t len,
		       struct stat *st)
{
	uint64_t h = content_hash(data, len);
	bool same = true;
	struct inode *i;

	struct shown *sh;

	pthread_mutex_lock(&t->lock);
	if (!(i = find_ino_locked(t, ino)) || !(sh = shown_locked(i)))
		; /* nothing to hold it to: what is there is what it shows */
	else if (!i->shows) {
		i->shows = true;
		sh->chash = h;
		sh->csize = st->st_size;
		sh->cmtime = st->st_mtim;
	} else if (sh->chash != h) {
		same = false;
		st->st_size = sh->csize;
		st->st_blocks = (sh->csize + 511) / 512;
		st->st_mtim = st->st_ctim = sh->cmtime;
	}
	pthread_mutex_unlock(&t->lock);
	return same;
}

void osfs_inodes_shows_reset(struct osfs_inodes *t, uint64_t ino)
{
	struct inode *i;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)))
		i->shows = false;
	pthread_mutex_unlock(&t->lock);
}

/* Take ino out of name lookups, dropping n references. */
static void retire_locked(struct osfs_inodes *t, uint64_t ino, uint64_t n)
{
	struct inode *i;

	if ((i = find_ino_locked(t, ino)) && i != t->root && !i->retired) {
		if (t->log)
			osfs_inolog_add(t->log, OSFS_INOLOG_RETIRE, ino, n, NULL);
		unlink_chain(&t->by_name[i->hash & (t->nbuckets - 1)], i,
			     offsetof(struct inode, next_name));
		i->retired = true;
		i->nlookup = n < i->nlookup ? i->nlookup - n : 0;
		reap_locked(t, i);
	}
}

void osfs_inodes_retire(struct osfs_inodes *t, uint64_t ino)
{
	pthread_mutex_lock(&t->lock);
	retire_locked(t, ino, 1);
	rewrite_log_locked(t);
	pthread_mutex_unlock(&t->lock);
}

int osfs_inodes_wbuf_write(struct osfs_inodes *t, uint64_t ino, off_t off, const char *data,
			   size_t size, size_t max, char **all, size_t *len)
{
	struct inode *i;
	int ret;

	*all = NULL;
	*len = 0;
	if (off < 0 || (size_t)off > max || size > max - (size_t)off)
		return -EFBIG;
	pthread_mutex_lock(&t->lock);
	if (!(i = find_ino_locked(t, ino)))
		ret = -ENOENT;
	else if (!i->ws)
		ret = -ESTALE; /* no stream begun: osfs_inodes_wbuf_begin first */
	else if ((ret = wbuf_put_locked(i, (size_t)off, data, size)) == 0)
		ret = wbuf_copy_locked(i, all, len);
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int osfs_inodes_wbuf_copy(struct osfs_inodes *t, uint64_t ino, char **buf, size_t *len)
{
	struct inode *i;
	int ret = -ENOENT;

	*buf = NULL;
	*len = 0;
	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)) && i->ws)
		ret = wbuf_copy_locked(i, buf, len);
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void osfs_inodes_wbuf_clear(struct osfs_inodes *t, uint64_t ino)
{
	struct inode *i;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino))) {
		free(i->ws);
		i->ws = NULL;
	}
	pthread_mutex_unlock(&t->lock);
}

uint64_t osfs_inodes_dirfp_swap(struct osfs_inodes *t, uint64_t ino, uint64_t fp)
{
	struct inode *i;
	uint64_t old = 0;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino))) {
		old = i->dirfp;
		i->dirfp = fp;
	}
	pthread_mutex_unlock(&t->lock);
	return old;
}

/* ---- the bound ---- */

void osfs_inodes_set_max(struct osfs_inodes *t, size_t max)
{
	pthread_mutex_lock(&t->lock);
	t->max = max;
	pthread_mutex_unlock(&t->lock);
}

void osfs_inodes_mark_file(struct osfs_inodes *t, uint64_t ino)
{
	struct inode *i;

	pthread_mutex_lock(&t->lock);
	if ((i = find_ino_locked(t, ino)))
		i->file = true;
	pthread_mutex_unlock(&t->lock);
}

/* Is a write under way in i or below it?  (The kernel forgets what is
 * below a name it drops, and an unfinished line would go with it.) */
static bool writing_below(const struct inode *i)
{
	if (i->ws)
		return true;
	for (const struct inode *k = i->kids; k; k = k->next_sib)
		if (writing_below(k))
			return true;
	return false;
}

/* May the kernel be asked to drop i's name?  A file below a resource's
 * directory, or a directory below a kind's, with no write under way; not
 * a directory a process works in (or above one). */
static bool evictable_locked(const struct osfs_inodes *t, const struct inode *i)
{
	if (!i || !i->nlookup || i->retired || !i->parent || i->parent == t->root)
		return false;
	if (i->file)
		return !i->ws && i->parent->parent != t->root;
	return !i->kept && !writing_below(i);
}

/* Mark (or unmark) every inode on each keep path, from the root down. */
static void keep_paths_locked(struct osfs_inodes *t, char *const *keep, size_t nkeep, bool on)
{
	for (size_t k = 0; k < nkeep; k++) {
		struct inode *i = t->root;
		char *save = NULL, *path = strdup(keep[k]);

		for (char *c = path ? strtok_r(path, "/", &save) : NULL; c && i;
		     c = strtok_r(NULL, "/", &save)) {
			i = find_name_locked(t, i, c, name_hash(i->ino, c));
			if (i)
				i->kept = on;
		}
		free(path);
	}
}

/* How many names to give back now to come back to 7/8 of the bound. */
static size_t over_locked(struct osfs_inodes *t, double now)
{
	if (now - t->evicted_at > EVICT_SETTLE_S)
		t->evicting = 0; /* what the kernel kept (an open file) is not coming */
	return t->max && t->count > t->max + t->evicting ?
	       t->count - t->evicting - t->max + t->max / 8 : 0;
}

bool osfs_inodes_over(struct osfs_inodes *t)
{
	size_t want;

	pthread_mutex_lock(&t->lock);
	want = over_locked(t, osfs_now_mono());
	pthread_mutex_unlock(&t->lock);
	return want > 0;
}

int osfs_inodes_evictable(struct osfs_inodes *t, char *const *keep, size_t nkeep,
			  struct osfs_inode_ref **out, size_t *n)
{
	size_t cap = 0, want, tries;
	double now = osfs_now_mono();
	int ret = 0;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&t->lock);
	want = over_locked(t, now);
	keep_paths_locked(t, keep, nkeep, true);
	for (tries = t->made_len; want > *n && tries && ret == 0; tries--) {
		struct inode *i = find_ino_locked(t, made_pop_locked(t));
		if (evictable_locked(t, i))
			ret = ref_add(out, n, &cap, i, true);
		else if (i && i->kept)
			made_push_locked(t, i->ino); /* its process may move on */
	}
	keep_paths_locked(t, keep, nkeep, false);
	if (*n) {
		atomic_fetch_add(&osfs_stats.evictions, *n);
		t->evicting += *n;
		t->evicted_at = now;
	}
	pthread_mutex_unlock(&t->lock);
	if (ret < 0) {
		osfs_inodes_refs_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
