/* drafts.c - the mkdir → write → boot path for servers and keypairs.
 *
 * Every draft field is kept as the user wrote it (single-line fields
 * without the trailing newline), checked against the limits the API will
 * apply, so a bad value fails at write time and not at boot.
 *
 * A draft goes OPEN → BOOTING → BOOTED.  Boot copies the fields under the
 * lock and sends the copy: from then on the draft is frozen (writes,
 * creates and unlinks are EBUSY), so what was sent is what the user sees.
 * A failed boot reopens it.  A boot whose answer did not come (timeout,
 * dropped connection, 5xx) goes to SETTLING instead: a settler thread looks
 * the name up until a resource of that name that was not there before the
 * POST shows (BOOTED), or until SETTLE_MIN_S / 4 request timeouts pass
 * with none (OPEN again).  The POST is never sent twice meanwhile: `boot`
 * is EBUSY while settling, and a `boot` written while another is in flight
 * waits for that one and returns its outcome.  A booted draft answers no
 * lookup (the new resource does) but stays in its kind's directory listing
 * until a listing that holds the new id is served, so a name never drops
 * out of `ls`.
 *
 * The `error` file describes the last write: every entry point ends in
 * report(), which clears it on success and sets the reason on failure.
 *
 * Lock: drafts->lock protects the list and every draft in it, the recent
 * boots and the settler count.  It is a leaf for the draft data: it is
 * never held across an API call or a cache fetch (resolve, boot and settle
 * run without it); notes and log have their own locks, taken under it.
 * drafts->changed (with that lock) is broadcast when a boot ends, settles
 * or a settler stops.
 */
#include "drafts.h"
#include "errors.h"
#include "clock.h"
#include "compute.h"
#include "log.h"
#include "names.h"
#include "network.h"
#include "notes.h"
#include "volume.h"
#include "text.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USER_DATA_MAX 49149       /* 65535 characters once base64-encoded */
#define VALUE_MAX 4096            /* bytes, for fields with no limit of their own */
#define API_TEXT_MAX 255          /* characters: Nova's limit on names and metadata */
#define MAX_META 128
#define BOOTED_KEEP_S 60          /* a booted draft waits this long at most for a listing */
#define RECENT_S 1                /* a `boot` this soon after the boot made it answers 0:
				   * a writer that raced it; a later one is refused */
#define SETTLE_MIN_S 60           /* a settling draft looks for its resource this long at least */
#define SETTLE_POLL_S 1           /* between two look-ups of a settling draft's name */
#define UNDO_S 5                  /* a refused write this soon after a clear restores the value */
#define WHY_MAX OSFS_DRAFTS_WHY_MAX

enum dfile {
	D_STATUS, D_MISSING, D_NAME, D_FLAVOR, D_IMAGE, D_KEY_NAME, D_USER_DATA,
	D_NETWORKS, D_SECURITY_GROUPS, D_BOOT_VOLUME_SIZE, D_AZ, D_PUBLIC_KEY, D_SIZE, D_CTL,
	D_ERROR, D_METADATA, D_NFILES
};

struct dfile_info {
	const char *name;
	bool writable;
	bool dir;
	unsigned kinds;   /* bit per enum osfs_kind_id */
	size_t max;       /* longest value, in characters (0: not a text field) */
};

#define SRV (1u << OSFS_SERVERS)
#define KEY (1u << OSFS_KEYPAIRS)
#define VOL (1u << OSFS_VOLUMES)

static const struct dfile_info dfiles[D_NFILES] = {
	[D_STATUS] = { "status", false, false, SRV | VOL, 0 },
	[D_MISSING] = { "missing", false, false, SRV | KEY, 0 },
	[D_NAME] = { "name", false, false, SRV | KEY | VOL, 0 },
	[D_FLAVOR] = { "flavor", true, false, SRV, API_TEXT_MAX },
	[D_IMAGE] = { "image", true, false, SRV, API_TEXT_MAX },
	[D_KEY_NAME] = { "key_name", true, false, SRV, API_TEXT_MAX },
	[D_USER_DATA] = { "user_data", true, false, SRV, 0 },
	[D_NETWORKS] = { "networks", true, false, SRV, VALUE_MAX },
	[D_SECURITY_GROUPS] = { "security_groups", true, false, SRV, VALUE_MAX },
	[D_BOOT_VOLUME_SIZE] = { "boot_volume_size", true, false, SRV, 20 },
	[D_AZ] = { "availability_zone", true, false, SRV, API_TEXT_MAX },
	[D_PUBLIC_KEY] = { "public_key", true, false, KEY, VALUE_MAX },
	[D_SIZE] = { "size", true, false, VOL, 20 },
	[D_CTL] = { "ctl", true, false, SRV | KEY | VOL, 0 },
	[D_ERROR] = { "error", false, false, SRV | KEY | VOL, 0 },
	[D_METADATA] = { "metadata", true, true, SRV, 0 },
};

/* What a boot sends; copied whole under the lock when the boot starts. */
struct draft_fields {
	char *name;                 /* decoded API name */
	char *vals[D_NFILES];
	size_t user_data_len;
	char *flavor_id, *image_id; /* resolved at write time */
	struct osfs_kv *meta;
	size_t nmeta;
};

enum draft_state { DR_OPEN, DR_BOOTING, DR_SETTLING, DR_BOOTED };

/* What a clear (`: > file`, the truncate of `echo x > file`) replaced, so
 * that a refused write right after it leaves the file as it was. */
struct undo {
	int f;                      /* the field, or D_METADATA; -1: nothing held */
	char *key;                  /* D_METADATA: the key */
	char *value, *id;           /* the value before (a key's NULL: new), flavor/image id */
	size_t len;                 /* user_data's length */
	double at;                  /* monotonic seconds */
};

struct draft {
	enum osfs_kind_id kind;
	char *fname;
	struct draft_fields f;
	enum draft_state state;
	struct undo undo;
	unsigned boots;             /* boots ended (or settled): a waiter sees its boot end */
	int last_ret;               /* the outcome of the last boot that ended */
	char *created;              /* DR_BOOTED: the new resource's id */
	double booted_at;           /* DR_BOOTED: monotonic seconds */
	double booted_wall;         /* DR_BOOTED: wall-clock seconds, as listings count */
	struct draft *next;
};

/* A booted server's adminPass, from the boot answer: memory only. */
struct secret {
	char *id;                   /* the server's id */
	char *pass;
	double made_wall;           /* wall-clock seconds, as listings count */
	struct secret *next;
};

/* A resource a boot of this mount made lately: a late `boot` of its
 * draft (written to the live resource's ctl) learns it went well. */
struct recent {
	enum osfs_kind_id kind;
	char *fname, *id;
	double made_at;             /* monotonic seconds */
	struct recent *next;
};

struct osfs_drafts {
	pthread_mutex_t lock;       /* see the lock note above */
	pthread_cond_t changed;     /* with lock: a boot ended, a draft settled, a settler stopped */
	struct draft *head;         /* protected by lock */
	struct secret *secrets;     /* protected by lock */
	struct recent *recent;      /* protected by lock */
	int settlers;               /* protected by lock: settler threads running */
	bool stopping;              /* protected by lock: the mount ends, settlers stop */
};

struct osfs_drafts *osfs_drafts_new(void)
{
	struct osfs_drafts *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->changed, &ca);
	pthread_condattr_destroy(&ca);
	return d;
}

/* Wait on d->changed (lock held) until the monotonic time `until`.
 * Returns false once that time has passed. */
static bool wait_until_locked(struct osfs_drafts *d, double until)
{
	struct timespec ts;

	if (osfs_now_mono() >= until)
		return false;
	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	pthread_cond_timedwait(&d->changed, &d->lock, &ts);
	return true;
}

static void recent_free(struct recent *r)
{
	free(r->fname);
	free(r->id);
	free(r);
}

/* Remember that a boot of draft fname made resource id. */
static void recent_add_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
			      const char *id)
{
	struct recent *r = calloc(1, sizeof(*r));

	if (!r || !(r->fname = strdup(fname)) || !(r->id = strdup(id))) {
		if (r)
			recent_free(r);
		return;
	}
	r->kind = kind;
	r->made_at = osfs_now_mono();
	r->next = d->recent;
	d->recent = r;
}

/* A recent boot of `kind` made by draft fname (or, fname NULL, of id). */
static bool recent_find_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
			       const char *id)
{
	double now = osfs_now_mono();

	for (struct recent **p = &d->recent; *p;) {
		struct recent *r = *p;
		if (now - r->made_at > RECENT_S) {
			*p = r->next;
			recent_free(r);
			continue;
		}
		if (r->kind == kind && (fname ? strcmp(r->fname, fname) : strcmp(r->id, id)) == 0)
			return true;
		p = &r->next;
	}
	return false;
}

