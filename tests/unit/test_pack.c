/* test_pack.c - packed texts: the built-in dictionary, learnt ones, and
 * adopted ones (a kept listing's). */
#include "check.h"
#include "pack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSAMPLES 200

/* Server-like objects: what differs is their ids, names and addresses. */
static size_t object(char *out, size_t cap, unsigned i)
{
	return (size_t)snprintf(out, cap,
		"{\"id\":\"%08x-11c3-4e19-9bfe-%012x\",\"name\":\"web-%u\",\"status\":\"%s\","
		"\"tenant_id\":\"17fc695a07a04a6e8822e8f36c031199\",\"metadata\":{\"tier\":\"%u\"},"
		"\"image\":{\"id\":\"a9488d99-0bbb-4599-91ce-5dd2b45ed1f0\",\"links\":[{\"rel\":"
		"\"bookmark\",\"href\":\"http://127.0.0.1:8774/compute/images/a9488d99\"}]},"
		"\"addresses\":{\"private\":[{\"version\":4,\"addr\":\"10.0.%u.%u\"}]},"
		"\"links\":[{\"rel\":\"self\",\"href\":\"http://127.0.0.1:8774/v2.1/servers/%08x\"}]}",
		i * 2654435761u, i * 40503u, i, i % 3 ? "ACTIVE" : "SHUTOFF", i % 4, i / 250, i % 250,
		i * 2654435761u);
}

static int learn(void)
{
	static char samples[NSAMPLES * 1024];
	size_t sizes[NSAMPLES], used = 0;

	for (unsigned i = 0; i < NSAMPLES; i++) {
		sizes[i] = object(samples + used, sizeof(samples) - used, i);
		used += sizes[i];
	}
	return osfs_pack_learn(samples, sizes, NSAMPLES);
}

static void test_roundtrip(int dict)
{
	char text[1024];
	size_t len = object(text, sizeof(text), 12345);
	struct osfs_pack p;
	char *back;

	CHECK(osfs_pack(&p, dict, text, len) == 0);
	CHECK(osfs_pack_dict(&p) == dict);
	back = osfs_unpack(&p);
	CHECK_STR(back, text);
	free(back);
	osfs_pack_free(&p);
}

int main(void)
{
	char text[1024];
	size_t len = object(text, sizeof(text), 777), bytes_len = 0;
	struct osfs_pack builtin, learnt, again;
	const void *bytes;
	int dict;

	test_roundtrip(OSFS_PACK_BUILTIN);
	CHECK(osfs_pack(&builtin, 9, text, len) == -EINVAL); /* no such dictionary */

	/* one learnt from the collection's own objects packs an unseen one
	 * in well under the built-in's bytes */
	dict = learn();
	CHECK(dict > OSFS_PACK_BUILTIN);
	test_roundtrip(dict);
	CHECK(osfs_pack(&builtin, OSFS_PACK_BUILTIN, text, len) == 0);
	CHECK(osfs_pack(&learnt, dict, text, len) == 0);
	printf("an object of %zu bytes: %u packed with the built-in dictionary, %u learnt\n",
	       len, builtin.len, learnt.len);
	CHECK(learnt.len * 2 < builtin.len);

	/* the same text packed with two dictionaries is the same text */
	CHECK(osfs_pack_equal(&builtin, &learnt));
	CHECK(osfs_pack(&again, dict, text, len) == 0);
	CHECK(osfs_pack_equal(&learnt, &again));
	CHECK(again.len == learnt.len && memcmp(again.data, learnt.data, again.len) == 0);
	osfs_pack_free(&again);
	text[10] ^= 1;
	CHECK(osfs_pack(&again, OSFS_PACK_BUILTIN, text, len) == 0);
	CHECK(!osfs_pack_equal(&learnt, &again));
	osfs_pack_free(&again);

	/* a kept listing's dictionary: the same bytes are the same number;
	 * others get a new one that unpacks what they packed */
	bytes = osfs_pack_dict_bytes(dict, &bytes_len);
	CHECK(bytes && bytes_len > 0);
	CHECK(osfs_pack_adopt(bytes, bytes_len) == dict);
	char other[] = "\"status\":\"ERROR\",\"fault\":{\"code\":500}";
	int adopted = osfs_pack_adopt(other, sizeof(other) - 1);
	CHECK(adopted > dict);
	test_roundtrip(adopted);
	CHECK(osfs_pack_dict_bytes(OSFS_PACK_DICTS, &bytes_len) == NULL && bytes_len == 0);

	/* too few samples teach nothing */
	size_t one = 3;
	CHECK(osfs_pack_learn("abc", &one, 1) < 0);

	osfs_pack_free(&builtin);
	osfs_pack_free(&learnt);
	return CHECK_DONE();
}
