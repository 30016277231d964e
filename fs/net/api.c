/* api.c - the service client: token, endpoint, microversion, retries.
 *
 * Retry policy (GET only, or any call refused with 401 before it ran):
 *   401                      renew the token once, resend once; when the
 *                            renewed token is refused too, later 401s
 *                            from that service fail at once (no renewal)
 *                            for OSFS_API_REFUSED_HOLD_MS;
 *   429 502 503 504, drops   up to max_retries resends, waiting
 *                            Retry-After or 100 ms * 2^n plus jitter,
 *                            never more than retry_budget_ms in all.
 * Every call works to ONE deadline, start + timeout: each attempt's and
 * each token renewal's total time is what is left of it, and a back-off
 * that would leave less than OSFS_API_MIN_TRY_MS before it is not taken
 * (a Retry-After that long ends the call with EAGAIN).  A call that ran
 * out of time on a busy or silent service makes the next calls to that
 * service fail at once with the same errno for OSFS_API_HOLD_MS.  Waiting
 * happens in the calling FUSE worker thread, so a user's read fails within
 * the timeout instead of hanging.
 */
#include "api.h"
#include "auth.h"
#include "osfs_base.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <json-c/json.h>
#include <limits.h>
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
	/* per service: until when (monotonic ms) a 401 is answered without
	 * renewing the token, because a renewed token was refused too */
	atomic_long refused_until[OSFS_NSVC];
	/* per service: until when a call that ran out of time is answered at
	 * once with held_err (an errno), so that the kernel's follow-up
	 * operations do not each wait for a whole timeout again */
	atomic_long held_until[OSFS_NSVC];
	atomic_int held_err[OSFS_NSVC];
	/* per service: it answered 406 to a call's own microversion: later
	 * calls go without it (the service's default) */
	atomic_bool version_refused[OSFS_NSVC];
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

/* msg as one plain line of at most max bytes (osfs_error_plain_text);
 * takes msg, returns a new string or NULL. */
