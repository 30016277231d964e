/* fuzz_auth.c - Keystone token responses and their catalog (auth.c):
 * osfs_auth_parse_token, osfs_catalog_find, osfs_parse_time.
 *
 * Input: the body of a POST /v3/auth/tokens answer. */
#include "auth.h"
#include "fuzz.h"
#include "text.h"

#include <errno.h>

static const char *const types[] = { "compute", "image", "identity", "network", "block-storage", "" };
static const char *const interfaces[] = { NULL, "public", "internal", "admin", "publicURL", "URL", "" };
static const char *const regions[] = { NULL, "RegionOne", "" };

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_text(data, size);
	struct osfs_token *tok = NULL;
	int ret = osfs_auth_parse_token(body, "gAAAAAfuzztoken", &tok);

	FUZZ_ASSERT(ret == 0 || ret == -EPROTO || ret == -ENOMEM, "unexpected %d", ret);
	FUZZ_ASSERT((ret == 0) == (tok != NULL), "result %d with token %p", ret, (void *)tok);
	if (tok) {
		FUZZ_ASSERT(strcmp(tok->id, "gAAAAAfuzztoken") == 0, "token id changed");
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			for (size_t i = 0; i < sizeof(interfaces) / sizeof(interfaces[0]); i++)
				for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
					const char *url = osfs_catalog_find(tok, types[t], interfaces[i], regions[r]);
					FUZZ_ASSERT(!url || *url, "empty endpoint URL");
				}
		(void)osfs_token_needs_renewal(tok, 0);
		(void)osfs_token_needs_renewal(tok, (time_t)1 << 40);
		osfs_token_put(tok);
	}
	(void)osfs_parse_time(body);
	char *url = osfs_auth_token_url(body);
	free(url);
	free(body);
	return 0;
}
