/* Drafts without a mount (drafts.c, names.c): name checks, value limits,
 * the error file, and freezing during a boot.
 *
 * The cloud is a fake osfs_api_call defined here, so the linker takes it
 * instead of api.c: it serves one flavor, one image and no keypairs, and
 * holds POST /servers until the test lets it go, recording its body. */
#include "cache.h"
#include "check.h"
#include "drafts.h"
#include "fs.h"
#include "names.h"
#include "notes.h"

#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fake cloud ---- */

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fake_cond = PTHREAD_COND_INITIALIZER;
static bool post_arrived, post_released;   /* protected by fake_lock */
static char *post_body;                     /* protected by fake_lock */
static int posts;                           /* protected by fake_lock */

static const char *answer_for(const struct osfs_api_call *call, long *status)
{
	*status = 200;
	if (strncmp(call->path, "/flavors/detail", 15) == 0)
		return "{\"flavors\": [{\"id\": \"1\", \"name\": \"m1.tiny\", \"vcpus\": 1, \"ram\": 512}]}";
	if (strncmp(call->path, "/v2/images", 10) == 0)
		return "{\"images\": [{\"id\": \"11111111-2222-3333-4444-555555555555\", \"name\": \"cirros\"}]}";
	if (strncmp(call->path, "/os-keypairs", 12) == 0)
		return "{\"keypairs\": []}";
	if (strncmp(call->path, "/v2.0/networks?", 15) == 0)
		return "{\"networks\": [{\"id\": \"aaaaaaaa-0000-0000-0000-000000000001\", \"name\": \"private\"},"
		       " {\"id\": \"aaaaaaaa-0000-0000-0000-000000000002\", \"name\": \"public\"}]}";
	if (strncmp(call->path, "/servers?name=", 14) == 0)
		return "{\"servers\": []}";
	if (strcmp(call->method, "POST") == 0 && strcmp(call->path, "/servers") == 0) {
		*status = 202;
		return "{\"server\": {\"id\": \"new-server-id\"}}";
	}
	*status = 404;
	return "{\"itemNotFound\": {\"code\": 404, \"message\": \"not here\"}}";
}

bool osfs_api_version_refused(struct osfs_api *api, enum osfs_service svc)
{
	(void)api;
	(void)svc;
	return false;
}

int osfs_api_call(struct osfs_api *api, const struct osfs_api_call *call,
		  struct osfs_http_resp *resp, struct osfs_err *err)
{
	const char *body;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	osfs_err_clear(err);
	body = answer_for(call, &resp->status);
	if (strcmp(call->method, "POST") == 0) {
		pthread_mutex_lock(&fake_lock);
		posts++;
		free(post_body);
		post_body = strdup(call->body ? call->body : "");
		post_arrived = true;
		pthread_cond_broadcast(&fake_cond);
		while (!post_released)
			pthread_cond_wait(&fake_cond, &fake_lock);
		pthread_mutex_unlock(&fake_lock);
	}
	resp->body = strdup(body);
	resp->len = strlen(body);
	if (resp->status >= 400) {
		osfs_err_set(err, 0, "not here (HTTP 404)");
		return -ENOENT;
	}
	return 0;
}

/* ---- helpers ---- */

static struct osfs_fs fs;

/* tree.c's osfs_node_release, which would bring in the real api.c */
static void node_put(struct osfs_node *n)
{
	free(n->key);
	free(n->subkey);
	memset(n, 0, sizeof(*n));
}

/* The node of draft[/file[/key]], one name at a time as the tree asks;
 * on failure it holds nothing. */
static int draft_node(const char *draft, const char *file, const char *key, struct osfs_node *n)
{
	int ret = osfs_drafts_lookup(&fs, OSFS_SERVERS, draft, n);

	if (ret == 0 && file)
		ret = osfs_drafts_child(&fs, file, n);
	if (ret == 0 && key)
		ret = osfs_drafts_child(&fs, key, n);
	if (ret != 0)
		node_put(n);
	return ret;
}

static struct osfs_node node_at(const char *draft, const char *file, const char *key)
{
	struct osfs_node n = { 0 };

	CHECK(draft_node(draft, file, key, &n) == 0);
	return n;
}

