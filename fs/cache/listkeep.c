/* listkeep.c - the listings kept for the next serving process (see
 * listkeep.h). */
#include "listkeep.h"
#include "osfs_base.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "osfsls02"
#define IMAGE_MAGIC 0x6c6b6570u /* "pekl" */
#define TABLE_SIZE 4096
#define BUF_SIZE (1 << 20)
#define IMAGE_MAX (1ull << 32)

struct table {
	char magic[8];
	uint32_t nkinds;
	uint32_t pad;
	struct { uint64_t off, len; } at[OSFS_NKINDS];
};

_Static_assert(sizeof(struct table) <= TABLE_SIZE, "the table fits its page");

/* An image: this header, the kind's dictionary (dict_len bytes), then
 * n items, each followed by its file name and its pack, whose first byte
 * says 0 (the built-in dictionary) or 1 (the image's). */
struct image {
	uint32_t magic;
	uint32_t n;
	uint32_t dict_len;
	uint32_t pad;
	int64_t since;
	double skew, resynced, fetched, arrived;
	char dir[32];               /* the kind's directory: ids may differ between versions */
};

struct item {
	uint32_t fname_len, pack_len;
	uint64_t text_len;
	double seen, mtime;
};

struct osfs_listkeep {
	int fd;
	pthread_mutex_t lock;       /* protects t and end (a leaf) */
	struct table t;
	uint64_t end;               /* past every image written */
};

struct osfs_listkeep *osfs_listkeep_new(int fd)
{
	struct osfs_listkeep *lk = calloc(1, sizeof(*lk));
	struct stat st;

	if (!lk)
		return NULL;
	lk->fd = fd;
	pthread_mutex_init(&lk->lock, NULL);
	if (pread(fd, &lk->t, sizeof(lk->t), 0) != (ssize_t)sizeof(lk->t) ||
	    memcmp(lk->t.magic, MAGIC, 8) != 0 || lk->t.nkinds != OSFS_NKINDS) {
		memset(&lk->t, 0, sizeof(lk->t)); /* none kept, or by another version */
		memcpy(lk->t.magic, MAGIC, 8);
		lk->t.nkinds = OSFS_NKINDS;
	}
	lk->end = TABLE_SIZE;
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size > lk->end)
		lk->end = (uint64_t)st.st_size;
	return lk;
}

void osfs_listkeep_free(struct osfs_listkeep *lk)
{
	if (!lk)
		return;
	pthread_mutex_destroy(&lk->lock);
	free(lk);
}

/* ---- writing ---- */

/* Bytes on their way to the file at `at`, a buffer at a time. */
struct writer {
	int fd;
	uint64_t at;
	char *buf;
	size_t used;
	bool failed;
	int dict;                   /* the image's dictionary (pack.h) */
};

static void flush(struct writer *w)
{
	if (!w->failed && w->used &&
	    pwrite(w->fd, w->buf, w->used, (off_t)w->at) != (ssize_t)w->used)
		w->failed = true;
	w->at += w->used;
	w->used = 0;
}

static void put(struct writer *w, const void *data, size_t len)
{
	while (len && !w->failed) {
		size_t n = BUF_SIZE - w->used < len ? BUF_SIZE - w->used : len;
		memcpy(w->buf + w->used, data, n);
		w->used += n;
		data = (const char *)data + n;
		len -= n;
		if (w->used == BUF_SIZE)
			flush(w);
	}
}

static void put_res(struct writer *w, const struct osfs_res *r)
{
	struct item it = { .fname_len = (uint32_t)strlen(r->fname), .pack_len = (uint32_t)r->json.len,
			   .text_len = r->json.text_len, .seen = r->seen, .mtime = r->mtime };

	int dict = osfs_pack_dict(&r->json);
	unsigned char which = dict != OSFS_PACK_BUILTIN; /* 1: the image's own */

	if (!r->json.len || (dict != OSFS_PACK_BUILTIN && dict != w->dict)) {
		w->failed = true; /* packed with neither: cannot be read back */
		return;
	}
	put(w, &it, sizeof(it));
	put(w, r->fname, it.fname_len);
	put(w, &which, 1);
	put(w, r->json.data + 1, r->json.len - 1);
}

/* One name the map handed out: which id it went to. */
struct given {
	uint16_t fname_len, id_len;
};

