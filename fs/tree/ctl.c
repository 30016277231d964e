/* ctl.c - verb tables and running a verb against the API.
 *
 * A row is one verb: its words, the name of its argument if it takes one,
 * and the request it makes.  Parsing, `cat ctl` and running all read the
 * same rows, so a new verb is a new row. */
#include "ctl.h"
#include "osfs_cache.h"
#include "osfs_clients.h"
#include "drafts.h"
#include "osfs_base.h"
#include "notes.h"
#include "osfs_model.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_TEXT_MAX 1024   /* longer than any verb and a 255-character argument */

#define VERB_FN(name) static int name(struct osfs_fs *fs, const struct osfs_res *r, \
				      const char *arg, struct osfs_err *err, struct osfs_err *why)
VERB_FN(run_delete);
VERB_FN(run_unset);
VERB_FN(run_attach);
VERB_FN(run_detach);
VERB_FN(run_add_fip);
VERB_FN(run_remove_fip);
VERB_FN(run_add_sg);
VERB_FN(run_remove_sg);
VERB_FN(run_delete_keypair);
VERB_FN(run_delete_volume);
VERB_FN(run_delete_security_group);
VERB_FN(run_release_fip);
VERB_FN(run_migrate);
VERB_FN(run_live_migrate);
VERB_FN(run_evacuate);
VERB_FN(run_enable);
VERB_FN(run_disable);
VERB_FN(run_force_down);
VERB_FN(run_unforce_down);

static const struct osfs_verb server_verbs[] = {
	{ .words = "reboot", .action = "{\"reboot\": {\"type\": \"SOFT\"}}" },
	{ .words = "reboot hard", .action = "{\"reboot\": {\"type\": \"HARD\"}}" },
	{ .words = "stop", .action = "{\"os-stop\": null}" },
	{ .words = "start", .action = "{\"os-start\": null}" },
	{ .words = "pause", .action = "{\"pause\": null}" },
	{ .words = "unpause", .action = "{\"unpause\": null}" },
	{ .words = "suspend", .action = "{\"suspend\": null}" },
	{ .words = "resume", .action = "{\"resume\": null}" },
	{ .words = "lock", .action = "{\"lock\": null}" },
	{ .words = "unlock", .action = "{\"unlock\": null}" },
	/* status shows each of these: RESIZE, VERIFY_RESIZE, SHELVED..., RESCUE */
	{ .words = "resize", .arg = "FLAVOR", .action = "resize", .arg_key = "flavorRef",
	  .arg_of = &osfs_kinds[OSFS_FLAVORS], .shows_in = "status" },
	{ .words = "confirm-resize", .action = "{\"confirmResize\": null}", .shows_in = "status" },
	{ .words = "revert-resize", .action = "{\"revertResize\": null}", .shows_in = "status" },
	{ .words = "shelve", .action = "{\"shelve\": null}", .shows_in = "status" },
	{ .words = "unshelve", .action = "{\"unshelve\": null}", .shows_in = "status" },
	{ .words = "rescue", .action = "{\"rescue\": null}", .shows_in = "status" },
	{ .words = "unrescue", .action = "{\"unrescue\": null}", .shows_in = "status" },
	/* these end where they began (ACTIVE): watched until task_state clears */
	{ .words = "rebuild", .arg = "[IMAGE]", .action = "rebuild", .arg_key = "imageRef",
	  .arg_of = &osfs_kinds[OSFS_IMAGES], .arg_default = "image" },
	{ .words = "snapshot", .arg = "NAME", .action = "createImage", .arg_key = "name",
	  .changes = &osfs_kinds[OSFS_IMAGES] },
	{ .words = "delete", .removes = true, .run = run_delete },
	{ .words = "unset", .arg = "KEY", .run = run_unset },
	{ .words = "attach", .arg = "VOLUME", .run = run_attach },
	{ .words = "detach", .arg = "VOLUME", .run = run_detach },
	{ .words = "add-floating-ip", .arg = "NETWORK", .run = run_add_fip, .shows_in = "addresses" },
	{ .words = "remove-floating-ip", .arg = "ADDRESS", .run = run_remove_fip, .shows_in = "addresses" },
	{ .words = "add-security-group", .arg = "NAME", .run = run_add_sg, .shows_in = "security_groups" },
	{ .words = "remove-security-group", .arg = "NAME", .run = run_remove_sg, .shows_in = "security_groups" },
	{ .words = NULL },
};

