/* parse_bench.c - times osfs_model_parse_list on captured list pages: the
 * scan path against the json-c tree path (the one every page took before),
 * and checks that both give the same resources.  Not run in CI.
 *
 *   build/parse_bench KIND PAGE.json [ROUNDS [scan]]   (KIND: servers, images, ...)
 *
 * With "scan", only the scan path runs, unchecked (for a profiler).
 */
#include "kinds.h"
#include "model.h"
#include "../tests/unit/model_diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)n + 1))) {
		if (fread(text, 1, (size_t)n, f) != (size_t)n) {
			free(text);
			text = NULL;
		} else {
			text[n] = '\0';
		}
	}
	fclose(f);
	return text;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef int (*parse_fn)(const struct osfs_kind *, const char *, int, struct osfs_page *);

/* Best of `rounds` parse+free times, in seconds. */
static double best_of(parse_fn parse, const struct osfs_kind *k, const char *body, int rounds)
{
	double best = 1e9;

	for (int i = 0; i < rounds; i++) {
		struct osfs_page page;
		double t0 = now();
		if (parse(k, body, 1000, &page) < 0)
			return -1;
		osfs_page_free(&page);
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	const struct osfs_kind *k;
	struct osfs_page a, b;
	const char *why;
	double ref, scan;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	char *body;

	if (argc < 3 || !(k = osfs_kind_by_dir(argv[1], NULL)) || !(body = slurp(argv[2]))) {
		fprintf(stderr, "usage: %s KIND PAGE.json [ROUNDS]\n", argv[0]);
		return 2;
	}
	if (argc > 4 && strcmp(argv[4], "scan") == 0) {
		printf("scan path %.1f ms (best of %d)\n",
		       best_of(osfs_model_parse_list, k, body, rounds) * 1e3, rounds);
		if (osfs_model_parse_list(k, body, 1000, &a) == 0) {
			size_t packed = 0, text = 0;
			for (size_t i = 0; i < a.n; i++) {
				packed += a.items[i]->json.len;
				text += a.items[i]->json.text_len;
			}
			printf("kept JSON: %zu bytes packed into %zu (%.0f a resource)\n", text,
			       packed, a.n ? (double)packed / (double)a.n : 0.0);
			osfs_page_free(&a);
		}
		free(body);
		return 0;
	}
	if (osfs_model_parse_list(k, body, 1000, &a) < 0 ||
	    osfs_model_parse_list_ref(k, body, 1000, &b) < 0) {
		fprintf(stderr, "%s: does not parse\n", argv[2]);
		return 1;
	}
	why = model_diff_page(k, &a, &b);
	printf("%s: %zu items, %zu bytes; scan and tree paths %s%s\n", argv[2], a.n, strlen(body),
	       why ? "DIFFER: " : "agree", why ? why : "");
	osfs_page_free(&a);
	osfs_page_free(&b);
	ref = best_of(osfs_model_parse_list_ref, k, body, rounds);
	scan = best_of(osfs_model_parse_list, k, body, rounds);
	printf("tree path %.1f ms, scan path %.1f ms: %.1fx (best of %d)\n", ref * 1e3, scan * 1e3,
	       ref / scan, rounds);
	free(body);
	return why ? 1 : 0;
}
