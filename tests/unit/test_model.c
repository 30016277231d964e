/* API JSON → resources (model.c, kinds.c) and the error-message table. */
#include "api.h"
#include "check.h"
#include "ctl.h"
#include "http.h"
#include "model.h"
#include "model_diff.h"
#include "model_tree.h"

#include <json-c/json.h>
#include <string.h>

#include <errno.h>
#include <stdlib.h>

static const char servers_page[] =
	"{\"servers\": ["
	" {\"id\": \"s1\", \"name\": \"web/1\", \"status\": \"ACTIVE\", \"OS-EXT-STS:task_state\": null,"
	"  \"OS-EXT-STS:vm_state\": \"active\", \"OS-EXT-STS:power_state\": 1,"
	"  \"flavor\": {\"original_name\": \"m1.tiny\", \"vcpus\": 1}, \"image\": {\"id\": \"i1\"},"
	"  \"addresses\": {\"private\": [{\"addr\": \"10.0.0.5\"}, {\"addr\": \"fd00::5\"}]},"
	"  \"metadata\": {\"role\": \"web\", \"a\": \"1\"}, \"created\": \"2024-01-01T00:00:00Z\","
	"  \"key_name\": null, \"hostId\": \"h\"},"
	" {\"id\": \"s2\", \"name\": \"db\", \"status\": \"ERROR\", \"flavor\": {\"id\": \"42\"},"
	"  \"image\": \"\", \"addresses\": {}, \"fault\": {\"message\": \"No valid host\"}}"
	"], \"servers_links\": [{\"rel\": \"next\", \"href\": \"http://internal:8774/v2.1/servers/detail?marker=s2\"}]}";

static const char *field(const struct osfs_res *r, enum osfs_kind_id k, const char *file)
{
	int i = osfs_kind_field(&osfs_kinds[k], file);
	return i < 0 ? NULL : osfs_res_val(r, i);
}

/* The scan path and the json-c tree path agree on a list page: both fail
 * alike, or both give the same resources.  Returns the scan path's result. */
static int agree_list(enum osfs_kind_id kind, const char *body)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_page a, b;
	int ra = osfs_model_parse_list(k, body, 1000, &a), rb = osfs_model_parse_list_ref(k, body, 1000, &b);
	const char *why = ra == 0 && rb == 0 ? model_diff_page(k, &a, &b) : NULL;

	if (ra != rb || why)
		fprintf(stderr, "paths disagree (%d vs %d: %s) on %s\n", ra, rb, why ? why : "", body);
	CHECK(ra == rb && !why);
	if (ra == 0) {
		CHECK(a.items != NULL && a.items[a.n] == NULL);
		osfs_page_free(&a);
	} else {
		CHECK(a.n == 0 && !a.items && !a.next);
	}
	if (rb == 0)
		osfs_page_free(&b);
	return ra;
}

/* The same for a show answer, and for a copy made from the result. */
static int agree_one(enum osfs_kind_id kind, const char *body)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	struct osfs_res *a, *b, *c = NULL;
	int ra = osfs_model_parse_one(k, body, &a), rb = osfs_model_parse_one_ref(k, body, &b);
	const char *why = ra == 0 && rb == 0 ? model_diff_res(k, a, b) : NULL;

	if (ra == 0 && !why && (c = osfs_res_copy(k, a, "f")))
		why = model_diff_res(k, a, c);
	if (ra != rb || why || (ra == 0 && !c))
		fprintf(stderr, "paths disagree (%d vs %d: %s) on %s\n", ra, rb, why ? why : "", body);
	CHECK(ra == rb && !why && (ra < 0 || c));
	osfs_res_free(a);
	osfs_res_free(b);
	osfs_res_free(c);
	return ra;
}

/* One server object `obj` as a list page and as a show answer. */
static int agree_server(const char *obj)
{
	char page[4096], show[4096];

	snprintf(page, sizeof(page), "{\"servers\": [%s, {\"id\": \"z\"}]}", obj);
	snprintf(show, sizeof(show), "{\"server\": %s}", obj);
	int r = agree_list(OSFS_SERVERS, page);
	CHECK(agree_one(OSFS_SERVERS, show) == r);
	return r;
}

