/* drafts.c - the mkdir → write → boot path for servers and keypairs.
 *
 * Every draft field is kept as the user wrote it (single-line fields
 * without the trailing newline).  Drafts are protected by drafts->lock; a
 * boot runs without it, marked by `booting` so concurrent writes get EBUSY
 * and a second boot cannot start.
 */
#include "drafts.h"
#include "ctl.h"
#include "log.h"
#include "names.h"
#include "notes.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USER_DATA_MAX 49149       /* 65535 characters once base64-encoded */
#define VALUE_MAX 4096
#define META_KEY_MAX 255
#define META_VALUE_MAX 255
#define MAX_META 128

enum dfile {
	D_STATUS, D_MISSING, D_NAME, D_FLAVOR, D_IMAGE, D_KEY_NAME, D_USER_DATA,
	D_NETWORKS, D_AZ, D_PUBLIC_KEY, D_CTL, D_ERROR, D_METADATA, D_NFILES
};

struct dfile_info {
	const char *name;
	bool writable;
	bool dir;
	unsigned kinds;   /* bit per enum osfs_kind_id */
};

#define SRV (1u << OSFS_SERVERS)
#define KEY (1u << OSFS_KEYPAIRS)

static const struct dfile_info dfiles[D_NFILES] = {
	[D_STATUS] = { "status", false, false, SRV },
	[D_MISSING] = { "missing", false, false, SRV | KEY },
	[D_NAME] = { "name", false, false, SRV | KEY },
	[D_FLAVOR] = { "flavor", true, false, SRV },
	[D_IMAGE] = { "image", true, false, SRV },
	[D_KEY_NAME] = { "key_name", true, false, SRV },
	[D_USER_DATA] = { "user_data", true, false, SRV },
	[D_NETWORKS] = { "networks", true, false, SRV },
	[D_AZ] = { "availability_zone", true, false, SRV },
	[D_PUBLIC_KEY] = { "public_key", true, false, KEY },
	[D_CTL] = { "ctl", true, false, SRV | KEY },
	[D_ERROR] = { "error", false, false, SRV | KEY },
	[D_METADATA] = { "metadata", true, true, SRV },
};

struct draft {
	enum osfs_kind_id kind;
	char *fname;
	char *name;                 /* decoded API name */
	char *vals[D_NFILES];
	size_t user_data_len;
	char *flavor_id, *image_id; /* resolved at write time */
	struct osfs_kv *meta;
	size_t nmeta;
	bool booting;
	struct draft *next;
};

struct osfs_drafts {
	pthread_mutex_t lock;
	struct draft *head;         /* protected by lock */
};

struct osfs_drafts *osfs_drafts_new(void)
{
	struct osfs_drafts *d = calloc(1, sizeof(*d));

	if (d)
		pthread_mutex_init(&d->lock, NULL);
	return d;
}

static void draft_free(struct draft *dr)
{
	for (int i = 0; i < D_NFILES; i++)
		free(dr->vals[i]);
	for (size_t i = 0; i < dr->nmeta; i++) {
		free(dr->meta[i].key);
		free(dr->meta[i].value);
	}
	free(dr->meta);
	free(dr->flavor_id);
	free(dr->image_id);
	free(dr->fname);
	free(dr->name);
	free(dr);
}

void osfs_drafts_free(struct osfs_drafts *d)
{
	if (!d)
		return;
	while (d->head) {
		struct draft *next = d->head->next;
		draft_free(d->head);
		d->head = next;
	}
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static struct draft *find_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname)
{
	for (struct draft *dr = d->head; dr; dr = dr->next)
		if (dr->kind == kind && strcmp(dr->fname, fname) == 0)
			return dr;
	return NULL;
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

static char *note_key(enum osfs_kind_id kind, const char *fname)
{
	char *key = NULL;
	if (asprintf(&key, "draft:%s:%s", osfs_kinds[kind].dir, fname) < 0)
		return NULL;
	return key;
}

static void set_note(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, const char *msg)
{
	char *key = note_key(kind, fname);

	if (key)
		osfs_notes_set(fs->notes, key, msg);
	free(key);
	if (msg)
		log_err("%s/%s: %s", osfs_kinds[kind].dir, fname, msg);
}

static int fail(struct osfs_fs *fs, const struct draft *dr, int err, const char *fmt, const char *arg)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), fmt, arg);
	set_note(fs, dr->kind, dr->fname, msg);
	return err;
}