static char *read_file(const char *draft, const char *file, const char *key)
{
	struct osfs_node n = node_at(draft, file, key);
	char *buf = NULL;
	size_t len;

	if (osfs_drafts_read(&fs, &n, &buf, &len) < 0)
		buf = NULL;
	node_put(&n);
	return buf;
}

static int write_file(const char *draft, const char *file, const char *key, const char *text)
{
	struct osfs_node n = node_at(draft, file, key);
	int ret = osfs_drafts_write(&fs, &n, text, strlen(text));

	node_put(&n);
	return ret;
}

static int create_key(const char *draft, const char *key)
{
	struct osfs_node dir = node_at(draft, "metadata", NULL), file = { 0 };
	int ret = osfs_drafts_meta_create(&fs, &dir, key, &file);

	node_put(&dir);
	node_put(&file);
	return ret;
}

static int unlink_key(const char *draft, const char *key)
{
	struct osfs_node n = { 0 };
	int ret = draft_node(draft, "metadata", key, &n);

	if (ret == 0)
		ret = osfs_drafts_unlink(&fs, &n);
	node_put(&n);
	return ret < 0 ? ret : ret == 1 ? -ENOENT : 0;
}

static bool error_empty(const char *draft)
{
	char *e = read_file(draft, "error", NULL);
	bool empty = e && !*e;

	free(e);
	return empty;
}

static bool error_has(const char *draft, const char *word)
{
	char *e = read_file(draft, "error", NULL);
	bool has = e && strstr(e, word);

	if (!has)
		fprintf(stderr, "error file of %s: \"%s\", wanted \"%s\" in it\n", draft, e ? e : "(null)", word);
	free(e);
	return has;
}

static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * n + 2);

	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\n';
	s[ul * n + 1] = '\0';
	return s;
}

static int add(const char *fname)
{
	struct osfs_err why = { "" };
	return osfs_drafts_add(&fs, OSFS_SERVERS, fname, &why);
}

/* ---- the tests ---- */

static void names(void)
{
	struct osfs_err why;
	char *long_name = repeat("x", 256);

	long_name[256] = '\0';
	CHECK(osfs_name_check_new("web1", &why) == 0);
	CHECK(osfs_name_check_new("a%2Fb", &why) == 0);     /* "a/b" */
	CHECK(osfs_name_check_new("%2Ehid", &why) == 0);    /* ".hid" */
	CHECK(osfs_name_check_new("100%25", &why) == 0);    /* "100%" */
	CHECK(osfs_name_check_new(long_name, &why) == -EINVAL);
	CHECK(strstr(why.msg, "255") != NULL);
	long_name[255] = '\0';
	CHECK(osfs_name_check_new(long_name, &why) == 0);
	free(long_name);
	const char *bad[] = { "new\nline", "tab\t", "del\x7f", ".hid2", "%41", "%2ehid", "bad%zz",
			      "trail%", "%00", " lead", "trail ", "ctl%0Ainside" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		osfs_err_clear(&why);
		CHECK(osfs_name_check_new(bad[i], &why) == -EINVAL);
		CHECK(why.msg[0] != '\0');
	}
	CHECK(osfs_name_check_new(".hid2", &why) == -EINVAL);
	CHECK(strstr(why.msg, "%2Ehid2") != NULL);   /* says what the cloud would show */

	CHECK(add("web1") == 0);
	CHECK(add("web1") == -EEXIST);
	CHECK(add(".hid2") == -EINVAL);
	CHECK(osfs_drafts_add(&fs, OSFS_FLAVORS, "m1.new", &(struct osfs_err){ "" }) == -EPERM);
	char *name = read_file("web1", "name", NULL);
	CHECK_STR(name, "web1\n");
	free(name);
}

