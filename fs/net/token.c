/* token.c - a token's memory and its times (token.h). */
#include "token.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void token_free(struct osfs_token *tok)
{
	if (!tok)
		return;
	if (tok->id)
		explicit_bzero(tok->id, strlen(tok->id));
	free(tok->id);
	free(tok->project_id);
	free(tok->user_id);
	for (size_t i = 0; i < tok->nendpoints; i++) {
		free(tok->endpoints[i].type);
		free(tok->endpoints[i].interface);
		free(tok->endpoints[i].region);
		free(tok->endpoints[i].url);
	}
	free(tok->endpoints);
	free(tok);
}

void osfs_token_put(struct osfs_token *tok)
{
	if (tok && atomic_fetch_sub(&tok->refs, 1) == 1)
		token_free(tok);
}

time_t osfs_token_renew_at(const struct osfs_token *tok)
{
	time_t life = tok->issued ? tok->expires - tok->issued : 0;

	if (!tok->expires)
		return 0;
	if (life > 0 && life < 2 * OSFS_AUTH_MARGIN_S)
		return tok->issued + life * OSFS_AUTH_SHORT_NUM / OSFS_AUTH_SHORT_DEN;
	return tok->expires - OSFS_AUTH_MARGIN_S;
}

void osfs_token_to_local_clock(struct osfs_token *tok, time_t received)
{
	time_t skew = tok->issued ? received - tok->issued : 0;

	tok->issued += skew;
	if (tok->expires)
		tok->expires += skew;
}

bool osfs_token_needs_renewal(const struct osfs_token *tok, time_t now)
{
	if (!tok)
		return true;
	return tok->expires != 0 && now >= osfs_token_renew_at(tok);
}

int osfs_token_check_fresh(const struct osfs_token *tok, time_t now, struct osfs_err *err)
{
	/* by Keystone's own clock when it says when it issued the token (ours
	 * may be off: the times move to our clock afterwards), else by ours */
	bool dead = tok->expires && tok->expires <= (tok->issued ? tok->issued : now);

	if (!dead)
		return 0;
	return osfs_err_set(err, -EACCES, "Keystone issued a token that is already expired: check the clocks"
			    " (expires_at %ld, local time %ld)", (long)tok->expires, (long)now);
}
