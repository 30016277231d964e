/* The token kept for the next serving process (tokenkeep.c): read back as
 * written, only under the key it was written with, never when cut short. */
#include "auth.h"
#include "check.h"
#include "tokenkeep.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char body[] =
	"{\"token\": {\"issued_at\": \"2030-01-02T02:04:05Z\", \"expires_at\": \"2030-01-02T03:04:05Z\","
	" \"project\": {\"id\": \"p1\"}, \"user\": {\"id\": \"u1\"},"
	" \"catalog\": ["
	"  {\"type\": \"compute\", \"endpoints\": ["
	"    {\"interface\": \"public\", \"region_id\": \"RegionOne\", \"url\": \"http://one/compute/v2.1\"},"
	"    {\"interface\": \"internal\", \"url\": \"http://int/compute/v2.1\"}]}]}}";

int main(void)
{
	int fd = memfd_create("test-token", 0);
	struct osfs_token *tok = NULL, *back;
	struct stat st;

	CHECK(fd >= 0 && osfs_auth_parse_token(body, "gAAAA-kept", &tok) == 0);
	CHECK(osfs_tokenkeep_read(fd, 7) == NULL);            /* nothing kept yet */
	CHECK(osfs_tokenkeep_write(fd, tok, 7) == 0);
	CHECK((back = osfs_tokenkeep_read(fd, 7)) != NULL);
	CHECK_STR(back->id, "gAAAA-kept");
	CHECK(back->expires == tok->expires && back->issued == tok->issued);
	CHECK_STR(back->project_id, "p1");
	CHECK_STR(back->user_id, "u1");
	CHECK(back->nendpoints == 2);
	CHECK_STR(osfs_catalog_find(back, "compute", "public", "RegionOne"), "http://one/compute/v2.1");
	CHECK_STR(osfs_catalog_find(back, "compute", "internal", NULL), "http://int/compute/v2.1");
	osfs_token_put(back);
	/* another configuration asks another way: not taken */
	CHECK(osfs_tokenkeep_read(fd, 8) == NULL);
	/* cut short by a kill */
	CHECK(fstat(fd, &st) == 0 && ftruncate(fd, st.st_size - 5) == 0);
	CHECK(osfs_tokenkeep_read(fd, 7) == NULL);
	/* a shorter token replaces a longer one whole */
	tok->nendpoints = 0;
	CHECK(osfs_tokenkeep_write(fd, tok, 7) == 0);
	CHECK((back = osfs_tokenkeep_read(fd, 7)) != NULL && back->nendpoints == 0);
	osfs_token_put(back);
	tok->nendpoints = 2;
	osfs_token_put(tok);
	close(fd);
	return CHECK_DONE();
}