/* Edge cases where the scan path could part from json-c's reading. */
static void scan_edges(void)
{
	static const char *const servers[] = {
		/* escapes in strings: quotes, backslashes, slashes, controls */
		"{\"id\": \"a\\\"b\", \"name\": \"q\\\\\\\"x\\\\\", \"status\": \"A\\/B\\n\\t\\u0001\"}",
		/* unicode: escapes, a surrogate pair, a lone surrogate, raw UTF-8 */
		"{\"id\": \"u\", \"name\": \"caf\\u00e9 \\ud83d\\ude00 \\ud800x \xc3\xa9\"}",
		"{\"id\": \"\\u0075\\u0000x\", \"name\": \"\\u0000\"}",
		/* numbers json-c prints its own way */
		"{\"id\": 7, \"OS-EXT-STS:power_state\": 1.0, \"status\": -0, \"key_name\": 1e5,"
		" \"hostId\": 12345678901234567890123, \"created\": -12, \"updated\": 0.5E+2,"
		" \"OS-EXT-STS:vm_state\": 123456789012345678, \"OS-EXT-STS:task_state\": -9223372036854775809}",
		"{\"id\": true, \"name\": false, \"status\": null, \"image\": {\"id\": [1, [2, [3]]]}}",
		/* repeated keys: json-c keeps the last value, in the first place */
		"{\"id\": \"d1\", \"name\": \"first\", \"name\": \"last\", \"flavor\": {\"id\": \"f\"},"
		" \"flavor\": {\"original_name\": \"m1\", \"original_name\": \"m2\"},"
		" \"metadata\": {\"k\": \"1\", \"j\": \"2\", \"k\": \"3\"}}",
		"{\"id\": \"d2\", \"addresses\": {\"n1\": [{\"addr\": \"1\"}], \"n2\": [{\"addr\": \"2\"}],"
		" \"n1\": [{\"addr\": \"3\", \"addr\": \"4\"}]}}",
		/* escaped keys, at the top and below */
		"{\"\\u0069d\": \"e1\", \"id\": \"e2\", \"name\": \"n\"}",
		"{\"id\": \"e3\", \"metadata\": {\"a\\\"b\": \"\\u00e9\", \"c\": {\"d\": [1]}}}",
		"{\"id\": \"e4\", \"flavor\": {\"original\\u005fname\": \"m\"}, \"fault\": {\"message\": \"x\\ny\"}}",
		/* addresses: odd shapes json-c reads its own way */
		"{\"id\": \"a1\", \"addresses\": {\"n\": [{\"addr\": null}, {\"addr\": 5}, 7, null, {\"x\": 1}]}}",
		"{\"id\": \"a2\", \"addresses\": {\"n\": {\"addr\": \"1\"}, \"m\": [], \"o\\u0021\": [{\"addr\": \"2\"}]}}",
		"{\"id\": \"a3\", \"addresses\": [\"n\"], \"metadata\": [1, 2]}",
		"{\"id\": \"a4\", \"addresses\": {\"n\": [{\"addr\": \"10.0.0.1\\/24\"}, {\"addr\": 1.5}]}}",
		/* pointers through other types; missing fields */
		"{\"id\": \"p1\", \"flavor\": \"m1.tiny\", \"image\": [{\"id\": \"i\"}], \"fault\": null}",
		"{\"id\": \"p2\"}",
		"{\"id\": \"p3\", \"flavor\": {\"original_name\": null, \"id\": \"42\"}, \"metadata\": {\"n\": null, \"t\": true}}",
		/* whitespace everywhere JSON allows it */
		"{ \n\t\"id\" \r: \"w1\" , \"metadata\" : { \"a\" : [ 1 , 2 ] } , \"name\":\"w\"\n}",
		/* no id, an empty id, not an object */
		"{\"name\": \"no id\"}", "{\"id\": \"\"}", "{\"id\": null}", "[\"id\"]", "\"id\"",
	};
	for (size_t i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
		agree_server(servers[i]);

	static const char *const pages[] = {
		/* top-level keys in other orders, and other members around them */
		"{\"servers_links\": [{\"rel\": \"next\", \"href\": \"x\"}], \"x\": {\"servers\": 1}, \"servers\": [{\"id\": \"o1\"}]}",
		"{\"servers\": [{\"id\": \"o2\"}], \"servers\": [{\"id\": \"o3\"}, {\"id\": \"o4\"}]}",
		"{\"servers\": [{\"id\": \"o5\"}], \"servers_links\": [{\"rel\": null}, 3, {\"rel\": 5}]}",
		"{\"servers\": [], \"servers_links\": [{\"rel\": \"next\"}]}",
		"{\"servers\": []}", "{\"servers\": [ ]}",
		/* nested arrays inside items, arrays of arrays as items */
		"{\"servers\": [{\"id\": \"n1\", \"x\": [[[]], [[1, [2]]], {\"a\": [[]]}]}]}",
		"{\"servers\": [[{\"id\": \"n2\"}]]}",
		/* truncated pages */
		"{\"servers\": [{\"id\": \"t1\"}, {\"id\": \"t2\"", "{\"servers\": [{\"id\": \"t1\"}], \"servers_li",
		"{\"servers\": [{\"id\": \"t3\", \"name\": \"abc", "{\"servers\": [{\"id\": \"t4\", \"name\": \"a\\",
		"{\"servers\": [{\"id\": \"t5\", \"n\": 1.", "{\"servers\": [{\"id\": \"t6\", \"n\": tru}]}", "",
		/* what json-c accepts beyond strict JSON: the tree path decides */
		"{\"servers\": [{\"id\": \"j1\",}]}", "{\"servers\": [{'id': 'j2'}]}",
		"{\"servers\": [{\"id\": \"j3\", \"n\": NaN}]} trailing", "/* c */ {\"servers\": [{\"id\": \"j4\"}]}",
		"{\"servers\": [{\"id\": \"j5\", \"n\": 01}]}", "{\"servers\": [{\"id\": \"j6\", \"s\": \"a\tb\"}]}",
		"{\"servers\": [{\"id\": \"j7\", \"s\": \"\\x\"}]}", "{\"servers\": [{\"id\": \"j8\"}]}\v",
		"{\"servers\": [{\"id\": \"j9\", \"n\": +1}]}", "{\"servers\": [{\"id\": \"j10\", \"n\": True}]}",
	};
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		agree_list(OSFS_SERVERS, pages[i]);
	/* a link whose rel is null is no next link (this crashed the daemon) */
	struct osfs_page last;
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_SERVERS],
		"{\"servers\": [{\"id\": \"a\"}], \"servers_links\": [{\"rel\": null}]}", 1000, &last) == 0);
	CHECK(last.n == 1 && last.next == NULL);
	osfs_page_free(&last);

	/* nesting deeper than the scanner takes, and deeper than json-c takes */
	char deep[512];
	for (int depth = 10; depth <= 40; depth += 3) {
		int n = snprintf(deep, sizeof(deep), "{\"servers\": [{\"id\": \"deep\", \"x\": ");
		for (int i = 0; i < depth; i++)
			deep[n++] = '[';
		for (int i = 0; i < depth; i++)
			deep[n++] = ']';
		snprintf(deep + n, sizeof(deep) - (size_t)n, "}]}");
		agree_list(OSFS_SERVERS, deep);
	}

	/* the other kinds: images (tags), flavors (extra_specs, swap ""), keypairs (wrapped) */
	CHECK(agree_list(OSFS_IMAGES, "{\"images\": [{\"id\": \"i1\", \"name\": null, \"tags\": [\"a\", 1, null, [2], \"\\u00e9\"],"
			 " \"size\": 1.0, \"updated_at\": \"2024-01-01T00:00:00Z\"}, {\"id\": \"i2\", \"tags\": []}],"
			 " \"next\": \"http://h/v2/images?marker=i2\"}") == 0);
	CHECK(agree_list(OSFS_IMAGES, "{\"images\": [{\"id\": \"i3\", \"tags\": \"x\"}], \"next\": 5}") == 0);
	CHECK(agree_list(OSFS_FLAVORS, "{\"flavors\": [{\"id\": \"1\", \"swap\": \"\", \"OS-FLV-EXT-DATA:ephemeral\": \"\","
			 " \"rxtx_factor\": 1.0, \"extra_specs\": {\"hw:a\": \"x\", \"n\": 2, \"o\": {\"p\": 1}}}]}") == 0);
	CHECK(agree_list(OSFS_KEYPAIRS, "{\"keypairs\": [{\"keypair\": {\"name\": \"k1\", \"public_key\": \"ssh-rsa A\\/B\"}},"
			 " {\"keypair\": {\"name\": \"k2\"}, \"keypair\": {\"name\": \"k3\"}}]}") == 0);
	CHECK(agree_list(OSFS_KEYPAIRS, "{\"keypairs\": [{\"other\": {\"name\": \"k1\"}}]}") == -EPROTO);
	CHECK(agree_list(OSFS_KEYPAIRS, "{\"keypairs\": [{\"keypair\": null}]}") == -EPROTO);
	CHECK(agree_list(OSFS_KEYPAIRS, "{\"keypairs\": [{\"key\\u0070air\": {\"name\": \"k4\"}}]}") == 0);
	CHECK(agree_one(OSFS_LIMITS, "{\"limits\": {\"rate\": [], \"absolute\": {\"maxTotalInstances\": 10,"
			" \"maxTotalRAMSize\": 1.5e3, \"x\": null}}}") == 0);
	CHECK(agree_one(OSFS_IMAGES, "{\"id\": \"i9\", \"name\": \"x\\/y\"}") == 0);
	CHECK(agree_one(OSFS_SERVERS, "{\"server\": null}") == -EPROTO);
	CHECK(agree_one(OSFS_SERVERS, "{\"servers\": {\"id\": \"x\"}}") == -EPROTO);

	/* the json file reads as json-c's compact rendering, whatever the spacing */
	struct osfs_page page;
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_SERVERS],
		"{\"servers\": [{ \"id\" : \"s\\/1\", \"n\": 1.0, \"e\": \"\\u00e9\", \"l\": [ ] }]}", 1000, &page) == 0);
	char *json = osfs_res_json(page.items[0]), *pretty = osfs_res_pretty(page.items[0]);
	CHECK_STR(json, "{\"id\":\"s/1\",\"n\":1.0,\"e\":\"\xc3\xa9\",\"l\":[]}");
	CHECK(pretty && strncmp(pretty, "{\n  \"id\": \"s/1\",\n", 17) == 0 && pretty[strlen(pretty) - 1] == '\n');
	free(json);
	free(pretty);
	osfs_page_free(&page);
}

