/* names.c - file names for resources: encoding and disambiguation. */
#include "names.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool needs_escape(char c, size_t pos)
{
	return c == '/' || c == '%' || (c == '.' && pos == 0);
}

char *osfs_name_encode(const char *name)
{
	size_t n = 0;
	char *out, *p;

	if (!*name)
		return strdup("%00");
	for (size_t i = 0; name[i]; i++)
		n += needs_escape(name[i], i) ? 3 : 1;
	out = p = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; name[i]; i++) {
		if (needs_escape(name[i], i))
			p += sprintf(p, "%%%02X", (unsigned char)name[i]);
		else
			*p++ = name[i];
	}
	*p = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *osfs_name_decode(const char *fname)
{
	char *out, *p;

	if (strcmp(fname, "%00") == 0)
		return strdup("");
	out = p = malloc(strlen(fname) + 1);
	if (!out)
		return NULL;
	for (const char *s = fname; *s; s++) {
		if (*s != '%') {
			*p++ = *s;
			continue;
		}
		int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
		if (lo < 0) {
			free(out);
			return NULL;
		}
		*p++ = (char)(hi * 16 + lo);
		s += 2;
	}
	*p = '\0';
	return out;
}

size_t osfs_text_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

bool osfs_text_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

int osfs_name_check_new(const char *fname, char *why, size_t whylen)
{
	char *name = NULL, *again = NULL;
	int ret = -EINVAL;

	if (strlen(fname) > OSFS_NAME_MAX) {
		snprintf(why, whylen, "names are at most %d bytes, this one is %zu", OSFS_NAME_MAX,
			 strlen(fname));
		goto out;
	}
	if (osfs_text_has_control(fname)) {
		snprintf(why, whylen, "names cannot hold control characters (newline, tab, ...)");
		goto out;
	}
	if (!(name = osfs_name_decode(fname))) {
		snprintf(why, whylen, "'%s' is not a valid name: '%%' starts an escape such as %%2F; "
			 "write %%25 for '%%'", fname);
		goto out;
	}
	if (!(again = osfs_name_encode(name))) {
		ret = -ENOMEM;
		goto out;
	}
	if (!*name || name[0] == ' ' || name[strlen(name) - 1] == ' ')
		snprintf(why, whylen, "names cannot be empty or begin or end with a blank");
	else if (osfs_text_has_control(name))
		snprintf(why, whylen, "names cannot hold control characters (newline, tab, ...)");
	else if (strcmp(again, fname) != 0)
		snprintf(why, whylen, "the cloud would show '%s' as '%s': write that name instead",
			 fname, again);
	else
		ret = 0;
out:
	free(again);
	free(name);
	return ret;
}

/* name + "~" + the first idlen bytes of the id (encoded, so that an id
 * holding '/' cannot make a path), the name cut at a UTF-8 boundary to
 * fit. */
static char *with_suffix(const char *fname, const char *id, size_t idlen)
{
	char *eid = osfs_name_encode(id), *out;
	size_t keep = strlen(fname), room;

	if (!eid)
		return NULL;
	if (idlen > OSFS_NAME_MAX / 2)
		idlen = OSFS_NAME_MAX / 2;
	if (idlen < strlen(eid))
		eid[idlen] = '\0';
	room = OSFS_NAME_MAX - 1 - strlen(eid);
	if (keep > room) {
		keep = room;
		while (keep && ((unsigned char)fname[keep] & 0xC0) == 0x80)
			keep--;
		/* never cut inside a %XX escape */
		if (keep >= 1 && fname[keep - 1] == '%')
			keep -= 1;
		else if (keep >= 2 && fname[keep - 2] == '%')
			keep -= 2;
	}
	if (asprintf(&out, "%.*s~%s", (int)keep, fname, eid) < 0)
		out = NULL;
	free(eid);
	return out;
}

static int cmp_for_dups(const void *a, const void *b)
{
	const struct osfs_res *x = *(struct osfs_res *const *)a, *y = *(struct osfs_res *const *)b;
	int c = strcmp(x->fname, y->fname);

	if (c)
		return c;
	if (x->created && y->created && (c = strcmp(x->created, y->created)))
		return c;
	if (!x->created != !y->created)
		return x->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Give every resource that shares its file name with an earlier one (in
 * cmp_for_dups order) a longer suffix: ~<id prefix> first, then the whole
 * id, then ~<round>-<place in the group>.  Repeated until no name is
 * shared, since a suffixed name may equal an API name ("a~1234abcd") or
 * another suffixed name (ids with one prefix, or one id listed twice). */
static int make_unique(struct osfs_res **items, size_t n)
{
	unsigned long round = 0;
	bool clash = true;

	while (clash) {
		clash = false;
		qsort(items, n, sizeof(*items), cmp_for_dups);
		for (size_t i = 1; i < n; i++) {
			size_t first = i - 1;
			while (i < n && strcmp(items[i]->fname, items[first]->fname) == 0) {
				struct osfs_res *r = items[i];
				char num[32], *base = NULL, *dup;
				snprintf(num, sizeof(num), "%lu-%zu", round, i - first);
				if (round == 1 && !(base = osfs_name_encode(r->name ? r->name : r->id)))
					return -ENOMEM;
				dup = round == 0 ? with_suffix(r->fname, r->id, OSFS_ID_SUFFIX) :
				      round == 1 ? with_suffix(base, r->id, SIZE_MAX) :
				      with_suffix(r->fname, num, SIZE_MAX);
				free(base);
				if (!dup)
					return -ENOMEM;
				free(r->fname);
				r->fname = dup;
				clash = true;
				i++;
			}
		}
		round++;
	}
	return 0;
}

int osfs_names_assign(struct osfs_res **items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct osfs_res *r = items[i];
		free(r->fname);
		r->fname = r->name ? osfs_name_encode(r->name) : osfs_name_encode(r->id);
		if (!r->fname)
			return -ENOMEM;
		if (strlen(r->fname) > OSFS_NAME_MAX) {
			char *cut = with_suffix(r->fname, r->id, OSFS_ID_SUFFIX);
			if (!cut)
				return -ENOMEM;
			free(r->fname);
			r->fname = cut;
		}
	}
	return make_unique(items, n);
}

char *osfs_name_regex_exact(const char *name)
{
	char *re = malloc(strlen(name) * 2 + 3), *p = re;

	if (!re)
		return NULL;
	*p++ = '^';
	for (const char *s = name; *s; s++) {
		if (strchr(".^$*+?()[]{}|\\", *s))
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '$';
	*p = '\0';
	return re;
}