/* ---- lookup and listing ---- */

static int dfile_by_name(enum osfs_kind_id kind, const char *name)
{
	for (int i = 0; i < D_NFILES; i++)
		if ((dfiles[i].kinds & (1u << kind)) && strcmp(dfiles[i].name, name) == 0)
			return i;
	return -1;
}

static const struct osfs_kv *meta_find(const struct draft *dr, const char *key)
{
	for (size_t i = 0; i < dr->nmeta; i++)
		if (strcmp(dr->meta[i].key, key) == 0)
			return &dr->meta[i];
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
	if (!dr) {
		ret = 1;
		goto out;
	}
	if (nrest >= 1 && (f = dfile_by_name(kind, rest[0])) < 0)
		ret = -ENOENT;
	else if (nrest == 2 && (f != D_METADATA || !meta_find(dr, rest[1])))
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

void osfs_drafts_list(struct osfs_fs *fs, enum osfs_kind_id kind, osfs_fill_fn fill, void *ctx)
{
	struct stat st = { .st_mode = S_IFDIR | 0755 };

	pthread_mutex_lock(&fs->drafts->lock);
	for (struct draft *dr = fs->drafts->head; dr; dr = dr->next)
		if (dr->kind == kind && fill(ctx, dr->fname, &st))
			break;
	pthread_mutex_unlock(&fs->drafts->lock);
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
		for (size_t i = 0; i < dr->nmeta; i++)
			if (fill(ctx, dr->meta[i].key, &st))
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

/* ---- reading ---- */

static char *missing_of(const struct draft *dr)
{
	char *out = NULL;
	if (dr->kind == OSFS_KEYPAIRS)
		return strdup(dr->vals[D_PUBLIC_KEY] ? "" : "public_key\n");
	if (asprintf(&out, "%s%s", dr->flavor_id ? "" : "flavor\n", dr->image_id ? "" : "image\n") < 0)
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
		const struct osfs_kv *kv = meta_find(dr, node->subkey);
		return kv ? line_of(kv->value) : NULL;
	}
	switch (node->index) {
	case D_STATUS:
		return strdup(dr->booting ? "BOOTING\n" : "DRAFT\n");
	case D_MISSING:
		return missing_of(dr);
	case D_NAME:
		return line_of(dr->name);
	case D_USER_DATA:
		out = malloc(dr->user_data_len + 1);
		if (out) {
			if (dr->user_data_len)
				memcpy(out, dr->vals[D_USER_DATA], dr->user_data_len);
			out[dr->user_data_len] = '\0';
			*len = dr->user_data_len;
		}
		return out;
	case D_CTL:
		return strdup(dr->kind == OSFS_SERVERS ? "boot\ndelete\n" : "delete\n");
	case D_ERROR:
		key = note_key(dr->kind, dr->fname);
		out = key ? osfs_notes_get(fs->notes, key) : NULL;
		free(key);
		return out;
	default:
		return line_of(dr->vals[node->index]);
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
static int resolve(struct osfs_fs *fs, const struct draft *dr, enum osfs_kind_id kind,
		   const char *value, char **id)
{
	struct osfs_listing *l = NULL;
	struct osfs_res *hit = NULL, *first = NULL;
	char *msg = NULL, *fname = NULL;
	size_t same = 0;
	int ret;

	*id = NULL;
	ret = osfs_cache_list(fs->cache, kind, &l, &msg);
	if (ret < 0) {
		ret = fail(fs, dr, ret, "cannot list: %s", msg ? msg : strerror(-ret));
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
		char text[600];
		snprintf(text, sizeof(text), "%zu %s are named '%.200s': write an id or a name from "
			 "%s/ such as '%.200s~...'", same, osfs_kinds[kind].dir, value,
			 osfs_kinds[kind].dir, first->fname);
		ret = fail(fs, dr, -EINVAL, "%s", text);
		goto out;
	}
	if (!hit && (fname = osfs_name_encode(value)))
		hit = osfs_listing_find(l, fname);
	if (!hit) {
		char text[400];
		snprintf(text, sizeof(text), "no %.20s named or with id '%.200s'",
			 kind == OSFS_FLAVORS ? "flavor" : kind == OSFS_IMAGES ? "image" : "keypair", value);
		ret = fail(fs, dr, -EINVAL, "%s", text);
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

/* ---- writing fields ---- */

static char *single_line(const char *data, size_t len)
{
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
		       data[len - 1] == ' ' || data[len - 1] == '\t'))
		len--;
	if (memchr(data, '\0', len))
		return NULL;
	return strndup(data, len);
}

static bool valid_meta_key(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > META_KEY_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. ", *p))
			return false;
	return true;
}

static bool looks_like_uuid(const char *s)
{
	size_t hex = 0;

	for (; *s; s++) {
		if (*s == '-')
			continue;
		if (!strchr("0123456789abcdefABCDEF", *s))
			return false;
		hex++;
	}
	return hex == 32;
}

static int check_networks(struct osfs_fs *fs, struct draft *dr, const char *value)
{
	char *copy, *save = NULL;
	int ret = 0;

	if (strcmp(value, "auto") == 0 || strcmp(value, "none") == 0)
		return 0;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, "\n ,", &save); tok && ret == 0; tok = strtok_r(NULL, "\n ,", &save))
		if (!looks_like_uuid(tok))
			ret = fail(fs, dr, -EINVAL, "networks: '%.200s' is not auto, none or a network id", tok);
	free(copy);
	return ret;
}

static int set_field_locked(struct osfs_fs *fs, struct draft *dr, int f, const char *data, size_t len)
{
	char *value = NULL;
	int ret = 0;

	if (f == D_USER_DATA) {
		if (len > USER_DATA_MAX)
			return fail(fs, dr, -EFBIG, "user_data is over %s bytes (65535 once base64-encoded)", "49149");
		value = malloc(len + 1);
		if (!value)
			return -ENOMEM;
		memcpy(value, data, len);
		value[len] = '\0';
		free(dr->vals[f]);
		dr->vals[f] = value;
		dr->user_data_len = len;
		return 0;
	}
	if (len > VALUE_MAX)
		return fail(fs, dr, -EFBIG, "%s: value too long", dfiles[f].name);
	if (!(value = single_line(data, len)))
		return fail(fs, dr, -EINVAL, "%s: the value must be text", dfiles[f].name);
	if (f == D_NETWORKS)
		ret = check_networks(fs, dr, value);
	if (ret < 0) {
		free(value);
		return ret;
	}
	free(dr->vals[f]);
	dr->vals[f] = *value ? value : NULL;
	if (!*value)
		free(value);
	return 0;
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

/* Servers named `name` that the API lists now; NULL on failure. */
static char **servers_named(struct osfs_fs *fs, const char *name)
{
	char *re = osfs_name_regex_exact(name), *filter = re ? osfs_http_escape(re) : NULL, *path = NULL;
	struct osfs_http_resp resp;
	char **ids = NULL;

	if (filter && asprintf(&path, "/servers?name=%s", filter) > 0) {
		struct osfs_api_call call = { .svc = OSFS_SVC_COMPUTE, .method = "GET", .path = path };
		if (osfs_api_call(fs->api, &call, &resp, NULL) == 0)
			ids = osfs_model_ids_named(resp.body, "servers", name);
		osfs_http_resp_free(&resp);
	}
	free(path);
	free(filter);
	free(re);
	return ids;
}

static bool in_list(char **list, const char *id)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], id) == 0)
			return true;
	return false;
}