/* Neutron's and Cinder's shapes: conditional links, blank names, arrays
 * of objects shown by some of their members, lists of ids. */
static void neutron_and_cinder(void)
{
	struct osfs_page page;

	CHECK(agree_list(OSFS_PORTS,
		"{\"ports\": [{\"id\": \"p1\", \"name\": \"\", \"device_owner\": \"compute:nova\","
		" \"device_id\": \"s1\", \"network_id\": \"n1\","
		" \"fixed_ips\": [{\"subnet_id\": \"b1\", \"ip_address\": \"10.0.0.5\"}]},"
		" {\"id\": \"p2\", \"name\": \"gw\", \"device_owner\": \"network:router_interface\","
		" \"device_id\": \"r1\", \"network_id\": \"n1\", \"fixed_ips\": []},"
		" {\"id\": \"p3\", \"name\": \"odd\", \"device_owner\": \"comp\\u0075te:x\","
		" \"device_id\": \"s2\"}, {\"id\": \"p4\", \"device_owner\": null, \"device_id\": \"s3\"}]}") == 0);
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_PORTS],
		"{\"ports\": [{\"id\": \"p1\", \"name\": \"\", \"device_owner\": \"compute:nova\","
		" \"device_id\": \"s1\", \"fixed_ips\": [{\"subnet_id\": \"b1\", \"ip_address\": \"10.0.0.5\"}]},"
		" {\"id\": \"p2\", \"name\": \"gw\", \"device_owner\": \"network:dhcp\", \"device_id\": \"d1\"}]}",
		1000, &page) == 0);
	CHECK(page.n == 2 && page.items[0]->name == NULL);        /* "" is no name */
	CHECK_STR(field(page.items[0], OSFS_PORTS, "device"), "s1");
	CHECK_STR(field(page.items[1], OSFS_PORTS, "device"), ""); /* not a server's */
	CHECK_STR(field(page.items[0], OSFS_PORTS, "fixed_ips"), "10.0.0.5 b1\n");
	osfs_page_free(&page);
	CHECK(agree_list(OSFS_NETWORKS,
		"{\"networks\": [{\"id\": \"n1\", \"name\": \"private\", \"subnets\": [\"b1\", \"b2\"],"
		" \"router:external\": false, \"mtu\": 1450}]}") == 0);
	CHECK(agree_list(OSFS_SECURITY_GROUPS,
		"{\"security_groups\": [{\"id\": \"g1\", \"name\": \"default\", \"security_group_rules\":"
		" [{\"id\": \"r1\", \"protocol\": \"tcp\"}, {\"id\": \"r2\", \"protocol\": null}]}]}") == 0);
	CHECK(agree_list(OSFS_VOLUMES,
		"{\"volumes\": [{\"id\": \"v1\", \"name\": null, \"size\": 10, \"attachments\":"
		" [{\"server_id\": \"s1\", \"device\": \"/dev/vdb\"}]}]}") == 0);
}

