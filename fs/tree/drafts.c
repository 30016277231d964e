/* drafts.c - the mkdir → write → boot path for servers, keypairs and
 * volumes: the entry points the tree calls (lookup, listing, read, write,
 * unlink, remove).  Its parts, beneath it: draft_store.c (the list, the
 * error note), draft_kinds.c (what differs between kinds), draft_fields.c
 * (the files and their checks), draft_resolve.c (names to ids),
 * draft_create.c (the create calls), draft_boot.c (boot and settling),
 * draft_secrets.c (a live server's adminPass); above it draft_defaults.c
 * (mkdir and the mount's defaults).  drafts_int.h is what they share.
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
 * Letting it go after a change writes the drafts to the supervisor's
 * memory file (draft_image.c: one pwrite, under it, so that the file
 * follows the changes in order).  drafts->changed (with that lock) is broadcast when a boot ends, settles
 * or a settler stops.
 */
#include "drafts_int.h"
#include "osfs_base.h"
#include "osfs_model.h"
#include "notes.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failure about a draft that is gone leaves no note behind. */
static int report_write(struct osfs_fs *fs, const struct osfs_node *node, int ret, const struct osfs_err *why)
{
	if (ret == -ENOENT && !why->msg[0])
		return ret;
	return osfs_draft_report(fs, node->kind, node->key, ret, why);
}

static int dfile_by_name(enum osfs_kind_id kind, const char *name)
{
	for (int i = 0; i < D_NFILES; i++)
		if ((osfs_dfiles[i].kinds & (1u << kind)) && strcmp(osfs_dfiles[i].name, name) == 0)
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
		       struct osfs_node *node)
{
	struct osfs_drafts *d = fs->drafts;
	struct draft *dr;
	int ret = 1; /* no draft, or the new resource answers for it */

	pthread_mutex_lock(&d->lock);
	dr = osfs_draft_find_locked(d, kind, name);
	if (dr && dr->state != DR_BOOTED) {
		node->type = OSFS_N_DRAFT;
		node->kind = kind;
		node->index = -1;
		ret = (node->key = strdup(name)) ? 0 : -ENOMEM;
	}
	pthread_mutex_unlock(&d->lock); /* read only: nothing to keep */
	return ret;
}

/* A file of the draft, or its metadata directory. */
static int draft_file(struct osfs_node *node, const char *name)
{
	int f = dfile_by_name(node->kind, name);

	if (f < 0)
		return -ENOENT;
	node->index = f;
	node->type = f == D_METADATA ? OSFS_N_DRAFT : OSFS_N_DRAFT_FILE;
	return 0;
}

/* A key in the draft's metadata directory. */
static int draft_meta_key(const struct draft *dr, struct osfs_node *node, const char *name)
{
	if (!meta_find(&dr->f, name))
		return -ENOENT;
	node->type = OSFS_N_DRAFT_FILE;
	node->subkey = strdup(name);
	return node->subkey ? 0 : -ENOMEM;
}

int osfs_drafts_child(struct osfs_fs *fs, const char *name, struct osfs_node *node)
{
	struct osfs_drafts *d = fs->drafts;
	struct draft *dr;
	int ret;

	pthread_mutex_lock(&d->lock);
	dr = osfs_draft_find_locked(d, node->kind, node->key);
	if (!dr || dr->state == DR_BOOTED)
		ret = -ENOENT; /* booted since: the new resource answers */
	else if (node->index == D_METADATA)
		ret = draft_meta_key(dr, node, name);
	else
		ret = draft_file(node, name);
	pthread_mutex_unlock(&d->lock); /* read only: nothing to keep */
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
		osfs_draft_unlink_locked(d, dr);
		return false;
	}
	return !osfs_listing_find(l, dr->fname);
}

