/* model_diff.h - does the scan path of model.c give what the tree path
 * gives?  Shared by test_model.c, fuzz_model.c and bench/parse_bench.c.
 *
 * model_diff_res returns NULL when a and b show the same: id, name,
 * created, updated, every field file, every subdir entry, and the json
 * file both compact and pretty.  Otherwise a static description of the
 * first difference. */
#ifndef OSFS_MODEL_DIFF_H
#define OSFS_MODEL_DIFF_H

#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline bool model_diff_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static inline const char *model_diff_res(const struct osfs_kind *k, const struct osfs_res *a,
					 const struct osfs_res *b)
{
	static __thread char why[512];
	char *ja, *jb;
	bool same;

	if (!model_diff_str(a->id, b->id))
		return "id";
	if (!model_diff_str(a->name, b->name))
		return "name";
	if (!model_diff_str(a->created, b->created))
		return "created";
	if (a->updated != b->updated)
		return "updated";
	for (size_t i = 0; i < k->nfields; i++) {
		size_t len = osfs_res_len(a, i);
		if (len != osfs_res_len(b, i) ||
		    memcmp(osfs_res_val(a, i), osfs_res_val(b, i), len + 1) != 0) {
			snprintf(why, sizeof(why), "field %s: [%s] vs [%s]", k->fields[i].file,
				 osfs_res_val(a, i), osfs_res_val(b, i));
			return why;
		}
	}
	if (a->nsub != b->nsub)
		return "number of subdir entries";
	for (size_t i = 0; i < a->nsub; i++) {
		if (strcmp(a->sub[i].key, b->sub[i].key) != 0 ||
		    strcmp(a->sub[i].value, b->sub[i].value) != 0) {
			snprintf(why, sizeof(why), "subdir entry %.60s: [%.60s] vs %.60s: [%.60s]",
				 a->sub[i].key, a->sub[i].value, b->sub[i].key, b->sub[i].value);
			return why;
		}
	}
	ja = osfs_res_json(a);
	jb = osfs_res_json(b);
	same = model_diff_str(ja, jb);
	if (!same)
		snprintf(why, sizeof(why), "json: %.200s vs %.200s", ja ? ja : "(null)",
			 jb ? jb : "(null)");
	free(ja);
	free(jb);
	if (!same)
		return why;
	ja = osfs_res_pretty(a);
	jb = osfs_res_pretty(b);
	same = model_diff_str(ja, jb);
	free(ja);
	free(jb);
	return same ? NULL : "pretty json";
}

/* The same for two parsed pages. */
static inline const char *model_diff_page(const struct osfs_kind *k, const struct osfs_page *a,
					  const struct osfs_page *b)
{
	if (a->n != b->n)
		return "number of items";
	if (!model_diff_str(a->next, b->next))
		return "next page";
	for (size_t i = 0; i < a->n; i++) {
		const char *why = model_diff_res(k, a->items[i], b->items[i]);
		if (why)
			return why;
	}
	return NULL;
}

#endif