static void limits(void)
{
	char *v255 = repeat("v", 255), *v256 = repeat("v", 256), *e255 = repeat("\xc3\xa9", 255);

	CHECK(add("lim") == 0);
	CHECK(create_key("lim", "k") == 0);
	CHECK(write_file("lim", "metadata", "k", v256) == -EINVAL);
	CHECK(error_has("lim", "255"));
	struct osfs_node gone = { 0 };
	CHECK(draft_node("lim", "metadata", "k", &gone) == -ENOENT); /* refused: no key */
	CHECK(create_key("lim", "k") == 0);
	CHECK(write_file("lim", "metadata", "k", v255) == 0);
	v256[256] = '\0'; /* without the newline: still 256 characters */
	CHECK(write_file("lim", "metadata", "k", v256) == -EINVAL);
	char *kept = read_file("lim", "metadata", "k");
	CHECK_STR(kept, v255);                                 /* refused: the old value stays */
	free(kept);
	CHECK(write_file("lim", "metadata", "k", "") == 0);     /* the truncate of `echo x > k` ... */
	CHECK(write_file("lim", "metadata", "k", v256) == -EINVAL);
	kept = read_file("lim", "metadata", "k");
	CHECK_STR(kept, v255);                                 /* ... is undone when x is refused */
	free(kept);
	CHECK(write_file("lim", "metadata", "k", e255) == 0);    /* 255 characters, 510 bytes */
	char *key256 = repeat("k", 256);
	key256[256] = '\0';
	CHECK(create_key("lim", key256) == -EINVAL);
	CHECK(create_key("lim", "bad/key") == -EINVAL);
	free(key256);
	const char *fields[] = { "availability_zone", "key_name", "flavor", "image" };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		v256[256] = '\n';
		CHECK(write_file("lim", fields[i], NULL, v256) == -EINVAL);
		CHECK(error_has("lim", fields[i]));
	}
	CHECK(write_file("lim", "availability_zone", NULL, "nova\n") == 0);
	CHECK(write_file("lim", "availability_zone", NULL, "no\tva\n") == -EINVAL);
	free(v255);
	free(v256);
	free(e255);
}

static void error_file(void)
{
	CHECK(add("err") == 0);
	CHECK(error_empty("err"));
	CHECK(write_file("err", "flavor", NULL, "no-such-flavor\n") == -EINVAL);
	CHECK(error_has("err", "no-such-flavor"));
	CHECK(write_file("err", "networks", NULL, "none\n") == 0);
	CHECK(error_empty("err"));                             /* cleared by the success */
	struct osfs_node n = node_at("err", "flavor", NULL);
	CHECK(osfs_drafts_write(&fs, &n, "m1.tiny\0x", 9) == -EINVAL);
	node_put(&n);
	CHECK(!error_empty("err"));                            /* every EINVAL says why */
	CHECK(write_file("err", "flavor", NULL, "m1.tiny\n") == 0);
	CHECK(error_empty("err"));
	CHECK(write_file("err", "networks", NULL, "none,auto\n") == -EINVAL);
	CHECK(error_has("err", "auto and none"));
	CHECK(write_file("err", "networks", NULL, "auto 11111111-2222-3333-4444-555555555555\n") == -EINVAL);
	CHECK(error_has("err", "auto and none"));
	CHECK(write_file("err", "networks", NULL, "private\npublic\n") == 0); /* names Neutron knows */
	CHECK(error_empty("err"));
	CHECK(write_file("err", "networks", NULL, "private nowhere\n") == -EINVAL);
	CHECK(error_has("err", "nowhere"));
	CHECK(error_has("err", "public"));                    /* the candidates */
	char *nets_kept = read_file("err", "networks", NULL);
	CHECK_STR(nets_kept, "private\npublic\n");
	free(nets_kept);
	CHECK(write_file("err", "boot_volume_size", NULL, "ten\n") == -EINVAL);
	CHECK(error_has("err", "not a size"));
	CHECK(write_file("err", "boot_volume_size", NULL, "0\n") == -EINVAL);
	CHECK(write_file("err", "boot_volume_size", NULL, "-3\n") == -EINVAL);
	CHECK(write_file("err", "boot_volume_size", NULL, "12abc\n") == -EINVAL);
	CHECK(write_file("err", "boot_volume_size", NULL, "10\n") == 0);
	char *size = read_file("err", "boot_volume_size", NULL);
	CHECK_STR(size, "10\n");
	free(size);
	CHECK(write_file("err", "security_groups", NULL, "default\nweb servers\n") == 0);
	char *groups = read_file("err", "security_groups", NULL);
	CHECK_STR(groups, "default\nweb servers\n");
	free(groups);
	CHECK(write_file("err", "security_groups", NULL, "bad\tname\n") == -EINVAL);
	CHECK(write_file("err", "ctl", NULL, "launch\n") == -EINVAL);
	CHECK(error_has("err", "boot"));
	CHECK(write_file("err", "ctl", NULL, "boot\n") == -EINVAL);   /* no image yet */
	CHECK(error_has("err", "missing image"));
	CHECK(create_key("err", "k") == 0);
	CHECK(error_empty("err"));
	CHECK(write_file("err", "networks", NULL, "none\n") == 0);
	char *nets = read_file("err", "networks", NULL);
	CHECK_STR(nets, "none\n");
	free(nets);
}

