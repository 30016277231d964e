/* ctl.c - verb tables and running a verb against the API. */
#include "ctl.h"
#include "log.h"
#include "notes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTION "/servers/%s/action"

static const struct osfs_verb server_verbs[] = {
	{ "reboot", "POST", ACTION, "{\"reboot\": {\"type\": \"SOFT\"}}" },
	{ "reboot hard", "POST", ACTION, "{\"reboot\": {\"type\": \"HARD\"}}" },
	{ "stop", "POST", ACTION, "{\"os-stop\": null}" },
	{ "start", "POST", ACTION, "{\"os-start\": null}" },
	{ "pause", "POST", ACTION, "{\"pause\": null}" },
	{ "unpause", "POST", ACTION, "{\"unpause\": null}" },
	{ "suspend", "POST", ACTION, "{\"suspend\": null}" },
	{ "resume", "POST", ACTION, "{\"resume\": null}" },
	{ "lock", "POST", ACTION, "{\"lock\": null}" },
	{ "unlock", "POST", ACTION, "{\"unlock\": null}" },
	{ "delete", "DELETE", "/servers/%s", NULL },
	{ NULL, NULL, NULL, NULL },
};

static const struct osfs_verb keypair_verbs[] = {
	{ "delete", "DELETE", "/os-keypairs/%s", NULL },
	{ NULL, NULL, NULL, NULL },
};

static const struct osfs_verb *verbs_of(enum osfs_kind_id kind)
{
	switch (kind) {
	case OSFS_SERVERS:
		return server_verbs;
	case OSFS_KEYPAIRS:
		return keypair_verbs;
	default:
		return NULL;
	}
}

void osfs_ctl_normalise(const char *text, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	bool blank = false;

	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)text[i];
		if (isspace(c)) {
			blank = o > 0;
			continue;
		}
		if (blank && o + 2 < outlen)
			out[o++] = ' ';
		blank = false;
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

const struct osfs_verb *osfs_ctl_parse(enum osfs_kind_id kind, const char *text, size_t len)
{
	const struct osfs_verb *v = verbs_of(kind);
	char word[64];

	if (!v || len >= sizeof(word) * 4)
		return NULL;
	osfs_ctl_normalise(text, len, word, sizeof(word));
	for (; v->words; v++)
		if (strcmp(v->words, word) == 0)
			return v;
	return NULL;
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
		fprintf(f, "%s\n", v->words);
	fclose(f);
	return out;
}

int osfs_ctl_run(struct osfs_fs *fs, enum osfs_kind_id kind, const struct osfs_res *r,
		 const struct osfs_verb *verb)
{
	struct osfs_http_resp resp;
	char *path = NULL, *id = osfs_http_escape(r->id), *msg = NULL;
	int ret = -ENOMEM;

	if (!id || asprintf(&path, verb->path, id) < 0)
		goto out;
	struct osfs_api_call call = {
		.svc = osfs_kinds[kind].svc, .method = verb->method, .path = path,
		.body = verb->body, .no_retry = true,
	};
	ret = osfs_api_call(fs->api, &call, &resp, &msg);
	osfs_http_resp_free(&resp);
	osfs_notes_set(fs->notes, r->id, msg);
	if (ret == 0) {
		log_info("%s %s: %s accepted", osfs_kinds[kind].dir, r->fname, verb->words);
		osfs_cache_watch(fs->cache, kind, r->id);
		if (strcmp(verb->method, "DELETE") == 0)
			osfs_cache_invalidate(fs->cache, (int)kind);
	}
out:
	free(msg);
	free(path);
	free(id);
	return ret;
}
