/* api.h - authenticated calls to the cloud's services.
 *
 * Owns the http client, the auth state, the service endpoints found in the
 * catalog and Nova's negotiated microversion.  osfs_api_call adds the token
 * and the version header, re-authenticates once on a 401 and retries the
 * call once, and retries idempotent GETs on 429/502/503/504 and dropped
 * connections a bounded number of times with backoff and jitter, honouring
 * Retry-After.  A POST that creates something is never retried.
 *
 * Time bound: one osfs_api_call ends within opts.http.timeout_ms (the
 * mount's -o timeout) plus a slack of OSFS_API_SLACK_MS, retries,
 * back-off and token renewals included: they all share one deadline,
 * start + timeout.  Each attempt may only use the time left; no back-off
 * sleeps past the deadline.  The slack covers curl noticing its timeout,
 * the daemon's own work and the kernel round trip, so a user's command
 * that fails on one call fails within timeout + 1 s.  A call that used the
 * whole deadline on a busy or silent service holds that service for
 * OSFS_API_HOLD_MS: other calls to it fail at once with the same errno, so
 * a command's several operations (a name looked up alone, then in the full
 * listing) still fail within one bound.
 *
 * Request bound: attempts follow one another and none starts after the
 * deadline, so a call whose every answer takes d seconds sends at most
 * ceil(timeout / d) requests to the service, and never more than
 * max_retries + 1; plus at most two token requests to Keystone.
 * Every failure becomes a negative errno and a message naming the API's own
 * reason and request id, which is also logged.
 */
#ifndef OSFS_API_H
#define OSFS_API_H

#include <stdbool.h>

#include "osfs_config.h"
#include "http.h"
#include "osfs_base.h"

struct osfs_api;

struct osfs_api_opts {
	struct osfs_http_opts http;
	int max_retries;          /* extra tries of a GET; default 3 */
	long retry_budget_ms;     /* total time spent waiting between tries,
				   * within the call's deadline */
	bool keep_token;          /* keep tokens across restarts in token_fd */
	int token_fd;             /* (osfs_auth_keep) */
};

/* The documented slack of the time bound above. */
#define OSFS_API_SLACK_MS 1000
/* A retry is only worth sending with at least this long left. */
#define OSFS_API_MIN_TRY_MS 100
/* How long a service on which a call ran out of time (a transient failure
 * with no time left for another try) answers that call's errno at once, so
 * that the kernel's follow-up operations of the same command do not each
 * wait for another timeout. */
#define OSFS_API_HOLD_MS 1000
/* How long a service that refused a renewed token is answered EACCES
 * without asking Keystone for yet another token. */
#define OSFS_API_REFUSED_HOLD_MS 2000

/* Highest compute microversion this code knows how to read. */
#define OSFS_COMPUTE_MAX_MINOR 93

/* Authenticates, finds the compute and image endpoints and negotiates the
 * compute microversion: everything that must work before mounting.
 * cfg must outlive the api.  Returns 0 or -errno with one line in err. */
int osfs_api_new(struct osfs_api **out, const struct osfs_config *cfg,
		 const struct osfs_api_opts *opts, struct osfs_err *err);
void osfs_api_free(struct osfs_api *api);

struct osfs_api_call {
	enum osfs_service svc;
	const char *method;
	const char *path;   /* appended to the service root: "/servers/detail",
			     * "/v2/images?limit=100" */
	const char *body;   /* JSON or NULL */
	bool no_retry;      /* never resend (creating POSTs) */
	int max_minor;      /* compute: at most microversion 2.<this> (0: the
			     * negotiated one), for fields a later one dropped */
	bool refusal_expected; /* a question (may I?): a 401/403/404 answer is no
				* error, logged at info level only */
	const char *version;/* a microversion this call asks for, sent as
			     * "OpenStack-API-Version: <version>" ("volume 3.60");
			     * NULL: the service's default (compute: the one
			     * negotiated).  A service that answers 406 to it is
			     * asked again without it, and from then on (logged
			     * once; osfs_api_version_refused) */
};

/* Returns 0 on a 2xx answer (resp filled: free it), or -errno (the man
 * page's: an unreadable or broken answer is -EIO).  On error, err (when
 * not NULL) holds a one-line reason for the user (err.h), and
 * osfs_error_unanswered (errors.h) says whether a request that is never
 * resent may have been carried out all the same.
 * resp is freed by the caller in every case. */
int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, struct osfs_err *err);

/* Whether the catalog has an endpoint of svc (network and volume are
 * optional: their kinds are only shown when it does). */
bool osfs_api_has_service(const struct osfs_api *api, enum osfs_service svc);

/* Did svc refuse a call's own microversion (so calls go without it)? */
bool osfs_api_version_refused(struct osfs_api *api, enum osfs_service svc);

/* "2.93": the compute microversion in use. */
const char *osfs_api_compute_version(const struct osfs_api *api);
int osfs_api_compute_minor(const struct osfs_api *api);

/* The message a failed response carries: Nova's {"<fault>":{"message"}},
 * Keystone's {"error":{"message"}}, Glance's {"message"} or plain text;
 * caller frees.  Exported for unit tests. */
char *osfs_api_error_message(const char *body);

#endif