static void fields_free(struct draft_fields *f)
{
	for (int i = 0; i < D_NFILES; i++)
		free(f->vals[i]);
	for (size_t i = 0; i < f->nmeta; i++) {
		free(f->meta[i].key);
		free(f->meta[i].value);
	}
	free(f->meta);
	free(f->flavor_id);
	free(f->image_id);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

static char *dup_or_null(const char *s, bool *ok)
{
	char *out = s ? strdup(s) : NULL;

	if (s && !out)
		*ok = false;
	return out;
}

/* A deep copy of src into dst.  0 or -ENOMEM (dst then empty). */
static int fields_copy(const struct draft_fields *src, struct draft_fields *dst)
{
	bool ok = true;

	memset(dst, 0, sizeof(*dst));
	dst->name = dup_or_null(src->name, &ok);
	for (int i = 0; i < D_NFILES; i++)
		if (i != D_USER_DATA)
			dst->vals[i] = dup_or_null(src->vals[i], &ok);
	if (src->user_data_len && (dst->vals[D_USER_DATA] = malloc(src->user_data_len + 1))) {
		memcpy(dst->vals[D_USER_DATA], src->vals[D_USER_DATA], src->user_data_len + 1);
		dst->user_data_len = src->user_data_len;
	} else if (src->user_data_len) {
		ok = false;
	}
	dst->flavor_id = dup_or_null(src->flavor_id, &ok);
	dst->image_id = dup_or_null(src->image_id, &ok);
	if (src->nmeta && !(dst->meta = calloc(src->nmeta, sizeof(*dst->meta))))
		ok = false;
	for (size_t i = 0; ok && i < src->nmeta; i++, dst->nmeta++) {
		const char *v = src->meta[i].value; /* NULL: created, not written yet */
		dst->meta[i].key = dup_or_null(src->meta[i].key, &ok);
		dst->meta[i].value = dup_or_null(v ? v : "", &ok);
	}
	if (!ok)
		fields_free(dst);
	return ok ? 0 : -ENOMEM;
}

static void undo_clear(struct undo *u)
{
	free(u->key);
	free(u->value);
	free(u->id);
	memset(u, 0, sizeof(*u));
	u->f = -1;
}

static void draft_free(struct draft *dr)
{
	undo_clear(&dr->undo);
	fields_free(&dr->f);
	free(dr->created);
	free(dr->fname);
	free(dr);
}

/* Free a password, overwritten first. */
static void wipe_free(char *pass)
{
	if (pass)
		explicit_bzero(pass, strlen(pass));
	free(pass);
}

static void secret_free(struct secret *s)
{
	wipe_free(s->pass);
	free(s->id);
	free(s);
}

/* Drop the secret of server `id`, if any. */
static void forget_secret_locked(struct osfs_drafts *d, const char *id)
{
	for (struct secret **p = &d->secrets; *p; p = &(*p)->next) {
		if (strcmp((*p)->id, id) == 0) {
			struct secret *s = *p;
			*p = s->next;
			secret_free(s);
			return;
		}
	}
}

/* Keep pass (taken over, NULL: nothing) as server id's adminPass. */
static void keep_secret(struct osfs_drafts *d, const char *id, char *pass)
{
	struct secret *s = pass ? calloc(1, sizeof(*s)) : NULL;

	if (s && (s->id = strdup(id))) {
		s->pass = pass;
		s->made_wall = osfs_now_real();
		pthread_mutex_lock(&d->lock);
		forget_secret_locked(d, id);
		s->next = d->secrets;
		d->secrets = s;
		pthread_mutex_unlock(&d->lock);
		return;
	}
	free(s);
	wipe_free(pass);
}

char *osfs_drafts_admin_pass(struct osfs_fs *fs, const char *id)
{
	struct osfs_drafts *d = fs->drafts;
	char *out = NULL;

	pthread_mutex_lock(&d->lock);
	for (struct secret *s = d->secrets; s && !out; s = s->next)
		if (strcmp(s->id, id) == 0 && asprintf(&out, "%s\n", s->pass) < 0)
			out = NULL;
	pthread_mutex_unlock(&d->lock);
	return out;
}

bool osfs_drafts_has_admin_pass(struct osfs_fs *fs, const char *id)
{
	struct osfs_drafts *d = fs->drafts;
	bool found = false;

	pthread_mutex_lock(&d->lock);
	for (struct secret *s = d->secrets; s && !found; s = s->next)
		found = strcmp(s->id, id) == 0;
	pthread_mutex_unlock(&d->lock);
	return found;
}

void osfs_drafts_free(struct osfs_drafts *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_broadcast(&d->changed);
	while (d->settlers)
		pthread_cond_wait(&d->changed, &d->lock);
	pthread_mutex_unlock(&d->lock);
	while (d->recent) {
		struct recent *next = d->recent->next;
		recent_free(d->recent);
		d->recent = next;
	}
	while (d->secrets) {
		struct secret *next = d->secrets->next;
		secret_free(d->secrets);
		d->secrets = next;
	}
	while (d->head) {
		struct draft *next = d->head->next;
		draft_free(d->head);
		d->head = next;
	}
	pthread_cond_destroy(&d->changed);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static void unlink_locked(struct osfs_drafts *d, struct draft *dr)
{
	for (struct draft **p = &d->head; *p; p = &(*p)->next) {
		if (*p == dr) {
			*p = dr->next;
			draft_free(dr);
			return;
		}
	}
}

/* Forget booted drafts that waited long enough for a listing. */
static void prune_locked(struct osfs_drafts *d)
{
	double now = osfs_now_mono();

	for (struct draft **p = &d->head; *p;) {
		struct draft *dr = *p;
		if (dr->state == DR_BOOTED && now - dr->booted_at > BOOTED_KEEP_S) {
			*p = dr->next;
			draft_free(dr);
		} else {
			p = &dr->next;
		}
	}
}

static struct draft *find_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname)
{
	prune_locked(d);
	for (struct draft *dr = d->head; dr; dr = dr->next)
		if (dr->kind == kind && strcmp(dr->fname, fname) == 0)
			return dr;
	return NULL;
}

static const char *noun_of(enum osfs_kind_id kind);

/* -EBUSY, and why a settling draft cannot boot or change. */
static int settling_why(const struct draft *dr, char *why)
{
	snprintf(why, WHY_MAX, "the answer to the create request did not come; waiting to see "
		 "whether the %s was made", noun_of(dr->kind));
	return -EBUSY;
}

/* The draft a write may change: 0, -ENOENT, or -EBUSY once it boots. */
static int find_open_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
			    struct draft **dr, char *why)
{
	*dr = find_locked(d, kind, fname);
	if (!*dr)
		return -ENOENT;
	if ((*dr)->state == DR_SETTLING)
		return settling_why(*dr, why);
	if ((*dr)->state != DR_OPEN) {
		snprintf(why, WHY_MAX, "the draft is being created: it cannot change now");
		return -EBUSY;
	}
	return 0;
}

/* ---- the error file: what the last write did ---- */

static char *note_key(enum osfs_kind_id kind, const char *fname)
{
	char *key = NULL;
	if (asprintf(&key, "draft:%s:%s", osfs_kinds[kind].dir, fname) < 0)
		return NULL;
	return key;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *why, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_MAX, fmt, ap);
	va_end(ap);
	return err;
}

/* The one place a draft's error note is set: cleared on success; on
 * failure the reason (or the errno's text when there is none), also
 * logged.  Returns ret. */
static int report(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, int ret,
		  const char *why)
{
	char *key = note_key(kind, fname);
	const char *msg = ret == 0 ? NULL : why && *why ? why : strerror(-ret);

	if (key)
		osfs_notes_set(fs->notes, key, msg);
	free(key);
	if (msg)
		log_err("%s/%s: %s", osfs_kinds[kind].dir, fname, msg);
	return ret;
}

/* A failure about a draft that is gone leaves no note behind. */
static int report_write(struct osfs_fs *fs, const struct osfs_node *node, int ret, const char *why)
{
	if (ret == -ENOENT && !*why)
		return ret;
	return report(fs, node->kind, node->key, ret, why);
}

/* ---- lookup and listing ---- */

static int dfile_by_name(enum osfs_kind_id kind, const char *name)
{
	for (int i = 0; i < D_NFILES; i++)
		if ((dfiles[i].kinds & (1u << kind)) && strcmp(dfiles[i].name, name) == 0)
			return i;
	return -1;
}

static struct osfs_kv *meta_find(const struct draft_fields *f, const char *key)
{
	for (size_t i = 0; i < f->nmeta; i++)
		if (strcmp(f->meta[i].key, key) == 0)
			return &f->meta[i];
	return NULL;
}

