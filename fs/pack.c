/* pack.c - compressed texts (see pack.h). */
#include "pack.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Words that recur in Nova, Glance and Keystone objects, the most common
 * last (zlib finds recent bytes cheapest). */
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

#define WINDOW_BITS (-12)  /* raw deflate, 4 KiB window: objects are small */
#define MEM_LEVEL 5

/* Per thread: a deflate stream primed with the dictionary (each pack
 * starts from a copy of it: copying is cheaper than hashing the dictionary
 * again for every object) and one inflate stream; made on first use and
 * ended when the thread ends. */
struct streams {
	z_stream primed, inf;
	bool primed_ok, inf_ok;
};

static pthread_key_t streams_key;
static pthread_once_t streams_once = PTHREAD_ONCE_INIT;

static void streams_end(void *arg)
{
	struct streams *s = arg;

	if (s->primed_ok)
		deflateEnd(&s->primed);
	if (s->inf_ok)
		inflateEnd(&s->inf);
	free(s);
}

static void streams_init(void)
{
	pthread_key_create(&streams_key, streams_end);
}

static struct streams *streams_get(void)
{
	struct streams *s;

	pthread_once(&streams_once, streams_init);
	if ((s = pthread_getspecific(streams_key)))
		return s;
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	if (pthread_setspecific(streams_key, s) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* A fresh deflate stream in *z, ready for one text; the caller ends it
 * with deflateEnd.  0 or -1. */
static int deflater(z_stream *z)
{
	struct streams *s = streams_get();

	if (!s)
		return -1;
	if (!s->primed_ok) {
		if (deflateInit2(&s->primed, 1, Z_DEFLATED, WINDOW_BITS, MEM_LEVEL,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		s->primed_ok = true;
		if (deflateSetDictionary(&s->primed, (const Bytef *)dictionary,
					 sizeof(dictionary) - 1) != Z_OK) {
			deflateEnd(&s->primed);
			s->primed_ok = false;
			return -1;
		}
	}
	return deflateCopy(z, &s->primed) == Z_OK ? 0 : -1;
}

static z_stream *inflater(void)
{
	struct streams *s = streams_get();

	if (!s)
		return NULL;
	if (!s->inf_ok)
		s->inf_ok = inflateInit2(&s->inf, WINDOW_BITS) == Z_OK;
	else if (inflateReset(&s->inf) != Z_OK)
		return NULL;
	if (!s->inf_ok || inflateSetDictionary(&s->inf, (const Bytef *)dictionary,
					       sizeof(dictionary) - 1) != Z_OK)
		return NULL;
	return &s->inf;
}

int osfs_pack(struct osfs_pack *p, const char *text, size_t len)
{
	z_stream z;
	uLong cap;
	int ret = -EIO;

	memset(p, 0, sizeof(*p));
	if (deflater(&z) < 0)
		return -ENOMEM;
	cap = deflateBound(&z, (uLong)len);
	if (!(p->data = malloc(cap))) {
		ret = -ENOMEM;
		goto out;
	}
	z.next_in = (Bytef *)text;
	z.avail_in = (uInt)len;
	z.next_out = p->data;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto out;
	p->len = cap - z.avail_out;
	p->text_len = len;
	unsigned char *fit = realloc(p->data, p->len ? p->len : 1);
	if (fit)
		p->data = fit;
	ret = 0;
out:
	deflateEnd(&z);
	if (ret < 0)
		osfs_pack_free(p);
	return ret;
}

char *osfs_unpack(const struct osfs_pack *p)
{
	z_stream *z = inflater();
	char *text = z ? malloc(p->text_len + 1) : NULL;

	if (!text)
		return NULL;
	z->next_in = p->data;
	z->avail_in = (uInt)p->len;
	z->next_out = (Bytef *)text;
	z->avail_out = (uInt)p->text_len;
	if (inflate(z, Z_FINISH) != Z_STREAM_END || z->avail_out != 0) {
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
