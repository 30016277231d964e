/* model_dict.c - which dictionary each kind's objects are packed with
 * (pack.h).
 *
 * A kind starts with the built-in dictionary.  The first list page with
 * enough items teaches it one of its own: objects of one collection share
 * most of their bytes (keys, links, flavors, networks), so a learnt
 * dictionary packs a server in about a third of the built-in's bytes.
 * A restarted serving process adopts the one its kept listing was packed
 * with instead, so that its packs compare byte for byte.
 */
#include "model_tree.h"
#include "osfs_base.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

/* A page teaches its kind a dictionary when it has this many items; at
 * most LEARN_ITEMS of them are the samples. */
#define LEARN_MIN 64
#define LEARN_ITEMS 256

/* Each kind's dictionary number; set once (a kind never changes its
 * dictionary), read without a lock. */
static atomic_int kind_dict[OSFS_NKINDS];

/* Kinds that tried to learn one (once is enough: a failure would fail
 * again at the same cost). */
static atomic_bool tried[OSFS_NKINDS];

/* Serialises learning, so that a kind learns once (a leaf lock). */
static pthread_mutex_t learn_lock = PTHREAD_MUTEX_INITIALIZER;

int osfs_model_dict(enum osfs_kind_id kind)
{
	return atomic_load(&kind_dict[kind]);
}

void osfs_model_dict_adopt(enum osfs_kind_id kind, int dict)
{
	int none = OSFS_PACK_BUILTIN;

	if (dict > OSFS_PACK_BUILTIN)
		atomic_compare_exchange_strong(&kind_dict[kind], &none, dict);
}

/* Up to LEARN_ITEMS items of `items`, minified end to end into *samples
 * with their sizes; how many (0 on ENOMEM). */
static unsigned samples_of(struct osfs_jspan items, char **samples, size_t *sizes)
{
	size_t cap = OSFS_PACK_SAMPLES_MAX, used = 0;
	struct osfs_jspan item;
	struct osfs_jiter it;
	unsigned n = 0;

	if (!(*samples = malloc(cap)))
		return 0;
	for (osfs_jscan_iter(&it, items); n < LEARN_ITEMS && osfs_jscan_elem(&it, &item); ) {
		if (item.n > cap - used)
			break;
		sizes[n] = osfs_jscan_minify(item, *samples + used);
		used += sizes[n++];
	}
	return n;
}

/* Does `items` hold at least LEARN_MIN items?  (A delta's page seldom
 * does: it is not copied for nothing.) */
static bool enough(struct osfs_jspan items)
{
	struct osfs_jspan item;
	struct osfs_jiter it;
	unsigned n = 0;

	for (osfs_jscan_iter(&it, items); n < LEARN_MIN && osfs_jscan_elem(&it, &item); )
		n++;
	return n == LEARN_MIN;
}

void osfs_model_dict_learn(const struct osfs_kind *k, struct osfs_jspan items)
{
	enum osfs_kind_id kind = osfs_kind_id_of(k);
	size_t sizes[LEARN_ITEMS];
	char *samples = NULL;
	unsigned n;
	int dict;

	if (atomic_load(&tried[kind]) || osfs_model_dict(kind) != OSFS_PACK_BUILTIN || !enough(items))
		return;
	pthread_mutex_lock(&learn_lock);
	if (atomic_load(&tried[kind]) || osfs_model_dict(kind) != OSFS_PACK_BUILTIN)
		goto out;
	n = samples_of(items, &samples, sizes);
	if (n < LEARN_MIN)
		goto out; /* a later, bigger page may teach it */
	atomic_store(&tried[kind], true);
	if ((dict = osfs_pack_learn(samples, sizes, n)) > OSFS_PACK_BUILTIN) {
		osfs_model_dict_adopt(kind, dict);
		log_debug("%s: a dictionary of its own learnt from %u objects", k->dir, n);
	}
out:
	pthread_mutex_unlock(&learn_lock);
	free(samples);
}
