/* token.h - a Keystone token as the daemon holds it: its fields, its
 * catalog, its reference count and when it is due for renewal.
 *
 * A token is refcounted and immutable once published: a request keeps the
 * one it started with (osfs_auth_get ... osfs_token_put, auth.h) while
 * another thread may replace it.  auth.c makes tokens from Keystone's
 * answers, tokenkeep.c from what the previous serving process kept; both
 * hand them back here.
 */
#ifndef OSFS_TOKEN_H
#define OSFS_TOKEN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "osfs_base.h"

#define OSFS_AUTH_MARGIN_S 120
/* a short-lived token is renewed after this fraction of its lifetime */
#define OSFS_AUTH_SHORT_NUM 3
#define OSFS_AUTH_SHORT_DEN 4

struct osfs_endpoint {
	char *type, *interface, *region, *url;
};

struct osfs_token {
	atomic_int refs;
	char *id;                 /* the X-Subject-Token; never logged */
	time_t expires;           /* 0: never expires */
	time_t issued;            /* issued_at, 0 when absent */
	char *project_id, *user_id;
	struct osfs_endpoint *endpoints;
	size_t nendpoints;
};

/* Drop a reference (NULL: nothing); the last one wipes the id and frees. */
void osfs_token_put(struct osfs_token *tok);

/* When tok is to be renewed (Keystone's clock), 0 for never. */
time_t osfs_token_renew_at(const struct osfs_token *tok);

/* 0, or -EACCES with "Keystone issued a token that is already expired:
 * check the clocks" in err when tok expired on issue (expires_at <=
 * issued_at), or, without issued_at, by `now`. */
int osfs_token_check_fresh(const struct osfs_token *tok, time_t now, struct osfs_err *err);

/* Moves issued and expires_at to the local clock: issued becomes
 * `received`, and the lifetime is kept, so that a Keystone whose clock is
 * off does not make a short token look due for renewal at every call.
 * Nothing changes for a token without issued_at. */
void osfs_token_to_local_clock(struct osfs_token *tok, time_t received);

/* True when tok must be renewed at time `now`. */
bool osfs_token_needs_renewal(const struct osfs_token *tok, time_t now);

#endif
