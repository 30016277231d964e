/* delta.c - asking only for what changed (see delta.h). */
#include "delta.h"
#include "fetch.h"
#include "osfs_net.h"
#include "osfs_base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int osfs_delta_since(struct osfs_api *api, enum osfs_kind_id kind, long long since,
		     struct osfs_page *got, long long *date, struct osfs_err *err)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	char when[48], *value = NULL, *esc = NULL, *query = NULL;
	time_t t = (time_t)since;
	struct tm tm;
	int ret = -ENOMEM;

	memset(got, 0, sizeof(*got));
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (asprintf(&value, "%s%s", k->delta_op ? k->delta_op : "", when) < 0) {
		value = NULL;
		goto out;
	}
	if (!(esc = osfs_escape(value)) || asprintf(&query, "%s=%s", k->delta_param, esc) < 0) {
		query = NULL;
		goto out;
	}
	ret = osfs_fetch_all(api, kind, query, got, date, err);
out:
	free(value);
	free(esc);
	free(query);
	return ret;
}

int osfs_delta_revisions(struct osfs_api *api, enum osfs_kind_id kind,
			 const struct osfs_listing *base, struct osfs_page *got,
			 long long *date, struct osfs_err *err)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_page index;
	char **want = NULL;
	size_t nwant = 0;
	int ret;

	memset(got, 0, sizeof(*got));
	if ((ret = osfs_fetch_pages(api, kind, k->rev_query, k->rev_page_size, &index, date,
				    err)) < 0)
		return ret;
	got->items = calloc(index.n + 1, sizeof(*got->items));
	want = calloc(index.n + 1, sizeof(*want));
	if (!got->items || !want) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < index.n; i++) {
		const struct osfs_res *x = index.items[i];
		struct osfs_res *held = base ? osfs_listing_find_id(base, x->id) : NULL;
		if (held && held->rev >= 0 && held->rev == x->rev)
			got->items[got->n++] = osfs_res_hold(held);
		else
			want[nwant++] = x->id;
	}
	ret = osfs_fetch_ids(api, kind, want, nwant, got, err);
out:
	free(want);
	osfs_page_free(&index);
	if (ret < 0)
		osfs_page_free(got);
	return ret;
}
