/* names.c - file names for resources: encoding and disambiguation. */
#include "names.h"

#include <errno.h>
#include <pthread.h>
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

/* The length of the UTF-8 sequence at s (1-4), or 0 if it is not one:
 * the lead byte fixes the length and the range of the second byte (which
 * rules out overlongs, surrogates and code points above U+10FFFF). */
static size_t utf8_seq_len(const unsigned char *s)
{
	static const struct {
		unsigned char lead_lo, lead_hi, next_lo, next_hi;
		size_t len;
	} seqs[] = {
		{ 0x00, 0x7F, 0x00, 0x00, 1 },
		{ 0xC2, 0xDF, 0x80, 0xBF, 2 },
		{ 0xE0, 0xE0, 0xA0, 0xBF, 3 },
		{ 0xE1, 0xEC, 0x80, 0xBF, 3 },
		{ 0xED, 0xED, 0x80, 0x9F, 3 }, /* not D800-DFFF (surrogates) */
		{ 0xEE, 0xEF, 0x80, 0xBF, 3 },
		{ 0xF0, 0xF0, 0x90, 0xBF, 4 },
		{ 0xF1, 0xF3, 0x80, 0xBF, 4 },
		{ 0xF4, 0xF4, 0x80, 0x8F, 4 }, /* not above U+10FFFF */
	};

	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		if (s[0] < seqs[i].lead_lo || s[0] > seqs[i].lead_hi)
			continue;
		if (seqs[i].len > 1 && (s[1] < seqs[i].next_lo || s[1] > seqs[i].next_hi))
			return 0;
		for (size_t k = 2; k < seqs[i].len; k++)
			if ((s[k] & 0xC0) != 0x80)
				return 0;
		return seqs[i].len;
	}
	return 0;
}

bool osfs_text_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t len = utf8_seq_len(p);
		if (!len)
			return false;
		p += len;
	}
	return true;
}

