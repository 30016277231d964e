/* Keystone: request bodies, token parsing, expiry and endpoint selection
 * (auth.c). */
#include "auth.h"
#include "check.h"
#include "text.h"

#include <errno.h>
#include <json-c/json.h>

#include <stdlib.h>

#define S(lit) ((char *)(lit)) /* config strings are owned elsewhere */

static const char token_body[] =
	"{\"token\": {\"expires_at\": \"2030-01-02T03:04:05.000000Z\","
	" \"project\": {\"id\": \"p1\", \"name\": \"demo\"}, \"user\": {\"id\": \"u1\"},"
	" \"catalog\": ["
	"  {\"type\": \"compute\", \"endpoints\": ["
	"    {\"interface\": \"internal\", \"region_id\": \"RegionOne\", \"url\": \"http://int/compute/v2.1\"},"
	"    {\"interface\": \"public\", \"region_id\": \"RegionTwo\", \"url\": \"http://two/compute/v2.1\"},"
	"    {\"interface\": \"public\", \"region_id\": \"RegionOne\", \"url\": \"http://one/compute/v2.1\"}]},"
	"  {\"type\": \"volumev3\", \"endpoints\": ["
	"    {\"interface\": \"public\", \"region\": \"RegionOne\", \"url\": \"http://vol/v3/p1\"}]},"
	"  {\"type\": \"image\", \"endpoints\": ["
	"    {\"interface\": \"public\", \"region_id\": \"RegionOne\", \"url\": \"\"}]}"
	"]}}";

