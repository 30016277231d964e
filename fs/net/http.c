/* http.c - libcurl behind a small request/response interface.
 *
 * A request borrows an idle easy handle from the mount's pool (or makes
 * one) and gives it back when done, so a handle, and the connections it
 * keeps open, serve one request at a time whichever thread asks.  Open
 * connections are reused through the handles that hold them: a request
 * takes the handle that last spoke to its host (scheme://host:port).  The
 * share handle shares only what libcurl supports sharing between threads:
 * DNS answers and TLS sessions (never the connection cache).  Responses
 * are capped at opts.max_body bytes.  Debug lines name the method, URL,
 * status, time and request id, never a header value that could hold a
 * token.
 */
#include "http.h"
#include "osfs_base.h"

#include <curl/curl.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POOL_MAX 64     /* idle handles kept; more are closed when given back */
#define ORIGIN_MAX 256  /* "scheme://host:port" remembered per idle handle */

/* An idle easy handle, and the host its connections last went to. */
struct idle {
	CURL *h;
	char origin[ORIGIN_MAX];
};

struct osfs_http {
	struct osfs_http_opts opts;
	char *cacert, *cert, *key;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST]; /* libcurl's, one per data
							   * shared; leaves */
	pthread_mutex_t pool_lock;  /* protects idle, nidle; a leaf: nothing
				     * (no curl call) is done under it */
	struct idle idle[POOL_MAX]; /* most recently given back last */
	size_t nidle;
};

struct body_buf {
	char *data;
	size_t len, cap, max;
	bool over;
};

static const struct {
	CURLcode code;
	int err;
} curl_errnos[] = {
	{ CURLE_OPERATION_TIMEDOUT, ETIMEDOUT },
	{ CURLE_COULDNT_CONNECT, ECONNREFUSED },
	{ CURLE_COULDNT_RESOLVE_HOST, EHOSTUNREACH },
	{ CURLE_COULDNT_RESOLVE_PROXY, EHOSTUNREACH },
	{ CURLE_WRITE_ERROR, EFBIG },
	{ CURLE_FILESIZE_EXCEEDED, EFBIG },
	{ CURLE_GOT_NOTHING, EPROTO },
	{ CURLE_RECV_ERROR, EPROTO },
	{ CURLE_SEND_ERROR, EPROTO },
	{ CURLE_PARTIAL_FILE, EPROTO },
	{ CURLE_WEIRD_SERVER_REPLY, EPROTO },
	{ CURLE_PEER_FAILED_VERIFICATION, EACCES },
	{ CURLE_SSL_CONNECT_ERROR, EPROTO },
	{ CURLE_OUT_OF_MEMORY, ENOMEM },
};

/* Called before each request that may change the cloud leaves. */
static void (*_Atomic on_change)(void);

void osfs_http_on_change(void (*fn)(void))
{
	atomic_store(&on_change, fn);
}

int osfs_http_status_errno(long status)
{
	return osfs_error_errno(status, NULL);
}

static int curl_errno(CURLcode code)
{
	for (size_t i = 0; i < sizeof(curl_errnos) / sizeof(curl_errnos[0]); i++)
		if (curl_errnos[i].code == code)
			return curl_errnos[i].err;
	return EIO;
}

/* libcurl's memory is wiped when it is given back: its buffers held the
 * tokens and the password of the requests they carried. */
static void wiping_free(void *p)
{
	if (p)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *wiping_realloc(void *p, size_t n)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q;

	if (!p || !n)
		return p ? (wiping_free(p), NULL) : malloc(n);
	if ((q = malloc(n))) {
		memcpy(q, p, old < n ? old : n);
		wiping_free(p);
	}
	return q;
}