static const struct osfs_verb keypair_verbs[] = {
	{ .words = "delete", .removes = true, .run = run_delete_keypair },
	{ .words = NULL },
};

static const struct osfs_verb volume_verbs[] = {
	{ .words = "delete", .removes = true, .run = run_delete_volume },
	{ .words = NULL },
};

static const struct osfs_verb security_group_verbs[] = {
	{ .words = "delete", .removes = true, .run = run_delete_security_group },
	{ .words = NULL },
};

/* Releasing an address is said on the address itself, never by a server verb. */
static const struct osfs_verb floating_ip_verbs[] = {
	{ .words = "release", .removes = true, .run = run_release_fip },
	{ .words = NULL },
};

/* Every project's servers, for an admin: moving them between hosts.
 * Each move is a migration record; a live one ends with a new host. */
static const struct osfs_verb admin_server_verbs[] = {
	{ .words = "migrate", .arg = "[HOST]", .run = run_migrate, .shows_in = "status",
	  .changes = &osfs_kinds[OSFS_MIGRATIONS] },
	{ .words = "live-migrate", .arg = "[HOST]", .run = run_live_migrate, .shows_in = "host",
	  .changes = &osfs_kinds[OSFS_MIGRATIONS] },
	{ .words = "evacuate", .arg = "[HOST]", .run = run_evacuate, .shows_in = "host",
	  .changes = &osfs_kinds[OSFS_MIGRATIONS] },
	{ .words = "confirm-resize", .action = "{\"confirmResize\": null}", .shows_in = "status",
	  .changes = &osfs_kinds[OSFS_MIGRATIONS] },
	{ .words = "revert-resize", .action = "{\"revertResize\": null}", .shows_in = "status",
	  .changes = &osfs_kinds[OSFS_MIGRATIONS] },
	{ .words = NULL },
};

/* A compute service: its listing (and its hypervisor's) is read again. */
static const struct osfs_verb compute_service_verbs[] = {
	{ .words = "enable", .run = run_enable, .changes = &osfs_kinds[OSFS_COMPUTE_SERVICES] },
	{ .words = "disable", .arg = "[REASON]", .run = run_disable,
	  .changes = &osfs_kinds[OSFS_COMPUTE_SERVICES] },
	{ .words = "force-down", .run = run_force_down, .changes = &osfs_kinds[OSFS_COMPUTE_SERVICES] },
	{ .words = "unforce-down", .run = run_unforce_down,
	  .changes = &osfs_kinds[OSFS_COMPUTE_SERVICES] },
	{ .words = NULL },
};

/* The verbs of each kind that has a ctl file. */
static const struct osfs_verb *const kind_verbs[OSFS_NKINDS] = {
	[OSFS_SERVERS] = server_verbs,
	[OSFS_KEYPAIRS] = keypair_verbs,
	[OSFS_VOLUMES] = volume_verbs,
	[OSFS_SECURITY_GROUPS] = security_group_verbs,
	[OSFS_FLOATING_IPS] = floating_ip_verbs,
	[OSFS_ADMIN_SERVERS] = admin_server_verbs,
	[OSFS_COMPUTE_SERVICES] = compute_service_verbs,
};

static const struct osfs_verb *verbs_of(enum osfs_kind_id kind)
{
	return kind >= 0 && kind < OSFS_NKINDS ? kind_verbs[kind] : NULL;
}

bool osfs_ctl_has_verbs(enum osfs_kind_id kind)
{
	return verbs_of(kind) != NULL;
}