static void *boot_thread(void *arg)
{
	static int ret;

	ret = write_file((const char *)arg, "ctl", NULL, "boot\n");
	return &ret;
}

static int fill_names(void *ctx, const char *name, const struct stat *st)
{
	char *all = ctx;

	strcat(all, name);
	strcat(all, "\n");
	return 0;
}

static bool listed(const char *fname, const struct osfs_listing *l)
{
	char all[4096] = "\n";

	osfs_drafts_list(&fs, OSFS_SERVERS, l, fill_names, all);
	char want[300];
	snprintf(want, sizeof(want), "\n%s\n", fname);
	return strstr(all, want) != NULL;
}

static void freezing(void)
{
	pthread_t t;
	void *res;

	CHECK(add("boot1") == 0);
	CHECK(write_file("boot1", "flavor", NULL, "m1.tiny\n") == 0);
	CHECK(write_file("boot1", "image", NULL, "cirros\n") == 0);
	CHECK(write_file("boot1", "networks", NULL, "none\n") == 0);
	CHECK(create_key("boot1", "k1") == 0);
	CHECK(write_file("boot1", "metadata", "k1", "v1\n") == 0);

	pthread_create(&t, NULL, boot_thread, (char *)"boot1");
	pthread_mutex_lock(&fake_lock);
	while (!post_arrived)
		pthread_cond_wait(&fake_cond, &fake_lock);
	pthread_mutex_unlock(&fake_lock);

	/* the POST is in flight: the draft is frozen */
	CHECK(create_key("boot1", "k2") == -EBUSY);
	CHECK(unlink_key("boot1", "k1") == -EBUSY);
	CHECK(write_file("boot1", "metadata", "k1", "changed\n") == -EBUSY);
	CHECK(write_file("boot1", "networks", NULL, "auto\n") == -EBUSY);
	CHECK(error_has("boot1", "cannot change"));
	struct osfs_node dir = node_at("boot1", NULL, NULL);
	CHECK(osfs_drafts_remove(&fs, &dir) == -EBUSY);
	CHECK(osfs_drafts_check_write(&fs, &dir) == -EACCES);
	node_put(&dir);
	struct osfs_node k1 = node_at("boot1", "metadata", "k1");
	CHECK(osfs_drafts_check_write(&fs, &k1) == -EBUSY);
	node_put(&k1);
	char *status = read_file("boot1", "status", NULL), *value = read_file("boot1", "metadata", "k1");
	CHECK_STR(status, "BUILD\n");
	CHECK_STR(value, "v1\n");                              /* what is being sent */
	free(status);
	free(value);
	CHECK(listed("boot1", NULL));

	pthread_mutex_lock(&fake_lock);
	post_released = true;
	pthread_cond_broadcast(&fake_cond);
	pthread_mutex_unlock(&fake_lock);
	pthread_join(t, &res);
	CHECK(*(int *)res == 0);
	CHECK(posts == 1);
	CHECK(post_body && strstr(post_body, "\"k1\"") && strstr(post_body, "\"v1\""));
	CHECK(post_body && !strstr(post_body, "k2") && !strstr(post_body, "changed"));

	/* booted: the new server answers lookups; the name stays listed until
	 * a listing shows the server */
	struct osfs_node n = { 0 };
	CHECK(osfs_drafts_lookup(&fs, OSFS_SERVERS, "boot1", &n) == 1);
	CHECK(add("boot1") == -EEXIST);
	struct osfs_res *other = calloc(1, sizeof(*other)), *mine = calloc(1, sizeof(*mine));
	atomic_init(&other->refs, 1);
	atomic_init(&mine->refs, 1);
	other->id = strdup("other-id");
	other->name = strdup("srv");
	struct osfs_res **items1 = malloc(sizeof(*items1));   /* the listing takes it */
	items1[0] = other;
	struct osfs_listing *old = osfs_listing_new(OSFS_SERVERS, items1, 1);
	old->fetched = 1;                                     /* asked for before the boot */
	CHECK(listed("boot1", old));
	mine->id = strdup("new-server-id");
	mine->name = strdup("boot1");
	struct osfs_res **items2 = malloc(sizeof(*items2));
	items2[0] = mine;
	struct osfs_listing *fresh = osfs_listing_new(OSFS_SERVERS, items2, 1);
	CHECK(!listed("boot1", fresh));
	CHECK(!listed("boot1", old));                         /* forgotten once shown */
	CHECK(add("boot1") == 0);                             /* a draft may take the name again */
	osfs_listing_put(old);
	osfs_listing_put(fresh);
}