int osfs_drafts_lookup(struct osfs_fs *fs, enum osfs_kind_id kind, const char *name,
		       char **rest, int nrest, struct osfs_node *node)
{
	struct osfs_drafts *d = fs->drafts;
	struct draft *dr;
	int ret = 0, f = -1;

	pthread_mutex_lock(&d->lock);
	dr = find_locked(d, kind, name);
	if (!dr || dr->state == DR_BOOTED) {
		ret = 1; /* no draft, or the new resource answers for it */
		goto out;
	}
	if (nrest >= 1 && (f = dfile_by_name(kind, rest[0])) < 0)
		ret = -ENOENT;
	else if (nrest == 2 && (f != D_METADATA || !meta_find(&dr->f, rest[1])))
		ret = -ENOENT;
	else if (nrest > 2)
		ret = -ENOENT;
	if (ret < 0)
		goto out;
	node->type = nrest == 0 || (nrest == 1 && f == D_METADATA) ? OSFS_N_DRAFT : OSFS_N_DRAFT_FILE;
	node->kind = kind;
	node->index = f;
	node->key = strdup(name);
	node->subkey = nrest == 2 ? strdup(rest[1]) : NULL;
	if (!node->key || (nrest == 2 && !node->subkey))
		ret = -ENOMEM;
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* Is a booted draft still needed in a listing that lacks its resource? */
static bool listed_locked(struct osfs_drafts *d, struct draft *dr, const struct osfs_listing *l)
{
	if (dr->state != DR_BOOTED || !l)
		return true;
	if (osfs_listing_find_id(l, dr->created) || (!l->single && l->fetched > dr->booted_wall)) {
		/* the listing shows it now, or was asked for after the boot
		 * and so knows it is gone already */
		unlink_locked(d, dr);
		return false;
	}
	return !osfs_listing_find(l, dr->fname);
}

/* A server that a whole listing asked for after its boot lacks is gone
 * (deleted outside the mount too): its password goes with it. */
static void prune_secrets_locked(struct osfs_drafts *d, const struct osfs_listing *l)
{
	for (struct secret **p = &d->secrets; *p;) {
		struct secret *s = *p;
		if (l && !l->single && l->fetched > s->made_wall && !osfs_listing_find_id(l, s->id)) {
			*p = s->next;
			secret_free(s);
		} else {
			p = &s->next;
		}
	}
}

void osfs_drafts_list(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_listing *l,
		      osfs_fill_fn fill, void *ctx)
{
	struct stat st = { .st_mode = S_IFDIR | 0755 };
	struct osfs_drafts *d = fs->drafts;

	pthread_mutex_lock(&d->lock);
	prune_locked(d);
	if (kind == OSFS_SERVERS)
		prune_secrets_locked(d, l);
	for (struct draft *dr = d->head, *next; dr; dr = next) {
		next = dr->next;
		if (dr->kind == kind && listed_locked(d, dr, l) && fill(ctx, dr->fname, &st))
			break;
	}
	pthread_mutex_unlock(&d->lock);
}

void osfs_drafts_forget(struct osfs_fs *fs, enum osfs_kind_id kind, const char *id)
{
	struct osfs_drafts *d = fs->drafts;

	pthread_mutex_lock(&d->lock);
	for (struct draft *dr = d->head, *next; dr; dr = next) {
		next = dr->next;
		if (dr->kind == kind && dr->state == DR_BOOTED && strcmp(dr->created, id) == 0)
			unlink_locked(d, dr);
	}
	if (kind == OSFS_SERVERS)
		forget_secret_locked(d, id);
	pthread_mutex_unlock(&d->lock);
}

int osfs_drafts_list_files(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	struct draft *dr;
	int ret = 0;

	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, node->kind, node->key);
	if (!dr) {
		ret = -ENOENT;
	} else if (node->index == D_METADATA) {
		struct stat st = { .st_mode = S_IFREG | 0644 };
		for (size_t i = 0; i < dr->f.nmeta; i++)
			if (fill(ctx, dr->f.meta[i].key, &st))
				break;
	} else {
		for (int i = 0; i < D_NFILES; i++) {
			struct stat st = { .st_mode = dfiles[i].dir ? S_IFDIR | 0755 :
				S_IFREG | (dfiles[i].writable ? 0644 : 0444) };
			if ((dfiles[i].kinds & (1u << node->kind)) && fill(ctx, dfiles[i].name, &st))
				break;
		}
	}
	pthread_mutex_unlock(&fs->drafts->lock);
	return ret;
}

bool osfs_drafts_file_writable(const struct osfs_node *node)
{
	return node->subkey || (node->index >= 0 && dfiles[node->index].writable);
}

bool osfs_drafts_file_is_command(const struct osfs_node *node)
{
	return !node->subkey && node->index == D_CTL;
}

int osfs_drafts_check_write(struct osfs_fs *fs, const struct osfs_node *node)
{
	char why[WHY_MAX] = "";
	struct draft *dr;
	int ret;

	if (!osfs_drafts_file_writable(node))
		return -EACCES;
	pthread_mutex_lock(&fs->drafts->lock);
	ret = find_open_locked(fs->drafts, node->kind, node->key, &dr, why);
	pthread_mutex_unlock(&fs->drafts->lock);
	return ret == -EBUSY ? report_write(fs, node, ret, why) : ret;
}

/* ---- reading ---- */

static char *server_missing(const struct draft_fields *f)
{
	char *out = NULL;

	if (asprintf(&out, "%s%s", f->flavor_id ? "" : "flavor\n", f->image_id ? "" : "image\n") < 0)
		return NULL;
	return out;
}

static char *keypair_missing(const struct draft_fields *f)
{
	return strdup(f->vals[D_PUBLIC_KEY] ? "" : "public_key\n");
}

static char *volume_missing(const struct draft_fields *f)
{
	return strdup(f->vals[D_SIZE] ? "" : "size\n");
}

/* What a create call made: the new id, a secret to keep (adminPass),
 * and, when the answer did not come (unsure), the ids of that name from
 * before the POST, for settling.  All owned; made_free frees them. */
struct made {
	char *created;
	char *secret;
	char **before;
	bool unsure;
};

static int boot_server(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
		       struct made *out, char *why);
static int import_keypair(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
			  struct made *out, char *why);
static int create_volume(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
			 struct made *out, char *why);
static int server_defaults(struct osfs_fs *fs, const char *fname, bool *complete);
static int volume_defaults(struct osfs_fs *fs, const char *fname, bool *complete);

/* What differs between the kinds that have drafts. */
static const struct draft_kind {
	enum osfs_kind_id kind;
	const char *verb;  /* the ctl word that creates it ("boot"); NULL: made once complete */
	const char *creating; /* its status while the API creates it */
	const char *settling; /* its status while a create whose answer did not come settles */
	const char *noun;     /* "server" */
	char *(*missing)(const struct draft_fields *f);  /* "flavor\nimage\n"; caller frees */
	int (*create)(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
		      struct made *out, char *why);
	/* the ids of this kind named `name` (caller frees), to settle; or NULL */
	char **(*named)(struct osfs_api *api, const char *name);
	int (*defaults)(struct osfs_fs *fs, const char *fname, bool *complete); /* or NULL */
} draft_kinds[] = {
	{ OSFS_SERVERS, "boot", "BUILD", "SETTLING", "server", server_missing, boot_server,
	  osfs_compute_servers_named, server_defaults },
	{ OSFS_KEYPAIRS, NULL, NULL, NULL, "keypair", keypair_missing, import_keypair, NULL, NULL },
	{ OSFS_VOLUMES, "create", "creating", "settling", "volume", volume_missing, create_volume,
	  osfs_volume_ids_named, volume_defaults },
};

static const struct draft_kind *draft_kind_of(enum osfs_kind_id kind)
{
	for (size_t i = 0; i < sizeof(draft_kinds) / sizeof(draft_kinds[0]); i++)
		if (draft_kinds[i].kind == kind)
			return &draft_kinds[i];
	return NULL;
}

static const char *noun_of(enum osfs_kind_id kind)
{
	return draft_kind_of(kind)->noun;
}

static char *missing_of(enum osfs_kind_id kind, const struct draft_fields *f)
{
	return draft_kind_of(kind)->missing(f);
}

/* "boot\ndelete\n": what a draft's ctl takes. */
static char *ctl_text(enum osfs_kind_id kind)
{
	const char *verb = draft_kind_of(kind)->verb;
	char *out = NULL;

	if (asprintf(&out, "%s%sdelete\n", verb ? verb : "", verb ? "\n" : "") < 0)
		return NULL;
	return out;
}

static char *line_of(const char *s)
{
	char *out = NULL;
	if (!s)
		return strdup("");
	if (asprintf(&out, "%s\n", s) < 0)
		return NULL;
	return out;
}