void osfs_drafts_list(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_listing *l,
		      osfs_fill_fn fill, void *ctx)
{
	struct stat st = { .st_mode = S_IFDIR | 0755 };
	struct osfs_drafts *d = fs->drafts;

	pthread_mutex_lock(&d->lock);
	osfs_draft_prune_locked(d);
	if (kind == OSFS_SERVERS)
		osfs_draft_prune_secrets_locked(d, l);
	for (struct draft *dr = d->head, *next; dr; dr = next) {
		next = dr->next;
		if (dr->kind == kind && listed_locked(d, dr, l) && fill(ctx, dr->fname, &st))
			break;
	}
	pthread_mutex_unlock(&d->lock); /* read only: nothing to keep */
}

void osfs_drafts_forget(struct osfs_fs *fs, enum osfs_kind_id kind, const char *id)
{
	struct osfs_drafts *d = fs->drafts;

	pthread_mutex_lock(&d->lock);
	for (struct draft *dr = d->head, *next; dr; dr = next) {
		next = dr->next;
		if (dr->kind == kind && dr->state == DR_BOOTED && strcmp(dr->created, id) == 0)
			osfs_draft_unlink_locked(d, dr);
	}
	if (kind == OSFS_SERVERS)
		osfs_draft_forget_secret_locked(d, id);
	osfs_draft_unlock(d);
}

int osfs_drafts_list_files(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx)
{
	struct draft *dr;
	int ret = 0;

	pthread_mutex_lock(&fs->drafts->lock);
	dr = osfs_draft_find_locked(fs->drafts, node->kind, node->key);
	if (!dr) {
		ret = -ENOENT;
	} else if (node->index == D_METADATA) {
		struct stat st = { .st_mode = S_IFREG | 0644 };
		for (size_t i = 0; i < dr->f.nmeta; i++)
			if (fill(ctx, dr->f.meta[i].key, &st))
				break;
	} else {
		for (int i = 0; i < D_NFILES; i++) {
			struct stat st = { .st_mode = osfs_dfiles[i].dir ? S_IFDIR | 0755 :
				S_IFREG | (osfs_dfiles[i].writable ? 0644 : 0444) };
			if ((osfs_dfiles[i].kinds & (1u << node->kind)) &&
			    fill(ctx, osfs_dfiles[i].name, &st))
				break;
		}
	}
	pthread_mutex_unlock(&fs->drafts->lock); /* read only: nothing to keep */
	return ret;
}

bool osfs_drafts_file_writable(const struct osfs_node *node)
{
	return node->subkey || (node->index >= 0 && osfs_dfiles[node->index].writable);
}

bool osfs_drafts_file_is_command(const struct osfs_node *node)
{
	return !node->subkey && node->index == D_CTL;
}

int osfs_drafts_check_write(struct osfs_fs *fs, const struct osfs_node *node)
{
	struct osfs_err why = { "" };
	struct draft *dr;
	int ret;

	if (!osfs_drafts_file_writable(node))
		return -EACCES;
	pthread_mutex_lock(&fs->drafts->lock);
	ret = osfs_draft_find_open_locked(fs->drafts, node->kind, node->key, &dr, &why);
	pthread_mutex_unlock(&fs->drafts->lock); /* read only: nothing to keep */
	return ret == -EBUSY ? report_write(fs, node, ret, &why) : ret;
}

