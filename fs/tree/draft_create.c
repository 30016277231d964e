/* draft_create.c - the create calls of drafts (boot a server, import a
 * keypair, create a volume) and, when an answer did not come, what was
 * there before under that name, so that settling can tell the new one. */
#include "drafts_int.h"
#include "osfs_base.h"
#include "osfs_clients.h"
#include "osfs_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool in_list(char **list, const char *id)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], id) == 0)
			return true;
	return false;
}

/* After a POST that got no clear answer: the id of a `kind` resource
 * named `name` that was not there before, or NULL (caller frees). */
char *osfs_draft_find_new(struct osfs_fs *fs, enum osfs_kind_id kind, const char *name,
			  char **before)
{
	char **now = osfs_draft_kind_of(kind)->named(fs->api, name), *id = NULL;

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
		   struct made *out, int ret, bool left, const struct osfs_err *err, struct osfs_err *why)
{
	const struct draft_kind *dk = osfs_draft_kind_of(kind);

	out->created = osfs_draft_find_new(fs, kind, name, out->before);
	if (out->created) {
		log_warn("%s/%s: the create request failed (%s) but the %s exists: %s",
			 osfs_kinds[kind].dir, fname, osfs_err_has(err) ? err->msg : strerror(-ret), dk->noun,
			 out->created);
		return 0;
	}
	if (!left)
		return ret; /* an answer, an error, or nothing sent: nothing was made */
	out->unsure = true;
	return osfs_err_set(
	    why, ret,
	    "the answer to %s did not come (%.200s); waiting to see whether the %s "
	    "was made: status reads %s until then",
	    dk->verb ? dk->verb : "the create request", osfs_err_has(err) ? err->msg : strerror(-ret), dk->noun,
	    dk->settling);
}

/* The tokens of s split at any of seps; NULL-ended, NULL on ENOMEM. */
char **osfs_draft_split_at(const char *s, const char *seps)
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
int osfs_draft_resolve_networks(struct osfs_fs *fs, char **nets, struct osfs_err *why)
{
	for (size_t i = 0; nets[i]; i++) {
		char *id = NULL;
		int ret = osfs_network_resolve(fs->api, nets[i], &id, why);
		if (ret == -ENODEV && osfs_network_is_uuid(nets[i]))
			continue;
		if (ret == -ENODEV)
			return osfs_err_set(
			    why, -EINVAL,
			    "networks: '%.200s' is a name, and this cloud has no "
			    "network service to look it up: write a network id",
			    nets[i]);
		if (ret < 0 && !why->msg[0])
			osfs_err_set(why, ret, "networks: cannot look up '%.200s': %s", nets[i],
					strerror(-ret));
		if (ret < 0)
			return ret;
		free(nets[i]);
		nets[i] = id;
	}
	return 0;
}

