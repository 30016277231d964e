/* fuzz_cloudsyaml.c - the clouds.yaml / secure.yaml reader (cloudsyaml.c):
 * parse, every lookup on the tree, and the secure.yaml merge.
 *
 * Input: clouds.yaml text, optionally followed by a NUL byte and a
 * secure.yaml text to merge over it. */
#include "cloudsyaml.h"
#include "fuzz.h"

#include <errno.h>

static void walk(const struct osfs_yaml_node *n, const struct osfs_yaml_node *parent, int depth)
{
	bool b;

	FUZZ_ASSERT(depth <= OSFS_YAML_MAX_DEPTH + 2, "tree deeper than the cap");
	for (; n; n = n->next) {
		FUZZ_ASSERT((n->type == OSFS_YAML_SCALAR) == (n->value != NULL), "scalar without text");
		if (parent && parent->type == OSFS_YAML_MAP) {
			FUZZ_ASSERT(n->key != NULL, "map entry without a key");
			FUZZ_ASSERT(osfs_yaml_get_exact(parent, n->key) != NULL, "key %s not found", n->key);
			FUZZ_ASSERT(osfs_yaml_get(parent, n->key) != NULL, "key %s not found", n->key);
		}
		if (n->type == OSFS_YAML_SCALAR)
			(void)osfs_yaml_bool(n, &b);
		if (n->type == OSFS_YAML_SEQ || n->type == OSFS_YAML_MAP)
			walk(n->child, n, depth + 1);
	}
}

static int parse(const char *buf, size_t len, const char *name, struct osfs_yaml_node **root)
{
	struct osfs_err err = { "" };
	int ret = osfs_yaml_parse(buf, len, name, root, &err);

	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -EFBIG || ret == -ENOMEM, "unexpected %d", ret);
	FUZZ_ASSERT(ret == 0 ? *root != NULL : *root == NULL && err.msg[0], "result %d, err '%s'", ret, err.msg);
	return ret;
}

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t first = nul ? (size_t)(nul - data) : size;
	struct osfs_yaml_node *root = NULL, *secure = NULL;

	if (parse((const char *)data, first, "clouds.yaml", &root) < 0)
		return 0;
	walk(root, NULL, 0);
	(void)osfs_yaml_path_str(root, "clouds", "c", "auth", "password", NULL);
	(void)osfs_yaml_path(root, "clouds", "c", "region-name", NULL);
	if (nul && parse((const char *)nul + 1, size - first - 1, "secure.yaml", &secure) == 0) {
		osfs_yaml_merge(&root, secure);
		walk(root, NULL, 0);
	}
	osfs_yaml_free(root);
	return 0;
}