/* A Neutron revision index reads the same by both paths; a count answer
 * gives its count. */
static void revisions_and_counts(void)
{
	const char *index = "{\"networks\": [{\"id\": \"n1\", \"revision_number\": 7},"
			    " {\"id\": \"n2\"}, {\"id\": \"n3\", \"revision_number\": \"x\"}]}";
	int (*const parse[])(const struct osfs_kind *, const char *, int, struct osfs_page *) = {
		osfs_model_parse_list, osfs_model_parse_list_ref,
	};
	long long count = -1;

	for (size_t i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
		struct osfs_page page;
		CHECK(parse[i](&osfs_kinds[OSFS_NETWORKS], index, 1000, &page) == 0);
		CHECK(page.n == 3 && page.items[0]->rev == 7);
		CHECK(page.items[1]->rev == -1 && page.items[2]->rev == -1); /* none, not a number */
		osfs_page_free(&page);
	}
	CHECK(osfs_model_count("{\"volumes\": [], \"count\": 12}", &count) == 0 && count == 12);
	CHECK(osfs_model_count("{\"volumes\": []}", &count) == -EPROTO);
	CHECK(osfs_model_count("{\"count\": -1}", &count) == -EPROTO);
	CHECK(osfs_model_count("not json", &count) == -EPROTO);
}

