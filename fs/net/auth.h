/* auth.h - Keystone v3: the token, its catalog, and when to renew it.
 *
 * A token is a refcounted, immutable object: a request keeps the one it
 * started with (osfs_auth_get ... osfs_token_put) while another thread may
 * replace it.  Only one renewal runs at a time; other threads that need a
 * token wait for it.  A token is renewed AUTH_MARGIN_S seconds before its
 * expires_at; one whose lifetime (expires_at - issued_at) is shorter than
 * twice that margin is renewed after 3/4 of its lifetime instead (a 60 s
 * token at 45 s), and at once after osfs_auth_invalidate (a 401 from a
 * service).  A token that is already expired when it arrives is refused
 * with one clear message about the clocks; otherwise its times are moved
 * to the local clock (issued_at = when it arrived) before they are used.
 */
#ifndef OSFS_AUTH_H
#define OSFS_AUTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "osfs_base.h"

#include "osfs_config.h"
#include "http.h"
#include "token.h"

struct osfs_auth;

/* Keeps pointers to cfg and http, which must outlive it.  NULL on ENOMEM. */
struct osfs_auth *osfs_auth_new(const struct osfs_config *cfg, struct osfs_http *http);
void osfs_auth_free(struct osfs_auth *auth);

/* A valid token (a new reference: release with osfs_token_put), renewing
 * it first when needed, within timeout_ms (waiting for another thread's
 * renewal included; <= 0: at once, or the http client's own timeout for a
 * renewal).  Returns 0 or -errno with a one-line reason in err: -EACCES
 * (credentials refused, or a token expired on issue), -ETIMEDOUT/
 * -ECONNREFUSED (Keystone unreachable), -EPROTO (a response we cannot
 * read). */
int osfs_auth_get(struct osfs_auth *auth, long timeout_ms, struct osfs_token **tok,
		  struct osfs_err *err);

/* Keep each new token in fd for the next serving process (tokenkeep.h),
 * and start with the one fd holds, unless it is due for renewal.  Call
 * before any osfs_auth_get.  true when a kept token was taken. */
bool osfs_auth_keep(struct osfs_auth *auth, int fd);

/* The token `bad` was refused (401): the next osfs_auth_get renews, unless
 * another thread already replaced it. */
void osfs_auth_invalidate(struct osfs_auth *auth, const struct osfs_token *bad);

/* The POST /v3/auth/tokens body for cfg; caller frees (and wipes). */
char *osfs_auth_request_body(const struct osfs_config *cfg);

/* The token URL for an auth_url: ".../v3" + "/auth/tokens", else
 * auth_url + "/v3/auth/tokens".  NULL for an Identity v2 URL. */
char *osfs_auth_token_url(const char *auth_url);

/* Parse a token response body; takes a copy of subject.  0 or -EPROTO. */
int osfs_auth_parse_token(const char *body, const char *subject,
			  struct osfs_token **out);

/* The endpoint URL for service `type` (aliases allowed), interface and
 * region (NULL: any), following keystoneauth's rules; borrowed from tok,
 * or NULL. */
const char *osfs_catalog_find(const struct osfs_token *tok, const char *type,
			      const char *interface, const char *region);

#endif
