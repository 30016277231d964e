/* draft_store.c - the drafts' list: making, finding and dropping drafts,
 * copying their fields, the recent boots, and the reason a call failed
 * (fail) and the one place it becomes the draft's `error` note (report).
 * The lock note is drafts.c's: callers named *_locked hold drafts->lock. */
#include "drafts_int.h"
#include "osfs_base.h"
#include "osfs_model.h"
#include "notes.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>



struct osfs_drafts *osfs_drafts_new(void)
{
	struct osfs_drafts *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	d->keep_fd = -1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->changed, &ca);
	pthread_condattr_destroy(&ca);
	return d;
}

/* Wait on d->changed (lock held) until the monotonic time `until`.
 * Returns false once that time has passed. */
bool osfs_draft_wait_until_locked(struct osfs_drafts *d, double until)
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
void osfs_draft_recent_add_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
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
bool osfs_draft_recent_find_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
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

void osfs_draft_fields_free(struct draft_fields *f)
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

char *osfs_draft_dup_or_null(const char *s, bool *ok)
{
	char *out = s ? strdup(s) : NULL;

	if (s && !out)
		*ok = false;
	return out;
}

/* A deep copy of src into dst.  0 or -ENOMEM (dst then empty). */
int osfs_draft_fields_copy(const struct draft_fields *src, struct draft_fields *dst)
{
	bool ok = true;

	memset(dst, 0, sizeof(*dst));
	dst->name = osfs_draft_dup_or_null(src->name, &ok);
	for (int i = 0; i < D_NFILES; i++)
		if (i != D_USER_DATA)
			dst->vals[i] = osfs_draft_dup_or_null(src->vals[i], &ok);
	if (src->user_data_len && (dst->vals[D_USER_DATA] = malloc(src->user_data_len + 1))) {
		memcpy(dst->vals[D_USER_DATA], src->vals[D_USER_DATA], src->user_data_len + 1);
		dst->user_data_len = src->user_data_len;
	} else if (src->user_data_len) {
		ok = false;
	}
	dst->flavor_id = osfs_draft_dup_or_null(src->flavor_id, &ok);
	dst->image_id = osfs_draft_dup_or_null(src->image_id, &ok);
	if (src->nmeta && !(dst->meta = calloc(src->nmeta, sizeof(*dst->meta))))
		ok = false;
	for (size_t i = 0; ok && i < src->nmeta; i++, dst->nmeta++) {
		const char *v = src->meta[i].value; /* NULL: created, not written yet */
		dst->meta[i].key = osfs_draft_dup_or_null(src->meta[i].key, &ok);
		dst->meta[i].value = osfs_draft_dup_or_null(v ? v : "", &ok);
	}
	if (!ok)
		osfs_draft_fields_free(dst);
	return ok ? 0 : -ENOMEM;
}

void osfs_draft_undo_clear(struct undo *u)
{
	free(u->key);
	free(u->value);
	free(u->id);
	memset(u, 0, sizeof(*u));
	u->f = -1;
}

void osfs_draft_free(struct draft *dr)
{
	osfs_draft_undo_clear(&dr->undo);
	osfs_draft_fields_free(&dr->f);
	free(dr->created);
	free(dr->fname);
	osfs_model_strv_free(dr->before);
	free(dr);
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
	osfs_draft_unlock(d);
	while (d->recent) {
		struct recent *next = d->recent->next;
		recent_free(d->recent);
		d->recent = next;
	}
	while (d->secrets) {
		struct secret *next = d->secrets->next;
		osfs_draft_secret_free(d->secrets);
		d->secrets = next;
	}
	while (d->head) {
		struct draft *next = d->head->next;
		osfs_draft_free(d->head);
		d->head = next;
	}
	pthread_cond_destroy(&d->changed);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void osfs_draft_unlink_locked(struct osfs_drafts *d, struct draft *dr)
{
	for (struct draft **p = &d->head; *p; p = &(*p)->next) {
		if (*p == dr) {
			*p = dr->next;
			osfs_draft_free(dr);
			return;
		}
	}
}

/* Forget booted drafts that waited long enough for a listing. */
void osfs_draft_prune_locked(struct osfs_drafts *d)
{
	double now = osfs_now_mono();

	for (struct draft **p = &d->head; *p;) {
		struct draft *dr = *p;
		if (dr->state == DR_BOOTED && now - dr->booted_at > BOOTED_KEEP_S) {
			*p = dr->next;
			osfs_draft_free(dr);
		} else {
			p = &dr->next;
		}
	}
}

struct draft *osfs_draft_find_locked(struct osfs_drafts *d, enum osfs_kind_id kind,
				     const char *fname)
{
	osfs_draft_prune_locked(d);
	for (struct draft *dr = d->head; dr; dr = dr->next)
		if (dr->kind == kind && strcmp(dr->fname, fname) == 0)
			return dr;
	return NULL;
}

/* -EBUSY, and why a settling draft cannot boot or change. */
int osfs_draft_settling_why(const struct draft *dr, struct osfs_err *why)
{
	osfs_err_set(why, 0, "the answer to the create request did not come; waiting to see "
		 "whether the %s was made", osfs_draft_noun_of(dr->kind));
	return -EBUSY;
}

/* The draft a write may change: 0, -ENOENT, or -EBUSY once it boots. */
int osfs_draft_find_open_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
				struct draft **dr, struct osfs_err *why)
{
	*dr = osfs_draft_find_locked(d, kind, fname);
	if (!*dr)
		return -ENOENT;
	if ((*dr)->state == DR_SETTLING)
		return osfs_draft_settling_why(*dr, why);
	if ((*dr)->state != DR_OPEN) {
		return osfs_err_set(why, -EBUSY, "the draft is being created: it cannot change now");
	}
	return 0;
}

char *osfs_draft_note_key(enum osfs_kind_id kind, const char *fname)
{
	char *key = NULL;
	if (asprintf(&key, "draft:%s:%s", osfs_kinds[kind].dir, fname) < 0)
		return NULL;
	return key;
}

/* The one place a draft's error note is set: cleared on success; on
 * failure the reason (or the errno's text when there is none), also
 * logged.  Returns ret. */
int osfs_draft_report(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, int ret,
		      const struct osfs_err *why)
{
	char *key = osfs_draft_note_key(kind, fname);
	const char *msg = ret == 0 ? NULL : why && why->msg[0] ? why->msg : strerror(-ret);

	if (key)
		osfs_notes_set(fs->notes, key, msg);
	free(key);
	if (msg)
		log_err("%s/%s: %s", osfs_kinds[kind].dir, fname, msg);
	return ret;
}

void osfs_draft_note_before(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname,
			    char *const *before)
{
	struct osfs_drafts *d = fs->drafts;
	struct draft *dr;
	size_t n = 0;
	char **copy;

	while (before && before[n])
		n++;
	if (!(copy = calloc(n + 1, sizeof(*copy))))
		return;
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(before[i]))) {
			osfs_model_strv_free(copy);
			return;
		}
	pthread_mutex_lock(&d->lock);
	if ((dr = osfs_draft_find_locked(d, kind, fname)) && dr->state == DR_BOOTING) {
		osfs_model_strv_free(dr->before);
		dr->before = copy;
		copy = NULL;
	}
	osfs_draft_unlock(d);
	osfs_model_strv_free(copy);
}