/* json-c reads "-000e" as a number it writes "-000", which reads back as 0:
 * once settled, writing and reading again changes nothing. */
static void test_settle(void)
{
	struct json_object *o = osfs_model_settle(json_tokener_parse("{\"a\": -000e, \"b\": 0024, \"c\": 1.50}"));
	char *once = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	struct json_object *again = osfs_model_settle(json_tokener_parse(once));

	CHECK_STR(json_object_to_json_string_ext(again, JSON_C_TO_STRING_PLAIN), once);
	CHECK(strstr(once, "1.50") != NULL);   /* a plain number keeps its text */
	free(once);
	json_object_put(o);
	json_object_put(again);
}

/* A page of n servers like Nova's (about 700 bytes each), the one at
 * `bad` (if < n) without an id; caller frees. */
static char *big_page(size_t n, size_t bad)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fputs("{\"servers\": [", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{", i ? ", " : "");
		if (i != bad)
			fprintf(f, "\"id\": \"x%zu\", ", i);
		fprintf(f, "\"name\": \"srv-%zu\", \"status\": \"%s\", \"OS-EXT-STS:task_state\": null,"
			" \"flavor\": {\"original_name\": \"m1.tiny\", \"vcpus\": 1, \"ram\": 512},"
			" \"image\": {\"id\": \"70a599e0-31e7-49b7-b260-868f441e862b\"},"
			" \"addresses\": {\"private\": [{\"version\": 4, \"addr\": \"10.0.%zu.%zu\","
			" \"OS-EXT-IPS:type\": \"fixed\"}]}, \"metadata\": {\"n\": \"%zu\"},"
			" \"created\": \"2024-01-01T00:00:00Z\", \"updated\": \"2024-01-02T00:00:00Z\","
			" \"hostId\": \"2f9613d452019ad722245d359e5334b39a94c7ca5024d51144e0ca71\","
			" \"security_groups\": [{\"name\": \"default\"}], \"links\": [{\"rel\": \"self\","
			" \"href\": \"http://127.0.0.1:8774/v2.1/servers/%zu\"}]}",
			i, i % 3 ? "ACTIVE" : "SHUTOFF", i / 250, i % 250, i, i);
	}
	fputs("]}", f);
	fclose(f);
	return out;
}

/* A big page is read in two halves at once: the same resources, in order,
 * as one after the other (the tree path), and an item that is not one
 * fails the page wherever it is. */
static void test_halves(void)
{
	char *page = big_page(1000, 1000);
	struct osfs_page got;

	CHECK(page && strlen(page) > 400000);
	CHECK(agree_list(OSFS_SERVERS, page) == 0);
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_SERVERS], page, 1000, &got) == 0);
	CHECK(got.n == 1000 && got.items[1000] == NULL);
	CHECK_STR(got.items[0]->name, "srv-0");
	CHECK_STR(got.items[999]->name, "srv-999");
	CHECK_STR(field(got.items[700], OSFS_SERVERS, "addresses"), "private 10.0.2.200\n");
	osfs_page_free(&got);
	free(page);
	for (size_t bad = 0; bad < 1000; bad += 333) { /* first half, second half, last */
		page = big_page(1000, bad == 999 ? 999 : bad);
		CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_SERVERS], page, 1000, &got) == -EPROTO);
		CHECK(got.n == 0 && got.items == NULL);
		free(page);
	}
}

/* Servers are packed with the built-in dictionary until a big page
 * teaches them one of their own; then every item of that page and after
 * is packed with it, and unpacks to its text. */
