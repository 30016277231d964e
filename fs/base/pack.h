/* pack.h - small texts kept compressed in memory (zstd at its fastest level,
 * with a dictionary: built in, or learnt from a collection's own objects).
 *
 * A resource's API object is kept packed: at 20,000 servers it is most of
 * the daemon's memory, and it is read only for `json` files and merges.
 * Packing is deterministic: two equal texts packed with one dictionary
 * give equal packs.  Thread-safe (each thread keeps its own zstd
 * contexts; a dictionary is immutable once numbered).
 */
#ifndef OSFS_PACK_H
#define OSFS_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct osfs_pack {
	unsigned char *data; /* the dictionary's number, then a zstd frame */
	uint32_t len;        /* bytes of data */
	uint32_t text_len;   /* bytes of the text */
};

/* Dictionaries, by number (at most OSFS_PACK_DICTS): number 0 is built
 * in (the words Nova, Glance and Keystone objects share); the others are
 * learnt from a collection's own objects or adopted from a kept listing.
 * A dictionary never changes or goes once numbered. */
#define OSFS_PACK_BUILTIN 0
#define OSFS_PACK_DICTS 64

/* A dictionary learnt from n sample texts, laid end to end in samples
 * (sizes[i] bytes each, OSFS_PACK_SAMPLES_MAX bytes at most in all): its
 * number, or -1 when none could be learnt (too few samples). */
#define OSFS_PACK_SAMPLES_MAX (512 * 1024)
int osfs_pack_learn(const char *samples, const size_t *sizes, unsigned n);

/* The number of a dictionary of these bytes (a new one unless the same
 * bytes have one already), or -1. */
int osfs_pack_adopt(const void *bytes, size_t len);

/* Dictionary number dict's bytes (borrowed, for keeping), NULL if none. */
const void *osfs_pack_dict_bytes(int dict, size_t *len);

/* Pack text[0..len) with dictionary number dict; 0 or -ENOMEM/-EIO/
 * -EINVAL (no such dictionary)/-EFBIG. */
int osfs_pack(struct osfs_pack *p, int dict, const char *text, size_t len);

/* The dictionary p was packed with. */
static inline int osfs_pack_dict(const struct osfs_pack *p)
{
	return p->len ? p->data[0] : OSFS_PACK_BUILTIN;
}

/* The text again, NUL-terminated; caller frees; NULL on failure. */
char *osfs_unpack(const struct osfs_pack *p);

/* Do a and b hold the same text (whatever their dictionaries)? */
bool osfs_pack_equal(const struct osfs_pack *a, const struct osfs_pack *b);

void osfs_pack_free(struct osfs_pack *p);

#endif
