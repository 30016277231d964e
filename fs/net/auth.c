/* auth.c - Keystone v3 tokens: request body, response parsing, the shared
 * current token and its renewal.
 *
 * auth->cur is replaced, never modified: readers take a reference under
 * auth->lock and may keep using it after it is replaced.  `renewing` makes
 * renewals single-flight; a failed renewal is remembered for FAIL_HOLD_S
 * seconds so that many waiting threads do not each wait on a dead Keystone.
 * A thread waits for another's renewal no longer than its own call's time
 * left (`renewed` runs on CLOCK_MONOTONIC).
 */
#include "auth.h"
#include "osfs_base.h"
#include "tokenkeep.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAIL_HOLD_S 2

struct osfs_auth {
	const struct osfs_config *cfg;
	struct osfs_http *http;
	pthread_mutex_t lock;
	pthread_cond_t renewed;
	struct osfs_token *cur;   /* protected by lock */
	bool stale;               /* protected by lock: cur was refused */
	bool renewing;            /* protected by lock */
	time_t failed_at;         /* protected by lock */
	int failed_err;           /* protected by lock */
	char failed_msg[OSFS_ERR_MAX]; /* protected by lock */
	unsigned long fetched;    /* protected by lock */
	int keep_fd;              /* set before any thread: each new token goes there, or -1 */
};

/* ---- request body ---- */

static void add_str(struct json_object *o, const char *key, const char *val)
{
	if (val)
		json_object_object_add(o, key, json_object_new_string(val));
}

/* {"id": ...} or {"name": ..., "domain": {...}} */
static struct json_object *named(const char *id, const char *name,
				 const char *dom_id, const char *dom_name)
{
	struct json_object *o = json_object_new_object();

	if (id) {
		add_str(o, "id", id);
		return o;
	}
	add_str(o, "name", name);
	if (dom_id || dom_name) {
		struct json_object *d = json_object_new_object();
		add_str(d, "id", dom_id);
		if (!dom_id)
			add_str(d, "name", dom_name);
		json_object_object_add(o, "domain", d);
	}
	return o;
}

static struct json_object *user_of(const struct osfs_config *c)
{
	return named(c->user_id, c->username, c->user_domain_id, c->user_domain_name);
}

/* The secret of each method: json-c writes the body around this mark and
 * the secret goes in once, into the one buffer that is wiped after use
 * (json-c's own buffers, grown by realloc, are freed unwiped). */
#define SECRET_MARK "osfs\001secret"
#define SECRET_MARK_JSON "\"osfs\\u0001secret\""

static struct json_object *identity_password(const struct osfs_config *c)
{
	struct json_object *pw = json_object_new_object();
	struct json_object *user = user_of(c);

	add_str(user, "password", c->password ? SECRET_MARK : NULL);
	json_object_object_add(pw, "user", user);
	return pw;
}

static struct json_object *identity_token(const struct osfs_config *c)
{
	struct json_object *t = json_object_new_object();
	add_str(t, "id", c->token ? SECRET_MARK : NULL);
	return t;
}

static struct json_object *identity_appcred(const struct osfs_config *c)
{
	struct json_object *ac = json_object_new_object();

	if (c->app_cred_id) {
		add_str(ac, "id", c->app_cred_id);
	} else {
		add_str(ac, "name", c->app_cred_name);
		json_object_object_add(ac, "user", user_of(c));
	}
	add_str(ac, "secret", c->app_cred_secret ? SECRET_MARK : NULL);
	return ac;
}


static const struct {
	const char *auth_type;
	const char *method;
	struct json_object *(*identity)(const struct osfs_config *c);
	size_t secret;           /* offset of the secret in struct osfs_config */
	bool scoped;
} methods[] = {
	{ "password", "password", identity_password, offsetof(struct osfs_config, password), true },
	{ "token", "token", identity_token, offsetof(struct osfs_config, token), true },
	{ "v3applicationcredential", "application_credential", identity_appcred,
	  offsetof(struct osfs_config, app_cred_secret), false },
};

/* s as a JSON string, quotes included, written at out (room for 6 bytes
 * per byte of s, and 2); its length. */
static size_t json_quote(const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20) {
			memcpy(out + n, "\\u00", 4);
			n += 4;
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n++] = '"';
	return n;
}

/* text with its secret mark replaced by the secret: one malloc'd buffer,
 * NULL on ENOMEM or when text has no mark. */
