/* tokenkeep.c - a token as lines of text in a file:
 *
 *     osfs-token 1 KEY LEN        KEY: what it was asked with; LEN: the
 *                                 bytes after this line
 *     id
 *     expires issued              local clock, seconds
 *     project_id
 *     user_id
 *     N                           endpoints, then N lines:
 *     type<TAB>interface<TAB>region<TAB>url
 *
 * An empty field stands for none.  No field holds a newline or a tab: ids
 * and URLs from Keystone's JSON are checked when written.
 */
#include "tokenkeep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "osfs-token 1"
#define FILE_MAX (1 << 20)

static bool plain(const char *s)
{
	return !s || !strpbrk(s, "\t\n");
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

int osfs_tokenkeep_write(int fd, const struct osfs_token *tok, uint64_t key)
{
	char *body = NULL, *all = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&body, &blen);
	int n, ret = 0;

	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n%ld %ld\n%s\n%s\n%zu\n", or_empty(tok->id), (long)tok->expires,
		(long)tok->issued, or_empty(tok->project_id), or_empty(tok->user_id), tok->nendpoints);
	for (size_t i = 0; i < tok->nendpoints; i++) {
		const struct osfs_endpoint *e = &tok->endpoints[i];
		fprintf(f, "%s\t%s\t%s\t%s\n", or_empty(e->type), or_empty(e->interface),
			or_empty(e->region), or_empty(e->url));
		if (!plain(e->type) || !plain(e->interface) || !plain(e->region) || !plain(e->url))
			ret = -EINVAL;
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	if (!plain(tok->id) || !plain(tok->project_id) || !plain(tok->user_id))
		ret = -EINVAL;
	if (ret == 0 && (n = asprintf(&all, MAGIC " %016llx %zu\n%s", (unsigned long long)key, blen,
				    body)) < 0)
		ret = -ENOMEM;
	if (ret == 0 && (pwrite(fd, all, (size_t)n, 0) != n || ftruncate(fd, n) != 0))
		ret = -errno;
	if (body)
		explicit_bzero(body, blen);
	if (all)
		explicit_bzero(all, strlen(all));
	free(body);
	free(all);
	return ret;
}

/* The next field of line-or-tab separated text, cut in place.  *ok
 * turns false when the text ends first. */
static char *cut(char **at, const char *seps, bool *ok)
{
	char *s = *at, *end = *ok ? strpbrk(s, seps) : NULL;

	if (!end) {
		*ok = false;
		return NULL;
	}
	*end = '\0';
	*at = end + 1;
	return s;
}

/* A copy of a field; NULL for an empty one. */
static char *dup_field(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static struct osfs_token *parse(char *p)
{
	struct osfs_token *tok = calloc(1, sizeof(*tok));
	long expires = 0, issued = 0;
	char *times, *count;
	size_t n = 0;
	bool ok = true;

	if (!tok)
		return NULL;
	atomic_init(&tok->refs, 1);
	tok->id = dup_field(cut(&p, "\n", &ok));
	times = cut(&p, "\n", &ok);
	tok->project_id = dup_field(cut(&p, "\n", &ok));
	tok->user_id = dup_field(cut(&p, "\n", &ok));
	count = cut(&p, "\n", &ok);
	if (!ok || sscanf(times, "%ld %ld", &expires, &issued) != 2 || sscanf(count, "%zu", &n) != 1 ||
	    n > 4096 || !(tok->endpoints = calloc(n ? n : 1, sizeof(*tok->endpoints))))
		goto bad;
	tok->expires = expires;
	tok->issued = issued;
	for (tok->nendpoints = 0; ok && tok->nendpoints < n; tok->nendpoints++) {
		struct osfs_endpoint *e = &tok->endpoints[tok->nendpoints];
		e->type = dup_field(cut(&p, "\t", &ok));
		e->interface = dup_field(cut(&p, "\t", &ok));
		e->region = dup_field(cut(&p, "\t", &ok));
		e->url = dup_field(cut(&p, "\n", &ok));
	}
	if (ok && tok->id && *p == '\0')
		return tok;
bad:
	osfs_token_put(tok);
	return NULL;
}

struct osfs_token *osfs_tokenkeep_read(int fd, uint64_t key)
{
	struct osfs_token *tok = NULL;
	unsigned long long kept = 0;
	struct stat st;
	size_t len = 0;
	char *buf;
	int used = 0;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > FILE_MAX ||
	    !(buf = calloc(1, (size_t)st.st_size + 1)))
		return NULL;
	if (pread(fd, buf, (size_t)st.st_size, 0) == st.st_size &&
	    sscanf(buf, MAGIC " %llx %zu\n%n", &kept, &len, &used) == 2 && used && kept == key &&
	    (size_t)used + len == (size_t)st.st_size)
		tok = parse(buf + used);
	explicit_bzero(buf, (size_t)st.st_size);
	free(buf);
	return tok;
}