static char *one_plain_line(char *msg, size_t max)
{
	char *plain = msg ? osfs_error_plain_text(msg) : NULL;

	free(msg);
	if (plain && strlen(plain) > max)
		plain[max] = '\0';
	return plain;
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
	size_t max = root ? SIZE_MAX : 200;  /* a page of HTML: its start */

	if (!root && body && *body)
		out = strdup(body);
	json_object_put(root);
	return one_plain_line(out, max);
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

static long backoff_ms(int attempt)
{
	long base = 100L << (attempt < 6 ? attempt : 6);
	return base + rand() % (base / 2 + 1);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A service refused a freshly renewed token: hold that answer. */
static bool refusal_held(struct osfs_api *api, enum osfs_service svc)
{
	return atomic_load(&api->refused_until[svc]) > now_ms();
}

/* The two headers that ask Nova for microversion 2.<minor>. */
static void version_headers(int minor, char header[64], char legacy[64])
{
	snprintf(header, 64, "OpenStack-API-Version: compute 2.%d", minor);
	snprintf(legacy, 64, "X-OpenStack-Nova-API-Version: 2.%d", minor);
}

/* versioned: send the call's own microversion. */
static int send_once(struct osfs_api *api, const struct osfs_api_call *call, bool versioned,
		     struct osfs_token *tok, long left_ms, struct osfs_http_resp *resp)
{
	char capped[2][64];
	const char *compute_headers[] = { api->version_header, api->legacy_header, NULL };
	char *url = NULL, *own = NULL;
	int ret = -ENOMEM;

	if (call->max_minor && call->max_minor < api->minor) {
		version_headers(call->max_minor, capped[0], capped[1]);
		compute_headers[0] = capped[0];
		compute_headers[1] = capped[1];
	}
	if (asprintf(&url, "%s%s", api->roots[call->svc], call->path) < 0)
		return -ENOMEM;
	if (versioned && asprintf(&own, "OpenStack-API-Version: %s", call->version) < 0) {
		own = NULL;
		goto out;
	}
	const char *own_headers[] = { own, NULL };
	struct osfs_http_req req = {
		.method = call->method, .url = url, .token = tok->id, .body = call->body,
		.headers = own ? own_headers
			       : call->svc == OSFS_SVC_COMPUTE && api->minor ? compute_headers : NULL,
		.fresh_connection = call->no_retry, .timeout_ms = left_ms,
	};
	osfs_stat_inc(requests[call->svc]);
	ret = osfs_http_do(api->http, &req, resp);
out:
	free(own);
	free(url);
	return ret;
}

/* What one attempt decided. */
enum next { NEXT_DONE, NEXT_RENEW, NEXT_RETRY, NEXT_FAIL };

/* One call's progress through its attempts. */
struct try_state {
	long deadline;      /* monotonic ms: start + timeout */
	int attempt;
	bool reauthed;      /* the token was renewed once already */
	bool busy;          /* the service asked to wait past the deadline */
	bool versioned;     /* this attempt sent the call's own microversion */
	long wait, waited;  /* next back-off, and the sum of back-offs so far */
};

/* After an answer (ret, resp): renew the token, retry after st->wait ms,
 * or stop. */
static enum next after_attempt(struct osfs_api *api, const struct osfs_api_call *call,
			       struct try_state *st, int ret, const struct osfs_http_resp *resp)
{
	bool may_retry = !call->no_retry && strcmp(call->method, "GET") == 0;

	if (ret == 0 && resp->status >= 200 && resp->status < 300)
		return NEXT_DONE;
	if (ret == 0 && resp->status == 406 && st->versioned) {
		/* an older service: ask again at its default, as from now on */
		if (!atomic_exchange(&api->version_refused[call->svc], true))
			log_warn("%s: microversion %s refused; asking without it from now on",
				 osfs_service_names[call->svc], call->version);
		st->wait = 0;
		return NEXT_RETRY;
	}
	if (ret == 0 && resp->status == 401) {
		if (st->reauthed)
			atomic_store(&api->refused_until[call->svc], now_ms() + OSFS_API_REFUSED_HOLD_MS);
		return st->reauthed || refusal_held(api, call->svc) ? NEXT_FAIL : NEXT_RENEW;
	}
	if (!may_retry || st->attempt >= api->opts.max_retries ||
	    !(ret < 0 ? retryable_errno(-ret) : retryable_status(resp->status)))
		return NEXT_FAIL;
	st->wait = ret == 0 && resp->retry_after >= 0 ? resp->retry_after * 1000 : backoff_ms(st->attempt);
	if (now_ms() + st->wait + OSFS_API_MIN_TRY_MS > st->deadline ||
	    st->waited + st->wait > api->opts.retry_budget_ms) {
		st->busy = ret == 0 && resp->retry_after >= 0;
		return NEXT_FAIL;
	}
	st->waited += st->wait;
	return NEXT_RETRY;
}

/* A transient failure that used the whole deadline holds the service. */
static void maybe_hold(struct osfs_api *api, const struct osfs_api_call *call,
		       const struct try_state *st, int ret, const struct osfs_http_resp *resp)
{
	bool transient = ret < 0 ? ret == -ETIMEDOUT || retryable_errno(-ret) :
				   retryable_status(resp->status);

	if (!transient || now_ms() + OSFS_API_MIN_TRY_MS <= st->deadline)
		return;
	atomic_store(&api->held_err[call->svc], ret < 0 ? -ret : osfs_error_errno(resp->status, NULL));
	atomic_store(&api->held_until[call->svc], now_ms() + OSFS_API_HOLD_MS);
}

static void note_unanswered(const struct osfs_api *api, const struct osfs_api_call *call,
			    int ret, const struct osfs_http_resp *resp)
{
	bool resent = !call->no_retry && strcmp(call->method, "GET") == 0;
	char why[OSFS_ERROR_UNANSWERED_MAX];

	if (resent || (ret < 0 && !resp->sent))
		return;
	if (ret == -ETIMEDOUT)
		snprintf(why, sizeof(why), "no answer within %.3g s", api->opts.http.timeout_ms / 1000.0);
	else if (ret < 0 && ret != -EFBIG && ret != -ENOMEM)
		snprintf(why, sizeof(why), "the connection broke before the answer (%s)", strerror(-ret));
	else if (ret == 0 && (resp->status == 502 || resp->status == 504))
		snprintf(why, sizeof(why), "a gateway answered HTTP %ld in place of %s", resp->status,
			 osfs_service_names[call->svc]);
	else
		return;
	osfs_error_set_unanswered(why);
}

static int fail_answer(struct osfs_api *api, const struct osfs_api_call *call,
		       const struct try_state *st, int ret, const struct osfs_http_resp *resp,
		       struct osfs_err *err)
{
	char *message = NULL;

	maybe_hold(api, call, st, ret, resp);
	note_unanswered(api, call, ret, resp);
	if (ret == 0) {
		message = osfs_api_error_message(resp->body);
		ret = st->busy ? -EAGAIN : -osfs_error_errno(resp->status, message);
	}
	char *line = describe_failure(call, resp, -ret, message);
	free(message);
	if (call->refusal_expected && (ret == -EACCES || ret == -ENOENT)) {
		log_info("%s", line ? line : "refused");
	} else {
		osfs_stat_inc(errors);
		log_err("%s", line ? line : "request failed");
	}
	if (line)
		osfs_err_set(err, ret, "%s", line);
	free(line);
	return osfs_error_for_user(ret);
}

int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, struct osfs_err *err)
{
	/* -o timeout=0: no time bound, as curl reads a 0 timeout */
	long timeout = api->opts.http.timeout_ms > 0 ? api->opts.http.timeout_ms : LONG_MAX / 4;
	struct try_state st = { .deadline = now_ms() + timeout };
	struct osfs_err mine;
	int ret;

	memset(resp, 0, sizeof(*resp));
	osfs_error_set_unanswered(NULL);
	if (!err) /* the reason is logged all the same */
		err = &mine;
	osfs_err_clear(err);
	if (!api->roots[call->svc]) {
		ret = osfs_err_set(err, -ENODEV, "no %s endpoint in the catalog", osfs_service_names[call->svc]);
		goto fail_msg;
	}
	if (atomic_load(&api->held_until[call->svc]) > now_ms()) {
		ret = -atomic_load(&api->held_err[call->svc]);
		osfs_err_set(err, ret, "%s ran out of time just now (%s); not asked again yet",
			     osfs_service_names[call->svc], strerror(-ret));
		goto fail_msg;
	}
	for (;; st.attempt++) {
		struct osfs_token *tok = NULL;
		enum next next;

		osfs_http_resp_free(resp);
		ret = osfs_auth_get(api->auth, st.deadline - now_ms(), &tok, err);
		if (ret < 0) {
			/* no token: Keystone refused (EACCES), timed out, or
			 * could not be reached or read, which the caller's
			 * service did not do: EIO, not ECONNREFUSED/EPROTO */
			if (ret != -EACCES && ret != -ETIMEDOUT && ret != -ENOMEM)
				ret = -EIO;
			goto fail_msg;
		}
		if (st.deadline - now_ms() <= 0) {
			osfs_token_put(tok);
			ret = osfs_err_set(err, -ETIMEDOUT, "no time left for the request after renewing the token");
			goto fail_msg;
		}
		st.versioned = call->version && !atomic_load(&api->version_refused[call->svc]);
		ret = send_once(api, call, st.versioned, tok, st.deadline - now_ms(), resp);
		next = after_attempt(api, call, &st, ret, resp);
		if (next == NEXT_RENEW) {
			st.reauthed = true;
			osfs_auth_invalidate(api->auth, tok);
			log_info("%s %s: token refused, renewing it", call->method, call->path);
		}
		osfs_token_put(tok);
		if (next == NEXT_DONE)
			return 0;
		if (next == NEXT_FAIL)
			return fail_answer(api, call, &st, ret, resp, err);
		if (next == NEXT_RETRY) {
			osfs_stat_inc(retries);
			log_info("%s %s: %s, retrying in %ld ms", call->method, call->path,
				 ret < 0 ? strerror(-ret) : "service busy", st.wait);
			sleep_ms(st.wait);
		}
	}
fail_msg:
	osfs_stat_inc(errors);
	log_err("%s %s: %s", call->method, osfs_service_names[call->svc], err->msg);
	return osfs_error_for_user(ret);
}

/* ---- set-up ---- */

static void set_microversion(struct osfs_api *api, int minor)
{
	api->minor = minor;
	snprintf(api->version, sizeof(api->version), "2.%d", minor);
	version_headers(minor, api->version_header, api->legacy_header);
}

static int minor_of(const char *v)
{
	int major = 0, minor = 0;
	return v && sscanf(v, "%d.%d", &major, &minor) == 2 && major == 2 ? minor : 0;
}

/* Read Nova's version document and pick the highest version both know. */
static int negotiate_compute(struct osfs_api *api, struct osfs_err *err)
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
		osfs_err_set(err, 0, "cannot read the compute version document at %s: %s", url,
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
		ret = osfs_err_set(err, -ENOTSUP, "compute API needs microversion >= 2.%d; openstackfs knows up to 2.%d",
				   server_min, OSFS_COMPUTE_MAX_MINOR);
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
	{ OSFS_SVC_VOLUME, "block-storage", NULL, false }, /* .../v3/<project>: paths are relative to it */
};

static int find_endpoints(struct osfs_api *api, const struct osfs_config *cfg,
			  const struct osfs_token *tok, struct osfs_err *err)
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
		return osfs_err_set(err, -ENODEV, "%s endpoint for %s service%s%s not found in the catalog",
				    cfg->interface ? cfg->interface : "public", services[i].type,
				    cfg->region_name ? " in region " : "", cfg->region_name ? cfg->region_name : "");
	}
	return 0;
}

int osfs_api_new(struct osfs_api **out, const struct osfs_config *cfg,
		 const struct osfs_api_opts *opts, struct osfs_err *err)
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
		osfs_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (opts->keep_token && osfs_auth_keep(api->auth, opts->token_fd))
		log_info("starting with the token the last serving process had");
	ret = osfs_auth_get(api->auth, opts->http.timeout_ms, &tok, err);
	if (ret < 0)
		goto fail;
	ret = find_endpoints(api, cfg, tok, err);
	osfs_token_put(tok);
	if (ret < 0)
		goto fail;
	ret = negotiate_compute(api, err);
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

bool osfs_api_has_service(const struct osfs_api *api, enum osfs_service svc)
{
	return api->roots[svc] != NULL;
}

bool osfs_api_version_refused(struct osfs_api *api, enum osfs_service svc)
{
	return atomic_load(&api->version_refused[svc]);
}

const char *osfs_api_compute_version(const struct osfs_api *api)
{
	return api->minor ? api->version : "2.1";
}

int osfs_api_compute_minor(const struct osfs_api *api)
{
	return api->minor ? api->minor : 1;
}