static char *read_locked(struct osfs_fs *fs, struct draft *dr, const struct osfs_node *node, size_t *len)
{
	char *key, *out;

	if (node->subkey) {
		const struct osfs_kv *kv = meta_find(&dr->f, node->subkey);
		return kv ? line_of(kv->value) : NULL;
	}
	switch (node->index) {
	case D_STATUS:
		if (dr->state == DR_SETTLING)
			return line_of(draft_kind_of(dr->kind)->settling);
		return dr->state == DR_OPEN ? strdup("DRAFT\n") : line_of(draft_kind_of(dr->kind)->creating);
	case D_MISSING:
		return missing_of(dr->kind, &dr->f);
	case D_NAME:
		return line_of(dr->f.name);
	case D_USER_DATA:
		out = malloc(dr->f.user_data_len + 1);
		if (out) {
			if (dr->f.user_data_len)
				memcpy(out, dr->f.vals[D_USER_DATA], dr->f.user_data_len);
			out[dr->f.user_data_len] = '\0';
			*len = dr->f.user_data_len;
		}
		return out;
	case D_CTL:
		return ctl_text(dr->kind);
	case D_ERROR:
		key = note_key(dr->kind, dr->fname);
		out = key ? osfs_notes_get(fs->notes, key) : NULL;
		free(key);
		return out;
	default:
		return line_of(dr->f.vals[node->index]);
	}
}

int osfs_drafts_read(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len)
{
	struct draft *dr;

	*len = (size_t)-1;
	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, node->kind, node->key);
	*buf = dr ? read_locked(fs, dr, node, len) : NULL;
	pthread_mutex_unlock(&fs->drafts->lock);
	if (!dr)
		return -ENOENT;
	if (!*buf)
		return -ENOMEM;
	if (*len == (size_t)-1)
		*len = strlen(*buf);
	return 0;
}

/* ---- resolving names against the cache ---- */

/* The id of the one `kind` resource that `value` names: an id, an API
 * name shared by no other, or a file name (e.g. "cirros~1a2b3c4d"). */
static int resolve(struct osfs_fs *fs, enum osfs_kind_id kind, const char *value, char **id,
		   char *why)
{
	struct osfs_listing *l = NULL;
	struct osfs_res *hit = NULL, *first = NULL;
	char *msg = NULL, *fname = NULL;
	size_t same = 0;
	int ret;

	*id = NULL;
	ret = osfs_cache_list(fs->cache, kind, &l, &msg);
	if (ret < 0) {
		ret = fail(why, ret, "cannot list %s: %s", osfs_kinds[kind].dir, msg ? msg : strerror(-ret));
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
		ret = fail(why, -EINVAL, "%zu %s are named '%.200s': write an id or a name from "
			   "%s/ such as '%.200s~...'", same, osfs_kinds[kind].dir, value,
			   osfs_kinds[kind].dir, first->fname);
		goto out;
	}
	if (!hit && (fname = osfs_name_encode(value)))
		hit = osfs_listing_find(l, fname);
	if (!hit) {
		char names[512] = "";
		for (size_t i = 0, o = 0; i < l->n && o < sizeof(names); i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, " %s", l->items[i]->fname);
		ret = fail(why, -EINVAL, "nothing in %s/ is named or has the id '%.200s'; there are:%s",
			   osfs_kinds[kind].dir, value, names);
		goto out;
	}
	*id = strdup(hit->id);
	ret = *id ? 0 : -ENOMEM;
out:
	free(fname);
	free(msg);
	osfs_listing_put(l);
	return ret;
}

int osfs_drafts_resolve(struct osfs_fs *fs, enum osfs_kind_id kind, const char *value, char **id,
			char *why)
{
	return resolve(fs, kind, value, id, why);
}

/* ---- checking and writing fields ---- */

static char *single_line(const char *data, size_t len)
{
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
		       data[len - 1] == ' ' || data[len - 1] == '\t'))
		len--;
	if (memchr(data, '\0', len))
		return NULL;
	return strndup(data, len);
}

/* A one-line text field within its limit.  0 or -EINVAL with why. */
static int check_text(int f, const char *value, char *why)
{
	size_t n = osfs_text_chars(value);

	if (n > dfiles[f].max)
		return fail(why, -EINVAL, "%s: at most %zu characters, this value has %zu",
			    dfiles[f].name, dfiles[f].max, n);
	if (f != D_NETWORKS && f != D_SECURITY_GROUPS && f != D_PUBLIC_KEY &&
	    osfs_text_has_control(value))
		return fail(why, -EINVAL, "%s: one line of text without control characters",
			    dfiles[f].name);
	return 0;
}

static bool valid_meta_key(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > API_TEXT_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. ", *p))
			return false;
	return true;
}

#define NET_SEPS "\n ,"
#define SG_SEPS "\n"
#define VOLUME_GIB_MAX 1000000L   /* far above any quota; keeps the number sane */

/* "auto", "none", or network names or ids separated by blanks, commas or
 * lines; names are resolved at boot. */
static int check_networks(const char *value, char *why)
{
	char *copy = strdup(value), *save = NULL;
	size_t n = 0, modes = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, NET_SEPS, &save); tok; tok = strtok_r(NULL, NET_SEPS, &save)) {
		n++;
		modes += strcmp(tok, "auto") == 0 || strcmp(tok, "none") == 0;
		if (osfs_text_has_control(tok) && ret == 0)
			ret = fail(why, -EINVAL, "networks: names without control characters");
	}
	if (ret == 0 && modes && n > 1)
		ret = fail(why, -EINVAL, "networks: auto and none stand alone: write auto, none, "
			   "or network names or ids");
	free(copy);
	return ret;
}

/* Security group names, one per line. */
static int check_security_groups(const char *value, char *why)
{
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			return fail(why, -EINVAL, "security_groups: names, one per line");
	return 0;
}

/* A size in GiB: a positive integer. */
static int check_size(const char *value, char *why)
{
	char *end = NULL;
	long n = strtol(value, &end, 10);

	if (!*value || *value == '-' || *value == '+' || *end || n <= 0 || n > VOLUME_GIB_MAX)
		return fail(why, -EINVAL, "'%.40s' is not a size: write a whole number of GiB, 1 or more",
			    value);
	return 0;
}

static int check_field(int f, const char *value, char *why)
{
	if (!*value)
		return 0; /* clears the field */
	switch (f) {
	case D_NETWORKS:
		return check_networks(value, why);
	case D_SECURITY_GROUPS:
		return check_security_groups(value, why);
	case D_BOOT_VOLUME_SIZE:
	case D_SIZE:
		return check_size(value, why);
	default:
		return 0;
	}
}

static int set_user_data_locked(struct draft *dr, const char *data, size_t len, char *why)
{
	char *value;

	if (len > USER_DATA_MAX)
		return fail(why, -EFBIG, "user_data is over %d bytes (65535 once base64-encoded)",
			    USER_DATA_MAX);
	if (!(value = malloc(len + 1)))
		return -ENOMEM;
	memcpy(value, data, len);
	value[len] = '\0';
	free(dr->f.vals[D_USER_DATA]);
	dr->f.vals[D_USER_DATA] = value;
	dr->f.user_data_len = len;
	return 0;
}

static int set_field_locked(struct draft *dr, int f, const char *data, size_t len, char *why)
{
	char *value = NULL;
	int ret;

	if (f == D_USER_DATA)
		return set_user_data_locked(dr, data, len, why);
	if (len > VALUE_MAX)
		return fail(why, -EFBIG, "%s: value too long", dfiles[f].name);
	if (!(value = single_line(data, len)))
		return fail(why, -EINVAL, "%s: the value must be text", dfiles[f].name);
	ret = check_text(f, value, why);
	if (ret == 0)
		ret = check_field(f, value, why);
	if (ret < 0) {
		free(value);
		return ret;
	}
	free(dr->f.vals[f]);
	dr->f.vals[f] = *value ? value : NULL;
	if (!*value)
		free(value);
	return 0;
}

static int set_meta_locked(struct draft *dr, const char *key, const char *data, size_t len, char *why)
{
	struct osfs_kv *kv = meta_find(&dr->f, key);
	char *v = len <= VALUE_MAX ? single_line(data, len) : NULL;
	int ret = 0;

	if (!kv)
		ret = fail(why, -ENOENT, "metadata: no key '%.255s'", key);
	else if (!v || osfs_text_chars(v) > API_TEXT_MAX)
		ret = fail(why, -EINVAL, "metadata values are text of at most %d characters", API_TEXT_MAX);
	if (ret == 0) {
		free(kv->value);
		kv->value = v;
		v = NULL;
	}
	free(v);
	return ret;
}

static int resolve_networks(struct osfs_fs *fs, char **nets, char *why);
static char **split_at(const char *s, const char *seps);

