/* api.c - the service client: token, endpoint, microversion, retries.
 *
 * Retry policy (GET only, or any call refused with 401 before it ran):
 *   401                      renew the token once, resend once;
 *   429 502 503 504, drops   up to max_retries resends, waiting
 *                            Retry-After or 100 ms * 2^n plus jitter,
 *                            never more than retry_budget_ms in all.
 * Waiting happens in the calling FUSE worker thread, bounded as above, so
 * a user's read fails within timeout + budget instead of hanging.
 */
#include "api.h"
#include "auth.h"
#include "log.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct osfs_api {
	struct osfs_api_opts opts;
	struct osfs_http *http;
	struct osfs_auth *auth;
	char *roots[OSFS_NSVC];       /* service root URLs, no trailing '/' */
	char version_header[64];      /* "OpenStack-API-Version: compute 2.93" */
	char legacy_header[64];       /* "X-OpenStack-Nova-API-Version: 2.93" */
	char version[16];
	int minor;
};

static char *trimmed(const char *url, const char *suffix)
{
	size_t n = strlen(url), sl = suffix ? strlen(suffix) : 0;

	while (n && url[n - 1] == '/')
		n--;
	if (sl && n >= sl && strncmp(url + n - sl, suffix, sl) == 0)
		n -= sl;
	while (n && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

char *osfs_api_error_message(const char *body)
{
	static const char *const pointers[] = { "/error/message", "/message" };
	struct json_object *root = body ? json_tokener_parse(body) : NULL, *v;
	char *out = NULL;

	for (size_t i = 0; root && !out && i < sizeof(pointers) / sizeof(pointers[0]); i++)
		if (json_pointer_get(root, pointers[i], &v) == 0 && json_object_is_type(v, json_type_string))
			out = strdup(json_object_get_string(v));
	if (root && !out && json_object_is_type(root, json_type_object)) {
		/* Nova: {"conflictingRequest": {"code": 409, "message": "..."}} */
		json_object_object_foreach(root, key, fault) {
			(void)key;
			if (json_object_object_get_ex(fault, "message", &v) &&
			    json_object_is_type(v, json_type_string)) {
				out = strdup(json_object_get_string(v));
				break;
			}
		}
	}
	if (!root && body && *body)
		out = strndup(body, 200);
	json_object_put(root);
	if (out)
		for (char *p = out; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	return out;
}

static bool is_quota(long status, const char *message)
{
	return status == 403 && message && (strstr(message, "uota") || strstr(message, "limit exceeded"));
}

static char *describe_failure(const struct osfs_api_call *call, const struct osfs_http_resp *resp,
			      int err, const char *message)
{
	char *out = NULL;
	int n;

	if (resp->status)
		n = asprintf(&out, "%s %s: HTTP %ld%s%s%s%s%s", call->method,
			     osfs_service_names[call->svc], resp->status,
			     message ? ": " : "", message ? message : "",
			     resp->request_id ? " (" : "",
			     resp->request_id ? resp->request_id : "",
			     resp->request_id ? ")" : "");
	else
		n = asprintf(&out, "%s %s: %s", call->method, osfs_service_names[call->svc],
			     strerror(err));
	return n < 0 ? NULL : out;
}

static bool retryable_status(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

static bool retryable_errno(int err)
{
	return err == EPROTO || err == ECONNREFUSED;
}

static long backoff_ms(int attempt, long retry_after)
{
	if (retry_after >= 0)
		return retry_after * 1000;
	long base = 100L << (attempt < 6 ? attempt : 6);
	return base + rand() % (base / 2 + 1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int send_once(struct osfs_api *api, const struct osfs_api_call *call,
		     struct osfs_token *tok, struct osfs_http_resp *resp)
{
	const char *compute_headers[] = { api->version_header, api->legacy_header, NULL };
	char *url = NULL;
	int ret;

	if (asprintf(&url, "%s%s", api->roots[call->svc], call->path) < 0)
		return -ENOMEM;
	struct osfs_http_req req = {
		.method = call->method, .url = url, .token = tok->id, .body = call->body,
		.headers = call->svc == OSFS_SVC_COMPUTE && api->minor ? compute_headers : NULL,
		.fresh_connection = call->no_retry,
	};
	osfs_stat_inc(requests[call->svc]);
	ret = osfs_http_do(api->http, &req, resp);
	free(url);
	return ret;
}

int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, char **msg)
{
	bool may_retry = !call->no_retry && strcmp(call->method, "GET") == 0;
	long waited = 0;
	bool reauthed = false;
	char err[256] = "";
	char *message = NULL;
	int ret;

	memset(resp, 0, sizeof(*resp));
	if (msg)
		*msg = NULL;
	if (!api->roots[call->svc]) {
		ret = -ENODEV;
		snprintf(err, sizeof(err), "no %s endpoint in the catalog", osfs_service_names[call->svc]);
		goto fail_msg;
	}
	for (int attempt = 0;; attempt++) {
		struct osfs_token *tok = NULL;
		long wait;

		osfs_http_resp_free(resp);
		ret = osfs_auth_get(api->auth, &tok, err, sizeof(err));
		if (ret < 0) {
			/* no token: Keystone refused (EACCES), timed out, or
			 * could not be reached or read, which the caller's
			 * service did not do: EIO, not ECONNREFUSED/EPROTO */
			if (ret != -EACCES && ret != -ETIMEDOUT && ret != -ENOMEM)
				ret = -EIO;
			goto fail_msg;
		}
		ret = send_once(api, call, tok, resp);
		if (ret == 0 && resp->status == 401 && !reauthed) {
			reauthed = true;
			osfs_auth_invalidate(api->auth, tok);
			osfs_token_put(tok);
			log_info("%s %s: token refused, renewing it", call->method, call->path);
			continue;
		}
		osfs_token_put(tok);
		if (ret == 0 && resp->status >= 200 && resp->status < 300)
			return 0;
		bool again = ret < 0 ? retryable_errno(-ret) : retryable_status(resp->status);
		wait = backoff_ms(attempt, ret < 0 ? -1 : resp->retry_after);
		if (!may_retry || !again || attempt >= api->opts.max_retries ||
		    waited + wait > api->opts.retry_budget_ms)
			break;
		osfs_stat_inc(retries);
		log_info("%s %s: %s, retrying in %ld ms", call->method, call->path,
			 ret < 0 ? strerror(-ret) : "service busy", wait);
		sleep_ms(wait);
		waited += wait;
	}
	if (ret == 0) {
		message = osfs_api_error_message(resp->body);
		ret = is_quota(resp->status, message) ? -EDQUOT : -osfs_http_status_errno(resp->status);
		if (resp->status == 401)
			ret = -EACCES;
	}
	char *line = describe_failure(call, resp, -ret, message);
	free(message);
	osfs_stat_inc(errors);
	log_err("%s", line ? line : "request failed");
	if (msg)
		*msg = line;
	else
		free(line);
	return ret;
fail_msg:
	osfs_stat_inc(errors);
	log_err("%s %s: %s", call->method, osfs_service_names[call->svc], err);
	if (msg)
		*msg = strdup(err);
	return ret;
}

/* ---- set-up ---- */

static void set_microversion(struct osfs_api *api, int minor)
{
	api->minor = minor;
	snprintf(api->version, sizeof(api->version), "2.%d", minor);
	snprintf(api->version_header, sizeof(api->version_header),
		 "OpenStack-API-Version: compute 2.%d", minor);
	snprintf(api->legacy_header, sizeof(api->legacy_header),
		 "X-OpenStack-Nova-API-Version: 2.%d", minor);
}

static int minor_of(const char *v)
{
	int major = 0, minor = 0;
	return v && sscanf(v, "%d.%d", &major, &minor) == 2 && major == 2 ? minor : 0;
}

/* Read Nova's version document and pick the highest version both know. */
static int negotiate_compute(struct osfs_api *api, char *err, size_t errlen)
{
	const char *root = api->roots[OSFS_SVC_COMPUTE];
	const char *v21 = strstr(root, "/v2.1");
	struct osfs_http_resp resp = { 0 };
	struct json_object *doc = NULL, *v;
	char *url = NULL;
	int ret = 0, server_max, server_min;

	set_microversion(api, 0);
	if (!v21) {
		log_warn("compute endpoint %s has no /v2.1: using microversion 2.1", root);
		goto out;
	}
	if (asprintf(&url, "%.*s/v2.1/", (int)(v21 - root), root) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	struct osfs_http_req req = { .method = "GET", .url = url };
	osfs_stat_inc(requests[OSFS_SVC_COMPUTE]);
	ret = osfs_http_do(api->http, &req, &resp);
	if (ret < 0 || resp.status != 200) {
		snprintf(err, errlen, "cannot read the compute version document at %s: %s", url,
			 ret < 0 ? strerror(-ret) : "unexpected HTTP status");
		ret = ret < 0 ? ret : -EPROTO;
		goto out;
	}
	doc = json_tokener_parse(resp.body);
	server_max = doc && json_pointer_get(doc, "/version/version", &v) == 0 ?
		     minor_of(json_object_get_string(v)) : 0;
	server_min = doc && json_pointer_get(doc, "/version/min_version", &v) == 0 ?
		     minor_of(json_object_get_string(v)) : 1;
	if (server_max)
		set_microversion(api, server_max < OSFS_COMPUTE_MAX_MINOR ? server_max : OSFS_COMPUTE_MAX_MINOR);
	if (server_max && api->minor < server_min) {
		snprintf(err, errlen, "compute API needs microversion >= 2.%d; openstackfs knows up to 2.%d",
			 server_min, OSFS_COMPUTE_MAX_MINOR);
		ret = -ENOTSUP;
	}
out:
	json_object_put(doc);
	osfs_http_resp_free(&resp);
	free(url);
	return ret;
}

static const struct {
	enum osfs_service svc;
	const char *type;
	const char *strip;   /* version suffix our paths add themselves */
	bool required;
} services[] = {
	{ OSFS_SVC_COMPUTE, "compute", NULL, true },
	{ OSFS_SVC_IMAGE, "image", "/v2", false },
	{ OSFS_SVC_IDENTITY, "identity", "/v3", false },
	{ OSFS_SVC_NETWORK, "network", "/v2.0", false },
};

static int find_endpoints(struct osfs_api *api, const struct osfs_config *cfg,
			  const struct osfs_token *tok, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const char *url = osfs_catalog_find(tok, services[i].type, cfg->interface, cfg->region_name);
		if (url) {
			api->roots[services[i].svc] = trimmed(url, services[i].strip);
			log_info("%s endpoint: %s", services[i].type, url);
			continue;
		}
		if (!services[i].required) {
			log_info("no %s endpoint in the catalog", services[i].type);
			continue;
		}
		snprintf(err, errlen, "%s endpoint for %s service%s%s not found in the catalog",
			 cfg->interface ? cfg->interface : "public", services[i].type,
			 cfg->region_name ? " in region " : "", cfg->region_name ? cfg->region_name : "");
		return -ENODEV;
	}
	return 0;
}

int osfs_api_new(struct osfs_api **out, const struct osfs_config *cfg,
		 const struct osfs_api_opts *opts, char *err, size_t errlen)
{
	struct osfs_api *api = calloc(1, sizeof(*api));
	struct osfs_token *tok = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	if (!api)
		goto fail;
	api->opts = *opts;
	api->http = osfs_http_new(&opts->http);
	api->auth = api->http ? osfs_auth_new(cfg, api->http) : NULL;
	if (!api->auth) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ret = osfs_auth_get(api->auth, &tok, err, errlen);
	if (ret < 0)
		goto fail;
	ret = find_endpoints(api, cfg, tok, err, errlen);
	osfs_token_put(tok);
	if (ret < 0)
		goto fail;
	ret = negotiate_compute(api, err, errlen);
	if (ret < 0)
		goto fail;
	*out = api;
	return 0;
fail:
	osfs_api_free(api);
	return ret;
}

void osfs_api_free(struct osfs_api *api)
{
	if (!api)
		return;
	osfs_auth_free(api->auth);
	osfs_http_free(api->http);
	for (int i = 0; i < OSFS_NSVC; i++)
		free(api->roots[i]);
	free(api);
}

const char *osfs_api_compute_version(const struct osfs_api *api)
{
	return api->minor ? api->version : "2.1";
}

int osfs_api_compute_minor(const struct osfs_api *api)
{
	return api->minor ? api->minor : 1;
}
