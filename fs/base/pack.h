/* pack.h - small texts kept compressed in memory (zstd at its fastest level,
 * with a dictionary of the words OpenStack objects share).
 *
 * A resource's API object is kept packed: at 20,000 servers it is most of
 * the daemon's memory, and it is read only for `json` files and merges.
 * Packing is deterministic: two equal texts give equal packs.  Thread-safe
 * (each thread keeps its own zstd contexts).
 */
#ifndef OSFS_PACK_H
#define OSFS_PACK_H

#include <stdbool.h>
#include <stddef.h>

struct osfs_pack {
	unsigned char *data;
	size_t len;        /* packed bytes */
	size_t text_len;   /* bytes of the text */
};

/* Pack text[0..len); 0 or -ENOMEM/-EIO. */
int osfs_pack(struct osfs_pack *p, const char *text, size_t len);

/* The text again, NUL-terminated; caller frees; NULL on failure. */
char *osfs_unpack(const struct osfs_pack *p);

bool osfs_pack_equal(const struct osfs_pack *a, const struct osfs_pack *b);

void osfs_pack_free(struct osfs_pack *p);

#endif
