/* The service client (api.c) against a scripted HTTP server on 127.0.0.1:
 * retries, Retry-After, the one deadline per call, token renewal on 401
 * and its hold, POSTs sent once; and the (status, message) -> errno table
 * (errors.c, http.c).
 *
 * The server answers Keystone (a token and a catalog pointing back at
 * itself) and Nova's version document by itself; every other request takes
 * the next answer of the current script.  One request per connection. */
#include "api.h"
#include "check.h"
#include "errors.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define S(lit) ((char *)(lit))

struct answer {
	int status;
	const char *headers;   /* extra header lines, each ending "\r\n" */
	const char *body;
	int delay_ms;          /* wait before answering (ends early if the client leaves) */
	bool drop;             /* close without answering */
};

/* All of the server's state; protected by lock. */
static struct {
	pthread_mutex_t lock;
	int listen_fd, port;
	const struct answer *script;  /* the current script; its last answer repeats */
	size_t nscript, next;
	int requests;                 /* scripted (service) requests seen */
	int tokens;                   /* token POSTs seen */
	char last_method[16];
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const struct answer ok = { 200, NULL, "{\"ok\": true}", 0, false };

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int status, const char *headers, const char *body)
{
	char head[2048];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
			 status, strlen(body), headers ? headers : "");
	send_all(fd, head, (size_t)n);
	send_all(fd, body, strlen(body));
}

/* Reads one request's head and body; 0, or -1 when the client left. */
static int read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	char *end = NULL;

	while (!(end = strstr(buf, "\r\n\r\n"))) {
		ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r <= 0 || (len += (size_t)r) >= cap - 1)
			return -1;
		buf[len] = '\0';
	}
	const char *cl = strcasestr(buf, "content-length:");
	size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0, have = len - (size_t)(end + 4 - buf);
	while (have < want) {
		ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		len += (size_t)r;
		buf[len] = '\0';
	}
	return 0;
}

static void answer_token(int fd)
{
	char body[1024], hdr[64];
	time_t now = time(NULL);
	struct tm a, b;
	char issued[32], expires[32];
	time_t later = now + 3600;

	gmtime_r(&now, &a);
	gmtime_r(&later, &b);
	strftime(issued, sizeof(issued), "%Y-%m-%dT%H:%M:%S.000000Z", &a);
	strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%S.000000Z", &b);
	pthread_mutex_lock(&srv.lock);
	int n = ++srv.tokens;
	pthread_mutex_unlock(&srv.lock);
	snprintf(hdr, sizeof(hdr), "X-Subject-Token: tok-%d\r\n", n);
	snprintf(body, sizeof(body),
		 "{\"token\": {\"issued_at\": \"%s\", \"expires_at\": \"%s\","
		 " \"project\": {\"id\": \"p\"}, \"user\": {\"id\": \"u\"}, \"catalog\": ["
		 " {\"type\": \"compute\", \"endpoints\": [{\"interface\": \"public\","
		 " \"region_id\": \"R\", \"url\": \"http://127.0.0.1:%d/compute/v2.1\"}]}]}}",
		 issued, expires, srv.port);
	respond(fd, 201, hdr, body);
}

static void answer_scripted(int fd, const char *method)
{
	struct answer a;

	pthread_mutex_lock(&srv.lock);
	srv.requests++;
	snprintf(srv.last_method, sizeof(srv.last_method), "%s", method);
	a = srv.nscript ? srv.script[srv.next < srv.nscript ? srv.next : srv.nscript - 1] : ok;
	srv.next++;
	pthread_mutex_unlock(&srv.lock);
	if (a.delay_ms) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, a.delay_ms) != 0)
			return; /* the client gave up */
	}
	if (!a.drop)
		respond(fd, a.status, a.headers, a.body ? a.body : "{}");
}

static void serve_one(int fd)
{
	char buf[16384] = "", method[16] = "", path[512] = "";

	if (read_request(fd, buf, sizeof(buf)) < 0 || sscanf(buf, "%15s %511s", method, path) != 2)
		return;
	if (strstr(path, "/auth/tokens"))
		answer_token(fd);
	else if (strcmp(path, "/compute/v2.1/") == 0)
		respond(fd, 200, NULL, "{\"version\": {\"version\": \"2.93\", \"min_version\": \"2.1\"}}");
	else
		answer_scripted(fd, method);
}

