/* fetch.c - the read calls of every kind (see fetch.h). */
#include "fetch.h"
#include "osfs_base.h"
#include "osfs_model.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 10000
#define IDS_PER_GET 100 /* id filters per request: ~4 KB of URL */

static bool seen_before(char **seen, size_t n, const char *next)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(seen[i], next) == 0)
			return true;
	return false;
}

static int append_page(struct osfs_page *all, struct osfs_page *page)
{
	struct osfs_res **grown = realloc(all->items, (all->n + page->n + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	all->items = grown;
	memcpy(all->items + all->n, page->items, page->n * sizeof(*grown));
	all->n += page->n;
	page->n = 0;
	return 0;
}

static int parse_singleton(const struct osfs_kind *k, const char *body, struct osfs_page *all)
{
	struct osfs_res *one;
	int ret = osfs_model_parse_one(k, body, &one);

	if (ret < 0)
		return ret;
	all->items = calloc(2, sizeof(*all->items));
	if (!all->items) {
		osfs_res_free(one);
		return -ENOMEM;
	}
	all->items[0] = one;
	all->n = 1;
	return 0;
}

/* The first page's path: the list, with a page size and `query` (may be
 * NULL, "changes-since=..."); caller frees. */
static char *first_page(const struct osfs_kind *k, int page_size, const char *query)
{
	char *path = NULL;

	const char *kq = k->list_query;

	if (k->paging == OSFS_PAGE_NONE && !kq && !query)
		return strdup(k->list_path);
	if (k->paging == OSFS_PAGE_NONE) {
		if (asprintf(&path, "%s?%s%s%s", k->list_path, kq ? kq : "", kq && query ? "&" : "",
			     query ? query : "") < 0)
			return NULL;
		return path;
	}
	if (asprintf(&path, "%s?%s%slimit=%d%s%s", k->list_path, kq ? kq : "", kq ? "&" : "",
		     page_size, query ? "&" : "", query ? query : "") < 0)
		return NULL;
	return path;
}

/* A next page's path keeps the query of the first (Nova's marker links
 * are rebuilt without it); takes next. */
static char *next_page(char *next, const char *query)
{
	char *path = NULL;

	if (!next || !query)
		return next;
	if (asprintf(&path, "%s&%s", next, query) < 0)
		path = NULL;
	free(next);
	return path;
}

/* One page's GET: made on the calling thread, or on a helper thread of its
 * own while the page before is parsed (a listing costs its download plus
 * the last page's parse, not the sum of all).  Only one request of a
 * listing is ever in flight, so it keeps to one pooled handle and one
 * connection (http.c), and each GET goes through osfs_api_call with all
 * its retries, token renewal and deadline, whichever thread makes it. */
struct get {
	struct osfs_api *api;
	struct osfs_api_call call;
	char *path;                 /* owned; call.path */
	struct osfs_http_resp resp;
	struct osfs_err err;        /* the reason of a failed call */
	int ret;
	pthread_t th;
	bool running;               /* th is not joined yet */
};

static int get_init(struct get *g, struct osfs_api *api, const struct osfs_kind *k,
		    const char *path)
{
	memset(g, 0, sizeof(*g));
	g->api = api;
	if (!(g->path = strdup(path)))
		return -ENOMEM;
	g->call = (struct osfs_api_call){ .svc = k->svc, .method = "GET", .path = g->path,
					  .max_minor = k->max_minor, .version = k->version };
	return 0;
}

static void get_run(struct get *g)
{
	g->ret = osfs_api_call(g->api, &g->call, &g->resp, &g->err);
}

static void *get_thread(void *arg)
{
	get_run(arg);
	return NULL;
}

static void get_free(struct get *g)
{
	if (g->running)
		pthread_join(g->th, NULL);
	g->running = false;
	osfs_http_resp_free(&g->resp);
	free(g->path);
	memset(g, 0, sizeof(*g));
}

/* A listing's pages as they are asked for: the paths seen (a next link
 * that names one of them again is a loop) and the page fetched ahead. */
struct pages {
	struct osfs_api *api;
	const struct osfs_kind *k;
	const struct osfs_listing *like; /* what unchanged items are shared with, or NULL */
	const char *query;
	int page_size, count;
	char *seen[64];
	size_t nseen;
	struct get ahead;
};

/* GET path into *cur: the page fetched ahead when it is that one (it was
 * the next link the body promised), else a request now. */
static int page_get(struct pages *ps, const char *path, struct get *cur)
{
	struct get *ahead = &ps->ahead;
	int ret;

	if (ahead->running) {
		pthread_join(ahead->th, NULL);
		ahead->running = false;
	}
	if (ahead->path && strcmp(ahead->path, path) == 0) {
		*cur = *ahead;
		memset(ahead, 0, sizeof(*ahead));
		return 0;
	}
	get_free(ahead); /* the guess was wrong: the parse's link says */
	if ((ret = get_init(cur, ps->api, ps->k, path)) == 0)
		get_run(cur);
	return ret;
}

/* While `body` (the page at path) is parsed, GET the page its links name,
 * unless that would be a loop or one page too many; with no thread to be
 * had it is simply asked for after the parse. */
static void page_ahead(struct pages *ps, const char *path, const struct osfs_http_resp *resp)
{
	char *next = next_page(osfs_model_next_guess(ps->k, resp->body, resp->len, ps->page_size),
			       ps->query);

	if (next && strcmp(next, path) != 0 && !seen_before(ps->seen, ps->nseen, next) &&
	    ps->count + 1 < MAX_PAGES && get_init(&ps->ahead, ps->api, ps->k, next) == 0) {
		ps->ahead.running = pthread_create(&ps->ahead.th, NULL, get_thread, &ps->ahead) == 0;
		if (!ps->ahead.running)
			get_free(&ps->ahead);
	}
	free(next);
}

/* One page: GET (or take the one fetched ahead), start the next, parse.
 * 0 with the page (and *date at the first answer), or -errno. */
static int page_one(struct pages *ps, const char *path, struct osfs_page *page,
		    struct osfs_page *all, long long *date, struct osfs_err *err)
{
	const struct osfs_kind *k = ps->k;
	struct get cur;
	int ret = page_get(ps, path, &cur);

	if (ret == 0 && (ret = cur.ret) < 0 && err && !osfs_err_has(err))
		*err = cur.err;
	if (ret == 0 && !*date)
		*date = cur.resp.date;
	if (ret == 0 && !k->singleton)
		page_ahead(ps, path, &cur.resp);
	if (ret == 0 && k->singleton)
		ret = parse_singleton(k, cur.resp.body, all);
	else if (ret == 0)
		ret = osfs_model_parse_list(k, cur.resp.body, ps->page_size, page);
	if (ret == -EPROTO && !osfs_err_has(err))
		osfs_err_set(err, ret, "the API answered with JSON we cannot read");
	get_free(&cur);
	return osfs_error_for_user(ret); /* unreadable: EIO, as documented */
}

/* The items of page that ps->like holds unchanged become references to
 * its own: a full listing then costs memory only for what changed, not a
 * second copy of everything until the merge. */
static void page_share(const struct pages *ps, struct osfs_page *page)
{
	for (size_t i = 0; ps->like && i < page->n; i++) {
		struct osfs_res *o = osfs_listing_find_id(ps->like, page->items[i]->id);

		if (o && osfs_res_same(o, page->items[i])) {
			osfs_res_free(page->items[i]);
			page->items[i] = osfs_res_hold(o);
		}
	}
}

static int fetch_pages(struct pages *ps, struct osfs_page *all, long long *date,
		       struct osfs_err *err)
{
	const struct osfs_kind *k = ps->k;
	const char *query = ps->query;
	char *path = first_page(k, ps->page_size, query);
	int ret = path ? 0 : -ENOMEM;

	memset(all, 0, sizeof(*all));
	*date = 0;
	while (path && ret == 0) {
		struct osfs_page page;

		ret = page_one(ps, path, &page, all, date, err);
		if (ret < 0 || k->singleton)
			break;
		page_share(ps, &page);
		ret = append_page(all, &page);
		if (ps->nseen < sizeof(ps->seen) / sizeof(ps->seen[0]))
			ps->seen[ps->nseen++] = path;
		else
			free(path);
		path = next_page(page.next, query);
		page.next = NULL;
		osfs_page_free(&page);
		if (path && (seen_before(ps->seen, ps->nseen, path) || ++ps->count >= MAX_PAGES)) {
			log_err("%s: the API's next links go round in a loop; stopping", k->dir);
			if (!osfs_err_has(err))
				osfs_err_set(err, -ELOOP, "pagination loops: the API keeps sending the same next link");
			ret = -ELOOP;
		}
	}
	get_free(&ps->ahead);
	free(path);
	for (size_t i = 0; i < ps->nseen; i++)
		free(ps->seen[i]);
	if (ret < 0)
		osfs_page_free(all);
	return ret;
}

/* "id=a&id=b..." for ids[0..n); caller frees; NULL on ENOMEM. */
static char *ids_query(const char *param, char *const *ids, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char *esc = osfs_escape(ids[i]);
		if (!esc) {
			fclose(f);
			free(out);
			return NULL;
		}
		fprintf(f, "%s%s=%s", i ? "&" : "", param, esc);
		free(esc);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int osfs_fetch_ids(struct osfs_api *api, enum osfs_kind_id kind, const char *fields,
		   char *const *ids, size_t n, struct osfs_page *got, struct osfs_err *err)
{
	int ret = 0;

	for (size_t at = 0; at < n && ret == 0; at += IDS_PER_GET) {
		size_t m = n - at < IDS_PER_GET ? n - at : IDS_PER_GET;
		char *ask = ids_query(osfs_kinds[kind].id_param, ids + at, m), *query = ask;
		struct osfs_page part;
		long long date;

		if (ask && fields && asprintf(&query, "%s&%s", fields, ask) < 0)
			query = NULL;
		ret = query ? osfs_fetch_all(api, kind, query, &part, &date, err) : -ENOMEM;
		if (ret == 0) {
			ret = append_page(got, &part);
			osfs_page_free(&part);
		}
		if (query != ask)
			free(query);
		free(ask);
	}
	return ret;
}

int osfs_fetch_count(struct osfs_api *api, enum osfs_kind_id kind, long long *count,
		     struct osfs_err *err)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_api_call call = { .svc = k->svc, .method = "GET", .path = k->count_path,
				      .version = k->version };
	struct osfs_http_resp resp;
	int ret = osfs_api_call(api, &call, &resp, err);

	if (ret == 0 && (ret = osfs_model_count(resp.body, count)) < 0 && !osfs_err_has(err))
		osfs_err_set(err, ret, "the API's count answer has no count");
	osfs_http_resp_free(&resp);
	return osfs_error_for_user(ret);
}

/* One GET of `fmt` with the escaped `arg` in it. */
static int get_with(struct osfs_api *api, const struct osfs_kind *k, const char *fmt,
		    const char *arg, struct osfs_http_resp *resp)
{
	char *esc = osfs_escape(arg), *path = NULL;
	int ret = -ENOMEM;

	memset(resp, 0, sizeof(*resp));
	if (esc && asprintf(&path, fmt, esc) >= 0) {
		struct osfs_api_call call = { .svc = k->svc, .method = "GET", .path = path,
					      .max_minor = k->max_minor, .version = k->version };
		ret = osfs_api_call(api, &call, resp, NULL);
		free(path);
	}
	free(esc);
	return ret;
}

int osfs_fetch_one(struct osfs_api *api, enum osfs_kind_id kind, const char *id,
		   struct osfs_res **out)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_http_resp resp;
	int ret;

	*out = NULL;
	osfs_stat_inc(lookups);
	ret = get_with(api, k, k->show_path, id, &resp);
	if (ret == 0)
		ret = osfs_model_parse_one(k, resp.body, out);
	osfs_http_resp_free(&resp);
	return osfs_error_for_user(ret);
}

int osfs_fetch_nested_one(struct osfs_api *api, enum osfs_kind_id kind, const char *parent_id,
			  const char *id, struct osfs_res **out)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	char *fmt = NULL, *esc = osfs_escape(parent_id);
	struct osfs_http_resp resp = { 0 };
	int ret = -ENOMEM;

	*out = NULL;
	/* the parent's id goes in first; get_with puts the resource's in */
	if (esc && !strchr(esc, '%') && asprintf(&fmt, k->show_path, esc, "%s") >= 0) {
		osfs_stat_inc(lookups);
		ret = get_with(api, k, fmt, id, &resp);
		if (ret == 0)
			ret = osfs_model_parse_one(k, resp.body, out);
	} else if (esc) {
		ret = -EINVAL; /* ids are plain: no escapes to keep in a format */
	}
	osfs_http_resp_free(&resp);
	free(fmt);
	free(esc);
	return osfs_error_for_user(ret);
}