static void put_given(void *ctx, const char *fname, const char *id)
{
	struct given g = { (uint16_t)strlen(fname), (uint16_t)strlen(id) };

	if (g.fname_len && g.fname_len < 256 && g.id_len && g.id_len < 1024) {
		put(ctx, &g, sizeof(g));
		put(ctx, fname, g.fname_len);
		put(ctx, id, g.id_len);
	}
}

int osfs_listkeep_put(struct osfs_listkeep *lk, enum osfs_kind_id kind,
		      const struct osfs_listing *l, struct osfs_names *names,
		      const struct osfs_listkeep_state *st)
{
	const struct given end = { 0, 0 };

	struct image img = { .magic = IMAGE_MAGIC, .n = (uint32_t)l->n, .since = st->since,
			     .skew = st->skew, .resynced = st->resynced, .fetched = l->fetched,
			     .arrived = l->arrived };
	struct writer w = { .fd = -1, .dict = osfs_model_dict(kind) };
	const void *dict = NULL;
	size_t dict_len = 0;
	uint64_t old_off, old_len;

	bool kept = false;

	if (!lk || l->single || !(w.buf = malloc(BUF_SIZE)))
		return -ENOMEM;
	w.fd = lk->fd;
	snprintf(img.dir, sizeof(img.dir), "%s", osfs_kinds[kind].dir);
	if (w.dict != OSFS_PACK_BUILTIN)
		dict = osfs_pack_dict_bytes(w.dict, &dict_len);
	img.dict_len = (uint32_t)dict_len;
	pthread_mutex_lock(&lk->lock);
	w.at = lk->end;
	put(&w, &img, sizeof(img));
	put(&w, dict, dict_len);
	for (size_t i = 0; i < l->n; i++)
		put_res(&w, l->items[i]);
	osfs_names_each(names, put_given, &w); /* those of resources gone too */
	put(&w, &end, sizeof(end));
	flush(&w);
	if (!w.failed && w.at - lk->end < IMAGE_MAX) {
		old_off = lk->t.at[kind].off;
		old_len = lk->t.at[kind].len;
		lk->t.at[kind].off = lk->end;
		lk->t.at[kind].len = w.at - lk->end;
		lk->end = (w.at + 4095) & ~4095ull;
		kept = pwrite(lk->fd, &lk->t, sizeof(lk->t), 0) == (ssize_t)sizeof(lk->t);
		if (kept && old_len)
			fallocate(lk->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)old_off,
				  (off_t)old_len);
	}
	pthread_mutex_unlock(&lk->lock);
	free(w.buf);
	return kept ? 0 : -EIO;
}

void osfs_listkeep_touch(struct osfs_listkeep *lk, enum osfs_kind_id kind,
			 const struct osfs_listing *l, const struct osfs_listkeep_state *st)
{
	struct image img;

	if (!lk)
		return;
	pthread_mutex_lock(&lk->lock);
	if (lk->t.at[kind].len >= sizeof(img) &&
	    pread(lk->fd, &img, sizeof(img), (off_t)lk->t.at[kind].off) == (ssize_t)sizeof(img) &&
	    img.magic == IMAGE_MAGIC && img.n == l->n) {
		img.since = st->since;
		img.skew = st->skew;
		img.resynced = st->resynced;
		img.fetched = l->fetched;
		img.arrived = l->arrived;
		/* one small write inside the image: a kill leaves the old
		 * header or the new one, both of this listing */
		if (pwrite(lk->fd, &img, sizeof(img), (off_t)lk->t.at[kind].off) != (ssize_t)sizeof(img))
			log_debug("%s: the kept listing's header was not rewritten", osfs_kinds[kind].dir);
	}
	pthread_mutex_unlock(&lk->lock);
}

/* ---- reading back ---- */

/* The resource of one item at *at in buf[0..len), its name given, its
 * pack's first byte turned into `dict` when it names the image's
 * dictionary; NULL when the image ends or is not whole. */