static void *server_main(void *unused)
{
	for (;;) {
		int fd = accept(srv.listen_fd, NULL, NULL);
		if (fd < 0)
			return NULL;
		serve_one(fd);
		close(fd);
	}
}

static int start_server(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	pthread_t t;

	srv.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv.listen_fd < 0 || bind(srv.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv.listen_fd, 16) < 0 || getsockname(srv.listen_fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	srv.port = ntohs(sa.sin_port);
	if (pthread_create(&t, NULL, server_main, NULL) != 0)
		return -1;
	pthread_detach(t);
	return 0;
}

static void script(const struct answer *a, size_t n)
{
	pthread_mutex_lock(&srv.lock);
	srv.script = a;
	srv.nscript = n;
	srv.next = 0;
	srv.requests = 0;
	pthread_mutex_unlock(&srv.lock);
}

#define SCRIPT(...) do { \
	static const struct answer a_[] = { __VA_ARGS__ }; \
	script(a_, sizeof(a_) / sizeof(a_[0])); \
} while (0)

static int requests(void)
{
	pthread_mutex_lock(&srv.lock);
	int n = srv.requests;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

static int tokens(void)
{
	pthread_mutex_lock(&srv.lock);
	int n = srv.tokens;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* ---- the client side ---- */

static char auth_url[128];
static struct osfs_config cfg = {
	.auth_type = S("password"), .auth_url = auth_url, .username = S("demo"),
	.password = S("pw"), .user_domain_name = S("Default"), .project_name = S("demo"),
	.project_domain_name = S("Default"),
};

static struct osfs_api *new_api(long timeout_ms)
{
	struct osfs_api_opts opts = {
		.http = { .connect_timeout_ms = timeout_ms, .timeout_ms = timeout_ms, .max_body = 1 << 20 },
		.max_retries = 3, .retry_budget_ms = 60000,
	};
	struct osfs_api *api = NULL;
	struct osfs_err err = { "" };

	script(NULL, 0);
	if (osfs_api_new(&api, &cfg, &opts, &err) < 0)
		fprintf(stderr, "osfs_api_new: %s\n", err.msg);
	return api;
}

/* One call: its result, and how long it took in *ms. */
static int call(struct osfs_api *api, const char *method, bool no_retry, long *ms,
		struct osfs_err *err)
{
	struct osfs_api_call c = { .svc = OSFS_SVC_COMPUTE, .method = method, .path = "/thing",
				   .body = strcmp(method, "GET") ? "{}" : NULL, .no_retry = no_retry };
	struct osfs_http_resp resp;
	long t = now_ms();
	int ret = osfs_api_call(api, &c, &resp, err);

	*ms = now_ms() - t;
	osfs_http_resp_free(&resp);
	return ret;
}

static int get(struct osfs_api *api, long *ms)
{
	return call(api, "GET", false, ms, NULL);
}

static void test_retries(void)
{
	struct osfs_api *api = new_api(5000);
	long ms;

	CHECK(api != NULL);
	if (!api)
		return;
	/* a GET is retried after a 503 and a dropped connection */
	SCRIPT({ 503, NULL, "{}", 0, false }, ok);
	CHECK(get(api, &ms) == 0);
	CHECK(requests() == 2);
	SCRIPT({ 0, NULL, NULL, 0, true }, ok);
	CHECK(get(api, &ms) == 0);
	CHECK(requests() == 2);
	/* 503 forever: the first try and max_retries more, then EAGAIN */
	SCRIPT({ 503, NULL, "{}", 0, false });
	CHECK(get(api, &ms) == -EAGAIN);
	CHECK(requests() == 4);
	/* 429 with Retry-After: waited for, then answered */
	SCRIPT({ 429, "Retry-After: 1\r\n", "{}", 0, false }, ok);
	CHECK(get(api, &ms) == 0);
	CHECK(requests() == 2);
	CHECK(ms >= 1000);
	/* a POST that must not be resent is sent once, whatever the answer */
	SCRIPT({ 503, NULL, "{}", 0, false }, ok);
	CHECK(call(api, "POST", true, &ms, NULL) == -EAGAIN);
	CHECK(requests() == 1);
	CHECK(osfs_error_unanswered() == NULL); /* an answer came: a 503 */
	/* a dropped answer: EIO as the man page says, and the outcome unknown */
	SCRIPT({ 0, NULL, NULL, 0, true }, ok);
	CHECK(call(api, "POST", true, &ms, NULL) == -EIO);
	CHECK(requests() == 1);
	CHECK(osfs_error_unanswered() && strstr(osfs_error_unanswered(), "connection broke"));
	pthread_mutex_lock(&srv.lock);
	CHECK_STR(srv.last_method, "POST");
	pthread_mutex_unlock(&srv.lock);
	/* no retry of a 404 */
	SCRIPT({ 404, NULL, "{\"itemNotFound\": {\"code\": 404, \"message\": \"no such thing\"}}", 0, false });
	struct osfs_err err = { "" };
	CHECK(call(api, "GET", false, &ms, &err) == -ENOENT);
	CHECK(requests() == 1);
	CHECK(strstr(err.msg, "no such thing"));
	osfs_api_free(api);
}

static void test_deadline(void)
{
	const long timeout = 1500, delay = 400;
	struct osfs_api *api = new_api(timeout);
	long ms;

	CHECK(api != NULL);
	if (!api)
		return;
	/* a slow 503 forever: retries stop at the deadline */
	SCRIPT({ 503, NULL, "{}", 400, false });
	int ret = get(api, &ms);
	CHECK(ret == -EAGAIN || ret == -ETIMEDOUT);
	CHECK(ms <= timeout + OSFS_API_SLACK_MS);
	CHECK(requests() >= 2);
	CHECK(requests() <= (timeout + delay - 1) / delay);
	usleep((OSFS_API_HOLD_MS + 100) * 1000);
	/* an answer slower than the whole timeout: one try, ETIMEDOUT */
	SCRIPT({ 200, NULL, "{}", 10000, false });
	CHECK(get(api, &ms) == -ETIMEDOUT);
	CHECK(ms <= timeout + OSFS_API_SLACK_MS);
	CHECK(requests() == 1);
	/* ... and the service is held: the next call fails at once, unsent */
	SCRIPT(ok);
	CHECK(get(api, &ms) == -ETIMEDOUT);
	CHECK(ms < 100);
	CHECK(requests() == 0);
	usleep((OSFS_API_HOLD_MS + 100) * 1000);
	CHECK(get(api, &ms) == 0);
	/* Retry-After past the deadline: EAGAIN at once */
	SCRIPT({ 429, "Retry-After: 30\r\n", "{}", 0, false }, ok);
	CHECK(get(api, &ms) == -EAGAIN);
	CHECK(ms < 500);
	CHECK(requests() == 1);
	osfs_api_free(api);
}

/* A POST whose answer does not come in time: sent once, ETIMEDOUT, and its
 * outcome said to be unknown; a refused one, a GET or a call that never left
 * is not unknown. */
static void test_unanswered_post(void)
{
	const long timeout = 800;
	struct osfs_api *api = new_api(timeout);
	long ms;

	CHECK(api != NULL);
	if (!api)
		return;
	SCRIPT({ 202, NULL, "{}", 3000, false }, ok);
	CHECK(call(api, "POST", true, &ms, NULL) == -ETIMEDOUT);
	CHECK(requests() == 1);
	CHECK(osfs_error_unanswered() && strstr(osfs_error_unanswered(), "no answer within 0.8 s"));
	/* compute is held now: the next POST never leaves, its outcome is known */
	SCRIPT(ok);
	CHECK(call(api, "POST", true, &ms, NULL) == -ETIMEDOUT);
	CHECK(requests() == 0);
	CHECK(osfs_error_unanswered() == NULL);
	usleep((OSFS_API_HOLD_MS + 100) * 1000);
	/* a gateway's 504 in place of Nova's answer */
	SCRIPT({ 504, NULL, "<html><body>Gateway Time-out</body></html>", 0, false });
	CHECK(call(api, "POST", true, &ms, NULL) == -ETIMEDOUT);
	CHECK(osfs_error_unanswered() && strstr(osfs_error_unanswered(), "504"));
	/* a refusal says what happened: nothing */
	SCRIPT({ 409, NULL, "{\"conflictingRequest\": {\"code\": 409, \"message\": \"locked\"}}", 0, false });
	CHECK(call(api, "POST", true, &ms, NULL) == -EBUSY);
	CHECK(osfs_error_unanswered() == NULL);
	/* a GET is read again, never "unknown" */
	SCRIPT({ 200, NULL, "{}", 3000, false });
	CHECK(call(api, "GET", false, &ms, NULL) == -ETIMEDOUT);
	CHECK(osfs_error_unanswered() == NULL);
	osfs_api_free(api);
}

/* Messages as they go to the log and error files: one plain line. */
static void test_plain_text(void)
{
	static const struct { const char *in, *out; } rows[] = {
		{ "The server could not comply.<br /><br />\n\n\nInvalid input", "The server could not comply. Invalid input" },
		{ "<html><head><title>404 Not Found</title></head>\n<body>gone</body></html>", "404 Not Found gone" },
		{ "  a\t\tb\r\nc  ", "a b c" },
		{ "size < 5 and x<y", "size < 5 and x<y" },
		{ "unclosed <b tag", "unclosed <b tag" },
		{ "<!-- note -->text", "text" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = osfs_error_plain_text(rows[i].in);
		CHECK_STR(got, rows[i].out);
		free(got);
	}
	char *m = osfs_api_error_message("{\"badRequest\": {\"code\": 400, \"message\": \"Bad<br /><br />\\n  input\"}}");
	CHECK_STR(m, "Bad input");
	free(m);
	CHECK(osfs_error_for_user(-EPROTO) == -EIO);
	CHECK(osfs_error_for_user(-ETIMEDOUT) == -ETIMEDOUT);
	CHECK(osfs_error_for_user(0) == 0);
}

static void test_token_refused(void)
{
	struct osfs_api *api = new_api(5000);
	long ms;
	int before;

	CHECK(api != NULL);
	if (!api)
		return;
	/* 401 then 200: one new token, one resend */
	before = tokens();
	SCRIPT({ 401, NULL, "{}", 0, false }, ok);
	CHECK(get(api, &ms) == 0);
	CHECK(requests() == 2);
	CHECK(tokens() == before + 1);
	/* the renewed token refused too: EACCES, and no new token per call */
	before = tokens();
	SCRIPT({ 401, NULL, "{}", 0, false });
	CHECK(get(api, &ms) == -EACCES);
	CHECK(tokens() == before + 1);
	CHECK(get(api, &ms) == -EACCES);
	CHECK(get(api, &ms) == -EACCES);
	CHECK(tokens() == before + 1);
	osfs_api_free(api);
}

/* Every row documented in errors.h, http.h and DESIGN.md. */
static void test_errno_table(void)
{
	static const struct { long status; const char *message; int err; } rows[] = {
		{ 200, NULL, 0 }, { 201, NULL, 0 }, { 204, NULL, 0 },
		{ 400, NULL, EINVAL }, { 400, "Invalid input", EINVAL },
		{ 401, NULL, EACCES }, { 403, NULL, EACCES },
		{ 403, "Policy doesn't allow os_compute_api:servers:create", EACCES },
		{ 403, "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances", EDQUOT },
		{ 403, "Maximum number of key pairs exceeded: quota", EDQUOT },
		{ 403, "Metadata limit exceeded", EDQUOT },
		{ 404, NULL, ENOENT }, { 405, NULL, EINVAL }, { 406, NULL, ENOTSUP },
		{ 409, NULL, EBUSY }, { 410, NULL, ENOENT },
		{ 413, NULL, EFBIG }, { 413, "Request is too large.", EFBIG },
		{ 413, "Quota exceeded for ram", EDQUOT },
		{ 415, NULL, EINVAL }, { 418, NULL, EINVAL }, { 422, NULL, EINVAL },
		{ 429, NULL, EAGAIN }, { 500, NULL, EIO }, { 501, NULL, ENOTSUP },
		{ 502, NULL, EAGAIN }, { 503, NULL, EAGAIN }, { 504, NULL, ETIMEDOUT },
		{ 507, NULL, EIO }, { 302, NULL, EIO },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = osfs_error_errno(rows[i].status, rows[i].message);
		if (got != rows[i].err)
			fprintf(stderr, "status %ld \"%s\": errno %d, want %d\n", rows[i].status,
				rows[i].message ? rows[i].message : "", got, rows[i].err);
		CHECK(got == rows[i].err);
		if (!rows[i].message)
			CHECK(osfs_http_status_errno(rows[i].status) == rows[i].err);
	}
}

/* The table through a real call: the message read from the body decides. */
static void test_errors_through_calls(void)
{
	struct osfs_api *api = new_api(5000);
	long ms;

	CHECK(api != NULL);
	if (!api)
		return;
	SCRIPT({ 403, NULL, "{\"forbidden\": {\"code\": 403, \"message\": \"Quota exceeded for instances\"}}", 0, false });
	CHECK(call(api, "POST", true, &ms, NULL) == -EDQUOT);
	SCRIPT({ 403, NULL, "{\"forbidden\": {\"code\": 403, \"message\": \"Policy forbids it\"}}", 0, false });
	CHECK(call(api, "POST", true, &ms, NULL) == -EACCES);
	SCRIPT({ 409, NULL, "{\"conflictingRequest\": {\"code\": 409, \"message\": \"locked\"}}", 0, false });
	CHECK(call(api, "POST", true, &ms, NULL) == -EBUSY);
	SCRIPT({ 400, NULL, "{\"badRequest\": {\"code\": 400, \"message\": \"bad\"}}", 0, false });
	CHECK(call(api, "POST", true, &ms, NULL) == -EINVAL);
	SCRIPT({ 504, NULL, "{}", 0, false });
	CHECK(call(api, "GET", true, &ms, NULL) == -ETIMEDOUT);
	osfs_api_free(api);
}

/* osfs_http_do alone: a request's own timeout_ms shortens the client's. */
static void test_http_request_timeout(void)
{
	struct osfs_http_opts opts = { .connect_timeout_ms = 5000, .timeout_ms = 5000, .max_body = 1 << 20 };
	struct osfs_http *http = osfs_http_new(&opts);
	char url[128];
	struct osfs_http_resp resp;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/compute/v2.1/slow", srv.port);
	SCRIPT({ 200, NULL, "{}", 3000, false });
	struct osfs_http_req req = { .method = "GET", .url = url, .timeout_ms = 300 };
	long t = now_ms();
	CHECK(osfs_http_do(http, &req, &resp) == -ETIMEDOUT);
	CHECK(now_ms() - t < 300 + OSFS_API_SLACK_MS);
	osfs_http_resp_free(&resp);
	/* without one, the client's own timeout applies and the answer arrives */
	SCRIPT({ 201, "Retry-After: 7\r\n", "{\"a\": 1}", 500, false });
	req.timeout_ms = 0;
	CHECK(osfs_http_do(http, &req, &resp) == 0);
	CHECK(resp.status == 201 && resp.retry_after == 7);
	CHECK_STR(resp.body, "{\"a\": 1}");
	osfs_http_resp_free(&resp);
	osfs_http_free(http);
}

int main(void)
{
	if (osfs_http_global_init() < 0 || start_server() < 0) {
		fprintf(stderr, "cannot start the test server\n");
		return 1;
	}
	snprintf(auth_url, sizeof(auth_url), "http://127.0.0.1:%d/identity/v3", srv.port);
	test_errno_table();
	test_http_request_timeout();
	test_retries();
	test_token_refused();
	test_errors_through_calls();
	test_deadline();
	test_unanswered_post();
	test_plain_text();
	return CHECK_DONE();
}
