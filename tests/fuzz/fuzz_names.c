/* fuzz_names.c - file names for API names (names.c).
 *
 * Input: lines "name<TAB>id<TAB>created" (a line starting with \x01 has no
 * name: Glance allows null names).  Checks: every name encodes to a valid
 * file name that decodes back to it, and osfs_names_assign gives every
 * resource of a listing a distinct valid file name. */
#include "fuzz.h"

#include <stdbool.h>
#include "model.h"
#include "names.h"

#define MAX_ITEMS 64

static void check_fname(const char *f, bool cut)
{
	FUZZ_ASSERT(*f, "empty file name");
	FUZZ_ASSERT(!strchr(f, '/'), "'/' in file name %s", f);
	FUZZ_ASSERT(strcmp(f, ".") && strcmp(f, ".."), "file name %s", f);
	FUZZ_ASSERT(!cut || strlen(f) <= OSFS_NAME_MAX, "file name of %zu bytes", strlen(f));
}

static void round_trip(const char *name)
{
	char *enc = osfs_name_encode(name), *dec;

	FUZZ_ASSERT(enc, "encode failed");
	check_fname(enc, false); /* osfs_names_assign cuts long names */
	FUZZ_ASSERT(enc[0] != '.', "encoded name %s starts with a dot", enc);
	dec = osfs_name_decode(enc);
	FUZZ_ASSERT(dec && strcmp(dec, name) == 0, "'%s' -> '%s' -> '%s'", name, enc, dec ? dec : "(null)");
	free(dec);
	free(enc);
}

static char *field(char **line)
{
	char *s = *line, *tab;

	if (!s)
		return NULL;
	tab = strchr(s, '\t');
	if (tab)
		*tab = '\0';
	*line = tab ? tab + 1 : NULL;
	return strdup(s);
}

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *save = NULL;
	struct osfs_res *items[MAX_ITEMS];
	size_t n = 0;

	/* any text a decoder may meet must not crash it */
	free(osfs_name_decode(text));
	for (char *line = strtok_r(text, "\n", &save); line && n < MAX_ITEMS;
	     line = strtok_r(NULL, "\n", &save)) {
		struct osfs_res *r = calloc(1, sizeof(*r));
		bool noname = line[0] == '\x01';

		if (!r)
			abort();
		atomic_init(&r->refs, 1);
		r->name = field(&line);
		if (noname) {
			free(r->name);
			r->name = NULL;
		}
		r->id = field(&line);
		r->created = field(&line);
		if (!r->id || !*r->id) { /* the model refuses resources without an id */
			osfs_res_free(r);
			continue;
		}
		if (r->name)
			round_trip(r->name);
		items[n++] = r;
	}
	if (osfs_names_assign(items, n) == 0) {
		for (size_t i = 0; i < n; i++) {
			check_fname(items[i]->fname, true);
			for (size_t j = 0; j < i; j++)
				FUZZ_ASSERT(strcmp(items[i]->fname, items[j]->fname) != 0,
					    "two resources (ids %s, %s) share the file name %s",
					    items[i]->id, items[j]->id, items[i]->fname);
		}
	}
	for (size_t i = 0; i < n; i++)
		osfs_res_free(items[i]);
	free(text);
	return 0;
}