/* After a POST that got no clear answer: did it create the server? */
static char *find_created(struct osfs_fs *fs, const char *name, char **before)
{
	char **now = servers_named(fs, name), *id = NULL;

	for (size_t i = 0; now && now[i] && !id; i++)
		if (!in_list(before, now[i]))
			id = strdup(now[i]);
	osfs_model_strv_free(now);
	return id;
}

static char *server_body(struct draft *dr, const char *b64, char **nets)
{
	const char *mode = dr->vals[D_NETWORKS] ? dr->vals[D_NETWORKS] : "auto";
	struct osfs_server_spec spec = {
		.name = dr->name, .flavor_ref = dr->flavor_id, .image_ref = dr->image_id,
		.key_name = dr->vals[D_KEY_NAME], .user_data_b64 = b64,
		.availability_zone = dr->vals[D_AZ],
		.net_mode = strcmp(mode, "none") == 0 ? OSFS_NET_NONE :
			    strcmp(mode, "auto") == 0 ? OSFS_NET_AUTO : OSFS_NET_LIST,
		.net_ids = (const char *const *)nets, .metadata = dr->meta, .nmetadata = dr->nmeta,
	};
	return osfs_model_server_body(&spec);
}

static char **split_lines(const char *s)
{
	char *copy = s ? strdup(s) : NULL, *save = NULL;
	char **out = calloc(s ? strlen(s) / 2 + 2 : 1, sizeof(*out));
	size_t n = 0;

	for (char *tok = copy ? strtok_r(copy, "\n ,", &save) : NULL; out && tok;
	     tok = strtok_r(NULL, "\n ,", &save))
		out[n++] = strdup(tok);
	free(copy);
	return out;
}

