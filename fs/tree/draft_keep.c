/* draft_keep.c - the drafts of the last serving process, taken back
 * (the file draft_image.c writes).
 *
 * A file cut short (a kill while it was written) or not ours reads as no
 * drafts.  The next generation takes the drafts as they were: open ones
 * stay open, booted ones wait for their listing, and a create under way
 * at the crash settles by name, as one whose answer did not come (never
 * sent again).
 */
#include "drafts_int.h"
#include "osfs_base.h"
#include "osfs_model.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX (16 << 20)

/* The next tab- or line-ended field of *at, cut in place and decoded:
 * *val (NULL for "!"), *len its length.  false when there is none. */
static bool get_field(char **at, char **val, size_t *len)
{
	char *s = *at, *end = s + strcspn(s, "\t\n"), *out;

	if (*s != '=' && *s != '!')
		return false;
	*at = *end ? end + 1 : end;
	*end = '\0';
	if (*s == '!') {
		*val = NULL;
		*len = 0;
		return true;
	}
	*val = out = s;
	for (const char *p = s + 1; *p; p++) {
		unsigned v;
		if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]) &&
		    sscanf(p + 1, "%2x", &v) == 1) {
			*out++ = (char)v;
			p += 2;
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	*len = (size_t)(out - s);
	return true;
}

static char *dup_len(const char *s, size_t len, bool *ok)
{
	char *out = s ? malloc(len + 1) : NULL;

	if (s && !out)
		*ok = false;
	else if (out)
		memcpy(out, s, len + 1);
	return out;
}

static int add_before(struct draft *dr, const char *id)
{
	size_t n = 0;
	char **grown;

	while (dr->before && dr->before[n])
		n++;
	if (!id || !(grown = realloc(dr->before, (n + 2) * sizeof(*grown))))
		return -ENOMEM;
	dr->before = grown;
	grown[n + 1] = NULL;
	return (grown[n] = strdup(id)) ? 0 : -ENOMEM;
}

static int add_meta(struct draft *dr, char *key, char *value)
{
	struct osfs_kv *grown;
	bool ok = true;

	if (!key || dr->f.nmeta >= MAX_META ||
	    !(grown = realloc(dr->f.meta, (dr->f.nmeta + 1) * sizeof(*grown))))
		return -EINVAL;
	dr->f.meta = grown;
	grown[dr->f.nmeta].key = dup_len(key, strlen(key), &ok);
	grown[dr->f.nmeta].value = dup_len(value, value ? strlen(value) : 0, &ok);
	dr->f.nmeta++;
	return ok ? 0 : -ENOMEM;
}

/* A draft from its D line's fields (after the "D"); NULL if malformed. */
static struct draft *parse_draft(char *p)
{
	struct draft *dr = calloc(1, sizeof(*dr));
	char *fname, *name, *created, *flavor, *image, *end;
	int kind, state, used = 0;
	bool ok = true;
	size_t len;

	if (!dr || sscanf(p, "%d\t%d\t%n", &kind, &state, &used) != 2 || !used)
		goto bad;
	p += used;
	if (!get_field(&p, &fname, &len) || !get_field(&p, &name, &len) ||
	    !get_field(&p, &created, &len))
		goto bad;
	dr->booted_wall = strtod(p, &end);
	if (end == p || *end != '\t')
		goto bad;
	p = end + 1;
	if (!get_field(&p, &flavor, &len) || !get_field(&p, &image, &len) || !fname || !name ||
	    kind < 0 || kind >= OSFS_NKINDS || !osfs_draft_kind_of(kind) || state < DR_OPEN ||
	    state > DR_BOOTED || (state == DR_BOOTED && !created))
		goto bad;
	dr->kind = (enum osfs_kind_id)kind;
	dr->state = (enum draft_state)state;
	dr->undo.f = -1;
	dr->fname = dup_len(fname, strlen(fname), &ok);
	dr->f.name = dup_len(name, strlen(name), &ok);
	dr->created = dup_len(created, created ? strlen(created) : 0, &ok);
	dr->f.flavor_id = dup_len(flavor, flavor ? strlen(flavor) : 0, &ok);
	dr->f.image_id = dup_len(image, image ? strlen(image) : 0, &ok);
	if (ok)
		return dr;
bad:
	if (dr)
		osfs_draft_free(dr);
	return NULL;
}