static void failed_boot_reopens(void)
{
	struct osfs_draft_copy *copy = NULL;
	struct osfs_err why = { "" };

	CHECK(add("again") == 0);
	CHECK(osfs_drafts_boot_begin(&fs, OSFS_SERVERS, "again", &copy, &why) == -EINVAL);
	CHECK(strstr(why.msg, "missing flavor,image") != NULL);
	CHECK(copy == NULL);
	CHECK(write_file("again", "flavor", NULL, "1\n") == 0);    /* by id */
	CHECK(write_file("again", "image", NULL, "cirros\n") == 0);
	CHECK(osfs_drafts_boot_begin(&fs, OSFS_SERVERS, "again", &copy, &why) == 0);
	CHECK(copy != NULL);
	CHECK(osfs_drafts_boot_begin(&fs, OSFS_SERVERS, "again", &(struct osfs_draft_copy *){ NULL },
				     &why) == -EBUSY);
	CHECK(write_file("again", "availability_zone", NULL, "nova\n") == -EBUSY);
	osfs_drafts_boot_end(&fs, OSFS_SERVERS, "again", -EIO, NULL);
	osfs_draft_copy_free(copy);
	CHECK(write_file("again", "availability_zone", NULL, "nova\n") == 0);
	char *status = read_file("again", "status", NULL);
	CHECK_STR(status, "DRAFT\n");
	free(status);
	struct osfs_node dir = node_at("again", NULL, NULL);
	CHECK(osfs_drafts_remove(&fs, &dir) == 0);
	node_put(&dir);
	struct osfs_node gone = { 0 };
	CHECK(osfs_drafts_lookup(&fs, OSFS_SERVERS, "again", &gone) == 1);
}

static void rm_inside_a_draft_forgets(void)
{
	CHECK(add("forget") == 0);
	CHECK(write_file("forget", "flavor", NULL, "m1.tiny\n") == 0);
	CHECK(create_key("forget", "k") == 0);
	struct osfs_node meta = node_at("forget", "metadata", NULL);
	CHECK(osfs_drafts_remove(&fs, &meta) == -ENOTEMPTY);
	CHECK(unlink_key("forget", "k") == 0);
	CHECK(osfs_drafts_remove(&fs, &meta) == 0);            /* empty: nothing to do */
	node_put(&meta);
	struct osfs_node flavor = node_at("forget", "flavor", NULL);
	CHECK(osfs_drafts_unlink(&fs, &flavor) == 0);
	node_put(&flavor);
	char *missing = read_file("forget", "missing", NULL);
	CHECK_STR(missing, "flavor\nimage\n");
	free(missing);
}

int main(void)
{
	double ttl[OSFS_NKINDS] = { 0 };

	fs.drafts = osfs_drafts_new();
	fs.notes = osfs_notes_new();
	fs.cache = osfs_cache_new(NULL, ttl);
	names();
	limits();
	error_file();
	freezing();
	failed_boot_reopens();
	rm_inside_a_draft_forgets();
	osfs_drafts_free(fs.drafts);
	osfs_notes_free(fs.notes);
	osfs_cache_free(fs.cache);
	free(post_body);
	return CHECK_DONE();
}