static struct osfs_res *get_res(const struct osfs_kind *k, struct osfs_names *names,
				char *buf, size_t len, size_t *at, int dict)
{
	struct osfs_res stub = { 0 }, *r;
	struct item it;
	char fname[256];

	if (len - *at < sizeof(it))
		return NULL;
	memcpy(&it, buf + *at, sizeof(it));
	*at += sizeof(it);
	if (it.fname_len >= sizeof(fname) || !it.pack_len ||
	    len - *at < (size_t)it.fname_len + it.pack_len)
		return NULL;
	memcpy(fname, buf + *at, it.fname_len);
	fname[it.fname_len] = '\0';
	*at += it.fname_len;
	if (buf[*at] != 0 && (buf[*at] != 1 || dict < 0))
		return NULL;
	buf[*at] = (char)(buf[*at] ? dict : OSFS_PACK_BUILTIN);
	stub.json = (struct osfs_pack){ .data = (unsigned char *)buf + *at, .len = it.pack_len,
					.text_len = it.text_len };
	*at += it.pack_len;
	stub.seen = it.seen;
	stub.mtime = it.mtime;
	r = osfs_res_copy(k, &stub, fname);
	if (r && osfs_names_give(names, fname, r->id, r->name) < 0) {
		osfs_res_free(r);
		r = NULL;
	}
	return r;
}

/* The names of the image's end section reserved in names; false when
 * the section is not whole. */
static bool get_given(struct osfs_names *names, const char *buf, size_t len, size_t *at)
{
	char fname[256], id[1024];
	struct given g;

	for (;;) {
		if (len - *at < sizeof(g))
			return false;
		memcpy(&g, buf + *at, sizeof(g));
		*at += sizeof(g);
		if (!g.fname_len)
			return true;
		if (g.fname_len >= sizeof(fname) || g.id_len >= sizeof(id) ||
		    len - *at < (size_t)g.fname_len + g.id_len)
			return false;
		memcpy(fname, buf + *at, g.fname_len);
		fname[g.fname_len] = '\0';
		memcpy(id, buf + *at + g.fname_len, g.id_len);
		id[g.id_len] = '\0';
		*at += (size_t)g.fname_len + g.id_len;
		if (osfs_names_reserve(names, fname, id) < 0)
			return false;
	}
}

/* The listing an image holds; NULL if it is not one of kind's, whole. */
static struct osfs_listing *parse(enum osfs_kind_id kind, struct osfs_names *names,
				  char *buf, size_t len, struct osfs_listkeep_state *st)
{
	struct osfs_res **items = NULL;
	struct osfs_listing *l = NULL;
	struct image img;
	size_t at = sizeof(img), n = 0;
	int dict = -1;

	if (len < sizeof(img))
		return NULL;
	memcpy(&img, buf, sizeof(img));
	img.dir[sizeof(img.dir) - 1] = '\0';
	if (img.magic != IMAGE_MAGIC || strcmp(img.dir, osfs_kinds[kind].dir) != 0 ||
	    len - at < img.dict_len || !(items = calloc((size_t)img.n + 1, sizeof(*items))))
		goto out;
	if (img.dict_len) {
		/* before the items: their copies are packed with the kind's */
		dict = osfs_pack_adopt(buf + at, img.dict_len);
		osfs_model_dict_adopt(kind, dict);
		at += img.dict_len;
	}
	while (n < img.n && (items[n] = get_res(&osfs_kinds[kind], names, buf, len, &at, dict)))
		n++;
	if (n == img.n && get_given(names, buf, len, &at) && at == len) {
		l = osfs_listing_new_in(kind, names, items, n); /* takes the items */
		items = NULL;
		n = 0;
	}
	if (l) {
		l->fetched = img.fetched;
		l->arrived = img.arrived;
		*st = (struct osfs_listkeep_state){ img.since, img.skew, img.resynced };
	}
out:
	for (size_t i = 0; i < n; i++)
		osfs_res_free(items[i]);
	free(items);
	return l;
}

struct osfs_listing *osfs_listkeep_get(struct osfs_listkeep *lk, enum osfs_kind_id kind,
				       struct osfs_names *names, struct osfs_listkeep_state *st)
{
	struct osfs_listing *l = NULL;
	uint64_t off, len;
	char *buf = NULL;

	if (!lk)
		return NULL;
	pthread_mutex_lock(&lk->lock);
	off = lk->t.at[kind].off;
	len = lk->t.at[kind].len;
	if (len && len < IMAGE_MAX && (buf = malloc(len)) &&
	    pread(lk->fd, buf, len, (off_t)off) != (ssize_t)len) {
		free(buf);
		buf = NULL;
	}
	pthread_mutex_unlock(&lk->lock);
	if (buf)
		l = parse(kind, names, buf, len, st);
	free(buf);
	return l;
}