/* networks: each name or id known to Neutron (auto and none are words). */
static int check_named_networks(struct osfs_fs *fs, const char *value, char *why)
{
	char **nets;
	int ret;

	if ((ret = check_networks(value, why)) < 0 || strcmp(value, "auto") == 0 ||
	    strcmp(value, "none") == 0)
		return ret;
	if (!(nets = split_at(value, NET_SEPS)))
		return -ENOMEM;
	ret = resolve_networks(fs, nets, why);
	osfs_model_strv_free(nets);
	return ret;
}

/* flavor, image, key_name, networks: checked, then resolved (against the
 * cache, or Neutron) without the lock, then stored if the draft is still
 * open, as written (flavor and image with their ids). */
static int resolve_field(struct osfs_fs *fs, struct osfs_node *node, int f, const char *data,
			 size_t len, char *why)
{
	enum osfs_kind_id target = f == D_FLAVOR ? OSFS_FLAVORS : f == D_IMAGE ? OSFS_IMAGES : OSFS_KEYPAIRS;
	char *value = len <= VALUE_MAX ? single_line(data, len) : NULL, *id = NULL;
	struct draft *dr;
	int ret;

	if (!value)
		return fail(why, -EINVAL, "%s: one line of text", dfiles[f].name);
	ret = check_text(f, value, why);
	if (ret == 0 && *value && f == D_NETWORKS)
		ret = check_named_networks(fs, value, why);
	else if (ret == 0 && *value)
		ret = resolve(fs, target, value, &id, why);
	pthread_mutex_lock(&fs->drafts->lock);
	if (ret == 0)
		ret = find_open_locked(fs->drafts, node->kind, node->key, &dr, why);
	if (ret == 0) {
		char **slot = f == D_FLAVOR ? &dr->f.flavor_id : f == D_IMAGE ? &dr->f.image_id : NULL;
		free(dr->f.vals[f]);
		dr->f.vals[f] = *value ? value : NULL;
		value = NULL;
		if (slot) {
			free(*slot);
			*slot = id;
			id = NULL;
		}
	}
	pthread_mutex_unlock(&fs->drafts->lock);
	free(value);
	free(id);
	return ret;
}

/* ---- booting ---- */

static char *base64(const char *data, size_t len)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)data[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)data[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)data[i + 2];
		*p++ = tbl[(v >> 18) & 63];
		*p++ = tbl[(v >> 12) & 63];
		*p++ = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? tbl[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

static bool in_list(char **list, const char *id)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], id) == 0)
			return true;
	return false;
}

/* After a POST that got no clear answer: the id of a `kind` resource
 * named `name` that was not there before, or NULL (caller frees). */
static char *find_new(struct osfs_fs *fs, enum osfs_kind_id kind, const char *name, char **before)
{
	char **now = draft_kind_of(kind)->named(fs->api, name), *id = NULL;

	for (size_t i = 0; now && now[i] && !id; i++)
		if (!in_list(before, now[i]))
			id = strdup(now[i]);
	osfs_model_strv_free(now);
	return id;
}

/* No answer, a dropped connection, or a 5xx: the POST may have worked. */
static bool unclear(long status)
{
	return status == 0 || status >= 500;
}

/* A create with no clear answer: a resource of that name that was not
 * there before (out->before) is the one made (0).  With none yet, and a
 * request that `left` with no answer at all (a timeout, a dropped
 * connection, a gateway's timeout: the service may still be making it),
 * out->unsure and the reason in why: the draft settles.  A request that
 * never left (the service failed just before and was not asked) made
 * nothing.  Returns ret or 0. */
static int recover(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, const char *name,
		   struct made *out, int ret, bool left, const char *msg, char *why)
{
	const struct draft_kind *dk = draft_kind_of(kind);

	out->created = find_new(fs, kind, name, out->before);
	if (out->created) {
		log_warn("%s/%s: the create request failed (%s) but the %s exists: %s",
			 osfs_kinds[kind].dir, fname, msg ? msg : strerror(-ret), dk->noun, out->created);
		return 0;
	}
	if (!left)
		return ret; /* an answer, an error, or nothing sent: nothing was made */
	out->unsure = true;
	return fail(why, ret, "the answer to %s did not come (%.200s); waiting to see whether the %s "
		    "was made: status reads %s until then", dk->verb ? dk->verb : "the create request",
		    msg ? msg : strerror(-ret), dk->noun, dk->settling);
}

/* The tokens of s split at any of seps; NULL-ended, NULL on ENOMEM. */
static char **split_at(const char *s, const char *seps)
{
	char *copy = s ? strdup(s) : NULL, *save = NULL;
	char **out = calloc(s ? strlen(s) / 2 + 2 : 1, sizeof(*out));
	size_t n = 0;

	for (char *tok = copy ? strtok_r(copy, seps, &save) : NULL; out && tok;
	     tok = strtok_r(NULL, seps, &save))
		if (!(out[n++] = strdup(tok)))
			break;
	if (out && n && !out[n - 1]) {
		osfs_model_strv_free(out);
		out = NULL;
	}
	free(copy);
	return out;
}

static enum osfs_net_mode net_mode(const struct draft_fields *f)
{
	const char *mode = f->vals[D_NETWORKS] ? f->vals[D_NETWORKS] : "auto";

	return strcmp(mode, "none") == 0 ? OSFS_NET_NONE :
	       strcmp(mode, "auto") == 0 ? OSFS_NET_AUTO : OSFS_NET_LIST;
}

/* Network names and ids → ids, through Neutron.  Without a network
 * service an id is passed to Nova as written; a name cannot be. */
static int resolve_networks(struct osfs_fs *fs, char **nets, char *why)
{
	for (size_t i = 0; nets[i]; i++) {
		char *id = NULL;
		int ret = osfs_network_resolve(fs->api, nets[i], &id, why, WHY_MAX);
		if (ret == -ENODEV && osfs_network_is_uuid(nets[i]))
			continue;
		if (ret == -ENODEV)
			return fail(why, -EINVAL, "networks: '%.200s' is a name, and this cloud has no "
				    "network service to look it up: write a network id", nets[i]);
		if (ret < 0 && !*why)
			fail(why, ret, "networks: cannot look up '%.200s': %s", nets[i], strerror(-ret));
		if (ret < 0)
			return ret;
		free(nets[i]);
		nets[i] = id;
	}
	return 0;
}

/* The request body for the copy a boot took, networks resolved first. */
static int boot_body(struct osfs_fs *fs, const struct draft_fields *f, char **body, char *why)
{
	char *b64 = NULL, **nets = split_at(f->vals[D_NETWORKS], NET_SEPS);
	char **groups = split_at(f->vals[D_SECURITY_GROUPS], SG_SEPS);
	const char *size = f->vals[D_BOOT_VOLUME_SIZE];
	int ret = -ENOMEM;

	*body = NULL;
	b64 = f->user_data_len ? base64(f->vals[D_USER_DATA], f->user_data_len) : NULL;
	if (!nets || !groups || (f->user_data_len && !b64))
		goto out;
	if (net_mode(f) == OSFS_NET_LIST && (ret = resolve_networks(fs, nets, why)) < 0)
		goto out;
	struct osfs_boot_spec spec = {
		.server = {
			.name = f->name, .flavor_ref = f->flavor_id, .image_ref = f->image_id,
			.key_name = f->vals[D_KEY_NAME], .user_data_b64 = b64,
			.availability_zone = f->vals[D_AZ], .net_mode = net_mode(f),
			.net_ids = (const char *const *)nets, .metadata = f->meta, .nmetadata = f->nmeta,
		},
		.security_groups = (const char *const *)groups,
		.boot_volume_size = size ? strtol(size, NULL, 10) : 0,
	};
	*body = osfs_compute_boot_body(&spec);
	ret = *body ? 0 : -ENOMEM;
out:
	osfs_model_strv_free(nets);
	osfs_model_strv_free(groups);
	free(b64);
	return ret;
}

/* POST /servers with the copy a boot took.  out->created: the new id;
 * out->secret: the password the answer gave, or NULL. */
static int boot_server(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
		       struct made *out, char *why)
{
	char *body = NULL, *msg = NULL;
	long status = 0;
	int ret;

	if ((ret = boot_body(fs, f, &body, why)) < 0)
		goto out;
	out->before = osfs_compute_servers_named(fs->api, f->name);
	ret = osfs_compute_boot(fs->api, body, &out->created, &out->secret, &status, &msg);
	if (ret < 0 && unclear(status))
		ret = recover(fs, OSFS_SERVERS, fname, f->name, out, ret, osfs_error_unanswered() != NULL,
			      msg, why);
	if (ret < 0 && msg && !out->unsure)
		fail(why, ret, "%s", msg);
out:
	free(msg);
	free(body);
	return ret;
}

