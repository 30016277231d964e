/* test_text.c - the shared text helpers: API times, URL components, ctl words. */
#include "check.h"
#include "text.h"

#include <stdlib.h>

static void test_escape(void)
{
	char *e = osfs_escape("a b/c%d~e.f-g_h");
	CHECK_STR(e, "a%20b%2Fc%25d~e.f-g_h");
	free(e);
	e = osfs_escape("\xc3\xa9?&=");  /* é, then query syntax */
	CHECK_STR(e, "%C3%A9%3F%26%3D");
	free(e);
	e = osfs_escape("");
	CHECK_STR(e, "");
	free(e);
}

static void test_normalise(void)
{
	char out[16];

	osfs_text_normalise("  Set   KEY\tval \n", 17, out, sizeof(out));
	CHECK_STR(out, "set key val");
	osfs_text_normalise("REBOOT", 6, out, 4);  /* cut to fit, still terminated */
	CHECK_STR(out, "reb");
}

static void test_base64(void)
{
	char *b = osfs_base64("#!/bin/sh\n", 10);
	CHECK_STR(b, "IyEvYmluL3NoCg==");
	free(b);
	b = osfs_base64("abc", 3);
	CHECK_STR(b, "YWJj");
	free(b);
	b = osfs_base64("ab", 2);
	CHECK_STR(b, "YWI=");
	free(b);
}

int main(void)
{
	test_base64();
	test_escape();
	test_normalise();
	CHECK(osfs_parse_time("2015-11-07T02:58:43.578887Z") == 1446865123);
	CHECK(osfs_parse_time(NULL) == -1);
	return CHECK_DONE();
}
