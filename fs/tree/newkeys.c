/* newkeys.c - metadata keys made through the mount (see newkeys.h). */
#include "newkeys.h"
#include "osfs_base.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEWKEYS 64

struct newkey {
	char *id, *key;   /* NULL: a free slot */
	double made;      /* CLOCK_MONOTONIC seconds */
};

struct osfs_newkeys {
	pthread_mutex_t lock;                /* protects keys[]; a leaf lock */
	struct newkey keys[MAX_NEWKEYS];
};

struct osfs_newkeys *osfs_newkeys_new(void)
{
	struct osfs_newkeys *nk = calloc(1, sizeof(*nk));

	if (nk)
		pthread_mutex_init(&nk->lock, NULL);
	return nk;
}

static void clear(struct newkey *k)
{
	free(k->id);
	free(k->key);
	memset(k, 0, sizeof(*k));
}

void osfs_newkeys_free(struct osfs_newkeys *nk)
{
	if (!nk)
		return;
	for (size_t i = 0; i < MAX_NEWKEYS; i++)
		clear(&nk->keys[i]);
	pthread_mutex_destroy(&nk->lock);
	free(nk);
}

static bool live(const struct newkey *k, double now)
{
	return k->id && now - k->made < NEWKEY_KEEP_S;
}

static struct newkey *find_locked(struct osfs_newkeys *nk, const char *id, const char *key)
{
	double now = osfs_now_mono();

	for (size_t i = 0; i < MAX_NEWKEYS; i++) {
		struct newkey *k = &nk->keys[i];
		if (live(k, now) && strcmp(k->id, id) == 0 && strcmp(k->key, key) == 0)
			return k;
	}
	return NULL;
}

int osfs_newkeys_add(struct osfs_newkeys *nk, const char *id, const char *key)
{
	char *i = strdup(id), *k = strdup(key);
	struct newkey *slot;
	int ret = 0;

	if (!i || !k) {
		free(i);
		free(k);
		return -ENOMEM;
	}
	pthread_mutex_lock(&nk->lock);
	if (!(slot = find_locked(nk, id, key))) {
		slot = &nk->keys[0];
		for (size_t n = 1; n < MAX_NEWKEYS && slot->id; n++)
			if (!nk->keys[n].id || nk->keys[n].made < slot->made)
				slot = &nk->keys[n];
	}
	clear(slot);
	*slot = (struct newkey){ .id = i, .key = k, .made = osfs_now_mono() };
	pthread_mutex_unlock(&nk->lock);
	return ret;
}

bool osfs_newkeys_has(struct osfs_newkeys *nk, const char *id, const char *key)
{
	bool yes;

	if (!nk)
		return false;
	pthread_mutex_lock(&nk->lock);
	yes = find_locked(nk, id, key) != NULL;
	pthread_mutex_unlock(&nk->lock);
	return yes;
}

void osfs_newkeys_forget(struct osfs_newkeys *nk, const char *id, const char *key)
{
	struct newkey *k;

	if (!nk)
		return;
	pthread_mutex_lock(&nk->lock);
	if ((k = find_locked(nk, id, key)))
		clear(k);
	pthread_mutex_unlock(&nk->lock);
}
