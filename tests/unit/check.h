/* check.h - the smallest test harness: CHECK records a failure and goes on;
 * main() ends with CHECK_DONE(), which prints "N passed, N failed". */
#ifndef OSFS_CHECK_H
#define OSFS_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) check_passed++; \
	else { check_failed++; \
	       fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) check_passed++; \
	else if (!g_ && !w_) check_passed++; \
	else { check_failed++; \
	       fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
		       g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

#define CHECK_DONE() \
	(printf("%d passed, %d failed\n", check_passed, check_failed), check_failed != 0)

#endif
