/* pack.c - compressed texts (see pack.h). */
#include "pack.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zdict.h>
#include <zstd.h>

/* Words that recur in Nova, Glance and Keystone objects, the most common
 * last (the nearest bytes of a dictionary are the cheapest to refer to). */
static const char dictionary[] =
	"\"container_format\":\"bare\",\"disk_format\":\"qcow2\",\"visibility\":\"public\","
	"\"os_hash_algo\":\"sha512\",\"os_hash_value\":\"\",\"checksum\":\"\",\"min_disk\":0,"
	"\"min_ram\":0,\"protected\":false,\"virtual_size\":null,\"owner\":\"\",\"file\":\"/v2/images/"
	"\",\"schema\":\"/v2/schemas/image\",\"created_at\":\"\",\"updated_at\":\"\",\"tags\":[],"
	"\"rxtx_factor\":1.0,\"os-flavor-access:is_public\":true,\"OS-FLV-EXT-DATA:ephemeral\":0,"
	"\"OS-FLV-DISABLED:disabled\":false,\"description\":null,\"pinned_availability_zone\":null,"
	"\"server_groups\":[],\"trusted_image_certificates\":null,\"host_status\":\"\","
	"\"OS-EXT-SRV-ATTR:hostname\":\"\",\"fault\":{\"code\":500,\"message\":\"\"},"
	"\"tenant_id\":\"\",\"user_id\":\"\",\"metadata\":{},\"hostId\":\"\",\"image\":{\"id\":\"\","
	"\"links\":[{\"rel\":\"bookmark\",\"href\":\"http://\"}]},\"flavor\":{\"vcpus\":1,\"ram\":512,"
	"\"disk\":1,\"ephemeral\":0,\"swap\":0,\"original_name\":\"m1.tiny\",\"extra_specs\":{}},"
	"\"created\":\"\",\"updated\":\"\",\"addresses\":{\"private\":[{\"version\":4,\"addr\":\"10.0.0.\","
	"\"OS-EXT-IPS:type\":\"fixed\",\"OS-EXT-IPS-MAC:mac_addr\":\"fa:16:3e:\"}]},"
	"\"accessIPv4\":\"\",\"accessIPv6\":\"\",\"OS-DCF:diskConfig\":\"MANUAL\",\"progress\":0,"
	"\"OS-EXT-AZ:availability_zone\":\"nova\",\"config_drive\":\"\",\"key_name\":null,"
	"\"OS-SRV-USG:launched_at\":\"\",\"OS-SRV-USG:terminated_at\":null,"
	"\"security_groups\":[{\"name\":\"default\"}],\"OS-EXT-STS:task_state\":null,"
	"\"OS-EXT-STS:vm_state\":\"active\",\"OS-EXT-STS:power_state\":1,"
	"\"os-extended-volumes:volumes_attached\":[],\"locked\":false,\"locked_reason\":null,"
	"\"links\":[{\"rel\":\"self\",\"href\":\"http://\"},{\"rel\":\"bookmark\",\"href\":\"http://\"}],"
	"\"id\":\"\",\"name\":\"\",\"status\":\"ACTIVE\",";

#define LEVEL 1   /* the fastest: a listing's pack must cost a fraction of its download */

/* A learnt dictionary is this big at most (zstd's trainer takes about
 * 6 MiB while it runs). */
#define LEARNT_MAX 8192

/* One dictionary, digested for both directions; immutable once counted. */
struct dict {
	void *bytes;
	size_t len;
	ZSTD_CDict *c;
	ZSTD_DDict *d;
};

/* The dictionaries, by number; 0 is the built-in one.  Entries below
 * ndicts are immutable: a reader loads ndicts (acquire) and reads them
 * without a lock.  dicts_lock (a leaf) serialises additions. */
static struct dict dicts[OSFS_PACK_DICTS];
static atomic_uint ndicts;
static pthread_mutex_t dicts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t dicts_once = PTHREAD_ONCE_INIT;

/* Per thread: one compression and one decompression context, made on
 * first use and freed when the thread ends. */
struct contexts {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
	const ZSTD_CDict *c_dict; /* the one c refers to now */
};

static pthread_key_t contexts_key;

static void contexts_end(void *arg)
{
	struct contexts *x = arg;

	ZSTD_freeCCtx(x->c);
	ZSTD_freeDCtx(x->d);
	free(x);
}

/* Digest bytes (taken) as dictionary number ndicts; call with dicts_lock
 * held (or before any thread can see the table).  Its number, or -1. */
static int dict_add(void *bytes, size_t len)
{
	unsigned n = atomic_load(&ndicts);
	struct dict *d = &dicts[n];

	if (n == OSFS_PACK_DICTS) {
		free(bytes);
		return -1;
	}
	d->c = ZSTD_createCDict(bytes, len, LEVEL);
	d->d = ZSTD_createDDict(bytes, len);
	if (!d->c || !d->d) {
		ZSTD_freeCDict(d->c);
		ZSTD_freeDDict(d->d);
		free(bytes);
		memset(d, 0, sizeof(*d));
		return -1;
	}
	d->bytes = bytes;
	d->len = len;
	atomic_store_explicit(&ndicts, n + 1, memory_order_release);
	return (int)n;
}

static void dicts_init(void)
{
	char *builtin = malloc(sizeof(dictionary) - 1);

	if (builtin) {
		memcpy(builtin, dictionary, sizeof(dictionary) - 1);
		dict_add(builtin, sizeof(dictionary) - 1);
	}
	pthread_key_create(&contexts_key, contexts_end);
}

