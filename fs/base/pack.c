/* pack.c - compressed texts (see pack.h). */
#include "pack.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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

/* The dictionary, digested once for all threads (immutable once made). */
static ZSTD_CDict *cdict;
static ZSTD_DDict *ddict;
static pthread_once_t dicts_once = PTHREAD_ONCE_INIT;

/* Per thread: one compression and one decompression context, made on
 * first use and freed when the thread ends. */
struct contexts {
	ZSTD_CCtx *c;
	ZSTD_DCtx *d;
};

static pthread_key_t contexts_key;

static void contexts_end(void *arg)
{
	struct contexts *x = arg;

	ZSTD_freeCCtx(x->c);
	ZSTD_freeDCtx(x->d);
	free(x);
}

static void dicts_init(void)
{
	cdict = ZSTD_createCDict(dictionary, sizeof(dictionary) - 1, LEVEL);
	ddict = ZSTD_createDDict(dictionary, sizeof(dictionary) - 1);
	pthread_key_create(&contexts_key, contexts_end);
}

/* This thread's contexts, set up for packs: the dictionary, and no frame
 * fields that a pack does not need (its size and dictionary are known). */
static struct contexts *contexts_get(void)
{
	struct contexts *x;

	pthread_once(&dicts_once, dicts_init);
	if (!cdict || !ddict)
		return NULL;
	if ((x = pthread_getspecific(contexts_key)))
		return x;
	if (!(x = calloc(1, sizeof(*x))))
		return NULL;
	x->c = ZSTD_createCCtx();
	x->d = ZSTD_createDCtx();
	if (!x->c || !x->d || pthread_setspecific(contexts_key, x) != 0 ||
	    ZSTD_isError(ZSTD_CCtx_refCDict(x->c, cdict)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(x->c, ZSTD_c_contentSizeFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(x->c, ZSTD_c_dictIDFlag, 0)) ||
	    ZSTD_isError(ZSTD_DCtx_refDDict(x->d, ddict))) {
		pthread_setspecific(contexts_key, NULL);
		contexts_end(x);
		return NULL;
	}
	return x;
}

int osfs_pack(struct osfs_pack *p, const char *text, size_t len)
{
	struct contexts *x = contexts_get();
	size_t cap = ZSTD_compressBound(len), n;
	unsigned char *fit;

	memset(p, 0, sizeof(*p));
	if (!x || !(p->data = malloc(cap)))
		return -ENOMEM;
	n = ZSTD_compress2(x->c, p->data, cap, text, len);
	if (ZSTD_isError(n)) {
		osfs_pack_free(p);
		return -EIO;
	}
	p->len = n;
	p->text_len = len;
	if ((fit = realloc(p->data, n ? n : 1)))
		p->data = fit;
	return 0;
}

char *osfs_unpack(const struct osfs_pack *p)
{
	struct contexts *x = contexts_get();
	char *text = x ? malloc(p->text_len + 1) : NULL;
	size_t n;

	if (!text)
		return NULL;
	n = ZSTD_decompressDCtx(x->d, text, p->text_len, p->data, p->len);
	if (ZSTD_isError(n) || n != p->text_len) {
		free(text);
		return NULL;
	}
	text[p->text_len] = '\0';
	return text;
}

bool osfs_pack_equal(const struct osfs_pack *a, const struct osfs_pack *b)
{
	return a->text_len == b->text_len && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

void osfs_pack_free(struct osfs_pack *p)
{
	free(p->data);
	memset(p, 0, sizeof(*p));
}
