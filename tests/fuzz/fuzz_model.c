/* fuzz_model.c - list and show responses of every kind (model.c), and
 * what the cache builds from them (names, sorting, pretty JSON).  The scan
 * path must agree with the json-c tree path on every input: same result,
 * same resources (model_diff.h).
 *
 * Input: byte 0 picks the kind and whether the body is a list or a show
 * response; byte 1 the page size asked for; the rest is the body. */
#include "cache.h"
#include "fuzz.h"
#include "kinds.h"
#include "model.h"
#include "names.h"
#include "../unit/model_diff.h"

#include <stdlib.h>

static void check_res(const struct osfs_kind *k, struct osfs_res *r)
{
	FUZZ_ASSERT(r->id && *r->id, "resource without an id");
	for (size_t i = 0; i < k->nfields; i++) {
		FUZZ_ASSERT(osfs_res_val(r, i) && osfs_res_len(r, i) == strlen(osfs_res_val(r, i)),
			    "field %s: length %zu", k->fields[i].file, osfs_res_len(r, i));
		/* a list (tags, addresses) with no entries is an empty file; a link
		 * is a bare id (or empty); lists of ids are empty when there are none */
		enum osfs_fmt fmt = k->fields[i].fmt;
		bool ids = fmt == OSFS_FMT_LINKS || fmt == OSFS_FMT_NESTED || fmt == OSFS_FMT_BACKLINKS;
		FUZZ_ASSERT(fmt == OSFS_FMT_LINK ||
			    (osfs_res_len(r, i) > 0 ? osfs_res_val(r, i)[osfs_res_len(r, i) - 1] == '\n' :
			     fmt == OSFS_FMT_LIST || fmt == OSFS_FMT_ADDRESSES || ids),
			    "field %s does not end in a newline", k->fields[i].file);
	}
	for (size_t i = 0; i < r->nsub; i++) {
		FUZZ_ASSERT(osfs_res_sub(r, r->sub[i].key) != NULL, "sub key not found");
		size_t n = strlen(r->sub[i].value);
		FUZZ_ASSERT(n > 0 && r->sub[i].value[n - 1] == '\n', "sub value without newline");
	}
	char *pretty = osfs_res_pretty(r), *json = osfs_res_json(r);
	FUZZ_ASSERT(pretty && *pretty, "no pretty JSON for %s", json ? json : "(none)");
	free(pretty);
	free(json);
}

static void fuzz_list(enum osfs_kind_id kind, const char *body, int limit)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_page page;
	struct osfs_listing *l;

	struct osfs_page ref;
	int ret = osfs_model_parse_list(k, body, limit, &page);
	int ref_ret = osfs_model_parse_list_ref(k, body, limit, &ref);
	const char *why;

	FUZZ_ASSERT(ret == ref_ret, "scan path %d, tree path %d", ret, ref_ret);
	if (ref_ret == 0) {
		why = model_diff_page(k, &page, &ref);
		FUZZ_ASSERT(!why, "scan and tree paths differ: %s", why);
		osfs_page_free(&ref);
	}
	if (ret < 0) {
		FUZZ_ASSERT(page.n == 0 && !page.items && !page.next, "failed parse left a page");
		return;
	}
	FUZZ_ASSERT(!page.next || page.next[0] == '/', "next link keeps a host: %s", page.next);
	for (size_t i = 0; i < page.n; i++)
		check_res(k, page.items[i]);
	/* what the cache does with a fetched listing */
	l = osfs_listing_new(kind, page.items, page.n);
	page.items = NULL;
	page.n = 0;
	osfs_page_free(&page);
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		FUZZ_ASSERT(osfs_listing_find(l, l->items[i]->fname) == l->items[i],
			    "file name %s does not lead back to its resource", l->items[i]->fname);
		FUZZ_ASSERT(osfs_listing_find_id(l, l->items[i]->id) != NULL, "id not found");
	}
	osfs_listing_put(l);
}

static void fuzz_one(enum osfs_kind_id kind, const char *body)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_res *r = NULL;

	struct osfs_res *ref = NULL, *copy;
	int ret = osfs_model_parse_one(k, body, &r), ref_ret = osfs_model_parse_one_ref(k, body, &ref);
	const char *why;

	FUZZ_ASSERT(ret == ref_ret, "scan path %d, tree path %d", ret, ref_ret);
	if (ret == 0 && ref_ret == 0) {
		why = model_diff_res(k, r, ref);
		FUZZ_ASSERT(!why, "scan and tree paths differ: %s", why);
	}
	osfs_res_free(ref);
	if (ret < 0) {
		FUZZ_ASSERT(!r, "failed parse returned a resource");
		return;
	}
	check_res(k, r);
	copy = osfs_res_copy(k, r, NULL);
	FUZZ_ASSERT(copy, "no copy of a parsed resource");
	why = model_diff_res(k, r, copy);
	FUZZ_ASSERT(!why, "a copy differs: %s", why);
	osfs_res_free(copy);
	osfs_res_free(r);
}

static void fuzz_small_answers(const char *body)
{
	char *id = osfs_model_created_id(body);
	char **ids = osfs_model_ids_named(body, "servers", "web1");

	free(id);
	osfs_model_strv_free(ids);
	ids = osfs_model_ids_named(body, "networks", "");
	osfs_model_strv_free(ids);
}

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum osfs_kind_id kind;
	int limit;
	char *body;

	if (size < 2)
		return 0;
	kind = (enum osfs_kind_id)(data[0] % OSFS_NKINDS);
	limit = data[1] ? data[1] : 1000;
	body = fuzz_text(data + 2, size - 2);
	if ((data[0] & 0x80) && !osfs_kinds[kind].singleton)
		fuzz_list(kind, body, limit);
	else
		fuzz_one(kind, body);
	if (data[0] & 0x40)
		fuzz_small_answers(body);
	free(body);
	return 0;
}
