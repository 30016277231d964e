/* Name encoding, decoding and disambiguation (names.c). */
#include "check.h"
#include "names.h"

#include <stdlib.h>

static struct osfs_res *res(const char *id, const char *name, const char *created)
{
	struct osfs_res *r = calloc(1, sizeof(*r));
	atomic_init(&r->refs, 1);
	r->id = strdup(id);
	r->name = name ? strdup(name) : NULL;
	r->created = created ? strdup(created) : NULL;
	return r;
}

static const char *fname_of(struct osfs_res **items, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i]->id, id) == 0)
			return items[i]->fname;
	return NULL;
}

static void round_trip(const char *name, const char *want)
{
	char *enc = osfs_name_encode(name), *dec = osfs_name_decode(enc);
	CHECK_STR(enc, want);
	CHECK_STR(dec, name);
	CHECK(strchr(enc, '/') == NULL);
	free(enc);
	free(dec);
}

int main(void)
{
	round_trip("web1", "web1");
	round_trip("a/b", "a%2Fb");
	round_trip("100%", "100%25");
	round_trip(".", "%2E");
	round_trip("..", "%2E.");
	round_trip(".by-id", "%2Eby-id");
	round_trip("x.y", "x.y");
	round_trip("", "%00");
	round_trip("ünïcødé/ok", "ünïcødé%2Fok");
	CHECK(osfs_name_decode("bad%zz") == NULL);
	CHECK(osfs_name_decode("trail%") == NULL);

	/* duplicates: the oldest keeps the name */
	struct osfs_res *items[] = {
		res("bbbbbbbb-2", "dup", "2024-01-02T00:00:00Z"),
		res("aaaaaaaa-1", "dup", "2024-01-01T00:00:00Z"),
		res("cccccccc-3", NULL, NULL),
		res("dddddddd-4", "a/b", "2024-01-01T00:00:00Z"),
	};
	size_t n = sizeof(items) / sizeof(items[0]);
	CHECK(osfs_names_assign(items, n) == 0);
	CHECK_STR(fname_of(items, n, "aaaaaaaa-1"), "dup");
	CHECK_STR(fname_of(items, n, "bbbbbbbb-2"), "dup~bbbbbbbb");
	CHECK_STR(fname_of(items, n, "cccccccc-3"), "cccccccc-3");
	CHECK_STR(fname_of(items, n, "dddddddd-4"), "a%2Fb");

	/* too long once encoded: cut at a UTF-8 boundary, ~id suffix, <= 255 */
	char longname[400];
	memset(longname, 0, sizeof(longname));
	for (int i = 0; i < 130; i++)
		strcat(longname, "é");
	struct osfs_res *one[] = { res("eeeeeeee-5", longname, NULL) };
	CHECK(osfs_names_assign(one, 1) == 0);
	CHECK(strlen(one[0]->fname) <= 255);
	CHECK(strstr(one[0]->fname, "~eeeeeeee") != NULL);
	const char *tilde = strrchr(one[0]->fname, '~');
	CHECK(tilde && ((unsigned char)tilde[-1] & 0xC0) != 0xC0); /* no half character */

	char *re = osfs_name_regex_exact("a.b(c)");
	CHECK_STR(re, "^a\\.b\\(c\\)$");
	free(re);

	for (size_t i = 0; i < n; i++)
		osfs_res_free(items[i]);
	osfs_res_free(one[0]);
	return CHECK_DONE();
}