static void test_dictionary(void)
{
	const struct osfs_kind *k = &osfs_kinds[OSFS_SERVERS];
	char *small = big_page(10, 10), *page = big_page(1000, 1000), *text;
	struct osfs_page got;
	struct osfs_pack plain;

	CHECK(osfs_model_dict(OSFS_SERVERS) == OSFS_PACK_BUILTIN);
	CHECK(osfs_model_parse_list(k, small, 1000, &got) == 0 && got.n == 10);
	CHECK(osfs_model_dict(OSFS_SERVERS) == OSFS_PACK_BUILTIN); /* too few to learn from */
	osfs_page_free(&got);
	CHECK(osfs_model_parse_list(k, page, 1000, &got) == 0 && got.n == 1000);
	CHECK(osfs_model_dict(OSFS_SERVERS) != OSFS_PACK_BUILTIN);
	CHECK(osfs_pack_dict(&got.items[0]->json) == osfs_model_dict(OSFS_SERVERS));
	CHECK(osfs_pack_dict(&got.items[999]->json) == osfs_model_dict(OSFS_SERVERS));
	text = osfs_unpack(&got.items[999]->json);
	CHECK(text && strstr(text, "\"name\":\"srv-999\"") != NULL);
	CHECK(text && osfs_pack(&plain, OSFS_PACK_BUILTIN, text, strlen(text)) == 0);
	CHECK(text && plain.len > 2 * got.items[999]->json.len);
	CHECK(text && osfs_pack_equal(&plain, &got.items[999]->json));
	if (text)
		osfs_pack_free(&plain);
	free(text);
	osfs_page_free(&got);
	CHECK(osfs_model_dict(OSFS_FLAVORS) == OSFS_PACK_BUILTIN); /* each kind its own */
	free(small);
	free(page);
}

/* Lists and links read from spans as from json-c's tree, and what the
 * spans cannot spell (escapes, floats, nesting) goes to the tree. */
static void test_span_lists(void)
{
	static const char *const groups[] = {
		"[]", "[{\"name\": \"a\"}, {\"name\": null}, {\"other\": 1}, \"plain\", {\"name\": 5},"
		" {\"name\": true}, {\"name\": \"b\", \"name\": \"c\"}]",
		"[{\"name\": \"e\\u00e9\"}]", "[{\"name\": 1.5}]", "[[1], 2]", "{\"name\": \"x\"}", "null",
	};
	char body[512];

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		snprintf(body, sizeof(body), "{\"servers\": [{\"id\": \"s1\", \"security_groups\": %s,"
			 " \"os-extended-volumes:volumes_attached\": [{\"id\": \"v1\"}, {\"id\": null}]}]}",
			 groups[i]);
		CHECK(agree_list(OSFS_SERVERS, body) == 0);
	}
	CHECK(agree_list(OSFS_NETWORKS, "{\"networks\": [{\"id\": \"n1\", \"subnets\": [\"s1\", \"s2\"]},"
		     " {\"id\": \"n2\", \"subnets\": []}, {\"id\": \"n3\", \"subnets\": [\"a\\/b\"]}]}") == 0);
}

/* The next page read off a body's end is the parse's next page. */
static void guess_agrees(enum osfs_kind_id kind, const char *body, int limit, const char *want)
{
	const struct osfs_kind *k = &osfs_kinds[kind];
	char *guess = osfs_model_next_guess(k, body, strlen(body), limit);
	struct osfs_page page;

	CHECK(osfs_model_parse_list(k, body, limit, &page) == 0);
	CHECK_STR(page.next, want);
	CHECK_STR(guess, want);
	osfs_page_free(&page);
	free(guess);
}

static void test_next_guess(void)
{
	guess_agrees(OSFS_NETWORKS, "{\"networks\": [{\"id\": \"n1\"}, {\"id\": \"n2\"}],"
		     " \"networks_links\": [{\"rel\": \"previous\", \"href\": \"http://h/v2.0/networks?"
		     "limit=2&marker=n1&page_reverse=True\"}, {\"href\": \"http://h/v2.0/networks?"
		     "limit=2&marker=n2\", \"rel\": \"next\"}]}", 2, "/v2.0/networks?limit=2&marker=n2");
	guess_agrees(OSFS_NETWORKS, "{\"networks\": [{\"id\": \"n1\"}, {\"id\": \"n2\"}],"
		     " \"networks_links\": [{\"rel\": \"next\", \"href\": \"http://h/v2.0/networks?"
		     "limit=2&marker=n2\"}, {\"rel\": \"previous\", \"href\": \"http://h/v2.0/networks?"
		     "limit=2&marker=n1&page_reverse=True\"}]}", 2, "/v2.0/networks?limit=2&marker=n2");
	guess_agrees(OSFS_SERVERS, "{\"servers\": [{\"id\": \"s1\"}]}", 1, NULL);
	guess_agrees(OSFS_IMAGES, "{\"images\": [{\"id\": \"i1\"}], \"schema\": \"/v2/schemas/images\","
		     " \"next\": \"/v2/images?marker=i1&limit=1\"}", 1, "/v2/images?marker=i1&limit=1");
	guess_agrees(OSFS_IMAGES, "{\"images\": [{\"id\": \"i1\"}]}", 1, NULL);
	/* only a guess: what it cannot read it leaves to the parse */
	char *none = osfs_model_next_guess(&osfs_kinds[OSFS_SERVERS],
					   "{\"servers_links\": [{\"rel\": \"next\"}]}", 37, 1);
	CHECK(none == NULL);
}

