/* draft_secrets.c - the adminPass a boot of this mount was answered with,
 * kept in memory for the live server's admin_pass file until a listing
 * without the server (or the mount's end) drops it.  Under drafts->lock. */
#include "drafts_int.h"
#include "osfs_base.h"
#include "osfs_model.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Free a password, overwritten first. */
void osfs_draft_wipe_free(char *pass)
{
	if (pass)
		explicit_bzero(pass, strlen(pass));
	free(pass);
}

void osfs_draft_secret_free(struct secret *s)
{
	osfs_draft_wipe_free(s->pass);
	free(s->id);
	free(s);
}

/* Drop the secret of server `id`, if any. */
void osfs_draft_forget_secret_locked(struct osfs_drafts *d, const char *id)
{
	for (struct secret **p = &d->secrets; *p; p = &(*p)->next) {
		if (strcmp((*p)->id, id) == 0) {
			struct secret *s = *p;
			*p = s->next;
			osfs_draft_secret_free(s);
			return;
		}
	}
}

/* Keep pass (taken over, NULL: nothing) as server id's adminPass. */
void osfs_draft_keep_secret(struct osfs_drafts *d, const char *id, char *pass)
{
	struct secret *s = pass ? calloc(1, sizeof(*s)) : NULL;

	if (s && (s->id = strdup(id))) {
		s->pass = pass;
		s->made_wall = osfs_now_real();
		pthread_mutex_lock(&d->lock);
		osfs_draft_forget_secret_locked(d, id);
		s->next = d->secrets;
		d->secrets = s;
		pthread_mutex_unlock(&d->lock); /* secrets are not kept */
		return;
	}
	free(s);
	osfs_draft_wipe_free(pass);
}

char *osfs_drafts_admin_pass(struct osfs_fs *fs, const char *id)
{
	struct osfs_drafts *d = fs->drafts;
	char *out = NULL;

	pthread_mutex_lock(&d->lock);
	for (struct secret *s = d->secrets; s && !out; s = s->next)
		if (strcmp(s->id, id) == 0 && asprintf(&out, "%s\n", s->pass) < 0)
			out = NULL;
	pthread_mutex_unlock(&d->lock); /* secrets are not kept */
	return out;
}

bool osfs_drafts_has_admin_pass(struct osfs_fs *fs, const char *id)
{
	struct osfs_drafts *d = fs->drafts;
	bool found = false;

	pthread_mutex_lock(&d->lock);
	for (struct secret *s = d->secrets; s && !found; s = s->next)
		found = strcmp(s->id, id) == 0;
	pthread_mutex_unlock(&d->lock); /* secrets are not kept */
	return found;
}

/* A server that a whole listing asked for after its boot lacks is gone
 * (deleted outside the mount too): its password goes with it. */
void osfs_draft_prune_secrets_locked(struct osfs_drafts *d, const struct osfs_listing *l)
{
	for (struct secret **p = &d->secrets; *p;) {
		struct secret *s = *p;
		if (l && !l->single && l->fetched > s->made_wall &&
		    !osfs_listing_find_id(l, s->id)) {
			*p = s->next;
			osfs_draft_secret_free(s);
		} else {
			p = &s->next;
		}
	}
}