static int import_keypair(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
			  struct made *out, char *why)
{
	char *msg = NULL;
	int ret = osfs_compute_import_keypair(fs->api, f->name, f->vals[D_PUBLIC_KEY], &msg);

	(void)fname;
	if (ret < 0 && msg)
		fail(why, ret, "%s", msg);
	if (ret == 0 && !(out->created = strdup(f->name))) /* a keypair's id is its name */
		ret = -ENOMEM;
	free(msg);
	return ret;
}

/* POST /volumes with the copy a create took, once. */
static int create_volume(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
			 struct made *out, char *why)
{
	char *msg = NULL;
	long status = 0;
	int ret;

	out->before = osfs_volume_ids_named(fs->api, f->name);
	ret = osfs_volume_create(fs->api, f->name, strtol(f->vals[D_SIZE], NULL, 10), &out->created,
				 &status, &msg);
	if (ret < 0 && unclear(status))
		ret = recover(fs, OSFS_VOLUMES, fname, f->name, out, ret, osfs_error_unanswered() != NULL,
			      msg, why);
	if (ret < 0 && msg && !out->unsure)
		fail(why, ret, "%s", msg);
	free(msg);
	return ret;
}

static void made_free(struct made *m)
{
	free(m->created);
	wipe_free(m->secret);
	osfs_model_strv_free(m->before);
	memset(m, 0, sizeof(*m));
}

struct osfs_draft_copy {
	struct draft_fields f;
};

void osfs_draft_copy_free(struct osfs_draft_copy *c)
{
	if (!c)
		return;
	fields_free(&c->f);
	free(c);
}

/* boot_begin on a draft found open, lock held. */
static int begin_locked(struct draft *dr, struct osfs_draft_copy **copy, char *why)
{
	char *missing = missing_of(dr->kind, &dr->f);
	int ret = 0;

	if (!missing) {
		ret = -ENOMEM;
		goto out;
	}
	if (*missing) {
		for (char *p = missing; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ',' : '\0';
		ret = fail(why, -EINVAL, "cannot create yet: missing %s", missing);
		goto out;
	}
	if (!(*copy = calloc(1, sizeof(**copy))) || fields_copy(&dr->f, &(*copy)->f) < 0) {
		free(*copy);
		*copy = NULL;
		ret = -ENOMEM;
		goto out;
	}
	dr->state = DR_BOOTING;
out:
	free(missing);
	return ret;
}

int osfs_drafts_boot_begin(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname,
			   struct osfs_draft_copy **copy, char *why)
{
	struct draft *dr;
	int ret;

	*copy = NULL;
	pthread_mutex_lock(&fs->drafts->lock);
	if ((ret = find_open_locked(fs->drafts, kind, fname, &dr, why)) == 0)
		ret = begin_locked(dr, copy, why);
	pthread_mutex_unlock(&fs->drafts->lock);
	return ret;
}

/* ---- settling: a create whose answer did not come ---- */

/* What a settler thread owns. */
struct settle {
	struct osfs_fs *fs;
	enum osfs_kind_id kind;
	char *fname, *name;
	char **before;              /* ids of that name before the POST */
	double until;               /* monotonic: give up then */
};

static void settle_free(struct settle *s)
{
	free(s->fname);
	free(s->name);
	osfs_model_strv_free(s->before);
	free(s);
}

/* How long a settling draft looks for its resource. */
static double settle_window_s(const struct osfs_fs *fs)
{
	double t = 4 * fs->opts.timeout;

	return t > SETTLE_MIN_S ? t : SETTLE_MIN_S;
}

/* How long a `boot` waits for the one in flight: its few requests. */
static double boot_wait_s(const struct osfs_fs *fs)
{
	return 4 * (fs->opts.timeout > 0 ? fs->opts.timeout : 30) + 5;
}

/* The settler's outcome: the draft becomes the resource id, or, with
 * none (id NULL), opens again, its error file saying why. */
static void settle_end(struct settle *s, const char *id)
{
	struct osfs_fs *fs = s->fs;
	const struct draft_kind *dk = draft_kind_of(s->kind);
	struct osfs_drafts *d = fs->drafts;
	char why[WHY_MAX] = "";
	struct draft *dr;
	int ret = 0;

	if (id) {
		log_info("%s/%s: settled: the create request made %s", osfs_kinds[s->kind].dir, s->fname, id);
		osfs_cache_watch(fs->cache, s->kind, id);
		osfs_cache_invalidate(fs->cache, (int)s->kind);
	} else {
		ret = fail(why, -ETIMEDOUT, "the answer to the create request did not come and no %s "
			   "named '%.200s' appeared within %.0f s: it was not made; write %s to ctl "
			   "to try again", dk->noun, s->name, settle_window_s(fs), dk->verb ? dk->verb : "");
	}
	pthread_mutex_lock(&d->lock);
	dr = find_locked(d, s->kind, s->fname);
	if (dr && dr->state == DR_SETTLING) {
		dr->boots++;
		dr->last_ret = ret;
		if (!id) {
			dr->state = DR_OPEN;
		} else if ((dr->created = strdup(id))) {
			dr->state = DR_BOOTED;
			dr->booted_at = osfs_now_mono();
			dr->booted_wall = osfs_now_real();
		} else {
			unlink_locked(d, dr);
		}
	}
	if (id)
		recent_add_locked(d, s->kind, s->fname, id);
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	report(fs, s->kind, s->fname, ret, why);
}

/* The settler: every SETTLE_POLL_S, is there a resource of the name that
 * was not there before the POST?  Stops early when the mount ends. */
static void *settle_run(void *arg)
{
	struct settle *s = arg;
	struct osfs_drafts *d = s->fs->drafts;
	char *id = NULL;
	bool stop = false, gave_up = false;

	while (!id && !stop && !gave_up) {
		double next = osfs_now_mono() + SETTLE_POLL_S;
		pthread_mutex_lock(&d->lock);
		while (!d->stopping && wait_until_locked(d, next))
			;
		stop = d->stopping;
		pthread_mutex_unlock(&d->lock);
		if (!stop) {
			id = find_new(s->fs, s->kind, s->name, s->before);
			gave_up = !id && osfs_now_mono() > s->until;
		}
	}
	if (!stop)
		settle_end(s, id);
	free(id);
	settle_free(s);
	pthread_mutex_lock(&d->lock);
	d->settlers--;
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Start settling dr (lock held): a detached thread, counted in
 * d->settlers; takes over m->before.  0 or -errno (nothing started). */
static int settle_start_locked(struct osfs_fs *fs, struct draft *dr, struct made *m)
{
	struct settle *s = calloc(1, sizeof(*s));
	pthread_attr_t attr;
	pthread_t thread;
	int ret = -ENOMEM;

	if (!s || !(s->fname = strdup(dr->fname)) || !(s->name = strdup(dr->f.name)))
		goto out;
	s->fs = fs;
	s->kind = dr->kind;
	s->until = osfs_now_mono() + settle_window_s(fs);
	s->before = m->before;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = -pthread_create(&thread, &attr, settle_run, s);
	pthread_attr_destroy(&attr);
	if (ret == 0) {
		m->before = NULL;
		fs->drafts->settlers++;
		s = NULL;
	} else {
		s->before = NULL;
	}
out:
	if (s)
		settle_free(s);
	return ret;
}

/* Record the end of a boot: BOOTED with m->created, SETTLING (a settler
 * started) when the answer did not come, else open again.  Wakes the
 * writers that wait for it.  m stays the caller's, but for m->before,
 * which a settler may take. */
static void boot_finish(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, int ret,
			struct made *m)
{
	struct osfs_drafts *d = fs->drafts;
	char *id = ret == 0 && m->created ? strdup(m->created) : NULL;
	struct draft *dr;

	if (ret == 0) { /* before BOOTED: a lookup after that lists the new resource */
		if (m->created && osfs_cache_name_created(fs->cache, kind, fname, m->created) < 0)
			log_info("%s/%s: no memory to keep its name", osfs_kinds[kind].dir, fname);
		if (m->created)
			osfs_cache_watch(fs->cache, kind, m->created);
		osfs_cache_invalidate(fs->cache, (int)kind);
	}
	pthread_mutex_lock(&d->lock);
	dr = find_locked(d, kind, fname);
	if (dr) {
		dr->boots++;
		dr->last_ret = ret;
	}
	if (dr && ret < 0 && m->unsure && settle_start_locked(fs, dr, m) == 0) {
		dr->state = DR_SETTLING;
	} else if (dr && ret < 0) {
		dr->state = DR_OPEN;
	} else if (dr && id) {
		dr->state = DR_BOOTED;
		dr->created = id;
		dr->booted_at = osfs_now_mono();
		dr->booted_wall = osfs_now_real();
		id = NULL;
	} else if (dr) {
		unlink_locked(d, dr);
	}
	if (ret == 0 && m->created)
		recent_add_locked(d, kind, fname, m->created);
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	free(id);
	if (ret == 0)
		log_info("%s/%s: created %s", osfs_kinds[kind].dir, fname, m->created ? m->created : "");
}

void osfs_drafts_boot_end(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, int ret,
			  const char *created)
{
	struct made m = { .created = (char *)created };

	boot_finish(fs, kind, fname, ret, &m);
}

/* A create asked for while the draft is not open: wait (up to wait_s)
 * for the one in flight and return its outcome; 0 once it made the
 * resource; -EBUSY while settling.  Lock held. */
static int join_boot_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
			    double wait_s, char *why)
{
	double until = osfs_now_mono() + wait_s;
	struct draft *dr = find_locked(d, kind, fname);
	unsigned boots = dr ? dr->boots : 0;

	while (dr && dr->state == DR_BOOTING && dr->boots == boots && wait_until_locked(d, until))
		dr = find_locked(d, kind, fname);
	if (!dr)
		return recent_find_locked(d, kind, fname, NULL) ? 0 : -ENOENT;
	if (dr->boots != boots)
		return dr->last_ret; /* the create in flight ended: its outcome */
	if (dr->state == DR_BOOTING)
		return fail(why, -EBUSY, "a create request for this draft is still under way");
	if (dr->state == DR_SETTLING)
		return settling_why(dr, why);
	return 0; /* DR_BOOTED */
}

/* Create the resource of a draft: freeze and copy it, send the copy;
 * or, when a create is in flight already, learn its outcome. */
static int commit(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_drafts *d = fs->drafts;
	struct osfs_draft_copy *copy = NULL;
	char why[WHY_MAX] = "";
	struct made m = { 0 };
	struct draft *dr;
	int ret;

	pthread_mutex_lock(&d->lock);
	dr = find_locked(d, kind, fname);
	if (dr && dr->state == DR_OPEN)
		ret = begin_locked(dr, &copy, why);
	else
		ret = join_boot_locked(d, kind, fname, boot_wait_s(fs), why);
	pthread_mutex_unlock(&d->lock);
	if (!copy) /* the create in flight reported its own outcome */
		return *why ? report(fs, kind, fname, ret, why) : ret;
	ret = draft_kind_of(kind)->create(fs, fname, &copy->f, &m, why);
	if (ret == 0 && m.created) {
		keep_secret(d, m.created, m.secret);
		m.secret = NULL;
	}
	boot_finish(fs, kind, fname, ret, &m);
	made_free(&m);
	osfs_draft_copy_free(copy);
	return report(fs, kind, fname, ret, why);
}

int osfs_drafts_late_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *id,
			    const char *data, size_t len)
{
	const struct draft_kind *dk = draft_kind_of(kind);
	char word[32], *msg = NULL;
	bool recent;

	if (!dk || !dk->verb)
		return 1;
	osfs_text_normalise(data, len < 256 ? len : 256, word, sizeof(word));
	if (strcmp(word, dk->verb) != 0)
		return 1;
	pthread_mutex_lock(&fs->drafts->lock);
	recent = recent_find_locked(fs->drafts, kind, NULL, id);
	pthread_mutex_unlock(&fs->drafts->lock);
	if (recent)
		return 0; /* the create this mount just made: the late writer learns it went well */
	if (asprintf(&msg, "this %s exists already: '%s' is for a draft (mkdir a new name)", dk->noun,
		     dk->verb) < 0)
		msg = NULL;
	osfs_notes_set(fs->notes, id, msg);
	log_err("%s/%s: %s", osfs_kinds[kind].dir, id, msg ? msg : "exists already");
	free(msg);
	return -EINVAL;
}