int osfs_http_global_init(void)
{
	return curl_global_init_mem(CURL_GLOBAL_ALL, malloc, wiping_free, wiping_realloc, strdup,
				    calloc) == CURLE_OK ? 0 : -EIO;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
	struct osfs_http *http = ctx;
	pthread_mutex_lock(&http->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
	struct osfs_http *http = ctx;
	pthread_mutex_unlock(&http->share_locks[data]);
}

struct osfs_http *osfs_http_new(const struct osfs_http_opts *opts)
{
	struct osfs_http *http = calloc(1, sizeof(*http));

	if (!http)
		return NULL;
	http->opts = *opts;
	http->cacert = opts->cacert ? strdup(opts->cacert) : NULL;
	http->cert = opts->cert ? strdup(opts->cert) : NULL;
	http->key = opts->key ? strdup(opts->key) : NULL;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&http->share_locks[i], NULL);
	pthread_mutex_init(&http->pool_lock, NULL);
	http->share = curl_share_init();
	if (http->share) {
		curl_share_setopt(http->share, CURLSHOPT_LOCKFUNC, share_lock);
		curl_share_setopt(http->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
		curl_share_setopt(http->share, CURLSHOPT_USERDATA, http);
		curl_share_setopt(http->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
		curl_share_setopt(http->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	}
	return http;
}

void osfs_http_free(struct osfs_http *http)
{
	if (!http)
		return;
	/* no request is running: every handle is back in the pool */
	for (size_t i = 0; i < http->nidle; i++)
		curl_easy_cleanup(http->idle[i].h);
	pthread_mutex_destroy(&http->pool_lock);
	if (http->share)
		curl_share_cleanup(http->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&http->share_locks[i]);
	free(http->cacert);
	free(http->cert);
	free(http->key);
	free(http);
}

/* The length of url's "scheme://host:port" (the whole url if no path). */
static size_t origin_len(const char *url)
{
	const char *host = strstr(url, "://");

	host = host ? host + 3 : url;
	return (size_t)(host - url) + strcspn(host, "/?#");
}

/* An easy handle for a request to url, this thread's until handle_put:
 * the idle one that last spoke to url's host (its connection may still be
 * open), else the most recent idle one, else a new one.  NULL on ENOMEM. */
static CURL *handle_get(struct osfs_http *http, const char *url)
{
	size_t n = origin_len(url), pick;
	CURL *h = NULL;

	pthread_mutex_lock(&http->pool_lock);
	for (pick = http->nidle; pick > 0; pick--)
		if (strlen(http->idle[pick - 1].origin) == n &&
		    strncmp(http->idle[pick - 1].origin, url, n) == 0)
			break;
	if (pick == 0)
		pick = http->nidle;
	if (pick > 0) {
		h = http->idle[pick - 1].h;
		memmove(&http->idle[pick - 1], &http->idle[pick],
			(http->nidle - pick) * sizeof(http->idle[0]));
		http->nidle--;
	}
	pthread_mutex_unlock(&http->pool_lock);
	if (h)
		curl_easy_reset(h);
	return h ? h : curl_easy_init();
}

/* Give h back to the pool after a request to url (closed when it is full). */
static void handle_put(struct osfs_http *http, CURL *h, const char *url)
{
	size_t n = origin_len(url);

	pthread_mutex_lock(&http->pool_lock);
	if (http->nidle < POOL_MAX) {
		struct idle *it = &http->idle[http->nidle++];
		it->h = h;
		snprintf(it->origin, sizeof(it->origin), "%.*s", (int)n, url);
		h = NULL;
	}
	pthread_mutex_unlock(&http->pool_lock);
	if (h)
		curl_easy_cleanup(h);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct body_buf *b = ctx;
	size_t n = size * nmemb;

	if (b->len + n > b->max) {
		b->over = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Keep the value of header `name` if this line is that header. */
static void take_header(const char *line, size_t n, const char *name, char **out)
{
	size_t nl = strlen(name);

	if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	free(*out);
	*out = strndup(line, n);
}

static void take_date(const char *line, size_t n, struct osfs_http_resp *resp)
{
	char *date = NULL;
	time_t t;

	take_header(line, n, "date", &date);
	if (date && (t = curl_getdate(date, NULL)) > 0)
		resp->date = (long long)t;
	free(date);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ctx)
{
	struct osfs_http_resp *resp = ctx;
	size_t n = size * nmemb;
	char *retry = NULL;

	take_header(line, n, "x-openstack-request-id", &resp->request_id);
	if (!resp->request_id)
		take_header(line, n, "x-compute-request-id", &resp->request_id);
	take_header(line, n, "x-subject-token", &resp->subject_token);
	take_header(line, n, "location", &resp->location);
	take_header(line, n, "www-authenticate", &resp->www_authenticate);
	take_header(line, n, "retry-after", &retry);
	take_date(line, n, resp);
	if (retry) {
		char *end;
		long v = strtol(retry, &end, 10);
		resp->retry_after = (end != retry && v >= 0) ? v : -1;
		free(retry);
	}
	return n;
}

static struct curl_slist *build_headers(const struct osfs_http_req *req)
{
	struct curl_slist *list = NULL, *next;
	char *tok = NULL;

	list = curl_slist_append(list, "Accept: application/json");
	if (list && req->body)
		list = (next = curl_slist_append(list, "Content-Type: application/json")) ? next : list;
	if (list && req->token && asprintf(&tok, "X-Auth-Token: %s", req->token) > 0) {
		next = curl_slist_append(list, tok);
		explicit_bzero(tok, strlen(tok));
		free(tok);
		list = next ? next : list;
	}
	for (const char *const *h = req->headers; list && h && *h; h++)
		list = (next = curl_slist_append(list, *h)) ? next : list;
	return list;
}

/* The header lines wiped, then freed: one of them holds the token. */
static void free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* Did any byte of the request leave?  When none did (no connection, or it
 * timed out while connecting) the server cannot have acted on it. */
static bool request_left(CURL *h)
{
	long size = 0;

	return curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &size) == CURLE_OK && size > 0;
}

static void set_tls(CURL *h, const struct osfs_http *http)
{
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, http->opts.insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, http->opts.insecure ? 0L : 2L);
	if (http->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, http->cacert);
	if (http->cert)
		curl_easy_setopt(h, CURLOPT_SSLCERT, http->cert);
	if (http->key)
		curl_easy_setopt(h, CURLOPT_SSLKEY, http->key);
}

static long shorter(long a, long b)
{
	return a > 0 && (b <= 0 || a < b) ? a : b;
}

/* The request's own time left (a caller's deadline) caps both timeouts;
 * 0 (neither set) is curl's "no timeout". */
static void set_timeouts(CURL *h, const struct osfs_http *http, const struct osfs_http_req *req)
{
	long total = shorter(req->timeout_ms, http->opts.timeout_ms);
	long connect = shorter(total, http->opts.connect_timeout_ms);

	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect > 0 ? connect : 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total > 0 ? total : 0L);
}

int osfs_http_do(struct osfs_http *http, const struct osfs_http_req *req,
		 struct osfs_http_resp *resp)
{
	struct body_buf body = { .max = http->opts.max_body };
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	int ret = 0;
	CURL *h;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	h = handle_get(http, req->url);
	headers = build_headers(req);
	if (!h || !headers) {
		ret = -ENOMEM;
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_SHARE, http->share);
	if (req->fresh_connection)
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	set_timeouts(h, http, req);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	set_tls(h, http);

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		void (*fn)(void) = atomic_load(&on_change);
		if (fn)
			fn();
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &resp->seconds);
	resp->sent = request_left(h);
	if (rc != CURLE_OK) {
		ret = body.over ? -EFBIG : -curl_errno(rc);
		log_debug("%s %s: no response: %s", req->method, req->url,
			  body.over ? "response over the size cap" :
			  errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	log_debug("%s %s -> %ld (%.3f s, %zu bytes, %s)", req->method, req->url,
		  resp->status, resp->seconds, body.len,
		  resp->request_id ? resp->request_id : "no request id");
out:
	free_headers(headers);
	if (h) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		handle_put(http, h, req->url);
	}
	resp->body = body.data ? body.data : strdup("");
	resp->len = body.len;
	return ret;
}

void osfs_http_resp_free(struct osfs_http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	free(resp->request_id);
	if (resp->subject_token)
		explicit_bzero(resp->subject_token, strlen(resp->subject_token));
	free(resp->subject_token);
	free(resp->location);
	free(resp->www_authenticate);
	memset(resp, 0, sizeof(*resp));
}

char *osfs_http_path(const char *fmt, const char *a, const char *b)
{
	char *ea = osfs_escape(a), *eb = b ? osfs_escape(b) : NULL, *path = NULL;

	if (!ea || (b && !eb) || asprintf(&path, fmt, ea, eb ? eb : "") < 0)
		path = NULL;
	free(ea);
	free(eb);
	return path;
}
