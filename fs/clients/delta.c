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
	ret = osfs_fetch_ids(api, kind, NULL, want, nwant, got, err);
out:
	free(want);
	osfs_page_free(&index);
	if (ret < 0)
		osfs_page_free(got);
	return ret;
}

#define MAX_ALONE 64 /* servers fetched one by one; more: a full listing is cheaper */

static bool page_has(const struct osfs_page *got, const char *id)
{
	for (size_t i = 0; i < got->n; i++)
		if (strcmp(got->items[i]->id, id) == 0)
			return true;
	return false;
}

static int append_one(struct osfs_page *got, struct osfs_res *r)
{
	struct osfs_res **grown = realloc(got->items, (got->n + 2) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	got->items = grown;
	got->items[got->n++] = r;
	got->items[got->n] = NULL;
	return 0;
}

int osfs_delta_addresses(struct osfs_api *api, enum osfs_kind_id kind,
			 struct osfs_netprobe *probe, struct osfs_page *got, struct osfs_err *err)
{
	char **ids = NULL;
	size_t n = 0;
	int ret;

	if (osfs_netprobe_run(api, probe, osfs_now_mono(), &ids, &n, NULL) < 0)
		return 0; /* not known: the kind's short resync stays */
	ret = n > MAX_ALONE ? OSFS_DELTA_RESYNC : 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct osfs_res *r = NULL;
		if (page_has(got, ids[i]))
			continue;
		ret = osfs_fetch_one(api, kind, ids[i], &r);
		if (ret == -ENOENT) /* gone: the delta tells */
			ret = 0;
		else if (ret == 0 && (ret = append_one(got, r)) < 0)
			osfs_res_free(r);
	}
	if (ret < 0 && !osfs_err_has(err))
		osfs_err_set(err, ret, "cannot read a server whose addresses changed");
	osfs_model_strv_free(ids);
	return ret;
}

void osfs_delta_probe_learn(struct osfs_api *api, struct osfs_netprobe *probe)
{
	char **ids = NULL;
	size_t n = 0;

	osfs_netprobe_run(api, probe, osfs_now_mono(), &ids, &n, NULL);
	osfs_model_strv_free(ids);
}