/* ---- entry points for write.c ---- */

static int remove_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname, char *why)
{
	struct draft *dr;
	int ret = find_open_locked(d, kind, fname, &dr, why);

	if (ret == 0)
		unlink_locked(d, dr);
	return ret;
}

static int draft_ctl(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	const char *verb = draft_kind_of(node->kind)->verb;
	char word[32], why[WHY_MAX] = "";
	int ret;

	osfs_text_normalise(data, len < 256 ? len : 256, word, sizeof(word));
	if (verb && strcmp(word, verb) == 0)
		return commit(fs, node->kind, node->key);
	if (strcmp(word, "delete") == 0) {
		pthread_mutex_lock(&fs->drafts->lock);
		ret = remove_locked(fs->drafts, node->kind, node->key, why);
		pthread_mutex_unlock(&fs->drafts->lock);
		return report(fs, node->kind, node->key, ret, why);
	}
	ret = fail(why, -EINVAL, "unknown verb for a draft: write %s%sdelete", verb ? verb : "",
		   verb ? " or " : "");
	return report(fs, node->kind, node->key, ret, why);
}

/* Does the draft hold all it needs (for kinds made once complete)? */
static bool complete(struct osfs_fs *fs, const struct osfs_node *node)
{
	struct draft *dr;
	char *missing = NULL;
	bool all;

	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, node->kind, node->key);
	if (dr && dr->state == DR_OPEN)
		missing = missing_of(dr->kind, &dr->f);
	pthread_mutex_unlock(&fs->drafts->lock);
	all = missing && !*missing;
	free(missing);
	return all;
}

static void meta_remove(struct draft *dr, struct osfs_kv *kv)
{
	free(kv->key);
	free(kv->value);
	*kv = dr->f.meta[--dr->f.nmeta];
}

static char *memdup_or_null(const char *s, size_t len, bool *ok)
{
	char *out = s ? malloc(len + 1) : NULL;

	if (s && !out)
		*ok = false;
	if (out)
		memcpy(out, s, len + 1);
	return out;
}

/* The id slot of a field resolved at write time, or NULL. */
static char **id_slot(struct draft *dr, int f)
{
	return f == D_FLAVOR ? &dr->f.flavor_id : f == D_IMAGE ? &dr->f.image_id : NULL;
}

/* Before a clear of field f (or metadata key): keep what it held. */
static void undo_keep_locked(struct draft *dr, int f, const char *key)
{
	struct undo *u = &dr->undo;
	struct osfs_kv *kv = key ? meta_find(&dr->f, key) : NULL;
	char **slot = key ? NULL : id_slot(dr, f);
	bool ok = true;

	undo_clear(u);
	if (key && !kv)
		return;
	u->len = key ? 0 : f == D_USER_DATA ? dr->f.user_data_len :
		 dr->f.vals[f] ? strlen(dr->f.vals[f]) : 0;
	u->value = key ? dup_or_null(kv->value, &ok) : memdup_or_null(dr->f.vals[f], u->len, &ok);
	u->id = slot ? dup_or_null(*slot, &ok) : NULL;
	u->key = key ? dup_or_null(key, &ok) : NULL;
	u->f = key ? D_METADATA : f;
	u->at = osfs_now_mono();
	if (!ok)
		undo_clear(u);
}

/* After a refused write to field f (or metadata key): the value from
 * before a clear just made is back, and a key this write was to create
 * first (its value NULL) is gone again. */
static void undo_refused_locked(struct draft *dr, int f, const char *key)
{
	struct undo *u = &dr->undo;
	bool same = key ? u->f == D_METADATA && strcmp(u->key, key) == 0 : u->f == f;
	struct osfs_kv *kv = key ? meta_find(&dr->f, key) : NULL;

	if (same && osfs_now_mono() - u->at <= UNDO_S) {
		char **slot = key ? NULL : id_slot(dr, f);
		char **value = key ? (kv ? &kv->value : NULL) : &dr->f.vals[f];
		if (value) {
			free(*value);
			*value = u->value;
			u->value = NULL;
		}
		if (!key && f == D_USER_DATA)
			dr->f.user_data_len = u->len;
		if (slot) {
			free(*slot);
			*slot = u->id;
			u->id = NULL;
		}
	}
	if (same)
		undo_clear(u);
	if (kv && !kv->value)
		meta_remove(dr, kv);
}

/* Apply one write to a draft's stored field or metadata key, keeping
 * what a refused write must not lose (lock not held). */