int main(void)
{
	test_dictionary();
	test_settle();
	test_next_guess();
	test_halves();
	test_span_lists();
	revisions_and_counts();
	const struct osfs_kind *servers = &osfs_kinds[OSFS_SERVERS];
	struct osfs_page page;

	unsigned long slow = atomic_load(&osfs_stats.parse_slow);
	guess_agrees(OSFS_SERVERS, servers_page, 2, "/servers/detail?limit=2&marker=s2");
	CHECK(atomic_load(&osfs_stats.parse_slow) == slow); /* plain items: the fast path's */
	CHECK(osfs_model_parse_list(servers, servers_page, 2, &page) == 0);
	CHECK(page.n == 2);
	struct osfs_res *a = page.items[0], *b = page.items[1];
	CHECK_STR(a->name, "web/1");
	CHECK_STR(field(a, OSFS_SERVERS, "status"), "ACTIVE\n");
	CHECK_STR(field(a, OSFS_SERVERS, "task_state"), "\n");
	CHECK_STR(field(a, OSFS_SERVERS, "power_state"), "1\n");
	CHECK_STR(field(a, OSFS_SERVERS, "flavor"), "m1.tiny\n");
	CHECK_STR(field(b, OSFS_SERVERS, "flavor"), "42\n"); /* below 2.47: the id */
	CHECK_STR(field(a, OSFS_SERVERS, "addresses"), "private 10.0.0.5\nprivate fd00::5\n");
	CHECK_STR(field(b, OSFS_SERVERS, "addresses"), "\n");
	CHECK_STR(field(b, OSFS_SERVERS, "image"), "\n");
	CHECK_STR(field(b, OSFS_SERVERS, "fault"), "No valid host\n");
	CHECK(osfs_res_len(a, osfs_kind_field(servers, "status")) == 7);
	CHECK(a->nsub == 2 && strcmp(a->sub[0].key, "a") == 0); /* sorted */
	CHECK_STR(osfs_res_sub(a, "role")->value, "web\n");
	CHECK(osfs_res_sub(a, "nope") == NULL);
	char *pretty = osfs_res_pretty(a), *compact = osfs_res_json(a);
	CHECK(pretty && strstr(pretty, "\"name\": \"web/1\"") != NULL);
	CHECK(compact && strstr(compact, "\"name\":\"web\\/1\"") == NULL &&
	      strstr(compact, "\"name\":\"web/1\"") != NULL); /* the text, unpacked */
	free(pretty);
	free(compact);
	/* the next page is rebuilt from the marker, never from the link's host */
	CHECK_STR(page.next, "/servers/detail?limit=2&marker=s2");
	osfs_page_free(&page);

	/* a page the cloud's max_limit cut short still has its next page */
	CHECK(osfs_model_parse_list(servers, servers_page, 1000, &page) == 0);
	CHECK_STR(page.next, "/servers/detail?limit=1000&marker=s2");
	osfs_page_free(&page);
	/* and a page without a link is the last */
	CHECK(osfs_model_parse_list(servers, "{\"servers\": [{\"id\": \"s9\"}]}", 1, &page) == 0);
	CHECK(page.next == NULL);
	osfs_page_free(&page);

	/* Glance: relative next, unwrapped show, null name, tags list */
	const struct osfs_kind *images = &osfs_kinds[OSFS_IMAGES];
	CHECK(osfs_model_parse_list(images,
		"{\"images\": [{\"id\": \"i1\", \"name\": null, \"size\": 123, \"tags\": [\"a\", \"b\"],"
		" \"checksum\": null}], \"next\": \"/v2/images?marker=i1&limit=1\"}", 1, &page) == 0);
	CHECK(page.items[0]->name == NULL);
	CHECK_STR(field(page.items[0], OSFS_IMAGES, "size"), "123\n");
	CHECK_STR(field(page.items[0], OSFS_IMAGES, "tags"), "a\nb\n");
	CHECK_STR(field(page.items[0], OSFS_IMAGES, "checksum"), "\n");
	CHECK_STR(page.next, "/v2/images?marker=i1&limit=1");
	osfs_page_free(&page);
	struct osfs_res *one;
	CHECK(osfs_model_parse_one(images, "{\"id\": \"i9\", \"name\": \"x\"}", &one) == 0);
	CHECK_STR(one->id, "i9");
	osfs_res_free(one);

	/* flavors: swap "" below 2.75 reads as 0; extra_specs as a subdir */
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_FLAVORS],
		"{\"flavors\": [{\"id\": \"1\", \"name\": \"m1.tiny\", \"ram\": 512, \"swap\": \"\","
		" \"extra_specs\": {\"hw:cpu_policy\": \"shared\"}}]}", 1000, &page) == 0);
	CHECK_STR(field(page.items[0], OSFS_FLAVORS, "ram"), "512\n");
	CHECK_STR(field(page.items[0], OSFS_FLAVORS, "swap"), "0\n");
	CHECK_STR(osfs_res_sub(page.items[0], "hw:cpu_policy")->value, "shared\n");
	osfs_page_free(&page);

	/* keypairs are wrapped; limits are one object */
	CHECK(osfs_model_parse_list(&osfs_kinds[OSFS_KEYPAIRS],
		"{\"keypairs\": [{\"keypair\": {\"name\": \"k\", \"fingerprint\": \"f\"}}]}", 1000, &page) == 0);
	CHECK_STR(page.items[0]->id, "k");
	osfs_page_free(&page);
	CHECK(osfs_model_parse_one(&osfs_kinds[OSFS_LIMITS],
		"{\"limits\": {\"rate\": [], \"absolute\": {\"maxTotalInstances\": 10}}}", &one) == 0);
	CHECK_STR(osfs_res_sub(one, "maxTotalInstances")->value, "10\n");
	osfs_res_free(one);
	/* quotas: each entry's limit and use on one line; the project's id
	 * beside them is no entry */
	CHECK(osfs_model_parse_one(&osfs_kinds[OSFS_QUOTA_NETWORK],
		"{\"quota\": {\"port\": {\"limit\": -1, \"used\": 3, \"reserved\": 0}}}", &one) == 0);
	CHECK_STR(osfs_res_sub(one, "port")->value, "-1 3\n");
	osfs_res_free(one);
	CHECK(osfs_model_parse_one(&osfs_kinds[OSFS_QUOTA_COMPUTE],
		"{\"quota_set\": {\"id\": \"p1\", \"cores\": {\"limit\": 20, \"in_use\": 2}}}", &one) == 0);
	CHECK(one->nsub == 1 && osfs_res_sub(one, "id") == NULL);
	CHECK_STR(osfs_res_sub(one, "cores")->value, "20 2\n");
	osfs_res_free(one);

	/* hostile input is an error, never a crash */
	CHECK(osfs_model_parse_list(servers, "{\"servers\": 5}", 1000, &page) == -EPROTO);
	CHECK(osfs_model_parse_list(servers, "[1,2", 1000, &page) == -EPROTO);
	CHECK(osfs_model_parse_list(servers, "{\"servers\": [{\"name\": \"no id\"}]}", 1000, &page) == -EPROTO);

	/* error messages of each service's shape */
	char *m;
	CHECK_STR(m = osfs_api_error_message("{\"conflictingRequest\": {\"code\": 409, \"message\": \"locked\"}}"), "locked"); free(m);
	CHECK_STR(m = osfs_api_error_message("{\"error\": {\"code\": 401, \"message\": \"auth\"}}"), "auth"); free(m);
	CHECK_STR(m = osfs_api_error_message("{\"message\": \"gone\", \"code\": \"404 Not Found\"}"), "gone"); free(m);
	CHECK_STR(m = osfs_api_error_message("<html>oops\n</html>"), "oops"); free(m);

	/* one errno table */
	CHECK(osfs_http_status_errno(200) == 0);
	CHECK(osfs_http_status_errno(400) == EINVAL);
	CHECK(osfs_http_status_errno(404) == ENOENT);
	CHECK(osfs_http_status_errno(409) == EBUSY);
	CHECK(osfs_http_status_errno(429) == EAGAIN);
	CHECK(osfs_http_status_errno(503) == EAGAIN);
	CHECK(osfs_http_status_errno(500) == EIO);

	/* ctl verbs */
	CHECK(osfs_ctl_parse(OSFS_SERVERS, "reboot\n", 7) != NULL);
	CHECK_STR(osfs_ctl_parse(OSFS_SERVERS, "  Reboot   HARD \n", 17)->words, "reboot hard");
	CHECK(osfs_ctl_parse(OSFS_SERVERS, "explode\n", 8) == NULL);
	CHECK(osfs_ctl_parse(OSFS_FLAVORS, "delete", 6) == NULL);
	CHECK(osfs_ctl_parse(OSFS_KEYPAIRS, "delete", 6) != NULL);
	scan_edges();
	neutron_and_cinder();
	return CHECK_DONE();
}