static char *with_secret(const char *text, const char *secret)
{
	const char *at = strstr(text, SECRET_MARK_JSON);
	size_t mark = strlen(SECRET_MARK_JSON), head, tail, n;
	char *out;

	if (!secret)
		return strdup(text); /* nothing to hide (the API will say what is missing) */
	if (!at)
		return NULL;
	head = (size_t)(at - text);
	tail = strlen(at + mark);
	if (!(out = malloc(head + 6 * strlen(secret) + 2 + tail + 1)))
		return NULL;
	memcpy(out, text, head);
	n = head + json_quote(secret, out + head);
	memcpy(out + n, at + mark, tail + 1);
	return out;
}

static struct json_object *scope_of(const struct osfs_config *c)
{
	struct json_object *s;

	if (c->project_id || c->project_name) {
		s = json_object_new_object();
		json_object_object_add(s, "project",
			named(c->project_id, c->project_name,
			      c->project_domain_id, c->project_domain_name));
		return s;
	}
	return NULL; /* the user's default project */
}

char *osfs_auth_request_body(const struct osfs_config *cfg)
{
	const char *type = cfg->auth_type ? cfg->auth_type : "password";
	struct json_object *root = NULL, *auth, *ident, *meths, *scope;
	const char *text;
	char *out = NULL;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(methods[i].auth_type, type) != 0)
			continue;
		root = json_object_new_object();
		auth = json_object_new_object();
		ident = json_object_new_object();
		meths = json_object_new_array();
		json_object_array_add(meths, json_object_new_string(methods[i].method));
		json_object_object_add(ident, "methods", meths);
		json_object_object_add(ident, methods[i].method, methods[i].identity(cfg));
		json_object_object_add(auth, "identity", ident);
		if (methods[i].scoped && (scope = scope_of(cfg)))
			json_object_object_add(auth, "scope", scope);
		json_object_object_add(root, "auth", auth);
		text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
		out = with_secret(text, *(char *const *)((const char *)cfg + methods[i].secret));
		json_object_put(root);
		break;
	}
	return out;
}

char *osfs_auth_token_url(const char *auth_url)
{
	size_t n = strlen(auth_url);
	char *out = NULL;

	while (n && auth_url[n - 1] == '/')
		n--;
	if (n >= 5 && strncmp(auth_url + n - 5, "/v2.0", 5) == 0)
		return NULL;
	if (n >= 3 && strncmp(auth_url + n - 3, "/v3", 3) == 0) {
		if (asprintf(&out, "%.*s/auth/tokens", (int)n, auth_url) < 0)
			out = NULL;
	} else if (asprintf(&out, "%.*s/v3/auth/tokens", (int)n, auth_url) < 0) {
		out = NULL;
	}
	return out;
}

/* ---- response parsing ---- */