int osfs_name_check_new(const char *fname, struct osfs_err *why)
{
	char *name = NULL, *again = NULL;
	int ret = -EINVAL;

	if (strlen(fname) > OSFS_NAME_MAX) {
		osfs_err_set(why, 0, "names are at most %d bytes, this one is %zu", OSFS_NAME_MAX,
			 strlen(fname));
		goto out;
	}
	if (osfs_text_has_control(fname)) {
		osfs_err_set(why, 0, "names cannot hold control characters (newline, tab, ...)");
		goto out;
	}
	if (!(name = osfs_name_decode(fname))) {
		osfs_err_set(why, 0, "'%s' is not a valid name: '%%' starts an escape such as %%2F; "
			 "write %%25 for '%%'", fname);
		goto out;
	}
	if (!(again = osfs_name_encode(name))) {
		ret = -ENOMEM;
		goto out;
	}
	if (!*name || name[0] == ' ' || name[strlen(name) - 1] == ' ')
		osfs_err_set(why, 0, "names cannot be empty or begin or end with a blank");
	else if (!osfs_text_is_utf8(name))
		osfs_err_set(why, 0, "names must be valid UTF-8 (the cloud refuses other bytes)");
	else if (osfs_text_has_control(name))
		osfs_err_set(why, 0, "names cannot hold control characters (newline, tab, ...)");
	else if (strcmp(again, fname) != 0)
		osfs_err_set(why, 0, "the cloud would show '%s' as '%s': write that name instead",
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

/* ---- the name map: file names handed out, per kind, for a mount's life ---- */

/* One entry of a string-keyed table.  Entries live as long as the map,
 * so an owner's id is the key of that id's `current` entry, not a copy:
 * the map costs one block per name and one per id (plus the name block of
 * each id), which is most of what a listing of 100,000 servers keeps
 * beside the resources. */
struct name_entry {
	char *val;               /* owners: the id given `key` (a `current` key, not
				  * owned); current: a block "fname\0name\0" it owns,
				  * or NULL before the id is given a name */
	const char *name;        /* current: the API name that file name was made from
				  * (in val's block), or NULL */
	unsigned long batch;     /* owners: the last assignment that handed `key` out */
	struct name_entry *next; /* same bucket */
	char key[];              /* in the entry's block: one allocation less per name */
};

/* A chained hash table; it doubles when it holds as many entries as buckets. */
struct table {
	struct name_entry **buckets;
	size_t nbuckets, n;
};

struct osfs_names {
	pthread_mutex_t lock;    /* protects owners, current and batch */
	struct table owners;     /* file name → the one id it was ever given to */
	struct table current;    /* id → the file name it has now */
	unsigned long batch;     /* bumped by every assignment */
};

static size_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static struct name_entry *table_find(const struct table *t, const char *key)
{
	if (!t->nbuckets)
		return NULL;
	for (struct name_entry *e = t->buckets[hash_str(key) % t->nbuckets]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static int table_grow(struct table *t)
{
	size_t nb = t->nbuckets ? 2 * t->nbuckets : 64;
	struct name_entry **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct name_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			e->next = b[hash_str(e->key) % nb];
			b[hash_str(e->key) % nb] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
	return 0;
}

/* The entry for key, added (val NULL) when absent; NULL on ENOMEM. */
static struct name_entry *table_get(struct table *t, const char *key)
{
	struct name_entry *e = table_find(t, key);
	size_t b;

	if (e)
		return e;
	if (t->n >= t->nbuckets && table_grow(t) < 0)
		return NULL;
	if (!(e = calloc(1, sizeof(*e) + strlen(key) + 1)))
		return NULL;
	strcpy(e->key, key);
	b = hash_str(key) % t->nbuckets;
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->n++;
	return e;
}

static void table_free(struct table *t, bool owns_vals)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct name_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			if (owns_vals)
				free(e->val);
			free(e);
		}
	}
	free(t->buckets);
}

struct osfs_names *osfs_names_new(void)
{
	struct osfs_names *m = calloc(1, sizeof(*m));

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void osfs_names_free(struct osfs_names *m)
{
	if (!m)
		return;
	table_free(&m->owners, false);
	table_free(&m->current, true);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The id's entry in `current` now says fname, made from the API name
 * `name`: 0 or -ENOMEM (and the entry as it was). */
static int current_set(struct name_entry *cur, const char *fname, const char *name)
{
	size_t flen = strlen(fname), nlen = name ? strlen(name) : 0;
	char *block;

	if (cur->val && strcmp(cur->val, fname) == 0 && same_name(cur->name, name))
		return 0;
	if (!(block = malloc(flen + 1 + nlen + 1)))
		return -ENOMEM;
	memcpy(block, fname, flen + 1);
	if (name)
		memcpy(block + flen + 1, name, nlen + 1);
	free(cur->val);
	cur->val = block;
	cur->name = name ? block + flen + 1 : NULL;
	return 0;
}

/* fname's owner is the id of `cur` (a `current` entry): its entry, or
 * NULL on ENOMEM. */
static struct name_entry *owner_set(struct osfs_names *m, const char *fname,
				    struct name_entry *cur, bool overwrite)
{
	struct name_entry *o = table_get(&m->owners, fname);

	if (o && (overwrite || !o->val))
		o->val = cur->key;
	return o;
}

/* Give r the file name fname if no other id ever had it and no resource
 * of this assignment has it: 1 if given, 0 if taken, -ENOMEM. */
static int claim(struct osfs_names *m, struct osfs_res *r, const char *fname)
{
	struct name_entry *o = table_find(&m->owners, fname), *cur;
	char *mine = NULL;

	if (o && (o->batch == m->batch || strcmp(o->val, r->id) != 0))
		return 0;
	if (!(mine = strdup(fname)) || !(cur = table_get(&m->current, r->id)) ||
	    current_set(cur, fname, r->name) < 0 || !(o = owner_set(m, fname, cur, false))) {
		free(mine);
		return -ENOMEM;
	}
	o->batch = m->batch;
	r->fname = mine;
	return 1;
}

/* r keeps the file name it had, if its API name is the one that name was
 * made from: 1 if kept, 0 if it needs a new one, -ENOMEM. */
static int keep_known(struct osfs_names *m, struct osfs_res *r)
{
	struct name_entry *cur = table_find(&m->current, r->id);

	if (!cur || !cur->val || !same_name(cur->name, r->name))
		return 0;
	return claim(m, r, cur->val);
}

/* Oldest first: by created time (resources without one last), then id. */
static int cmp_age(const void *a, const void *b)
{
	const struct osfs_res *x = *(struct osfs_res *const *)a, *y = *(struct osfs_res *const *)b;
	int c;

	if (x->created && y->created && (c = strcmp(x->created, y->created)))
		return c;
	if (!x->created != !y->created)
		return x->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The file name r asks for: its encoded name (its id if it has none),
 * cut and given the ~<id> suffix when too long.  NULL on ENOMEM. */
static char *plain_fname(const struct osfs_res *r)
{
	char *enc = osfs_name_encode(r->name ? r->name : r->id), *cut;

	if (!enc || strlen(enc) <= OSFS_NAME_MAX)
		return enc;
	cut = with_suffix(enc, r->id, OSFS_ID_SUFFIX);
	free(enc);
	return cut;
}

/* The plain file name for r, if free: 1 if given, 0, -ENOMEM. */
static int claim_plain(struct osfs_names *m, struct osfs_res *r)
{
	char *fname = plain_fname(r);
	int ret = fname ? claim(m, r, fname) : -ENOMEM;

	free(fname);
	return ret;
}

/* The first free of <name>~<8 of id>, <name>~<id>, <name>~<8 of id>~2,
 * ~3, ...: 0 or -ENOMEM. */
static int claim_suffixed(struct osfs_names *m, struct osfs_res *r)
{
	char *base = osfs_name_encode(r->name ? r->name : r->id), *short_, *cand = NULL, num[32];
	int ret = -ENOMEM;

	if (!base || !(short_ = with_suffix(base, r->id, OSFS_ID_SUFFIX)))
		goto out_base;
	if ((ret = claim(m, r, short_)) != 0)
		goto out;
	if (!(cand = with_suffix(base, r->id, SIZE_MAX)))
		ret = -ENOMEM;
	else
		ret = claim(m, r, cand);
	for (unsigned long k = 2; ret == 0; k++) {
		free(cand);
		snprintf(num, sizeof(num), "%lu", k);
		if (!(cand = with_suffix(short_, num, SIZE_MAX)))
			ret = -ENOMEM;
		else
			ret = claim(m, r, cand);
	}
out:
	free(cand);
	free(short_);
out_base:
	free(base);
	return ret < 0 ? ret : 0;
}

/* Name every item of fresh (oldest first): plain names first, so that a
 * suffix never takes an API name that is free, then suffixes. */
static int assign_fresh(struct osfs_names *m, struct osfs_res **fresh, size_t n)
{
	int ret = 0;

	qsort(fresh, n, sizeof(*fresh), cmp_age);
	for (size_t i = 0; i < n && ret >= 0; i++)
		ret = claim_plain(m, fresh[i]);
	for (size_t i = 0; i < n && ret >= 0; i++)
		if (!fresh[i]->fname)
			ret = claim_suffixed(m, fresh[i]);
	return ret < 0 ? ret : 0;
}

int osfs_names_assign_in(struct osfs_names *m, struct osfs_res **items, size_t n)
{
	struct osfs_names *own = NULL;
	struct osfs_res **fresh = malloc((n + 1) * sizeof(*fresh));
	size_t nfresh = 0;
	int ret = -ENOMEM;

	if (!fresh || (!m && !(m = own = osfs_names_new()))) {
		free(fresh);
		return -ENOMEM;
	}
	pthread_mutex_lock(&m->lock);
	m->batch++;
	for (size_t i = 0; i < n; i++) {
		free(items[i]->fname);
		items[i]->fname = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int kept = keep_known(m, items[i]);
		if (kept < 0)
			goto out;
		if (!kept)
			fresh[nfresh++] = items[i];
	}
	ret = assign_fresh(m, fresh, nfresh);
out:
	pthread_mutex_unlock(&m->lock);
	osfs_names_free(own);
	free(fresh);
	return ret;
}

int osfs_names_give(struct osfs_names *m, const char *fname, const char *id, const char *name)
{
	struct name_entry *cur;
	int ret = -ENOMEM;

	pthread_mutex_lock(&m->lock);
	if ((cur = table_get(&m->current, id)) && current_set(cur, fname, name) == 0 &&
	    owner_set(m, fname, cur, true))
		ret = 0;
	pthread_mutex_unlock(&m->lock);
	return ret;
}

void osfs_names_each(struct osfs_names *m, void (*fn)(void *ctx, const char *fname, const char *id),
		     void *ctx)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->owners.nbuckets; i++)
		for (struct name_entry *e = m->owners.buckets[i]; e; e = e->next)
			if (e->val)
				fn(ctx, e->key, e->val);
	pthread_mutex_unlock(&m->lock);
}

int osfs_names_reserve(struct osfs_names *m, const char *fname, const char *id)
{
	struct name_entry *o, *cur;
	int ret = -ENOMEM;

	pthread_mutex_lock(&m->lock);
	if ((o = table_find(&m->owners, fname)) || ((cur = table_get(&m->current, id)) &&
						      owner_set(m, fname, cur, false)))
		ret = 0;
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int osfs_names_assign(struct osfs_res **items, size_t n)
{
	return osfs_names_assign_in(NULL, items, n);
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