/* The one item of page named exactly `name` (taken out of page), or NULL. */
static struct osfs_res *take_named(struct osfs_page *page, const char *name)
{
	size_t hit = page->n;

	for (size_t i = 0; i < page->n; i++) {
		if (!page->items[i]->name || strcmp(page->items[i]->name, name) != 0)
			continue;
		if (hit < page->n) /* two share the name: only the full listing can name them */
			return NULL;
		hit = i;
	}
	if (hit == page->n)
		return NULL;
	struct osfs_res *r = page->items[hit];
	page->items[hit] = page->items[--page->n];
	return r;
}

int osfs_fetch_named(struct osfs_api *api, enum osfs_kind_id kind, const char *name,
		     struct osfs_res **out)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	char *re = k->name_query_regex ? osfs_name_regex_exact(name) : NULL;
	struct osfs_page page = { 0 };
	struct osfs_http_resp resp;
	int ret = -ENOMEM;

	*out = NULL;
	if (k->name_query_regex && !re)
		return -ENOMEM;
	osfs_stat_inc(lookups);
	ret = get_with(api, k, k->name_query, re ? re : name, &resp);
	if (ret == 0)
		ret = osfs_model_parse_list(k, resp.body, 1000, &page);
	osfs_http_resp_free(&resp);
	if (ret == 0)
		*out = take_named(&page, name);
	osfs_page_free(&page);
	free(re);
	return osfs_error_for_user(ret);
}

