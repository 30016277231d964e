/* notes.c - a small list of (key, message); bounded, oldest dropped. */
#include "notes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NOTES 256

struct note {
	char *key, *msg;
};

struct osfs_notes {
	pthread_mutex_t lock;
	struct note items[MAX_NOTES]; /* protected by lock */
	size_t n;                     /* protected by lock */
};

struct osfs_notes *osfs_notes_new(void)
{
	struct osfs_notes *notes = calloc(1, sizeof(*notes));

	if (notes)
		pthread_mutex_init(&notes->lock, NULL);
	return notes;
}

static void drop_locked(struct osfs_notes *notes, size_t i)
{
	free(notes->items[i].key);
	free(notes->items[i].msg);
	memmove(&notes->items[i], &notes->items[i + 1], (notes->n - i - 1) * sizeof(notes->items[0]));
	notes->n--;
}

void osfs_notes_free(struct osfs_notes *notes)
{
	if (!notes)
		return;
	while (notes->n)
		drop_locked(notes, notes->n - 1);
	pthread_mutex_destroy(&notes->lock);
	free(notes);
}

void osfs_notes_set(struct osfs_notes *notes, const char *key, const char *msg)
{
	pthread_mutex_lock(&notes->lock);
	for (size_t i = 0; i < notes->n; i++) {
		if (strcmp(notes->items[i].key, key) == 0) {
			drop_locked(notes, i);
			break;
		}
	}
	if (msg) {
		if (notes->n == MAX_NOTES)
			drop_locked(notes, 0);
		notes->items[notes->n].key = strdup(key);
		notes->items[notes->n].msg = strdup(msg);
		if (notes->items[notes->n].key && notes->items[notes->n].msg)
			notes->n++;
		else {
			free(notes->items[notes->n].key);
			free(notes->items[notes->n].msg);
		}
	}
	pthread_mutex_unlock(&notes->lock);
}

char *osfs_notes_get(struct osfs_notes *notes, const char *key)
{
	char *out = NULL;

	pthread_mutex_lock(&notes->lock);
	for (size_t i = 0; i < notes->n; i++) {
		if (strcmp(notes->items[i].key, key) == 0) {
			if (asprintf(&out, "%s\n", notes->items[i].msg) < 0)
				out = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&notes->lock);
	return out ? out : strdup("");
}