/* POST /servers for a draft that has what it needs.  Runs unlocked, with
 * dr->booting set; the draft cannot go away meanwhile. */
static int boot(struct osfs_fs *fs, struct draft *dr, char **created)
{
	char *b64 = NULL, *body = NULL, *msg = NULL, **nets = NULL, **before = NULL;
	struct osfs_http_resp resp = { 0 };
	int ret;

	*created = NULL;
	b64 = dr->user_data_len ? base64(dr->vals[D_USER_DATA], dr->user_data_len) : NULL;
	nets = split_lines(dr->vals[D_NETWORKS]);
	body = server_body(dr, b64, nets);
	before = servers_named(fs, dr->name);
	if (!body || !nets || (dr->user_data_len && !b64)) {
		ret = -ENOMEM;
		goto out;
	}
	struct osfs_api_call call = { .svc = OSFS_SVC_COMPUTE, .method = "POST", .path = "/servers",
				      .body = body, .no_retry = true };
	ret = osfs_api_call(fs->api, &call, &resp, &msg);
	if (ret == 0) {
		*created = osfs_model_created_id(resp.body);
		ret = *created ? 0 : -EPROTO;
	} else if (resp.status == 0 || resp.status >= 500) {
		/* no clear answer: the server may exist all the same */
		*created = find_created(fs, dr->name, before);
		if (*created) {
			log_warn("servers/%s: the create request failed (%s) but the server exists: %s",
				 dr->fname, msg ? msg : "", *created);
			ret = 0;
		}
	}
	if (ret < 0)
		set_note(fs, dr->kind, dr->fname, msg ? msg : strerror(-ret));
out:
	osfs_http_resp_free(&resp);
	osfs_model_strv_free(nets);
	osfs_model_strv_free(before);
	free(msg);
	free(body);
	free(b64);
	return ret;
}

static int import_keypair(struct osfs_fs *fs, struct draft *dr)
{
	char *body = osfs_model_keypair_body(dr->name, dr->vals[D_PUBLIC_KEY]), *msg = NULL;
	struct osfs_http_resp resp;
	int ret;

	if (!body)
		return -ENOMEM;
	struct osfs_api_call call = { .svc = OSFS_SVC_COMPUTE, .method = "POST", .path = "/os-keypairs",
				      .body = body, .no_retry = true };
	ret = osfs_api_call(fs->api, &call, &resp, &msg);
	osfs_http_resp_free(&resp);
	if (ret < 0)
		set_note(fs, dr->kind, dr->fname, msg ? msg : strerror(-ret));
	free(msg);
	free(body);
	return ret;
}

