/* cloudsyaml.h - a small YAML tree for clouds.yaml and secure.yaml.
 *
 * libyaml parses the file; what comes out is a tree of our own: maps,
 * sequences, scalars and nulls, each node knowing the line it started on.
 * No libyaml type leaves cloudsyaml.c.
 *
 * What is read (YAML 1.1 as PyYAML reads clouds.yaml):
 *   - one document (an empty file is an empty map; a second document is an
 *     error);
 *   - plain `~`, `null`, `Null`, `NULL` and the empty plain scalar are nulls;
 *     every other scalar is kept as text (numbers and booleans too);
 *   - anchors and aliases (an alias is a deep copy of its anchor; an anchor
 *     defined twice is an error, as in PyYAML) and the `<<` merge key
 *     (explicit keys win over merged ones);
 *   - duplicate keys are kept; lookups return the last one, as PyYAML does.
 * Bounded: files over OSFS_YAML_MAX_FILE bytes, nesting deeper than
 * OSFS_YAML_MAX_DEPTH, more than OSFS_YAML_MAX_NODES nodes or more than
 * OSFS_YAML_MAX_TEXT bytes of keys and scalars (alias expansion included),
 * or more than OSFS_YAML_MAX_ANCHORS anchors are refused.
 *
 * Keys are stored as written.  Lookups by osfs_yaml_get / osfs_yaml_path treat
 * `-` and `_` as the same character (openstacksdk normalises keys so);
 * osfs_yaml_get_exact does not (for cloud names, which are not normalised).
 *
 * Owns: a tree owns all its nodes and strings; osfs_yaml_free frees a node
 * and everything below it.  Pointers returned by lookups are borrowed.
 */
#ifndef OSFS_CLOUDSYAML_H
#define OSFS_CLOUDSYAML_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "osfs_base.h"

#define OSFS_YAML_MAX_FILE  (1024 * 1024)
#define OSFS_YAML_MAX_DEPTH 64
#define OSFS_YAML_MAX_NODES 100000
#define OSFS_YAML_MAX_TEXT  (4 * 1024 * 1024)
#define OSFS_YAML_MAX_ANCHORS 1000

enum osfs_yaml_type {
	OSFS_YAML_NULL,
	OSFS_YAML_SCALAR,
	OSFS_YAML_SEQ,
	OSFS_YAML_MAP,
};

struct osfs_yaml_node {
	enum osfs_yaml_type type;
	char *key;                    /* entry of a map: its key; else NULL */
	char *value;                  /* OSFS_YAML_SCALAR: the text; else NULL */
	unsigned line;                /* 1-based line where the node starts */
	struct osfs_yaml_node *child; /* SEQ/MAP: first item or entry */
	struct osfs_yaml_node *next;  /* next item or entry of the parent */
};

/* Parse `len` bytes of YAML.  `name` (a file name) prefixes error messages.
 * Returns 0 and the tree in *root, or -EINVAL (malformed: "name:LINE: what"),
 * -EFBIG (over a cap) or -ENOMEM, with the reason in err and *root NULL. */
int osfs_yaml_parse(const char *buf, size_t len, const char *name,
		    struct osfs_yaml_node **root, struct osfs_err *err);

/* Read and parse the file at `path` (at most OSFS_YAML_MAX_FILE bytes).
 * On success *mode (if not NULL) gets the file's st_mode.  Returns 0, or the
 * -errno of open (-ENOENT, -EACCES, ...), -EISDIR for a directory, -EINVAL for
 * another non-regular file, or an error of osfs_yaml_parse. */
int osfs_yaml_load_file(const char *path, struct osfs_yaml_node **root,
			mode_t *mode, struct osfs_err *err);

/* Free `node` and everything below it (not its siblings).  NULL is fine. */
void osfs_yaml_free(struct osfs_yaml_node *node);

/* Deep-merge `src` over `*dst` and consume `src` (as openstacksdk merges
 * secure.yaml over clouds.yaml): where both are maps, entries of src replace
 * entries of dst with the same key (compared exactly), maps under the same
 * key are merged the same way, and new keys are appended; otherwise src
 * replaces *dst.  Cannot fail. */
void osfs_yaml_merge(struct osfs_yaml_node **dst, struct osfs_yaml_node *src);

/* The value under `key` in map `map` (`-` = `_`; the last of duplicates), or
 * NULL if `map` is not a map or has no such key. */
const struct osfs_yaml_node *osfs_yaml_get(const struct osfs_yaml_node *map,
					   const char *key);

/* As osfs_yaml_get, comparing keys exactly. */
const struct osfs_yaml_node *
osfs_yaml_get_exact(const struct osfs_yaml_node *map, const char *key);

/* Follow a NULL-terminated path of keys from `node` with osfs_yaml_get, e.g.
 * osfs_yaml_path(root, "clouds", "x", "auth", "password", NULL). */
const struct osfs_yaml_node *osfs_yaml_path(const struct osfs_yaml_node *node,
					    ...) __attribute__((sentinel));

/* The text of the scalar at the path, or NULL (missing, null or not a
 * scalar). */
const char *osfs_yaml_path_str(const struct osfs_yaml_node *node, ...)
	__attribute__((sentinel));

/* Read a scalar as a YAML 1.1 boolean (true/false, yes/no, on/off, 1/0; any
 * case).  Returns 0 with *out set, or -EINVAL. */
int osfs_yaml_bool(const struct osfs_yaml_node *node, bool *out);

#endif