/* Does normalised `word` start with the verb's word, then a blank? */
static bool names_arg_verb(const struct osfs_verb *v, const char *word)
{
	size_t n = strlen(v->words);

	return v->arg && strncmp(word, v->words, n) == 0 && (word[n] == ' ' || word[n] == '\0');
}

/* The raw text after the first word, blanks around it trimmed; NULL on
 * ENOMEM. */
static char *raw_arg(const char *text, size_t len)
{
	size_t i = 0, end = len;

	while (i < len && isspace((unsigned char)text[i]))
		i++;
	while (i < len && !isspace((unsigned char)text[i]))
		i++;
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	while (end > i && isspace((unsigned char)text[end - 1]))
		end--;
	return strndup(text + i, end - i);
}

int osfs_ctl_parse_arg(enum osfs_kind_id kind, const char *text, size_t len,
		       const struct osfs_verb **verb, char **arg, struct osfs_err *why)
{
	const struct osfs_verb *v = verbs_of(kind);
	char word[64];

	*verb = NULL;
	*arg = NULL;
	if (memchr(text, '\0', len)) { /* "reboot\0hard" must not read as reboot */
		return osfs_err_set(why, -EINVAL, "a command is one line of text, and this one holds a NUL byte");
	}
	osfs_text_normalise(text, len < CTL_TEXT_MAX ? len : CTL_TEXT_MAX, word, sizeof(word));
	for (; v && v->words && len < CTL_TEXT_MAX; v++) {
		if (!v->arg && strcmp(v->words, word) == 0)
			break;
		if (names_arg_verb(v, word))
			break;
	}
	if (!v || !v->words || len >= CTL_TEXT_MAX) {
		return osfs_err_set(why, -EINVAL, "unknown verb '%.60s': read ctl for the list", word);
	}
	if (v->arg && !(*arg = raw_arg(text, len)))
		return -ENOMEM;
	if (v->arg && !**arg && v->arg[0] == '[') { /* an argument that may be left out */
		free(*arg);
		*arg = NULL;
	} else if (v->arg && (!**arg || strchr(*arg, '\n'))) {
		osfs_err_set(why, 0, "%s needs one %s: echo '%s %s' > ctl", v->words, v->arg,
			 v->words, v->arg);
		free(*arg);
		*arg = NULL;
		return -EINVAL;
	}
	*verb = v;
	return 0;
}

const struct osfs_verb *osfs_ctl_parse(enum osfs_kind_id kind, const char *text, size_t len)
{
	const struct osfs_verb *v = NULL;
	struct osfs_err why = { "" };
	char *arg = NULL;

	if (osfs_ctl_parse_arg(kind, text, len, &v, &arg, &why) < 0)
		return NULL;
	if (arg) {
		free(arg);
		return NULL;
	}
	return v;
}

char *osfs_ctl_help(enum osfs_kind_id kind)
{
	const struct osfs_verb *v = verbs_of(kind);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (; v && v->words; v++)
		fprintf(f, "%s%s%s\n", v->words, v->arg ? " " : "", v->arg ? v->arg : "");
	fclose(f);
	return out;
}

/* ---- what the verbs do, through the service clients ---- */

VERB_FN(run_delete)
{
	return osfs_compute_delete(fs->api, r->id, err);
}

VERB_FN(run_unset)
{
	return osfs_compute_unset_meta(fs->api, r->id, arg, err);
}

VERB_FN(run_delete_keypair)
{
	return osfs_compute_delete_keypair(fs->api, r->id, err);
}

VERB_FN(run_delete_volume)
{
	return osfs_volume_delete(fs->api, r->id, err);
}

VERB_FN(run_delete_security_group)
{
	return osfs_network_delete_security_group(fs->api, r->id, err);
}

/* attach and detach change the volume too: it is watched, and its
 * kind's listing refreshed, like the server. */
