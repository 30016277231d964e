/* http.h - HTTP requests over libcurl, and the one table from HTTP status
 * and transport failure to errno.
 *
 * One struct osfs_http per mount.  A request borrows a curl easy handle
 * from the mount's pool and gives it back, so each open connection serves
 * one request at a time and is reused by the next request to its host;
 * DNS answers and TLS sessions are shared through a curl share handle.
 * osfs_http_free may be called only once no request is running.  Every
 * request has a connect timeout, a total timeout and a cap on the response
 * body.  No curl type leaves http.c.
 */
#ifndef OSFS_HTTP_H
#define OSFS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct osfs_http;

struct osfs_http_opts {
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;        /* larger responses fail with -EFBIG */
	bool insecure;          /* skip TLS verification */
	const char *cacert, *cert, *key;
};

struct osfs_http_req {
	const char *method;     /* "GET", "POST", ... */
	const char *url;
	const char *token;      /* sent as X-Auth-Token, never logged */
	const char *body;       /* JSON, or NULL */
	const char *const *headers; /* extra "Name: value" lines, NULL-ended */
	bool fresh_connection;  /* never on a reused connection, so that curl
				 * cannot resend it after a drop (POSTs) */
	long timeout_ms;        /* > 0: this request's total time, when
				 * shorter than opts.timeout_ms (the time
				 * left before a caller's deadline) */
};

struct osfs_http_resp {
	long status;            /* 0 when no response arrived */
	char *body;             /* NUL-terminated */
	size_t len;
	char *request_id;       /* x-openstack-request-id / x-compute-request-id */
	char *subject_token;    /* X-Subject-Token (keystone) */
	char *location;
	char *www_authenticate; /* WWW-Authenticate (a 401: who issues tokens) */
	long retry_after;       /* seconds, -1 when absent */
	long long date;         /* the server's Date header (epoch s), 0 when absent */
	double seconds;         /* time the request took */
	bool sent;              /* the request left for the server (even when
				 * no answer came: it may have been carried out) */
};

/* Call once, before any thread exists. */
int osfs_http_global_init(void);

/* Returns NULL on allocation failure.  Copies what it needs from opts. */
struct osfs_http *osfs_http_new(const struct osfs_http_opts *opts);
void osfs_http_free(struct osfs_http *http);

/* fn (NULL: none) is called, in the requesting thread, just before each
 * request other than GET and HEAD leaves: the restart journal (relay.c)
 * learns that a write may have reached the cloud. */
void osfs_http_on_change(void (*fn)(void));

/* Performs the request.  Returns 0 when a response arrived (whatever its
 * status: see resp->status), or -errno when none did: -ETIMEDOUT,
 * -ECONNREFUSED, -EHOSTUNREACH, -EFBIG (body over the cap), -EPROTO
 * (connection dropped, bad response), -EIO.  resp is always filled so that
 * osfs_http_resp_free can be called. */
int osfs_http_do(struct osfs_http *http, const struct osfs_http_req *req,
		 struct osfs_http_resp *resp);

void osfs_http_resp_free(struct osfs_http_resp *resp);

/* The errno for an HTTP error status whose message is unknown: the rows
 * of errors.h without a pattern (400 EINVAL, 401 EACCES, 403 EACCES,
 * 404 ENOENT, 409 EBUSY, 413 EFBIG, 429 EAGAIN, 503 EAGAIN, 504 ETIMEDOUT,
 * other 5xx EIO, ...).  0 for 2xx. */
int osfs_http_status_errno(long status);

/* fmt (one or two %s) with a and b percent-encoded, b NULL for ""; NULL on ENOMEM.
 * The clients build every path with an id or name in it this way. */
char *osfs_http_path(const char *fmt, const char *a, const char *b);

#endif
