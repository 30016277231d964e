/* draft_boot.c - a draft's boot: the copy sent, the wait for a boot in
 * flight, settling a create whose answer did not come, the outcome.  Under
 * drafts->lock except the calls themselves (drafts.c's lock note). */
#include "drafts_int.h"
#include "osfs_cache.h"
#include "osfs_base.h"
#include "osfs_model.h"
#include "notes.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void osfs_draft_copy_free(struct osfs_draft_copy *c)
{
	if (!c)
		return;
	osfs_draft_fields_free(&c->f);
	free(c);
}

/* boot_begin on a draft found open, lock held. */
static int begin_locked(struct draft *dr, struct osfs_draft_copy **copy, struct osfs_err *why)
{
	char *missing = osfs_draft_missing_of(dr->kind, &dr->f);
	int ret = 0;

	if (!missing) {
		ret = -ENOMEM;
		goto out;
	}
	if (*missing) {
		for (char *p = missing; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ',' : '\0';
		ret = osfs_err_set(why, -EINVAL, "cannot create yet: missing %s", missing);
		goto out;
	}
	if (!(*copy = calloc(1, sizeof(**copy))) ||
	    osfs_draft_fields_copy(&dr->f, &(*copy)->f) < 0) {
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
			   struct osfs_draft_copy **copy, struct osfs_err *why)
{
	struct draft *dr;
	int ret;

	*copy = NULL;
	pthread_mutex_lock(&fs->drafts->lock);
	if ((ret = osfs_draft_find_open_locked(fs->drafts, kind, fname, &dr, why)) == 0)
		ret = begin_locked(dr, copy, why);
	osfs_draft_unlock(fs->drafts);
	return ret;
}

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
	const struct draft_kind *dk = osfs_draft_kind_of(s->kind);
	struct osfs_drafts *d = fs->drafts;
	struct osfs_err why = { "" };
	struct draft *dr;
	int ret = 0;

	if (id) {
		log_info("%s/%s: settled: the create request made %s", osfs_kinds[s->kind].dir,
			 s->fname, id);
		osfs_cache_watch(fs->cache, s->kind, id);
		osfs_cache_invalidate(fs->cache, (int)s->kind);
	} else {
		ret = osfs_err_set(
		    &why, -ETIMEDOUT,
		    "the answer to the create request did not come and no %s "
		    "named '%.200s' appeared within %.0f s: it was not made; write %s to ctl "
		    "to try again",
		    dk->noun, s->name, settle_window_s(fs), dk->verb ? dk->verb : "");
	}
	pthread_mutex_lock(&d->lock);
	dr = osfs_draft_find_locked(d, s->kind, s->fname);
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
			osfs_draft_unlink_locked(d, dr);
		}
	}
	if (id)
		osfs_draft_recent_add_locked(d, s->kind, s->fname, id);
	pthread_cond_broadcast(&d->changed);
	osfs_draft_unlock(d);
	osfs_draft_report(fs, s->kind, s->fname, ret, &why);
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
		while (!d->stopping && osfs_draft_wait_until_locked(d, next))
			;
		stop = d->stopping;
		osfs_draft_unlock(d);
		if (!stop) {
			id = osfs_draft_find_new(s->fs, s->kind, s->name, s->before);
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
	osfs_draft_unlock(d);
	return NULL;
}

/* Start settling dr (lock held): a detached thread, counted in
 * d->settlers; takes over m->before.  0 or -errno (nothing started). */
int osfs_draft_settle_start_locked(struct osfs_fs *fs, struct draft *dr, struct made *m)
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
	dr = osfs_draft_find_locked(d, kind, fname);
	if (dr) {
		dr->boots++;
		dr->last_ret = ret;
		osfs_model_strv_free(dr->before); /* the boot is over: nothing left to settle by */
		dr->before = NULL;
	}
	if (dr && ret < 0 && m->unsure && osfs_draft_settle_start_locked(fs, dr, m) == 0) {
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
		osfs_draft_unlink_locked(d, dr);
	}
	if (ret == 0 && m->created)
		osfs_draft_recent_add_locked(d, kind, fname, m->created);
	pthread_cond_broadcast(&d->changed);
	osfs_draft_unlock(d);
	free(id);
	if (ret == 0)
		log_info("%s/%s: created %s", osfs_kinds[kind].dir, fname,
			 m->created ? m->created : "");
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
			    double wait_s, struct osfs_err *why)
{
	double until = osfs_now_mono() + wait_s;
	struct draft *dr = osfs_draft_find_locked(d, kind, fname);
	unsigned boots = dr ? dr->boots : 0;

	while (dr && dr->state == DR_BOOTING && dr->boots == boots &&
	       osfs_draft_wait_until_locked(d, until))
		dr = osfs_draft_find_locked(d, kind, fname);
	if (!dr)
		return osfs_draft_recent_find_locked(d, kind, fname, NULL) ? 0 : -ENOENT;
	if (dr->boots != boots)
		return dr->last_ret; /* the create in flight ended: its outcome */
	if (dr->state == DR_BOOTING)
		return osfs_err_set(why, -EBUSY,
				       "a create request for this draft is still under way");
	if (dr->state == DR_SETTLING)
		return osfs_draft_settling_why(dr, why);
	return 0; /* DR_BOOTED */
}

/* Create the resource of a draft: freeze and copy it, send the copy;
 * or, when a create is in flight already, learn its outcome. */
int osfs_draft_commit(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_drafts *d = fs->drafts;
	struct osfs_draft_copy *copy = NULL;
	struct osfs_err why = { "" };
	struct made m = { 0 };
	struct draft *dr;
	int ret;

	pthread_mutex_lock(&d->lock);
	dr = osfs_draft_find_locked(d, kind, fname);
	if (dr && dr->state == DR_OPEN)
		ret = begin_locked(dr, &copy, &why);
	else
		ret = join_boot_locked(d, kind, fname, boot_wait_s(fs), &why);
	osfs_draft_unlock(d);
	if (!copy) /* the create in flight reported its own outcome */
		return why.msg[0] ? osfs_draft_report(fs, kind, fname, ret, &why) : ret;
	ret = osfs_draft_create_call(fs, kind, fname, &copy->f, &m, &why);
	if (ret == 0 && m.created) {
		osfs_draft_keep_secret(d, m.created, m.secret);
		m.secret = NULL;
	}
	boot_finish(fs, kind, fname, ret, &m);
	osfs_draft_made_free(&m);
	osfs_draft_copy_free(copy);
	return osfs_draft_report(fs, kind, fname, ret, &why);
}

int osfs_drafts_late_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *id,
			    const char *data, size_t len)
{
	const struct draft_kind *dk = osfs_draft_kind_of(kind);
	char word[32], *msg = NULL;
	bool recent;

	if (!dk || !dk->verb)
		return 1;
	osfs_text_normalise(data, len < 256 ? len : 256, word, sizeof(word));
	if (strcmp(word, dk->verb) != 0)
		return 1;
	pthread_mutex_lock(&fs->drafts->lock);
	recent = osfs_draft_recent_find_locked(fs->drafts, kind, NULL, id);
	osfs_draft_unlock(fs->drafts);
	if (recent)
		return 0; /* the create this mount just made: the late writer learns it went well */
	if (asprintf(&msg, "this %s exists already: '%s' is for a draft (mkdir a new name)",
		     dk->noun, dk->verb) < 0)
		msg = NULL;
	osfs_notes_set(fs->notes, id, msg);
	log_err("%s/%s: %s", osfs_kinds[kind].dir, id, msg ? msg : "exists already");
	free(msg);
	return -EINVAL;
}