static int run_attachment(struct osfs_fs *fs, const struct osfs_res *r, const char *arg, struct osfs_err *err,
			  struct osfs_err *why,
			  int (*fn)(struct osfs_api *, const char *, const char *, struct osfs_err *))
{
	char *vol = NULL;
	int ret = osfs_volume_resolve(fs->api, arg, &vol, why);

	if (ret == 0)
		ret = fn(fs->api, r->id, vol, err);
	if (ret == 0) {
		osfs_cache_watch(fs->cache, OSFS_VOLUMES, vol);
		osfs_cache_invalidate(fs->cache, OSFS_VOLUMES);
	}
	free(vol);
	return ret;
}

VERB_FN(run_attach)
{
	return run_attachment(fs, r, arg, err, why, osfs_compute_attach);
}

VERB_FN(run_detach)
{
	return run_attachment(fs, r, arg, err, why, osfs_compute_detach);
}

VERB_FN(run_add_fip)
{
	char *address = NULL, *port = NULL;
	int ret = osfs_network_add_floating_ip(fs->api, r->id, arg, &address, &port, err, why);

	if (ret == 0) {
		log_info("servers/%s: floating IP %s on port %s", r->fname, address, port);
		osfs_cache_invalidate(fs->cache, OSFS_FLOATING_IPS);
	}
	free(address);
	free(port);
	return ret;
}

/* Disassociates only: the address stays the project's (`release` on
 * floating_ips/ADDR/ctl gives it back).  Its port, server and status
 * change: the floating_ips listing is read again. */
VERB_FN(run_remove_fip)
{
	int ret = osfs_network_remove_floating_ip(fs->api, r->id, arg, err, why);

	if (ret == 0)
		osfs_cache_invalidate(fs->cache, OSFS_FLOATING_IPS);
	return ret;
}

VERB_FN(run_release_fip)
{
	return osfs_network_release_floating_ip(fs->api, r->id, err);
}

VERB_FN(run_add_sg)
{
	return osfs_compute_security_group(fs->api, r->id, arg, 1, err);
}

VERB_FN(run_remove_sg)
{
	return osfs_compute_security_group(fs->api, r->id, arg, 0, err);
}

VERB_FN(run_migrate)
{
	return osfs_compute_move(fs->api, r->id, OSFS_MOVE_COLD, arg, err);
}

VERB_FN(run_live_migrate)
{
	return osfs_compute_move(fs->api, r->id, OSFS_MOVE_LIVE, arg, err);
}

VERB_FN(run_evacuate)
{
	return osfs_compute_move(fs->api, r->id, OSFS_MOVE_EVACUATE, arg, err);
}

/* A service's change shows in its hypervisor too. */
static int set_service(struct osfs_fs *fs, const struct osfs_res *r, const char *status,
		       const char *reason, int forced_down, struct osfs_err *err)
{
	int ret = osfs_compute_service_set(fs->api, r->id, status, reason, forced_down, err);

	if (ret == 0)
		osfs_cache_invalidate(fs->cache, OSFS_HYPERVISORS);
	return ret;
}

VERB_FN(run_enable)
{
	return set_service(fs, r, "enabled", NULL, -1, err);
}

VERB_FN(run_disable)
{
	return set_service(fs, r, "disabled", arg, -1, err);
}

VERB_FN(run_force_down)
{
	return set_service(fs, r, NULL, NULL, 1, err);
}

VERB_FN(run_unforce_down)
{
	return set_service(fs, r, NULL, NULL, 0, err);
}

/* A row's action with an argument: ARG (or the field standing for it)
 * resolved to an id when it names a resource, then {action: {arg_key: ARG}}. */
static int run_action_arg(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_res *r,
			  const struct osfs_verb *verb, const char *arg, struct osfs_err *err, struct osfs_err *why)
{
	char *value = NULL, *id = NULL;
	int field = verb->arg_default ? osfs_kind_field(&osfs_kinds[kind], verb->arg_default) : -1;
	int ret = 0;

	if (!arg && field >= 0)
		value = strndup(osfs_res_val(r, field), strcspn(osfs_res_val(r, field), "\n"));
	else
		value = strdup(arg ? arg : "");
	if (!value) {
		ret = -ENOMEM;
		goto out;
	}
	if (!*value) {
		ret = osfs_err_set(why, -EINVAL, "%s needs %s: %s has no %s", verb->words, verb->arg, r->fname,
				   verb->arg_default ? verb->arg_default : verb->arg);
		goto out;
	}
	if (verb->arg_of)
		ret = osfs_drafts_resolve(fs, osfs_kind_id_of(verb->arg_of), value,
					  &id, why);
	if (ret == 0)
		ret = osfs_compute_action_arg(fs->api, r->id, verb->action, verb->arg_key,
					      id ? id : value, err);
out:
	free(id);
	free(value);
	return ret;
}