static int store_write(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len,
		       char *why)
{
	struct draft *dr;
	int f = node->index, ret;

	pthread_mutex_lock(&fs->drafts->lock);
	if ((ret = find_open_locked(fs->drafts, node->kind, node->key, &dr, why)) == 0 && len == 0)
		undo_keep_locked(dr, f, node->subkey);
	pthread_mutex_unlock(&fs->drafts->lock);
	if (ret < 0)
		return ret;
	if (!node->subkey && (f == D_FLAVOR || f == D_IMAGE || f == D_KEY_NAME || f == D_NETWORKS)) {
		ret = resolve_field(fs, node, f, data, len, why);
		pthread_mutex_lock(&fs->drafts->lock);
	} else {
		pthread_mutex_lock(&fs->drafts->lock);
		ret = find_open_locked(fs->drafts, node->kind, node->key, &dr, why);
		if (ret == 0 && node->subkey)
			ret = set_meta_locked(dr, node->subkey, data, len, why);
		else if (ret == 0 && (f < 0 || !dfiles[f].writable || dfiles[f].dir))
			ret = -EACCES;
		else if (ret == 0)
			ret = set_field_locked(dr, f, data, len, why);
	}
	dr = find_locked(fs->drafts, node->kind, node->key);
	if (dr && dr->state == DR_OPEN && ret < 0 && ret != -EACCES)
		undo_refused_locked(dr, f, node->subkey);
	else if (dr && ret == 0 && len > 0) /* a value written: nothing to go back to */
		undo_clear(&dr->undo);
	pthread_mutex_unlock(&fs->drafts->lock);
	return ret;
}

int osfs_drafts_write(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	char why[WHY_MAX] = "";
	int f = node->index, ret;

	if (!node->subkey && f == D_CTL)
		return draft_ctl(fs, node, data, len);
	ret = store_write(fs, node, data, len, why);
	report_write(fs, node, ret, why);
	if (ret == 0 && !draft_kind_of(node->kind)->verb && complete(fs, node))
		ret = commit(fs, node->kind, node->key);
	return ret;
}

static int meta_add_locked(struct draft *dr, const char *key, char *why)
{
	struct osfs_kv *grown;

	if (!valid_meta_key(key))
		return fail(why, -EINVAL, "metadata key '%.255s' must match [a-zA-Z0-9-_:. ]{1,255}", key);
	if (meta_find(&dr->f, key))
		return 0;
	if (dr->f.nmeta >= MAX_META)
		return fail(why, -EDQUOT, "a draft holds at most %d metadata keys", MAX_META);
	if (!(grown = realloc(dr->f.meta, (dr->f.nmeta + 1) * sizeof(*grown))))
		return -ENOMEM;
	dr->f.meta = grown;
	grown[dr->f.nmeta].key = strdup(key);
	grown[dr->f.nmeta].value = NULL; /* new: a refused first write removes it again */
	if (!grown[dr->f.nmeta].key)
		return -ENOMEM;
	dr->f.nmeta++;
	return 0;
}

int osfs_drafts_meta_create(struct osfs_fs *fs, struct osfs_node *dir, const char *key,
			    struct osfs_node *file)
{
	char why[WHY_MAX] = "";
	struct draft *dr;
	int ret;

	pthread_mutex_lock(&fs->drafts->lock);
	ret = find_open_locked(fs->drafts, dir->kind, dir->key, &dr, why);
	if (ret == 0 && dir->index != D_METADATA)
		ret = -EACCES;
	if (ret == 0)
		ret = meta_add_locked(dr, key, why);
	if (ret == 0) {
		*file = *dir;
		file->type = OSFS_N_DRAFT_FILE;
		file->listing = NULL;
		file->key = strdup(dir->key);
		file->subkey = strdup(key);
		if (!file->key || !file->subkey)
			ret = -ENOMEM;
	}
	pthread_mutex_unlock(&fs->drafts->lock);
	return report_write(fs, dir, ret, why);
}

/* unlink inside a draft forgets what was written there: a metadata key,
 * a field's value; files the draft computes have nothing to forget. */
static int forget_locked(struct draft *dr, const struct osfs_node *node, char *why)
{
	int f = node->index;

	if (node->subkey) {
		struct osfs_kv *kv = meta_find(&dr->f, node->subkey);
		if (!kv)
			return fail(why, -ENOENT, "metadata: no key '%.255s'", node->subkey);
		meta_remove(dr, kv);
		return 0;
	}
	if (f < 0 || dfiles[f].dir || !dfiles[f].writable || f == D_CTL)
		return 0;
	free(dr->f.vals[f]);
	dr->f.vals[f] = NULL;
	if (f == D_USER_DATA)
		dr->f.user_data_len = 0;
	if (f == D_FLAVOR || f == D_IMAGE) {
		char **slot = f == D_FLAVOR ? &dr->f.flavor_id : &dr->f.image_id;
		free(*slot);
		*slot = NULL;
	}
	return 0;
}

int osfs_drafts_unlink(struct osfs_fs *fs, struct osfs_node *node)
{
	char why[WHY_MAX] = "";
	struct draft *dr;
	int ret;

	pthread_mutex_lock(&fs->drafts->lock);
	ret = find_open_locked(fs->drafts, node->kind, node->key, &dr, why);
	if (ret == 0)
		ret = forget_locked(dr, node, why);
	pthread_mutex_unlock(&fs->drafts->lock);
	return report_write(fs, node, ret, why);
}

int osfs_drafts_remove(struct osfs_fs *fs, struct osfs_node *node)
{
	char why[WHY_MAX] = "";
	struct draft *dr;
	int ret;

	if (node->type != OSFS_N_DRAFT)
		return -ENOTDIR;
	pthread_mutex_lock(&fs->drafts->lock);
	if (node->index == D_METADATA) {
		/* the directory is part of the draft: empty, there is nothing to do */
		ret = find_open_locked(fs->drafts, node->kind, node->key, &dr, why);
		if (ret == 0 && dr->f.nmeta)
			ret = -ENOTEMPTY;
	} else {
		ret = remove_locked(fs->drafts, node->kind, node->key, why);
	}
	pthread_mutex_unlock(&fs->drafts->lock);
	if (ret == -EBUSY)
		return report_write(fs, node, ret, why);
	if (ret == 0 && node->index != D_METADATA)
		report(fs, node->kind, node->key, 0, NULL); /* a later draft of this name starts clean */
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

int osfs_drafts_add(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, char *why)
{
	struct osfs_drafts *d = fs->drafts;
	struct draft *dr = NULL;
	int ret;

	if (!draft_kind_of(kind))
		return fail(why, -EPERM, "%s cannot be created here", osfs_kinds[kind].dir);
	if ((ret = osfs_name_check_new(fname, why, WHY_MAX)) < 0)
		return ret;
	pthread_mutex_lock(&d->lock);
	if (find_locked(d, kind, fname)) {
		ret = fail(why, -EEXIST, "'%s' is already a draft", fname);
	} else if (!(dr = calloc(1, sizeof(*dr))) || !(dr->fname = strdup(fname)) ||
		   !(dr->f.name = osfs_name_decode(fname))) {
		if (dr)
			draft_free(dr);
		ret = -ENOMEM;
	} else {
		dr->kind = kind;
		dr->undo.f = -1;
		dr->next = d->head;
		d->head = dr;
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* The mount's default flavor, image and networks; *complete when both
 * flavor and image have one, so that mkdir boots at once. */
static int server_defaults(struct osfs_fs *fs, const char *fname, bool *complete_now)
{
	const struct osfs_opts *o = &fs->opts;
	struct osfs_node node = { .type = OSFS_N_DRAFT_FILE, .kind = OSFS_SERVERS, .key = (char *)fname };
	int ret = 0;

	if (o->default_networks) {
		node.index = D_NETWORKS;
		ret = osfs_drafts_write(fs, &node, o->default_networks, strlen(o->default_networks));
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
	struct osfs_node node = { .type = OSFS_N_DRAFT_FILE, .kind = OSFS_VOLUMES, .key = (char *)fname,
				  .index = D_SIZE };
	char size[32];

	*complete_now = false; /* created by `echo create > ctl` */
	snprintf(size, sizeof(size), "%ld\n", fs->opts.volume_size > 0 ? fs->opts.volume_size : 1);
	return osfs_drafts_write(fs, &node, size, strlen(size));
}

static int apply_defaults(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	const struct draft_kind *dk = draft_kind_of(kind);
	bool complete_now = false;
	int ret = dk->defaults ? dk->defaults(fs, fname, &complete_now) : 0;

	if (ret == 0 && complete_now)
		ret = commit(fs, kind, fname);
	return ret;
}

int osfs_drafts_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	char why[WHY_MAX] = "";
	int ret;

	if (!draft_kind_of(kind))
		return -EPERM;
	if ((ret = name_taken(fs, kind, fname)) < 0)
		return ret;
	if ((ret = osfs_drafts_add(fs, kind, fname, why)) < 0) {
		if (*why)
			log_err("%s: mkdir refused: %s", osfs_kinds[kind].dir, why);
		return ret;
	}
	if ((ret = apply_defaults(fs, kind, fname)) < 0) {
		struct osfs_node node = { .type = OSFS_N_DRAFT, .kind = kind, .key = (char *)fname,
					  .index = -1 };
		osfs_drafts_remove(fs, &node);
	}
	return ret;
}