static const char *str_at(struct json_object *root, const char *pointer)
{
	struct json_object *v;

	if (json_pointer_get(root, pointer, &v) != 0 || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int parse_catalog(struct json_object *catalog, struct osfs_token *tok)
{
	size_t nsvc = json_object_is_type(catalog, json_type_array) ?
		      json_object_array_length(catalog) : 0;

	for (size_t i = 0; i < nsvc; i++) {
		struct json_object *svc = json_object_array_get_idx(catalog, i), *eps;
		const char *type = str_at(svc, "/type");
		if (!type || !json_object_object_get_ex(svc, "endpoints", &eps) ||
		    !json_object_is_type(eps, json_type_array))
			continue;
		size_t neps = json_object_array_length(eps);
		for (size_t j = 0; j < neps; j++) {
			struct json_object *ep = json_object_array_get_idx(eps, j);
			const char *url = str_at(ep, "/url");
			const char *region = str_at(ep, "/region_id");
			if (!url || !*url)
				continue;
			struct osfs_endpoint *grown = realloc(tok->endpoints,
				(tok->nendpoints + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			tok->endpoints = grown;
			grown[tok->nendpoints++] = (struct osfs_endpoint) {
				.type = strdup(type),
				.interface = dup_or_null(str_at(ep, "/interface")),
				.region = dup_or_null(region ? region : str_at(ep, "/region")),
				.url = strdup(url),
			};
		}
	}
	return 0;
}

int osfs_auth_parse_token(const char *body, const char *subject, struct osfs_token **out)
{
	struct json_object *root = json_tokener_parse(body), *catalog;
	struct osfs_token *tok = NULL;
	const char *expires, *issued;
	int ret = -EPROTO;

	*out = NULL;
	if (!root || !subject || !*subject)
		goto out;
	if (!json_object_object_get_ex(root, "token", NULL))
		goto out;
	tok = calloc(1, sizeof(*tok));
	if (!tok) {
		ret = -ENOMEM;
		goto out;
	}
	atomic_init(&tok->refs, 1);
	tok->id = strdup(subject);
	expires = str_at(root, "/token/expires_at");
	tok->expires = expires ? osfs_parse_time(expires) : 0;
	if (tok->expires == -1)
		goto out;
	issued = str_at(root, "/token/issued_at");
	tok->issued = issued ? osfs_parse_time(issued) : 0;
	if (tok->issued == -1)
		tok->issued = 0; /* only a hint for renewal */
	tok->project_id = dup_or_null(str_at(root, "/token/project/id"));
	tok->user_id = dup_or_null(str_at(root, "/token/user/id"));
	if (json_pointer_get(root, "/token/catalog", &catalog) == 0 &&
	    (ret = parse_catalog(catalog, tok)) < 0)
		goto out;
	*out = tok;
	tok = NULL;
	ret = 0;
out:
	osfs_token_put(tok);
	json_object_put(root);
	return ret;
}

/* ---- endpoint selection ---- */

static const char *const block_storage_aliases[] = {
	"block-storage", "volumev3", "volumev2", "volume", "block-store", NULL
};

static const struct {
	const char *type;
	const char *const *aliases;
} service_aliases[] = {
	{ "block-storage", block_storage_aliases },
};

static bool interface_matches(const char *have, const char *want)
{
	size_t n;

	if (!want)
		return true;
	if (!have)
		return false;
	n = strlen(want);
	if (n > 3 && strcmp(want + n - 3, "URL") == 0)
		n -= 3; /* publicURL -> public */
	return strlen(have) == n && strncmp(have, want, n) == 0;
}

static const char *find_exact(const struct osfs_token *tok, const char *type,
			      const char *interface, const char *region)
{
	for (size_t i = 0; i < tok->nendpoints; i++) {
		const struct osfs_endpoint *ep = &tok->endpoints[i];
		if (strcmp(ep->type, type) != 0 || !interface_matches(ep->interface, interface))
			continue;
		if (region && (!ep->region || strcmp(ep->region, region) != 0))
			continue;
		return ep->url;
	}
	return NULL;
}

const char *osfs_catalog_find(const struct osfs_token *tok, const char *type,
			      const char *interface, const char *region)
{
	const char *url = find_exact(tok, type, interface ? interface : "public", region);

	for (size_t i = 0; !url && i < sizeof(service_aliases) / sizeof(service_aliases[0]); i++) {
		if (strcmp(service_aliases[i].type, type) != 0)
			continue;
		for (const char *const *a = service_aliases[i].aliases; !url && *a; a++)
			url = find_exact(tok, *a, interface ? interface : "public", region);
	}
	return url;
}

/* ---- the shared token ---- */

struct osfs_auth *osfs_auth_new(const struct osfs_config *cfg, struct osfs_http *http)
{
	struct osfs_auth *auth = calloc(1, sizeof(*auth));
	pthread_condattr_t attr;

	if (!auth)
		return NULL;
	auth->cfg = cfg;
	auth->http = http;
	auth->keep_fd = -1;
	pthread_mutex_init(&auth->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&auth->renewed, &attr);
	pthread_condattr_destroy(&attr);
	return auth;
}

void osfs_auth_free(struct osfs_auth *auth)
{
	if (!auth)
		return;
	osfs_token_put(auth->cur);
	pthread_mutex_destroy(&auth->lock);
	pthread_cond_destroy(&auth->renewed);
	free(auth);
}

/* Does the answer to POST .../auth/tokens come from Keystone v3?  Its
 * answers are {"token": ...} or {"error": ...}; an HTML page, Nova's
 * {"itemNotFound": ...} or Glance's {"message": ...} are not. */
static bool from_keystone(const struct osfs_http_resp *resp)
{
	struct json_object *root = json_tokener_parse(resp->body);
	bool ours = root && (json_object_object_get_ex(root, "token", NULL) ||
			     json_object_object_get_ex(root, "error", NULL));

	json_object_put(root);
	return ours;
}

/* "host:port/path" of a URL, without scheme, default port or trailing '/'
 * and "/v3": two URLs of one Keystone give the same. */
static char *url_base(const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	if (n >= 3 && strncmp(p + n - 3, "/v3", 3) == 0)
		n -= 3;
	return strndup(p, n);
}

/* A 401 whose WWW-Authenticate sends the client to a Keystone that is not
 * under the URL we posted to: a service behind keystonemiddleware (Nova at
 * OS_AUTH_URL) asking for a token, not Keystone refusing the credentials. */
static bool sends_elsewhere(const struct osfs_http_resp *resp, const char *auth_url)
{
	const char *uri = resp->www_authenticate ? strstr(resp->www_authenticate, "uri=\"") : NULL;
	char *quoted = uri ? strndup(uri + 5, strcspn(uri + 5, "\"")) : NULL;
	char *theirs = quoted ? url_base(quoted) : NULL, *ours = url_base(auth_url);
	bool elsewhere = theirs && ours && strcmp(theirs, ours) != 0;

	free(quoted);
	free(theirs);
	free(ours);
	return elsewhere;
}

static int not_keystone(const char *auth_url, const char *what, struct osfs_err *err)
{
	return osfs_err_set(err, -EINVAL, "%s is not a Keystone v3 endpoint (POST /v3/auth/tokens: %s);"
			    " check OS_AUTH_URL or auth_url", auth_url, what);
}

/* Keystone's own answer to a failed request: refused (4xx) or failed (5xx). */
static int keystone_reason(const struct osfs_http_resp *resp, struct osfs_err *err)
{
	struct json_object *root = json_tokener_parse(resp->body);
	const char *msg = root ? str_at(root, "/error/message") : NULL;
	char *plain = msg ? osfs_error_plain_text(msg) : NULL;

	osfs_err_set(err, 0, "Keystone %s (HTTP %ld%s%s)",
		 resp->status >= 500 ? "failed" : "refused the credentials", resp->status,
		 plain ? ": " : "", plain ? plain : "");
	free(plain);
	json_object_put(root);
	return resp->status >= 500 ? -EIO : -EACCES;
}

/* What a token is asked with (the URL and the request, secrets included,
 * hashed): a kept token is only taken by a configuration that would ask
 * the same way. */
static uint64_t request_key(const struct osfs_config *cfg)
{
	char *body = osfs_auth_request_body(cfg);
	const char *parts[] = { cfg->auth_url, body };
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		for (const char *c = parts[i] ? parts[i] : ""; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	if (body)
		explicit_bzero(body, strlen(body));
	free(body);
	return h;
}

/* One POST /v3/auth/tokens.  Called without auth->lock held. */
static int fetch_token(struct osfs_auth *auth, long timeout_ms, struct osfs_token **out,
		       struct osfs_err *err)
{
	char *url = osfs_auth_token_url(auth->cfg->auth_url);
	char *body = osfs_auth_request_body(auth->cfg);
	struct osfs_http_resp resp;
	struct osfs_http_req req = { .method = "POST", .url = url, .body = body,
				     .timeout_ms = timeout_ms };
	char status[64];
	int ret;

	*out = NULL;
	if (!url) {
		ret = osfs_err_set(err, -EINVAL, "%s is an Identity v2 URL; openstackfs needs Keystone v3",
				   auth->cfg->auth_url);
		goto out_nohttp;
	}
	if (!body) {
		ret = osfs_err_set(err, -EINVAL, "unsupported auth_type '%s'", auth->cfg->auth_type);
		goto out_nohttp;
	}
	osfs_stat_inc(requests[OSFS_SVC_IDENTITY]);
	ret = osfs_http_do(auth->http, &req, &resp);
	if (ret < 0) {
		osfs_err_set(err, ret, "cannot reach Keystone at %s: %s", url, strerror(-ret));
		goto out;
	}
	if ((resp.status < 500 && !from_keystone(&resp)) ||
	    (resp.status == 401 && sends_elsewhere(&resp, auth->cfg->auth_url))) {
		snprintf(status, sizeof(status), "HTTP %ld%s", resp.status,
			 resp.status == 404 ? " Not Found" : resp.status == 401 ?
			 ", a token is asked for" : ", not Keystone's JSON");
		ret = not_keystone(auth->cfg->auth_url, status, err);
		goto out;
	}
	if (resp.status != 201 && resp.status != 200) {
		ret = keystone_reason(&resp, err);
		goto out;
	}
	if (!resp.subject_token || !*resp.subject_token) {
		ret = not_keystone(auth->cfg->auth_url, "no X-Subject-Token", err);
		goto out;
	}
	ret = osfs_auth_parse_token(resp.body, resp.subject_token, out);
	if (ret < 0) {
		osfs_err_set(err, ret, "unreadable token response from %s", url);
		goto out;
	}
	ret = osfs_token_check_fresh(*out, time(NULL), err);
	if (ret < 0) {
		osfs_token_put(*out);
		*out = NULL;
		goto out;
	}
	osfs_token_to_local_clock(*out, time(NULL));
out:
	osfs_http_resp_free(&resp);
out_nohttp:
	if (body)
		explicit_bzero(body, strlen(body));
	free(body);
	free(url);
	return ret;
}

static bool usable_locked(const struct osfs_auth *auth)
{
	return auth->cur && !auth->stale && !osfs_token_needs_renewal(auth->cur, time(NULL));
}

/* Wait for another thread's renewal, until `until` (CLOCK_MONOTONIC). */
static int wait_renewal_locked(struct osfs_auth *auth, const struct timespec *until)
{
	while (auth->renewing)
		if (pthread_cond_timedwait(&auth->renewed, &auth->lock, until) == ETIMEDOUT)
			return auth->renewing ? -ETIMEDOUT : 0;
	return 0;
}

static struct timespec after_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int osfs_auth_get(struct osfs_auth *auth, long timeout_ms, struct osfs_token **tok,
		  struct osfs_err *err)
{
	struct timespec until = after_ms(timeout_ms > 0 ? timeout_ms : 0);
	struct osfs_token *fresh = NULL;
	struct osfs_err mine;
	int ret = 0;

	if (!err) /* the reason is kept for the next caller all the same */
		err = &mine;
	osfs_err_clear(err);

	pthread_mutex_lock(&auth->lock);
	ret = wait_renewal_locked(auth, &until);
	if (ret < 0) {
		osfs_err_set(err, ret, "timed out waiting for a new token from Keystone");
		goto out;
	}
	if (usable_locked(auth))
		goto take;
	if (auth->failed_at && time(NULL) - auth->failed_at < FAIL_HOLD_S) {
		ret = osfs_err_set(err, auth->failed_err, "%s", auth->failed_msg);
		goto out;
	}
	auth->renewing = true;
	pthread_mutex_unlock(&auth->lock);

	ret = fetch_token(auth, timeout_ms, &fresh, err);

	pthread_mutex_lock(&auth->lock);
	auth->renewing = false;
	pthread_cond_broadcast(&auth->renewed);
	if (ret < 0) {
		auth->failed_at = time(NULL);
		auth->failed_err = ret;
		snprintf(auth->failed_msg, sizeof(auth->failed_msg), "%s", err->msg);
		if (auth->fetched) /* at start-up the caller reports it */
			log_err("authentication failed: %s", err->msg);
		goto out;
	}
	if (auth->fetched++)
		osfs_stat_inc(reauths);
	auth->failed_at = 0;
	osfs_token_put(auth->cur);
	auth->cur = fresh;
	auth->stale = false;
	if (auth->keep_fd >= 0 &&
	    osfs_tokenkeep_write(auth->keep_fd, fresh, request_key(auth->cfg)) < 0)
		log_warn("cannot keep the token for a restart: the next serving process asks again");
	log_info("new token, expires at %ld, renewed from %ld", (long)fresh->expires,
		 (long)osfs_token_renew_at(fresh));
take:
	atomic_fetch_add(&auth->cur->refs, 1);
	*tok = auth->cur;
out:
	pthread_mutex_unlock(&auth->lock);
	return ret;
}

bool osfs_auth_keep(struct osfs_auth *auth, int fd)
{
	struct osfs_token *kept = osfs_tokenkeep_read(fd, request_key(auth->cfg));
	bool taken = kept && !osfs_token_needs_renewal(kept, time(NULL));

	pthread_mutex_lock(&auth->lock);
	auth->keep_fd = fd;
	if (taken) {
		osfs_token_put(auth->cur);
		auth->cur = kept;
		auth->stale = false;
		auth->fetched = 1; /* a renewal from now on is a re-authentication */
		kept = NULL;
	}
	pthread_mutex_unlock(&auth->lock);
	osfs_token_put(kept);
	return taken;
}

void osfs_auth_invalidate(struct osfs_auth *auth, const struct osfs_token *bad)
{
	pthread_mutex_lock(&auth->lock);
	if (auth->cur == bad)
		auth->stale = true;
	pthread_mutex_unlock(&auth->lock);
}
