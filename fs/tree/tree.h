/* tree.h - the directory tree of DESIGN.md, as (directory node, name) → node.
 *
 *   /                         flavors images servers keypairs limits .openstackfs
 *   /<kind>/                  one directory per resource, and .by-id/
 *   /<kind>/.by-id/<id>       symlink to ../<file name>
 *   /<kind>/<name>/<field>    one value per file, '\n'-terminated
 *   /<kind>/<name>/json       the API object, pretty-printed
 *   /<kind>/<name>/<subdir>/  metadata/ or extra_specs/, one file per key
 *   /<kind>/<name>/<link>     symlink to ../../<kind>/.by-id/<id> (ports/X/network)
 *   /<kind>/<name>/<links>/<id>      symlinks (networks/X/subnets/, servers/X/volumes/)
 *   /<kind>/<name>/<nested>/<id>/<f> an element of an array (security_groups/X/rules/)
 *   /<kind>/<name>/<kind2>/<name2>/<f> a nested kind (servers/X/actions/<request id>/)
 *   /servers/<name>/ctl, error, events
 *   /servers/<name>/console.log, actions   symlinks to /.openstackfs/live/...
 *   /limits/<key>, /limits/json
 *   /.openstackfs/            version cloud stats log events live/
 *   /admin/projects/<name>/quota         a symlink to /.openstackfs/live/admin/...
 *   /.openstackfs/live/servers/<id>/console.log, actions/   what costs a request
 *                             of its own: reached by the links; live/ lists nothing,
 *                             so no walk enters it
 *   /.openstackfs/live/admin/projects/<id>/quota/<resource>  the same for an area
 *                             (quota/: several kinds in one directory, merged.h)
 *
 * A node holds a listing reference while it lives (osfs_node_release).
 * Functions return 0 or -errno; no FUSE type appears here.
 */
#ifndef OSFS_TREE_H
#define OSFS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "fs.h"
#include "node.h"


/* The root's node (it holds nothing: no release needed). */
void osfs_tree_root(struct osfs_node *node);

/* The node of `name` in directory node `dir` (dir is left as it was; node
 * holds its own references).  -ENOENT when nothing is there, -ENOTDIR when
 * dir holds no names; other errors when the listing behind it could not be
 * fetched.  On failure node holds nothing. */
int osfs_tree_child(struct osfs_fs *fs, const struct osfs_node *dir, const char *name,
		    struct osfs_node *node);

/* Attributes of a node.  Regular files are sized exactly, from the
 * content; with `content` not NULL that content is handed over too (caller
 * frees), so that what a reader gets matches the size.  Dynamic files
 * (osfs_node_is_dynamic) get size 0: whoever renders them sizes them. */
int osfs_tree_stat(struct osfs_fs *fs, struct osfs_node *node, struct stat *st,
		   char **content, size_t *len);

/* Calls fill for every entry of a directory node (without . and ..). */
int osfs_tree_list(struct osfs_fs *fs, struct osfs_node *node, osfs_fill_fn fill, void *ctx);

/* The whole content of a file node; caller frees *buf. */
int osfs_tree_read(struct osfs_fs *fs, struct osfs_node *node, char **buf, size_t *len);

/* The target of a symlink node; caller frees. */
int osfs_tree_readlink(struct osfs_fs *fs, struct osfs_node *node, char **target);

/* Whether the node is a directory. */
bool osfs_tree_is_dir(struct osfs_fs *fs, const struct osfs_node *node);

/* Content that changes between reads without a new listing (stats, log,
 * console.log, ctl): read it fresh, bypassing the page cache. */
bool osfs_node_is_dynamic(const struct osfs_node *node);

/* The kernel may keep pages of a file node (content fixed per listing). */
void osfs_node_release(struct osfs_node *node);

#endif