int osfs_fetch_nested(struct osfs_api *api, enum osfs_kind_id kind, const char *parent_id,
		      struct osfs_page *out)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_http_resp resp;
	int ret = get_with(api, k, k->list_path, parent_id, &resp);

	memset(out, 0, sizeof(*out));
	if (ret == 0 && k->singleton)
		ret = parse_singleton(k, resp.body, out);
	else if (ret == 0)
		ret = osfs_model_parse_list(k, resp.body, k->page_size, out);
	osfs_http_resp_free(&resp);
	return osfs_error_for_user(ret);
}

int osfs_fetch_all(struct osfs_api *api, enum osfs_kind_id kind, const char *query,
		   struct osfs_page *all, long long *date, struct osfs_err *err)
{
	return osfs_fetch_pages(api, kind, query, osfs_kinds[kind].page_size, all, date, err);
}

int osfs_fetch_all_like(struct osfs_api *api, enum osfs_kind_id kind,
			const struct osfs_listing *like, struct osfs_page *all, long long *date,
			struct osfs_err *err)
{
	struct pages ps = { .api = api, .k = &osfs_kinds[kind], .like = like,
			    .page_size = osfs_kinds[kind].page_size };

	return fetch_pages(&ps, all, date, err);
}

int osfs_fetch_pages(struct osfs_api *api, enum osfs_kind_id kind, const char *query,
		     int page_size, struct osfs_page *all, long long *date, struct osfs_err *err)
{
	struct pages ps = { .api = api, .k = &osfs_kinds[kind], .query = query,
			    .page_size = page_size };

	return fetch_pages(&ps, all, date, err);
}