int main(void)
{
	struct osfs_token *tok = NULL;

	CHECK(osfs_auth_parse_token(token_body, "gAAAA-subject", &tok) == 0);
	CHECK_STR(tok->id, "gAAAA-subject");
	CHECK_STR(tok->project_id, "p1");
	CHECK(tok->expires == osfs_parse_time("2030-01-02T03:04:05Z"));

	/* endpoint selection: type, interface, region, aliases, empty urls */
	CHECK_STR(osfs_catalog_find(tok, "compute", NULL, "RegionOne"), "http://one/compute/v2.1");
	CHECK_STR(osfs_catalog_find(tok, "compute", "public", "RegionTwo"), "http://two/compute/v2.1");
	CHECK_STR(osfs_catalog_find(tok, "compute", "internalURL", NULL), "http://int/compute/v2.1");
	CHECK_STR(osfs_catalog_find(tok, "compute", "admin", NULL), NULL);
	CHECK_STR(osfs_catalog_find(tok, "compute", "public", "regionone"), NULL);
	CHECK_STR(osfs_catalog_find(tok, "block-storage", NULL, NULL), "http://vol/v3/p1");
	CHECK_STR(osfs_catalog_find(tok, "image", NULL, NULL), NULL);

	/* renewal: 120 s before expires_at; never for a token without expiry */
	CHECK(!osfs_token_needs_renewal(tok, tok->expires - 121));
	CHECK(osfs_token_needs_renewal(tok, tok->expires - 120));
	CHECK(osfs_token_needs_renewal(tok, tok->expires + 5));
	CHECK(osfs_token_needs_renewal(NULL, 0));
	time_t e = tok->expires;
	tok->expires = 0;
	CHECK(!osfs_token_needs_renewal(tok, e + 100000));
	osfs_token_put(tok);

	/* short-lived tokens: renewed after 3/4 of their lifetime (issued_at),
	 * long-lived ones 120 s before expiry */
	static const struct { long life, renew_after; } lives[] = {
		{ 60, 45 }, { 200, 150 }, { 239, 179 }, { 240, 120 }, { 3600, 3480 },
	};
	for (size_t i = 0; i < sizeof(lives) / sizeof(lives[0]); i++) {
		struct osfs_token t = { .issued = 1000000, .expires = 1000000 + lives[i].life };
		CHECK(osfs_token_renew_at(&t) == t.issued + lives[i].renew_after);
		CHECK(!osfs_token_needs_renewal(&t, t.issued + lives[i].renew_after - 1));
		CHECK(osfs_token_needs_renewal(&t, t.issued + lives[i].renew_after));
	}
	/* a 60 s token read from a real response: renewed at 45 s, not at once */
	static const char short_body[] =
		"{\"token\": {\"issued_at\": \"2030-01-02T03:03:05.123456Z\","
		" \"expires_at\": \"2030-01-02T03:04:05.123456Z\"}}";
	CHECK(osfs_auth_parse_token(short_body, "s", &tok) == 0);
	CHECK(tok->issued == osfs_parse_time("2030-01-02T03:03:05Z"));
	CHECK(!osfs_token_needs_renewal(tok, tok->issued + 1));
	CHECK(!osfs_token_needs_renewal(tok, tok->issued + 44));
	CHECK(osfs_token_needs_renewal(tok, tok->issued + 45));
	struct osfs_err why = { "" };
	CHECK(osfs_token_check_fresh(tok, tok->issued, &why) == 0);
	/* our clock past its expiry: Keystone's issued_at decides, the times
	 * move to our clock */
	CHECK(osfs_token_check_fresh(tok, tok->expires + 100, &why) == 0);
	/* a Keystone clock 100 s behind ours: the 60 s token still lives 60 s
	 * from its arrival, and is not due for renewal at once */
	time_t arrived = tok->issued + 100;
	osfs_token_to_local_clock(tok, arrived);
	CHECK(tok->issued == arrived && tok->expires == arrived + 60);
	CHECK(!osfs_token_needs_renewal(tok, arrived + 1));
	CHECK(osfs_token_needs_renewal(tok, arrived + 45));
	/* expired on issue: one clear error about the clocks, whatever our clock says */
	tok->expires = tok->issued;
	osfs_err_clear(&why);
	CHECK(osfs_token_check_fresh(tok, tok->issued - 1000, &why) == -EACCES);
	CHECK(strstr(why.msg, "Keystone issued a token that is already expired: check the clocks") != NULL);
	/* without issued_at, our clock decides */
	time_t exp = tok->expires;
	tok->issued = 0;
	CHECK(osfs_token_check_fresh(tok, exp - 1, &why) == 0);
	osfs_err_clear(&why);
	CHECK(osfs_token_check_fresh(tok, exp, &why) == -EACCES);
	CHECK(strstr(why.msg, "already expired") != NULL);
	tok->expires = 0;
	CHECK(osfs_token_check_fresh(tok, 1L << 40, &why) == 0);
	osfs_token_put(tok);

	CHECK(osfs_auth_parse_token("{\"token\": {}}", "", &tok) == -EPROTO);
	CHECK(osfs_auth_parse_token("not json", "x", &tok) == -EPROTO);
	CHECK(osfs_auth_parse_token("{\"token\": {\"expires_at\": \"soon\"}}", "x", &tok) == -EPROTO);

	/* token URL from auth_url */
	char *u;
	CHECK_STR(u = osfs_auth_token_url("http://k:5000/v3/"), "http://k:5000/v3/auth/tokens"); free(u);
	CHECK_STR(u = osfs_auth_token_url("http://k/identity"), "http://k/identity/v3/auth/tokens"); free(u);
	CHECK(osfs_auth_token_url("http://k:5000/v2.0") == NULL);

	/* request bodies */
	struct osfs_config pw = { .auth_type = S("password"), .username = S("demo"), .password = S("s3cret"),
				  .user_domain_name = S("Default"), .project_name = S("demo"),
				  .project_domain_id = S("default") };
	char *b = osfs_auth_request_body(&pw);
	CHECK(strstr(b, "\"methods\":[\"password\"]") != NULL);
	CHECK(strstr(b, "\"user\":{\"name\":\"demo\",\"domain\":{\"name\":\"Default\"},\"password\":\"s3cret\"}") != NULL);
	CHECK(strstr(b, "\"scope\":{\"project\":{\"name\":\"demo\",\"domain\":{\"id\":\"default\"}}}") != NULL);
	free(b);
	struct osfs_config ac = { .auth_type = S("v3applicationcredential"), .app_cred_id = S("c1"),
				  .app_cred_secret = S("x"), .project_name = S("ignored") };
	b = osfs_auth_request_body(&ac);
	CHECK(strstr(b, "\"application_credential\":{\"id\":\"c1\",\"secret\":\"x\"}") != NULL);
	CHECK(strstr(b, "scope") == NULL); /* app creds never send a scope */
	free(b);
	struct osfs_config tk = { .auth_type = S("token"), .token = S("T"), .project_id = S("p1") };
	b = osfs_auth_request_body(&tk);
	CHECK(strstr(b, "\"token\":{\"id\":\"T\"}") != NULL);
	CHECK(strstr(b, "\"project\":{\"id\":\"p1\"}") != NULL);
	free(b);
	/* a secret that JSON must escape reads back whole */
	struct osfs_config odd = { .username = S("demo"), .password = S("a\"b\\c\n\001é/d"),
				   .project_name = S("demo") };
	b = osfs_auth_request_body(&odd);
	struct json_object *root = b ? json_tokener_parse(b) : NULL, *pwv = NULL;
	CHECK(root && json_pointer_get(root, "/auth/identity/password/user/password", &pwv) == 0);
	CHECK(pwv && strcmp(json_object_get_string(pwv), "a\"b\\c\n\001é/d") == 0);
	json_object_put(root);
	free(b);
	struct osfs_config bad = { .auth_type = S("v3totp") };
	CHECK(osfs_auth_request_body(&bad) == NULL);

	CHECK(osfs_parse_time("2015-11-07T02:58:43.578887Z") == 1446865123);
	CHECK(osfs_parse_time("garbage") == -1);
	return CHECK_DONE();
}