/* The request body for the copy a boot took, networks resolved first. */
static int boot_body(struct osfs_fs *fs, const struct draft_fields *f, char **body, struct osfs_err *why)
{
	char *b64 = NULL, **nets = osfs_draft_split_at(f->vals[D_NETWORKS], NET_SEPS);
	char **groups = osfs_draft_split_at(f->vals[D_SECURITY_GROUPS], SG_SEPS);
	const char *size = f->vals[D_BOOT_VOLUME_SIZE];
	int ret = -ENOMEM;

	*body = NULL;
	b64 = f->user_data_len ? osfs_base64(f->vals[D_USER_DATA], f->user_data_len) : NULL;
	if (!nets || !groups || (f->user_data_len && !b64))
		goto out;
	if (net_mode(f) == OSFS_NET_LIST && (ret = osfs_draft_resolve_networks(fs, nets, why)) < 0)
		goto out;
	struct osfs_boot_spec spec = {
	    .server =
		{
		    .name = f->name,
		    .flavor_ref = f->flavor_id,
		    .image_ref = f->image_id,
		    .key_name = f->vals[D_KEY_NAME],
		    .user_data_b64 = b64,
		    .availability_zone = f->vals[D_AZ],
		    .net_mode = net_mode(f),
		    .net_ids = (const char *const *)nets,
		    .metadata = f->meta,
		    .nmetadata = f->nmeta,
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
		       struct made *out, struct osfs_err *why)
{
	struct osfs_err err = { "" };
	char *body = NULL;
	long status = 0;
	int ret;

	if ((ret = boot_body(fs, f, &body, why)) < 0)
		goto out;
	out->before = osfs_compute_servers_named(fs->api, f->name);
	osfs_draft_note_before(fs, OSFS_SERVERS, fname, out->before);
	ret = osfs_compute_boot(fs->api, body, &out->created, &out->secret, &status, &err);
	if (ret < 0 && unclear(status))
		ret = recover(fs, OSFS_SERVERS, fname, f->name, out, ret,
			      osfs_error_unanswered() != NULL, &err, why);
	if (ret < 0 && osfs_err_has(&err) && !out->unsure)
		*why = err;
out:
	free(body);
	return ret;
}

static int import_keypair(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
			  struct made *out, struct osfs_err *why)
{
	int ret = osfs_compute_import_keypair(fs->api, f->name, f->vals[D_PUBLIC_KEY], why);

	(void)fname;
	if (ret == 0 && !(out->created = strdup(f->name))) /* a keypair's id is its name */
		ret = -ENOMEM;
	return ret;
}

/* A kind's create request: 0 and *id, or -errno with the HTTP status
 * in *status (0: no answer came) and the API's message in err. */
typedef int (*post_fn)(struct osfs_api *api, const struct draft_fields *f, char **id,
		       long *status, struct osfs_err *err);

/* Send kind's create once, with the ids of its name from before (what a
 * lost answer is settled by). */
static int create_once(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname,
		       const struct draft_fields *f, struct made *out, struct osfs_err *why, post_fn post)
{
	struct osfs_err err = { "" };
	long status = 0;
	int ret;

	out->before = osfs_draft_kind_of(kind)->named(fs->api, f->name);
	osfs_draft_note_before(fs, kind, fname, out->before);
	ret = post(fs->api, f, &out->created, &status, &err);
	if (ret < 0 && unclear(status))
		ret = recover(fs, kind, fname, f->name, out, ret, osfs_error_unanswered() != NULL, &err,
			      why);
	if (ret < 0 && osfs_err_has(&err) && !out->unsure)
		*why = err;
	return ret;
}

static int post_volume(struct osfs_api *api, const struct draft_fields *f, char **id,
		       long *status, struct osfs_err *err)
{
	return osfs_volume_create(api, f->name, strtol(f->vals[D_SIZE], NULL, 10), id, status, err);
}

static int create_volume(struct osfs_fs *fs, const char *fname, const struct draft_fields *f,
			 struct made *out, struct osfs_err *why)
{
	return create_once(fs, OSFS_VOLUMES, fname, f, out, why, post_volume);
}

static int post_security_group(struct osfs_api *api, const struct draft_fields *f, char **id,
			       long *status, struct osfs_err *err)
{
	return osfs_network_create_security_group(api, f->name, f->vals[D_DESCRIPTION], id, status,
						  err);
}

static int create_security_group(struct osfs_fs *fs, const char *fname,
				 const struct draft_fields *f, struct made *out, struct osfs_err *why)
{
	return create_once(fs, OSFS_SECURITY_GROUPS, fname, f, out, why, post_security_group);
}

void osfs_draft_made_free(struct made *m)
{
	free(m->created);
	osfs_draft_wipe_free(m->secret);
	osfs_model_strv_free(m->before);
	memset(m, 0, sizeof(*m));
}

/* The create call of each kind that has drafts. */
static int (*const creates[OSFS_NKINDS])(struct osfs_fs *fs, const char *fname,
					 const struct draft_fields *f, struct made *out,
					 struct osfs_err *why) = {
    [OSFS_SERVERS] = boot_server,
    [OSFS_KEYPAIRS] = import_keypair,
    [OSFS_VOLUMES] = create_volume,
    [OSFS_SECURITY_GROUPS] = create_security_group,
};

int osfs_draft_create_call(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname,
			   const struct draft_fields *f, struct made *out, struct osfs_err *why)
{
	return creates[kind] ? creates[kind](fs, fname, f, out, why) : -EPERM;
}