/* One V, M or B line (after its letter) into dr.  0 or -EINVAL/-ENOMEM. */
static int parse_part(struct draft *dr, char letter, char *p)
{
	char *a, *b;
	size_t alen, blen;
	bool ok = true;
	int i, used = 0;

	switch (letter) {
	case 'V':
		if (sscanf(p, "\t%d\t%n", &i, &used) != 1 || !used || i < 0 || i >= D_NFILES ||
		    dr->f.vals[i])
			return -EINVAL;
		p += used;
		if (!get_field(&p, &a, &alen) || !a)
			return -EINVAL;
		dr->f.vals[i] = dup_len(a, alen, &ok);
		if (i == D_USER_DATA)
			dr->f.user_data_len = alen;
		return ok ? 0 : -ENOMEM;
	case 'M':
		p++;
		if (!get_field(&p, &a, &alen) || !get_field(&p, &b, &blen))
			return -EINVAL;
		return add_meta(dr, a, b);
	case 'B':
		p++;
		if (!get_field(&p, &a, &alen))
			return -EINVAL;
		return add_before(dr, a);
	}
	return -EINVAL;
}

/* The drafts of text (the file after its first line), newest last as
 * written; NULL with *bad set when malformed. */
static struct draft *parse_all(char *text, bool *bad)
{
	struct draft *head = NULL, **tail = &head, *dr = NULL;

	*bad = false;
	for (char *line = text, *next; *line && !*bad; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			*bad = true;
			break;
		}
		*next++ = '\0';
		if (line[0] == 'D' && line[1] == '\t' && (dr = parse_draft(line + 2))) {
			*tail = dr;
			tail = &dr->next;
		} else if (!dr || parse_part(dr, line[0], line + 1) < 0) {
			*bad = true;
		}
	}
	if (*bad) {
		while (head) {
			dr = head->next;
			osfs_draft_free(head);
			head = dr;
		}
	}
	return head;
}

/* The file's text after its first line (malloc'd), or NULL when it holds
 * none of ours, whole. */
static char *read_file(int fd)
{
	struct stat st;
	char *all = NULL, *nl;
	size_t len = 0;
	int used = 0;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > FILE_MAX ||
	    !(all = malloc((size_t)st.st_size + 1)) ||
	    pread(fd, all, (size_t)st.st_size, 0) != st.st_size)
		goto none;
	all[st.st_size] = '\0';
	if (!(nl = strchr(all, '\n')) || sscanf(all, DRAFTS_MAGIC " %zu%n", &len, &used) != 1 ||
	    all + used != nl || len > (size_t)st.st_size - (size_t)used - 1)
		goto none;
	memmove(all, nl + 1, len);
	all[len] = '\0';
	return all;
none:
	free(all);
	return NULL;
}

/* Take dr from the last generation (lock held). */
static void adopt_locked(struct osfs_fs *fs, struct draft *dr)
{
	struct osfs_drafts *d = fs->drafts;
	struct made m = { .before = dr->before };

	dr->before = NULL;
	if (dr->state == DR_BOOTED) {
		double ago = osfs_now_real() - dr->booted_wall;
		dr->booted_at = osfs_now_mono() - (ago > 0 ? ago : 0);
	} else if (dr->state != DR_OPEN) {
		/* the create may have left: settle by name, never send again */
		dr->state = osfs_draft_settle_start_locked(fs, dr, &m) == 0 ? DR_SETTLING : DR_OPEN;
	}
	osfs_model_strv_free(m.before);
	dr->next = d->head;
	d->head = dr;
}

int osfs_drafts_keep(struct osfs_fs *fs, int fd)
{
	struct osfs_drafts *d = fs->drafts;
	char *text = read_file(fd);
	struct draft *got = NULL;
	bool bad = false;
	int n = 0;

	if (text)
		got = parse_all(text, &bad);
	free(text);
	pthread_mutex_lock(&d->lock);
	while (got) {
		struct draft *next = got->next;
		if (osfs_draft_find_locked(d, got->kind, got->fname)) {
			osfs_draft_free(got);
		} else {
			adopt_locked(fs, got);
			n++;
		}
		got = next;
	}
	d->keep_fd = fd;
	d->kept = 0;
	osfs_draft_unlock(d);
	return bad ? -EINVAL : n;
}
