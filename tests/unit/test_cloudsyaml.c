/* test_cloudsyaml.c - the YAML reader on its own: anchors and aliases, the
 * `<<` merge key, the caps (which must end in an error, never a hang) and
 * the messages for malformed input.  test_config.c covers the tree as
 * config.c uses it. */
#include "check.h"
#include "cloudsyaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct osfs_err why; /* the reason of the last call */
static int ret;

static struct osfs_yaml_node *parse(const char *text)
{
	struct osfs_yaml_node *root = NULL;

	ret = osfs_yaml_parse(text, strlen(text), "t.yaml", &root, &why);
	return root;
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A growing text buffer for generated documents. */
struct text {
	char *s;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = 2 * (t->len + (size_t)n + 1);
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			exit(2);
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void test_aliases(void)
{
	struct osfs_yaml_node *r;
	const struct osfs_yaml_node *n;

	r = parse("base: &b\n  url: http://a\n  list: [1, 2]\n"
		  "one: *b\n"
		  "two: {copy: *b}\n"
		  "name: &k region\n"
		  "*k : r1\n");
	CHECK(ret == 0 && r);
	CHECK_STR(osfs_yaml_path_str(r, "one", "url", NULL), "http://a");
	CHECK_STR(osfs_yaml_path_str(r, "two", "copy", "url", NULL), "http://a");
	n = osfs_yaml_path(r, "two", "copy", "list", NULL);
	CHECK(n && n->type == OSFS_YAML_SEQ && n->child && n->child->next &&
	      !strcmp(n->child->next->value, "2"));
	CHECK_STR(osfs_yaml_path_str(r, "region", NULL), "r1");   /* alias as a key */
	/* a node reached through an alias keeps the line its anchor wrote */
	n = osfs_yaml_path(r, "one", "url", NULL);
	CHECK(n && n->line == 2);

	/* each use is a copy of its own: merging over one leaves the others */
	osfs_yaml_merge(&r, parse("one: {url: http://b}\n"));
	CHECK_STR(osfs_yaml_path_str(r, "one", "url", NULL), "http://b");
	CHECK_STR(osfs_yaml_path_str(r, "base", "url", NULL), "http://a");
	CHECK_STR(osfs_yaml_path_str(r, "two", "copy", "url", NULL), "http://a");
	osfs_yaml_free(r);

	/* an anchor used before it is defined, or never defined */
	r = parse("a: *later\nb: &later 1\n");
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:1: unknown anchor 'later'");
	r = parse("# caf\xc3\xa9 \xc3\xa9t\xc3\xa9\nb:\n  c: *missing-one\n");
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:3: unknown anchor 'missing-one'");

	/* an anchor defined twice (PyYAML refuses it too) */
	r = parse("a: &x 1\nb: &x 2\n");
	CHECK(ret == -EINVAL && !r);
	CHECK(contains(why.msg, "t.yaml:2: ") && contains(why.msg, "duplicate anchor") &&
	      contains(why.msg, "line 1"));

	/* an alias inside its own anchor is a cycle: an error, not a loop */
	r = parse("a:\n  b: &x {c: {d: [*x]}}\n");
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:2: an alias inside its own anchor");
	r = parse("a: &m {<<: *m}\n");
	CHECK(ret == -EINVAL && !r);
}

static void test_merge_key(void)
{
	struct osfs_yaml_node *r;
	const struct osfs_yaml_node *n;

	/* one map: explicit keys win wherever they stand */
	r = parse("defaults: &d {interface: internal, region: R1, auth: {url: u}}\n"
		  "a:\n  region: R2\n  <<: *d\n"
		  "b:\n  <<: *d\n  region: R3\n");
	CHECK(ret == 0);
	CHECK_STR(osfs_yaml_path_str(r, "a", "region", NULL), "R2");
	CHECK_STR(osfs_yaml_path_str(r, "a", "interface", NULL), "internal");
	CHECK_STR(osfs_yaml_path_str(r, "a", "auth", "url", NULL), "u");
	CHECK_STR(osfs_yaml_path_str(r, "b", "region", NULL), "R3");
	CHECK(osfs_yaml_path(r, "a", "<<", NULL) == NULL);
	/* the merged map itself is untouched */
	CHECK_STR(osfs_yaml_path_str(r, "defaults", "region", NULL), "R1");
	/* one entry per key: a merged key under an explicit one is dropped */
	n = osfs_yaml_path(r, "a", NULL);
	int regions = 0;
	for (const struct osfs_yaml_node *c = n ? n->child : NULL; c; c = c->next)
		regions += !strcmp(c->key, "region");
	CHECK(regions == 1);
	osfs_yaml_free(r);

	/* a list of maps: the first to have a key wins; inline maps work too */
	r = parse("p: &p {x: p, y: p}\nq: &q {x: q, z: q}\n"
		  "c: {<<: [*p, *q, {w: inline, x: inline}]}\n"
		  "d: {<<: [*q, *p]}\n");
	CHECK(ret == 0);
	CHECK_STR(osfs_yaml_path_str(r, "c", "x", NULL), "p");
	CHECK_STR(osfs_yaml_path_str(r, "c", "y", NULL), "p");
	CHECK_STR(osfs_yaml_path_str(r, "c", "z", NULL), "q");
	CHECK_STR(osfs_yaml_path_str(r, "c", "w", NULL), "inline");
	CHECK_STR(osfs_yaml_path_str(r, "d", "x", NULL), "q");
	CHECK_STR(osfs_yaml_path_str(r, "d", "y", NULL), "p");
	osfs_yaml_free(r);

	/* merges of merges, an alias of a list of maps, two `<<` keys */
	r = parse("base: &b {k: base, j: base}\n"
		  "mid: &m {<<: *b, k: mid}\n"
		  "both: &l [*m]\n"
		  "top: {<<: *l}\n"
		  "two: {<<: {a: 1}, <<: {a: 2, b: 2}}\n");
	CHECK(ret == 0);
	CHECK_STR(osfs_yaml_path_str(r, "mid", "k", NULL), "mid");
	CHECK_STR(osfs_yaml_path_str(r, "mid", "j", NULL), "base");
	CHECK_STR(osfs_yaml_path_str(r, "top", "k", NULL), "mid");
	CHECK_STR(osfs_yaml_path_str(r, "top", "j", NULL), "base");
	CHECK_STR(osfs_yaml_path_str(r, "two", "a", NULL), "1");
	CHECK_STR(osfs_yaml_path_str(r, "two", "b", NULL), "2");
	osfs_yaml_free(r);

	/* a quoted '<<' is an ordinary key */
	r = parse("a: {'<<': {x: 1}}\n");
	CHECK(ret == 0);
	CHECK_STR(osfs_yaml_path_str(r, "a", "<<", "x", NULL), "1");
	CHECK(osfs_yaml_path(r, "a", "x", NULL) == NULL);
	osfs_yaml_free(r);

	/* only maps merge */
	r = parse("a: 1\nb:\n  <<: [{x: 1},\n       [no]]\n");
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:4: '<<' needs a map or a list of maps");
	r = parse("s: &s text\nb: {<<: *s}\n");
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:2: '<<' needs a map or a list of maps");
}

static void test_nulls_and_tags(void)
{
	struct osfs_yaml_node *r;
	const struct osfs_yaml_node *n;

	r = parse("plain: null\ntilde: ~\nempty:\nanchored: &q Null\n"
		  "tagged: !!null whatever\n"
		  "str: !!str null\nstr2: !!str &r ~\nquoted: \"~\"\nnot: nulls\n");
	CHECK(ret == 0);
	static const char *const nulls[] = { "plain", "tilde", "empty", "anchored", "tagged" };
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		n = osfs_yaml_get(r, nulls[i]);
		CHECK(n && n->type == OSFS_YAML_NULL);
	}
	CHECK_STR(osfs_yaml_path_str(r, "str", NULL), "null");
	CHECK_STR(osfs_yaml_path_str(r, "str2", NULL), "~");
	CHECK_STR(osfs_yaml_path_str(r, "quoted", NULL), "~");
	CHECK_STR(osfs_yaml_path_str(r, "not", NULL), "nulls");
	osfs_yaml_free(r);
}

static void test_caps(void)
{
	struct osfs_yaml_node *r;
	struct text t = { 0 };
	double t0;

	/* deep block nesting, as written */
	for (int i = 0; i <= OSFS_YAML_MAX_DEPTH; i++)
		add(&t, "%*sk%d:\n", i, "", i);
	add(&t, "%*sleaf: 1\n", OSFS_YAML_MAX_DEPTH + 1, "");
	r = parse(t.s);
	CHECK(ret == -EFBIG && !r);
	CHECK_STR(why.msg, "t.yaml:65: nested deeper than 64 levels");
	t.len = 0;

	/* a whole file of "[" is refused at once, not after libyaml's
	 * quadratic scan of it (minutes) */
	char *open = malloc(OSFS_YAML_MAX_FILE + 1);
	memset(open, '[', OSFS_YAML_MAX_FILE);
	open[OSFS_YAML_MAX_FILE] = '\0';
	t0 = seconds();
	r = parse(open);
	CHECK(ret == -EFBIG && !r && seconds() - t0 < 5);
	CHECK(contains(why.msg, "nested deeper than 64 levels"));
	free(open);

	/* a billion laughs of maps: an error quickly, not a hang */
	add(&t, "l0: &l0 {a: x, b: x, c: x, d: x, e: x, f: x, g: x, h: x}\n");
	for (int i = 1; i < 9; i++)
		add(&t, "l%d: &l%d {a: *l%d, b: *l%d, c: *l%d, d: *l%d, e: *l%d, "
			"f: *l%d, g: *l%d, h: *l%d}\n", i, i,
		    i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	t0 = seconds();
	r = parse(t.s);
	CHECK(ret == -EFBIG && !r && seconds() - t0 < 5);
	CHECK(contains(why.msg, "more than 100000 nodes (alias expansion?)"));
	t.len = 0;

	/* many aliases of a big list */
	add(&t, "big: &big [");
	for (int i = 0; i < 2000; i++)
		add(&t, "%d, ", i);
	add(&t, "end]\nuses: [");
	for (int i = 0; i < 100; i++)
		add(&t, "*big, ");
	add(&t, "*big]\n");
	r = parse(t.s);
	CHECK(ret == -EFBIG && !r);
	CHECK(contains(why.msg, "alias expansion"));
	t.len = 0;

	/* anchors: up to the cap, not one more */
	for (int i = 0; i < OSFS_YAML_MAX_ANCHORS; i++)
		add(&t, "k%d: &a%d v\n", i, i);
	r = parse(t.s);
	CHECK(ret == 0 && r);
	osfs_yaml_free(r);
	add(&t, "one_more: &extra v\n");
	r = parse(t.s);
	CHECK(ret == -EFBIG && !r);
	CHECK_STR(why.msg, "t.yaml:1001: more than 1000 anchors");
	t.len = 0;

	/* many nulls and tagged scalars: linear work, not a rescan per node */
	add(&t, "[");
	for (int i = 0; i < OSFS_YAML_MAX_NODES / 2 - 10; i++)
		add(&t, "~, !!str ~, ");
	add(&t, "~]\n");
	t0 = seconds();
	r = parse(t.s);
	CHECK(ret == 0 && r && seconds() - t0 < 10);
	CHECK(r && r->child && r->child->type == OSFS_YAML_NULL && r->child->next &&
	      r->child->next->type == OSFS_YAML_SCALAR);
	osfs_yaml_free(r);
	t.len = 0;

	/* nodes as written, without any alias */
	add(&t, "[");
	for (int i = 0; i < OSFS_YAML_MAX_NODES; i++)
		add(&t, "1,");
	add(&t, "1]\n");
	r = parse(t.s);
	CHECK(ret == -EFBIG && !r);
	CHECK(contains(why.msg, "more than 100000 nodes"));
	free(t.s);
}

static void test_malformed(void)
{
	struct osfs_yaml_node *r;

	/* unclosed flow list: libyaml notices at the next line's key */
	r = parse("clouds:\n  a:\n    password: s3cret-value\n    regions: [one, two\n"
		  "    other: x\n");
	CHECK(ret == -EINVAL && !r);
	CHECK(contains(why.msg, "t.yaml:5: "));
	CHECK(!contains(why.msg, "s3cret"));
	/* bad indentation */
	r = parse("a:\n  b: 1\n c: 2\n");
	CHECK(ret == -EINVAL && !r);
	CHECK(contains(why.msg, "t.yaml:3: "));
	/* a syntax error after a duplicate anchor: the syntax error is named */
	r = parse("a: &x 1\nb: &x 2\nc: [\n");
	CHECK(ret == -EINVAL && !r);
	CHECK(contains(why.msg, "t.yaml:4: ") && !contains(why.msg, "anchor"));
	/* a second document, even an empty one */
	r = parse("a: 1\n---\n");
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:2: more than one YAML document");
	/* "..." ends the one document: fine */
	r = parse("a: 1\n...\n");
	CHECK(ret == 0 && r);
	CHECK_STR(osfs_yaml_path_str(r, "a", NULL), "1");
	osfs_yaml_free(r);
	/* a key that is a map */
	r = parse("a: 1\n{b: 1}: 2\n");
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:2: a map key must be a plain string");
}

int main(void)
{
	test_aliases();
	test_merge_key();
	test_nulls_and_tags();
	test_caps();
	test_malformed();
	return CHECK_DONE();
}