/* The file that shows whether a verb whose answer never came was done. */
static const char *outcome_field(enum osfs_kind_id kind, const struct osfs_verb *verb)
{
	static const char *const candidates[] = { "updated", "status" };

	if (verb->shows_in)
		return verb->shows_in;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (osfs_kind_field(&osfs_kinds[kind], candidates[i]) >= 0)
			return candidates[i];
	return NULL;
}

/* The request left but no answer said what became of it (osfs_error_unanswered
 * says why): never resent, so the error file says the outcome is unknown,
 * and the resource is watched until the cloud shows a change. */
static void outcome_unknown(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_res *r,
			    const struct osfs_verb *verb, const char *arg, const char *why)
{
	const char *field = outcome_field(kind, verb);
	char *note = NULL;

	if (asprintf(&note, "%s%s%s: %s; the outcome is unknown: watch %s", verb->words,
		     arg ? " " : "", arg ? arg : "", why,
		     kind == OSFS_SERVERS ? "status and events" : field ? field : "its listing") < 0)
		note = NULL;
	log_err("%s/%s: %s", osfs_kinds[kind].dir, r->fname, note ? note : why);
	osfs_notes_set(fs->notes, r->id, note ? note : why);
	free(note);
	if (field)
		osfs_cache_watch_field(fs->cache, kind, r, field);
	else
		osfs_cache_watch(fs->cache, kind, r->id);
	if (verb->removes)
		osfs_cache_invalidate(fs->cache, (int)kind);
	if (verb->changes)
		osfs_cache_invalidate(fs->cache, (int)osfs_kind_id_of(verb->changes));
}

int osfs_ctl_run(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_res *r,
		 const struct osfs_verb *verb, const char *arg)
{
	struct osfs_err err = { "" }, why = { "" };
	int ret = verb->arg_key ? run_action_arg(fs, kind, r, verb, arg, &err, &why) :
		  verb->action ? osfs_compute_action(fs->api, r->id, verb->action, &err) :
		  verb->run(fs, r, arg, &err, &why);
	const char *unanswered = ret < 0 ? osfs_error_unanswered() : NULL;

	if (unanswered) {
		outcome_unknown(fs, kind, r, verb, arg, unanswered);
		return ret;
	}
	if (ret < 0 && !osfs_err_has(&err) && osfs_err_has(&why)) /* our own reason: the API's is logged where it failed */
		log_err("%s/%s: %s%s%s: %s", osfs_kinds[kind].dir, r->fname, verb->words,
			arg ? " " : "", arg ? arg : "", why.msg);
	osfs_notes_set(fs->notes, r->id, ret == 0 ? NULL : osfs_err_has(&err) ? err.msg :
					 osfs_err_has(&why) ? why.msg : strerror(-ret));
	if (ret == 0) {
		log_info("%s %s: %s%s%s accepted", osfs_kinds[kind].dir, r->fname, verb->words,
			 arg ? " " : "", arg ? arg : "");
		if (verb->shows_in)
			osfs_cache_watch_field(fs->cache, kind, r, verb->shows_in);
		else
			osfs_cache_watch(fs->cache, kind, r->id);
		if (verb->removes) {
			osfs_drafts_forget(fs, kind, r->id);
			osfs_cache_invalidate(fs->cache, (int)kind);
		}
		if (verb->changes)
			osfs_cache_invalidate(fs->cache, (int)osfs_kind_id_of(verb->changes));
	}
	return osfs_error_for_user(ret); /* an answer we could not read: EIO */
}
