/* test_listkeep.c - listings kept for the next serving process: what is
 * put comes back, whether the kind packs with the built-in dictionary or
 * with one it learnt (then the image carries it). */
#include "check.h"
#include "listkeep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A page of n servers, as Nova lists them. */
static char *page_of(size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fputs("{\"servers\": [", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{\"id\": \"id-%04zu\", \"name\": \"web-%zu\", \"status\": \"ACTIVE\","
			" \"updated\": \"2026-01-01T00:00:00Z\", \"created\": \"2026-01-01T00:00:00Z\","
			" \"metadata\": {\"tier\": \"%zu\"}, \"links\": [{\"rel\": \"self\","
			" \"href\": \"http://127.0.0.1:8774/v2.1/servers/id-%04zu\"}]}",
			i ? ", " : "", i, i, i % 3, i);
	fputs("]}", f);
	fclose(f);
	return out;
}

/* Put a listing of n servers and get it back in a new name map: the same
 * names, the same objects. */
static void roundtrip(size_t n, bool learnt)
{
	const struct osfs_kind *k = &osfs_kinds[OSFS_SERVERS];
	struct osfs_listkeep_state st = { 42, 0.5, 7 }, back_st;
	struct osfs_names *names = osfs_names_new(), *names2 = osfs_names_new();
	int fd = memfd_create("test-listkeep", 0);
	struct osfs_listkeep *lk = osfs_listkeep_new(fd);
	struct osfs_listing *l, *back;
	struct osfs_page page;
	char *body = page_of(n);

	CHECK(osfs_model_parse_list(k, body, 1000, &page) == 0 && page.n == n);
	CHECK((osfs_pack_dict(&page.items[0]->json) != OSFS_PACK_BUILTIN) == learnt);
	l = osfs_listing_new_in(OSFS_SERVERS, names, page.items, page.n);
	CHECK(l && osfs_listkeep_put(lk, OSFS_SERVERS, l, names, &st) == 0);
	back = osfs_listkeep_get(lk, OSFS_SERVERS, names2, &back_st);
	CHECK(back && back->n == n);
	for (size_t i = 0; back && i < n; i++) {
		char *a = osfs_unpack(&l->items[i]->json), *b = osfs_unpack(&back->items[i]->json);
		CHECK_STR(back->items[i]->fname, l->items[i]->fname);
		CHECK_STR(b, a);
		free(a);
		free(b);
	}
	CHECK(back_st.since == 42);
	osfs_listing_put(l);
	osfs_listing_put(back);
	osfs_listkeep_free(lk);
	close(fd);
	osfs_names_free(names);
	osfs_names_free(names2);
	free(body);
}

int main(void)
{
	roundtrip(5, false);     /* too few to learn from: the built-in dictionary */
	roundtrip(300, true);    /* a page that teaches servers their own */
	roundtrip(5, true);      /* and packs with it from then on */
	return CHECK_DONE();
}