/* "boot\ndelete\n": what a draft's ctl takes. */
static char *ctl_text(enum osfs_kind_id kind)
{
	const char *verb = osfs_draft_kind_of(kind)->verb;
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

static char *read_locked(struct osfs_fs *fs, struct draft *dr, const struct osfs_node *node,
			 size_t *len)
{
	char *key, *out;

	if (node->subkey) {
		const struct osfs_kv *kv = meta_find(&dr->f, node->subkey);
		return kv ? line_of(kv->value) : NULL;
	}
	switch (node->index) {
	case D_STATUS:
		if (dr->state == DR_SETTLING)
			return line_of(osfs_draft_kind_of(dr->kind)->settling);
		return dr->state == DR_OPEN ? strdup("DRAFT\n")
					    : line_of(osfs_draft_kind_of(dr->kind)->creating);
	case D_MISSING:
		return osfs_draft_missing_of(dr->kind, &dr->f);
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
		key = osfs_draft_note_key(dr->kind, dr->fname);
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
	dr = osfs_draft_find_locked(fs->drafts, node->kind, node->key);
	*buf = dr ? read_locked(fs, dr, node, len) : NULL;
	pthread_mutex_unlock(&fs->drafts->lock); /* read only: nothing to keep */
	if (!dr)
		return -ENOENT;
	if (!*buf)
		return -ENOMEM;
	if (*len == (size_t)-1)
		*len = strlen(*buf);
	return 0;
}

static int set_user_data_locked(struct draft *dr, const char *data, size_t len, struct osfs_err *why)
{
	char *value;

	if (len > USER_DATA_MAX)
		return osfs_err_set(why, -EFBIG,
				       "user_data is over %d bytes (65535 once base64-encoded)",
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

static int set_field_locked(struct draft *dr, int f, const char *data, size_t len, struct osfs_err *why)
{
	char *value = NULL;
	int ret;

	if (f == D_USER_DATA)
		return set_user_data_locked(dr, data, len, why);
	if (len > VALUE_MAX)
		return osfs_err_set(why, -EFBIG, "%s: value too long", osfs_dfiles[f].name);
	if (!(value = osfs_draft_single_line(data, len)))
		return osfs_err_set(why, -EINVAL, "%s: the value must be text",
				       osfs_dfiles[f].name);
	ret = osfs_draft_check_text(f, value, why);
	if (ret == 0)
		ret = osfs_draft_check_field(f, value, why);
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

static int set_meta_locked(struct draft *dr, const char *key, const char *data, size_t len,
			   struct osfs_err *why)
{
	struct osfs_kv *kv = meta_find(&dr->f, key);
	char *v = len <= VALUE_MAX ? osfs_draft_single_line(data, len) : NULL;
	int ret = 0;

	if (!kv)
		ret = osfs_err_set(why, -ENOENT, "metadata: no key '%.255s'", key);
	else if (!v || osfs_text_chars(v) > API_TEXT_MAX)
		ret = osfs_err_set(why, -EINVAL,
				      "metadata values are text of at most %d characters",
				      API_TEXT_MAX);
	if (ret == 0) {
		free(kv->value);
		kv->value = v;
		v = NULL;
	}
	free(v);
	return ret;
}

static int remove_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
			 struct osfs_err *why)
{
	struct draft *dr;
	int ret = osfs_draft_find_open_locked(d, kind, fname, &dr, why);

	if (ret == 0)
		osfs_draft_unlink_locked(d, dr);
	return ret;
}

static int draft_ctl(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	const char *verb = osfs_draft_kind_of(node->kind)->verb;
	struct osfs_err why = { "" };
	char word[32];
	int ret;

	osfs_text_normalise(data, len < 256 ? len : 256, word, sizeof(word));
	if (verb && strcmp(word, verb) == 0)
		return osfs_draft_commit(fs, node->kind, node->key);
	if (strcmp(word, "delete") == 0) {
		pthread_mutex_lock(&fs->drafts->lock);
		ret = remove_locked(fs->drafts, node->kind, node->key, &why);
		osfs_draft_unlock(fs->drafts);
		return osfs_draft_report(fs, node->kind, node->key, ret, &why);
	}
	ret = osfs_err_set(&why, -EINVAL, "unknown verb for a draft: write %s%sdelete",
			      verb ? verb : "", verb ? " or " : "");
	return osfs_draft_report(fs, node->kind, node->key, ret, &why);
}

/* Does the draft hold all it needs (for kinds made once complete)? */
bool osfs_draft_complete(struct osfs_fs *fs, const struct osfs_node *node)
{
	struct draft *dr;
	char *missing = NULL;
	bool all;

	pthread_mutex_lock(&fs->drafts->lock);
	dr = osfs_draft_find_locked(fs->drafts, node->kind, node->key);
	if (dr && dr->state == DR_OPEN)
		missing = osfs_draft_missing_of(dr->kind, &dr->f);
	pthread_mutex_unlock(&fs->drafts->lock); /* read only: nothing to keep */
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

	osfs_draft_undo_clear(u);
	if (key && !kv)
		return;
	u->len = key ? 0 : f == D_USER_DATA ? dr->f.user_data_len :
		 dr->f.vals[f] ? strlen(dr->f.vals[f]) : 0;
	u->value = key ? osfs_draft_dup_or_null(kv->value, &ok)
		       : memdup_or_null(dr->f.vals[f], u->len, &ok);
	u->id = slot ? osfs_draft_dup_or_null(*slot, &ok) : NULL;
	u->key = key ? osfs_draft_dup_or_null(key, &ok) : NULL;
	u->f = key ? D_METADATA : f;
	u->at = osfs_now_mono();
	if (!ok)
		osfs_draft_undo_clear(u);
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
		osfs_draft_undo_clear(u);
	if (kv && !kv->value)
		meta_remove(dr, kv);
}

/* Apply one write to a draft's stored field or metadata key, keeping
 * what a refused write must not lose (lock not held). */
static int store_write(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len,
		       struct osfs_err *why)
{
	struct draft *dr;
	int f = node->index, ret;

	pthread_mutex_lock(&fs->drafts->lock);
	if ((ret = osfs_draft_find_open_locked(fs->drafts, node->kind, node->key, &dr, why)) == 0 &&
	    len == 0)
		undo_keep_locked(dr, f, node->subkey);
	osfs_draft_unlock(fs->drafts);
	if (ret < 0)
		return ret;
	if (!node->subkey &&
	    (f == D_FLAVOR || f == D_IMAGE || f == D_KEY_NAME || f == D_NETWORKS)) {
		ret = osfs_draft_resolve_field(fs, node, f, data, len, why);
		pthread_mutex_lock(&fs->drafts->lock);
	} else {
		pthread_mutex_lock(&fs->drafts->lock);
		ret = osfs_draft_find_open_locked(fs->drafts, node->kind, node->key, &dr, why);
		if (ret == 0 && node->subkey)
			ret = set_meta_locked(dr, node->subkey, data, len, why);
		else if (ret == 0 && (f < 0 || !osfs_dfiles[f].writable || osfs_dfiles[f].dir))
			ret = -EACCES;
		else if (ret == 0)
			ret = set_field_locked(dr, f, data, len, why);
	}
	dr = osfs_draft_find_locked(fs->drafts, node->kind, node->key);
	if (dr && dr->state == DR_OPEN && ret < 0 && ret != -EACCES)
		undo_refused_locked(dr, f, node->subkey);
	else if (dr && ret == 0 && len > 0) /* a value written: nothing to go back to */
		osfs_draft_undo_clear(&dr->undo);
	osfs_draft_unlock(fs->drafts);
	return ret;
}

int osfs_drafts_write(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	struct osfs_err why = { "" };
	int f = node->index, ret;

	if (!node->subkey && f == D_CTL)
		return draft_ctl(fs, node, data, len);
	ret = store_write(fs, node, data, len, &why);
	report_write(fs, node, ret, &why);
	if (ret == 0 && !osfs_draft_kind_of(node->kind)->verb && osfs_draft_complete(fs, node))
		ret = osfs_draft_commit(fs, node->kind, node->key);
	return ret;
}

static int meta_add_locked(struct draft *dr, const char *key, struct osfs_err *why)
{
	struct osfs_kv *grown;

	if (!osfs_draft_valid_meta_key(key))
		return osfs_err_set(
		    why, -EINVAL, "metadata key '%.255s' must match [a-zA-Z0-9-_:. ]{1,255}", key);
	if (meta_find(&dr->f, key))
		return 0;
	if (dr->f.nmeta >= MAX_META)
		return osfs_err_set(why, -EDQUOT, "a draft holds at most %d metadata keys",
				       MAX_META);
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

int osfs_drafts_meta_create(struct osfs_fs *fs, const struct osfs_node *dir, const char *key,
			    struct osfs_node *file)
{
	struct osfs_err why = { "" };
	struct draft *dr;
	int ret;

	pthread_mutex_lock(&fs->drafts->lock);
	ret = osfs_draft_find_open_locked(fs->drafts, dir->kind, dir->key, &dr, &why);
	if (ret == 0 && dir->index != D_METADATA)
		ret = -EACCES;
	if (ret == 0)
		ret = meta_add_locked(dr, key, &why);
	if (ret == 0) {
		*file = *dir;
		file->type = OSFS_N_DRAFT_FILE;
		file->listing = NULL;
		file->key = strdup(dir->key);
		file->subkey = strdup(key);
		if (!file->key || !file->subkey)
			ret = -ENOMEM;
	}
	osfs_draft_unlock(fs->drafts);
	return report_write(fs, dir, ret, &why);
}

/* unlink inside a draft forgets what was written there: a metadata key,
 * a field's value; files the draft computes have nothing to forget. */
static int forget_locked(struct draft *dr, const struct osfs_node *node, struct osfs_err *why)
{
	int f = node->index;

	if (node->subkey) {
		struct osfs_kv *kv = meta_find(&dr->f, node->subkey);
		if (!kv)
			return osfs_err_set(why, -ENOENT, "metadata: no key '%.255s'",
					       node->subkey);
		meta_remove(dr, kv);
		return 0;
	}
	if (f < 0 || osfs_dfiles[f].dir || !osfs_dfiles[f].writable || f == D_CTL)
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
	struct osfs_err why = { "" };
	struct draft *dr;
	int ret;

	pthread_mutex_lock(&fs->drafts->lock);
	ret = osfs_draft_find_open_locked(fs->drafts, node->kind, node->key, &dr, &why);
	if (ret == 0)
		ret = forget_locked(dr, node, &why);
	osfs_draft_unlock(fs->drafts);
	return report_write(fs, node, ret, &why);
}

int osfs_drafts_remove(struct osfs_fs *fs, struct osfs_node *node)
{
	struct osfs_err why = { "" };
	struct draft *dr;
	int ret;

	if (node->type != OSFS_N_DRAFT)
		return -ENOTDIR;
	pthread_mutex_lock(&fs->drafts->lock);
	if (node->index == D_METADATA) {
		/* the directory is part of the draft: empty, there is nothing to do */
		ret = osfs_draft_find_open_locked(fs->drafts, node->kind, node->key, &dr, &why);
		if (ret == 0 && dr->f.nmeta)
			ret = -ENOTEMPTY;
	} else {
		ret = remove_locked(fs->drafts, node->kind, node->key, &why);
	}
	osfs_draft_unlock(fs->drafts);
	if (ret == -EBUSY)
		return report_write(fs, node, ret, &why);
	if (ret == 0 && node->index != D_METADATA)
		osfs_draft_report(fs, node->kind, node->key, 0,
				  NULL); /* a later draft of this name starts clean */
	return ret;
}

int osfs_drafts_add(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, struct osfs_err *why)
{
	struct osfs_drafts *d = fs->drafts;
	struct draft *dr = NULL;
	int ret;

	if (!osfs_draft_kind_of(kind))
		return osfs_err_set(why, -EPERM, "%s cannot be created here",
				       osfs_kinds[kind].dir);
	if ((ret = osfs_name_check_new(fname, why)) < 0)
		return ret;
	pthread_mutex_lock(&d->lock);
	if (osfs_draft_find_locked(d, kind, fname)) {
		ret = osfs_err_set(why, -EEXIST, "'%s' is already a draft", fname);
	} else if (!(dr = calloc(1, sizeof(*dr))) || !(dr->fname = strdup(fname)) ||
		   !(dr->f.name = osfs_name_decode(fname))) {
		if (dr)
			osfs_draft_free(dr);
		ret = -ENOMEM;
	} else {
		dr->kind = kind;
		dr->undo.f = -1;
		dr->next = d->head;
		d->head = dr;
	}
	osfs_draft_unlock(d);
	return ret;
}

