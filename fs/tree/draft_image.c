/* draft_image.c - the drafts written out for the next serving process
 * (the supervisor's memory file: supervisor.h, read back by draft_keep.c).
 *
 * Each time the draft lock is let go with the drafts changed, the whole
 * list is written out again: a line per draft, then a line per value,
 * metadata key and id of its name from before a create, as text
 *
 *     osfs-drafts 1 LEN           LEN: the bytes after this line
 *     D kind state fname name created booted_wall flavor_id image_id
 *     V index value               the draft's files (user_data may hold any byte)
 *     M key value
 *     B id
 *
 * fields between tabs, each "=" and the value with '%', control bytes
 * and DEL as %XX, or "!" for none.  The file is written over from its
 * start, so bytes past LEN are an older, longer image's.
 */
#include "drafts_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put_field(FILE *f, const char *s, size_t len)
{
	fputc('\t', f);
	if (!s) {
		fputc('!', f);
		return;
	}
	fputc('=', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%' || c < 0x20 || c == 0x7f)
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

static void put_str(FILE *f, const char *s)
{
	put_field(f, s, s ? strlen(s) : 0);
}

static void put_draft(FILE *f, const struct draft *dr)
{
	fprintf(f, "D\t%d\t%d", (int)dr->kind, (int)dr->state);
	put_str(f, dr->fname);
	put_str(f, dr->f.name);
	put_str(f, dr->created);
	fprintf(f, "\t%.3f", dr->booted_wall);
	put_str(f, dr->f.flavor_id);
	put_str(f, dr->f.image_id);
	fputc('\n', f);
	for (int i = 0; i < D_NFILES; i++) {
		if (!dr->f.vals[i])
			continue;
		fprintf(f, "V\t%d", i);
		put_field(f, dr->f.vals[i],
			  i == D_USER_DATA ? dr->f.user_data_len : strlen(dr->f.vals[i]));
		fputc('\n', f);
	}
	for (size_t i = 0; i < dr->f.nmeta; i++) {
		fputc('M', f);
		put_str(f, dr->f.meta[i].key);
		put_str(f, dr->f.meta[i].value);
		fputc('\n', f);
	}
	for (size_t i = 0; dr->before && dr->before[i]; i++) {
		fputc('B', f);
		put_str(f, dr->before[i]);
		fputc('\n', f);
	}
}

/* The drafts as the file's text (malloc'd, *len bytes), or NULL. */
static char *image_locked(const struct osfs_drafts *d, size_t *len)
{
	char *body = NULL, *all = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&body, &blen);

	if (!f)
		return NULL;
	for (const struct draft *dr = d->head; dr; dr = dr->next)
		put_draft(f, dr);
	if (fclose(f) == 0 && asprintf(&all, DRAFTS_MAGIC " %zu\n%s", blen, body) >= 0)
		*len = strlen(all);
	else
		all = NULL;
	free(body);
	return all;
}

static uint64_t text_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* Write the drafts out if they changed since the last time (lock held).
 * A failed write leaves the last one: the next change tries again. */
static void keep_locked(struct osfs_drafts *d)
{
	size_t len = 0;
	char *text;
	uint64_t h;

	if (d->keep_fd < 0 || !(text = image_locked(d, &len)))
		return;
	h = text_hash(text, len);
	if (h != d->kept && pwrite(d->keep_fd, text, len, 0) == (ssize_t)len)
		d->kept = h; /* what follows, if it held more before, is past LEN */
	free(text);
}

void osfs_draft_unlock(struct osfs_drafts *d)
{
	keep_locked(d);
	pthread_mutex_unlock(&d->lock);
}

