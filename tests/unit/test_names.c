/* Name encoding, decoding and disambiguation (names.c). */
#include "check.h"
#include "names.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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

/* Name the resources r[0..n) together through m; 0 or -ENOMEM. */
static int assign(struct osfs_names *m, struct osfs_res **r, size_t n)
{
	return osfs_names_assign_in(m, r, n);
}

/* A name given to one id never goes to another; a resource keeps its
 * name while its API name stays; the oldest wins only the first time. */
static void test_names_never_move(void)
{
	struct osfs_names *m = osfs_names_new();
	struct osfs_res *a = res("aaaaaaaa-1", "dup", "2024-01-01T00:00:00Z");
	struct osfs_res *b = res("bbbbbbbb-2", "dup", "2024-01-02T00:00:00Z");
	struct osfs_res *c = res("cccccccc-3", "dup", "2023-01-01T00:00:00Z");
	struct osfs_res *d = res("dddddddd-4", "dup~bbbbbbbb", "2020-01-01T00:00:00Z");
	struct osfs_res *both[] = { b, a }, *only_b[] = { b }, *bc[] = { c, b }, *abcd[] = { a, b, c, d };

	CHECK(assign(m, both, 2) == 0);
	CHECK_STR(a->fname, "dup");
	CHECK_STR(b->fname, "dup~bbbbbbbb");
	/* the oldest is gone: the other keeps its name, "dup" names nothing */
	CHECK(assign(m, only_b, 1) == 0);
	CHECK_STR(b->fname, "dup~bbbbbbbb");
	/* a newcomer, older than both, does not get a name a had */
	CHECK(assign(m, bc, 2) == 0);
	CHECK_STR(b->fname, "dup~bbbbbbbb");
	CHECK_STR(c->fname, "dup~cccccccc");
	/* a comes back (the same id): its own name again; an API name equal to
	 * another's file name is not given either */
	CHECK(assign(m, abcd, 4) == 0);
	CHECK_STR(a->fname, "dup");
	CHECK_STR(b->fname, "dup~bbbbbbbb");
	CHECK_STR(c->fname, "dup~cccccccc");
	CHECK_STR(d->fname, "dup~bbbbbbbb~dddddddd");
	/* renamed in the cloud: the new name; renamed back: the old file name */
	free(b->name);
	b->name = strdup("web");
	CHECK(assign(m, abcd, 4) == 0);
	CHECK_STR(b->fname, "web");
	CHECK_STR(a->fname, "dup");
	free(b->name);
	b->name = strdup("dup");
	CHECK(assign(m, abcd, 4) == 0);
	CHECK_STR(b->fname, "dup~bbbbbbbb");
	/* "web" stays b's: a newcomer named web gets a suffix */
	struct osfs_res *e = res("eeeeeeee-5", "web", NULL), *only_e[] = { e };
	CHECK(assign(m, only_e, 1) == 0);
	CHECK_STR(e->fname, "web~eeeeeeee");
	/* ids sharing their first 8 chars: the whole id, then a number */
	struct osfs_res *f = res("eeeeeeee-6", "web", NULL), *g = res("eeeeeeee-6", "web", NULL);
	struct osfs_res *fg[] = { f, g };
	CHECK(assign(m, fg, 2) == 0);
	CHECK_STR(f->fname, "web~eeeeeeee-6");
	CHECK_STR(g->fname, "web~eeeeeeee~2");
	/* the user creates a server under a gone one's name: it is given over */
	struct osfs_res *h = res("hhhhhhhh-8", "dup", NULL), *only_h[] = { h };
	CHECK(osfs_names_give(m, "dup", "hhhhhhhh-8", "dup") == 0);
	CHECK(assign(m, only_h, 1) == 0);
	CHECK_STR(h->fname, "dup");
	CHECK(assign(m, abcd, 4) == 0);
	CHECK_STR(a->fname, "dup~aaaaaaaa");
	osfs_res_free(h);
	for (size_t i = 0; i < 4; i++)
		osfs_res_free(abcd[i]);
	osfs_res_free(e);
	osfs_res_free(f);
	osfs_res_free(g);
	osfs_names_free(m);
}

/* 100,000 resources, 1,000 names: every name distinct, the same again
 * after a listing that lost every other one (linear in practice). */
static void test_names_many(void)
{
	enum { N = 100000 };
	struct osfs_names *m = osfs_names_new();
	struct osfs_res **all = calloc(N, sizeof(*all)), **half = calloc(N, sizeof(*half));
	char **first = calloc(N, sizeof(*first));
	size_t nhalf = 0;
	bool same = true;

	for (size_t i = 0; i < N; i++) {
		char id[32], name[32];
		snprintf(id, sizeof(id), "%08zx-id", i * 2654435761u % 0xffffffffu);
		snprintf(name, sizeof(name), "srv-%zu", i % 1000);
		all[i] = res(id, name, NULL);
	}
	CHECK(assign(m, all, N) == 0);
	for (size_t i = 0; i < N; i++) {
		first[i] = strdup(all[i]->fname);
		if (i % 2)
			half[nhalf++] = all[i];
	}
	CHECK(assign(m, half, nhalf) == 0);
	for (size_t i = 1; i < N; i += 2)
		same = same && strcmp(all[i]->fname, first[i]) == 0;
	CHECK(same);
	for (size_t i = 0; i < N; i++) {
		osfs_res_free(all[i]);
		free(first[i]);
	}
	free(all);
	free(half);
	free(first);
	osfs_names_free(m);
}

static void test_utf8(void)
{
	const char *good[] = { "web", "ünïcødé", "€uro", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
			       "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "%2Fslash" };
	const char *bad[] = {
		"bad\xff", "\xfe", "%FF",                   /* never in UTF-8 */
		"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", /* overlong */
		"\x80", "a\xbf" "b",                     /* lone continuation bytes */
		"\xc3", "a\xe2\x82", "\xf0\x9f\x98", "\xe2\x82" "x", /* truncated */
		"\xed\xa0\x80", "\xed\xbf\xbf",           /* surrogates */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80",   /* above U+10FFFF */
	};
	struct osfs_err why;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(osfs_name_check_new(good[i], &why) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		osfs_err_clear(&why);
		if (osfs_name_check_new(bad[i], &why) != -EINVAL || !strstr(why.msg, "UTF-8"))
			fprintf(stderr, "bad name #%zu accepted: %s\n", i, why.msg);
		CHECK(strstr(why.msg, "UTF-8") != NULL);
	}
	CHECK(osfs_text_is_utf8("") && osfs_text_is_utf8("plain"));
}

int main(void)
{
	test_names_never_move();
	test_names_many();
	test_utf8();

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