/* Dictionary number n, or NULL when there is none such. */
static const struct dict *dict_get(unsigned n)
{
	pthread_once(&dicts_once, dicts_init);
	return n < atomic_load_explicit(&ndicts, memory_order_acquire) ? &dicts[n] : NULL;
}

/* This thread's contexts. */
static struct contexts *contexts_get(void)
{
	struct contexts *x;

	pthread_once(&dicts_once, dicts_init);
	if ((x = pthread_getspecific(contexts_key)))
		return x;
	if (!(x = calloc(1, sizeof(*x))))
		return NULL;
	x->c = ZSTD_createCCtx();
	x->d = ZSTD_createDCtx();
	/* a pack needs neither its size nor its dictionary's id in the
	 * frame: both are kept beside it */
	if (!x->c || !x->d || pthread_setspecific(contexts_key, x) != 0 ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(x->c, ZSTD_c_contentSizeFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(x->c, ZSTD_c_dictIDFlag, 0))) {
		pthread_setspecific(contexts_key, NULL);
		contexts_end(x);
		return NULL;
	}
	return x;
}

int osfs_pack_learn(const char *samples, const size_t *sizes, unsigned n)
{
	void *bytes = malloc(LEARNT_MAX);
	size_t len;
	int ret = -1;

	pthread_once(&dicts_once, dicts_init);
	if (!bytes)
		return -1;
	len = ZDICT_trainFromBuffer(bytes, LEARNT_MAX, samples, sizes, n);
	if (ZDICT_isError(len))
		goto out;
	pthread_mutex_lock(&dicts_lock);
	ret = dict_add(bytes, len);
	pthread_mutex_unlock(&dicts_lock);
	bytes = NULL;
out:
	free(bytes);
	return ret;
}

int osfs_pack_adopt(const void *bytes, size_t len)
{
	unsigned have;
	void *copy;
	int ret = -1;

	pthread_once(&dicts_once, dicts_init);
	pthread_mutex_lock(&dicts_lock);
	have = atomic_load(&ndicts);
	for (unsigned i = 0; i < have; i++)
		if (dicts[i].len == len && memcmp(dicts[i].bytes, bytes, len) == 0) {
			ret = (int)i;
			goto out;
		}
	if ((copy = malloc(len ? len : 1))) {
		memcpy(copy, bytes, len);
		ret = dict_add(copy, len);
	}
out:
	pthread_mutex_unlock(&dicts_lock);
	return ret;
}

const void *osfs_pack_dict_bytes(int dict, size_t *len)
{
	const struct dict *d = dict >= 0 ? dict_get((unsigned)dict) : NULL;

	*len = d ? d->len : 0;
	return d ? d->bytes : NULL;
}

int osfs_pack(struct osfs_pack *p, int dict, const char *text, size_t len)
{
	const struct dict *d = dict >= 0 ? dict_get((unsigned)dict) : NULL;
	struct contexts *x = contexts_get();
	size_t cap = 1 + ZSTD_compressBound(len), n;
	unsigned char *fit;

	memset(p, 0, sizeof(*p));
	if (!d)
		return -EINVAL;
	if (len > UINT32_MAX || cap > UINT32_MAX)
		return -EFBIG;
	if (!x || !(p->data = malloc(cap)))
		return -ENOMEM;
	if (x->c_dict != d->c) {
		if (ZSTD_isError(ZSTD_CCtx_refCDict(x->c, d->c))) {
			osfs_pack_free(p);
			return -EIO;
		}
		x->c_dict = d->c;
	}
	p->data[0] = (unsigned char)dict;
	n = ZSTD_compress2(x->c, p->data + 1, cap - 1, text, len);
	if (ZSTD_isError(n)) {
		osfs_pack_free(p);
		return -EIO;
	}
	p->len = (uint32_t)(n + 1);
	p->text_len = (uint32_t)len;
	if ((fit = realloc(p->data, p->len)))
		p->data = fit;
	return 0;
}

char *osfs_unpack(const struct osfs_pack *p)
{
	const struct dict *d = p->len ? dict_get(p->data[0]) : NULL;
	struct contexts *x = contexts_get();
	char *text = x && d ? malloc((size_t)p->text_len + 1) : NULL;
	size_t n;

	if (!text)
		return NULL;
	n = ZSTD_decompress_usingDDict(x->d, text, p->text_len, p->data + 1, p->len - 1, d->d);
	if (ZSTD_isError(n) || n != p->text_len) {
		free(text);
		return NULL;
	}
	text[p->text_len] = '\0';
	return text;
}

/* Packs made with two dictionaries: their texts say. */
static bool texts_equal(const struct osfs_pack *a, const struct osfs_pack *b)
{
	char *ta = osfs_unpack(a), *tb = ta ? osfs_unpack(b) : NULL;
	bool same = ta && tb && memcmp(ta, tb, a->text_len) == 0;

	free(ta);
	free(tb);
	return same;
}

bool osfs_pack_equal(const struct osfs_pack *a, const struct osfs_pack *b)
{
	if (a->text_len != b->text_len || !a->len || !b->len)
		return a->text_len == b->text_len && a->len == b->len;
	if (a->data[0] != b->data[0])
		return texts_equal(a, b);
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

void osfs_pack_free(struct osfs_pack *p)
{
	free(p->data);
	memset(p, 0, sizeof(*p));
}