/* Create the resource of a draft, then forget the draft.  Takes the lock. */
static int commit(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_drafts *d = fs->drafts;
	char *created = NULL, *missing;
	struct draft *dr;
	int ret = 0;

	pthread_mutex_lock(&d->lock);
	dr = find_locked(d, kind, fname);
	if (!dr || dr->booting) {
		ret = dr ? -EBUSY : -ENOENT;
		goto out_locked;
	}
	missing = missing_of(dr);
	if (missing && *missing) {
		for (char *p = missing; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ',' : '\0';
		ret = fail(fs, dr, -EINVAL, "cannot create yet: missing %s", missing);
		free(missing);
		goto out_locked;
	}
	free(missing);
	dr->booting = true;
	pthread_mutex_unlock(&d->lock);

	ret = kind == OSFS_SERVERS ? boot(fs, dr, &created) : import_keypair(fs, dr);

	pthread_mutex_lock(&d->lock);
	dr->booting = false;
	if (ret == 0) {
		set_note(fs, kind, fname, NULL);
		log_info("%s/%s: created %s", osfs_kinds[kind].dir, fname, created ? created : dr->name);
		if (created)
			osfs_cache_watch(fs->cache, kind, created);
		osfs_cache_invalidate(fs->cache, (int)kind);
		unlink_locked(d, dr);
	}
out_locked:
	pthread_mutex_unlock(&d->lock);
	free(created);
	return ret;
}

/* ---- entry points for write.c ---- */

static int write_ctl(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	char word[32];

	osfs_ctl_normalise(data, len < 256 ? len : 256, word, sizeof(word));
	if (strcmp(word, "boot") == 0 && node->kind == OSFS_SERVERS)
		return commit(fs, node->kind, node->key);
	if (strcmp(word, "delete") == 0)
		return osfs_drafts_remove(fs, node);
	set_note(fs, node->kind, node->key, "unknown verb for a draft: write boot or delete");
	return -EINVAL;
}

static int resolve_field(struct osfs_fs *fs, struct osfs_node *node, int f, const char *data, size_t len)
{
	enum osfs_kind_id target = f == D_FLAVOR ? OSFS_FLAVORS : f == D_IMAGE ? OSFS_IMAGES : OSFS_KEYPAIRS;
	char *value = single_line(data, len), *id = NULL;
	struct draft probe = { .kind = node->kind, .fname = node->key }, *dr;
	int ret;

	if (!value)
		return -EINVAL;
	ret = *value ? resolve(fs, &probe, target, value, &id) : 0;
	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, node->kind, node->key);
	if (!dr || dr->booting) {
		ret = dr ? -EBUSY : -ENOENT;
	} else if (ret == 0) {
		char **slot = f == D_FLAVOR ? &dr->flavor_id : f == D_IMAGE ? &dr->image_id : NULL;
		free(dr->vals[f]);
		dr->vals[f] = *value ? value : NULL;
		value = NULL;
		if (slot) {
			free(*slot);
			*slot = id;
			id = NULL;
		}
		set_note(fs, node->kind, node->key, NULL);
	}
	pthread_mutex_unlock(&fs->drafts->lock);
	free(value);
	free(id);
	return ret;
}

int osfs_drafts_write(struct osfs_fs *fs, struct osfs_node *node, const char *data, size_t len)
{
	struct draft *dr;
	int f = node->index, ret;

	if (node->subkey) {
		if (len > META_VALUE_MAX + 1)
			f = -1;
	} else if (f == D_CTL) {
		return write_ctl(fs, node, data, len);
	} else if (f == D_FLAVOR || f == D_IMAGE || f == D_KEY_NAME) {
		return resolve_field(fs, node, f, data, len);
	}
	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, node->kind, node->key);
	if (!dr || dr->booting) {
		ret = dr ? -EBUSY : -ENOENT;
	} else if (node->subkey) {
		struct osfs_kv *kv = (struct osfs_kv *)meta_find(dr, node->subkey);
		char *v = f < 0 ? NULL : single_line(data, len);
		ret = !kv ? -ENOENT : !v ? fail(fs, dr, -EINVAL, "metadata values are text of at most %s characters", "255") : 0;
		if (ret == 0) {
			free(kv->value);
			kv->value = v;
		} else {
			free(v);
		}
	} else if (f < 0 || !dfiles[f].writable || dfiles[f].dir) {
		ret = -EACCES;
	} else {
		ret = set_field_locked(fs, dr, f, data, len);
	}
	pthread_mutex_unlock(&fs->drafts->lock);
	if (ret == 0 && node->kind == OSFS_KEYPAIRS && f == D_PUBLIC_KEY)
		ret = commit(fs, node->kind, node->key);
	return ret;
}

int osfs_drafts_meta_create(struct osfs_fs *fs, struct osfs_node *dir, const char *key,
			    struct osfs_node *file)
{
	struct draft *dr;
	int ret = 0;

	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, dir->kind, dir->key);
	if (!dr || dir->index != D_METADATA) {
		ret = -EACCES;
	} else if (dr->booting) {
		ret = -EBUSY; /* boot() reads dr->meta unlocked */
	} else if (!valid_meta_key(key)) {
		ret = fail(fs, dr, -EINVAL, "metadata key '%.255s' must match [a-zA-Z0-9-_:. ]{1,255}", key);
	} else if (!meta_find(dr, key)) {
		struct osfs_kv *grown = dr->nmeta < MAX_META ?
			realloc(dr->meta, (dr->nmeta + 1) * sizeof(*grown)) : NULL;
		if (!grown) {
			ret = dr->nmeta < MAX_META ? -ENOMEM : -EDQUOT;
		} else {
			dr->meta = grown;
			grown[dr->nmeta].key = strdup(key);
			grown[dr->nmeta].value = strdup("");
			dr->nmeta++;
		}
	}
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
	return ret;
}

int osfs_drafts_unlink(struct osfs_fs *fs, struct osfs_node *node)
{
	struct draft *dr;
	int ret = -EPERM;

	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, node->kind, node->key);
	if (dr && dr->booting)
		ret = -EBUSY; /* boot() reads dr->meta unlocked */
	for (size_t i = 0; dr && !dr->booting && node->subkey && i < dr->nmeta; i++) {
		if (strcmp(dr->meta[i].key, node->subkey) == 0) {
			free(dr->meta[i].key);
			free(dr->meta[i].value);
			dr->meta[i] = dr->meta[--dr->nmeta];
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&fs->drafts->lock);
	return ret;
}

int osfs_drafts_remove(struct osfs_fs *fs, struct osfs_node *node)
{
	struct draft *dr;
	int ret = 0;

	if (node->type != OSFS_N_DRAFT || node->index == D_METADATA) {
		if (node->type == OSFS_N_DRAFT_FILE && node->index == D_CTL)
			goto remove; /* "delete" written to a draft's ctl */
		return -EPERM;
	}
remove:
	pthread_mutex_lock(&fs->drafts->lock);
	dr = find_locked(fs->drafts, node->kind, node->key);
	if (!dr)
		ret = -ENOENT;
	else if (dr->booting)
		ret = -EBUSY;
	else
		unlink_locked(fs->drafts, dr);
	pthread_mutex_unlock(&fs->drafts->lock);
	if (ret == 0)
		set_note(fs, node->kind, node->key, NULL);
	return ret;
}

static bool name_taken(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, int *err)
{
	struct osfs_listing *l = NULL;
	bool taken;

	*err = osfs_cache_list(fs->cache, kind, &l, NULL);
	if (*err < 0)
		return true;
	taken = osfs_listing_find(l, fname) != NULL || strcmp(fname, ".by-id") == 0;
	osfs_listing_put(l);
	return taken;
}

static int apply_defaults(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	const struct osfs_opts *o = &fs->opts;
	struct osfs_node node = { .type = OSFS_N_DRAFT_FILE, .kind = kind, .key = (char *)fname };
	int ret = 0;

	if (kind != OSFS_SERVERS)
		return 0;
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
	if (ret == 0 && o->default_flavor && o->default_image)
		ret = commit(fs, kind, fname);
	return ret;
}

int osfs_drafts_create(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname)
{
	struct osfs_drafts *d = fs->drafts;
	struct draft *dr;
	char *name;
	int ret = 0;

	if (kind != OSFS_SERVERS && kind != OSFS_KEYPAIRS)
		return -EPERM;
	if (name_taken(fs, kind, fname, &ret))
		return ret < 0 ? ret : -EEXIST;
	name = osfs_name_decode(fname);
	if (!name || !*name || name[0] == ' ' || name[strlen(name) - 1] == ' ') {
		free(name);
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	if (find_locked(d, kind, fname)) {
		ret = -EEXIST;
	} else if (!(dr = calloc(1, sizeof(*dr))) || !(dr->fname = strdup(fname))) {
		free(dr);
		ret = -ENOMEM;
	} else {
		dr->kind = kind;
		dr->name = name;
		name = NULL;
		dr->next = d->head;
		d->head = dr;
	}
	pthread_mutex_unlock(&d->lock);
	free(name);
	if (ret == 0 && (ret = apply_defaults(fs, kind, fname)) < 0) {
		struct osfs_node node = { .type = OSFS_N_DRAFT, .kind = kind, .key = (char *)fname };
		osfs_drafts_remove(fs, &node);
	}
	return ret;
}
