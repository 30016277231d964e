/* drafts_int.h - what the draft files share: drafts.c (the entry points)
 * and its parts draft_store.c, draft_kinds.c, draft_fields.c,
 * draft_resolve.c, draft_create.c, draft_boot.c, draft_secrets.c, with
 * draft_defaults.c above it.  Internal to the tree folder: nothing outside
 * the drafts includes it.  The lock note is drafts.c's. */
#ifndef OSFS_DRAFTS_INT_H
#define OSFS_DRAFTS_INT_H

#include "drafts.h"
#include "osfs_model.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USER_DATA_MAX 49149       /* 65535 characters once base64-encoded */

#define VALUE_MAX 4096            /* bytes, for fields with no limit of their own */

#define API_TEXT_MAX 255          /* characters: Nova's limit on names and metadata */

#define MAX_META 128

#define BOOTED_KEEP_S 60          /* a booted draft waits this long at most for a listing */

#define RECENT_S 5                /* a `boot` this soon after the boot made it answers 0:
				   * a writer that raced it (a shell scheduled late on a
				   * loaded machine); a later one is refused */
#define SETTLE_MIN_S 60           /* a settling draft looks for its resource this long at least */

#define SETTLE_POLL_S 1           /* between two look-ups of a settling draft's name */

#define DRAFTS_MAGIC "osfs-drafts 1" /* the first words of draft_image.c's file */
#define UNDO_S 5                  /* a refused write this soon after a clear restores the value */

#define NET_SEPS "\n ,"         /* between the names written to networks */
#define SG_SEPS "\n"             /* between the names written to security_groups */

enum dfile {
	D_STATUS, D_MISSING, D_NAME, D_FLAVOR, D_IMAGE, D_KEY_NAME, D_USER_DATA,
	D_NETWORKS, D_SECURITY_GROUPS, D_BOOT_VOLUME_SIZE, D_AZ, D_PUBLIC_KEY, D_SIZE,
	D_DESCRIPTION, D_CTL, D_ERROR, D_METADATA, D_NFILES
};

struct dfile_info {
	const char *name;
	bool writable;
	bool dir;
	unsigned kinds;   /* bit per enum osfs_kind_id */
	size_t max;       /* longest value, in characters (0: not a text field) */
};

#define SRV (1u << OSFS_SERVERS)

#define KEY (1u << OSFS_KEYPAIRS)

#define VOL (1u << OSFS_VOLUMES)
#define SG (1u << OSFS_SECURITY_GROUPS)

extern const struct dfile_info osfs_dfiles[D_NFILES];

/* What a boot sends; copied whole under the lock when the boot starts. */
struct draft_fields {
	char *name;                 /* decoded API name */
	char *vals[D_NFILES];
	size_t user_data_len;
	char *flavor_id, *image_id; /* resolved at write time */
	struct osfs_kv *meta;
	size_t nmeta;
};

enum draft_state { DR_OPEN, DR_BOOTING, DR_SETTLING, DR_BOOTED };

/* What a clear (`: > file`, the truncate of `echo x > file`) replaced, so
 * that a refused write right after it leaves the file as it was. */
struct undo {
	int f;                      /* the field, or D_METADATA; -1: nothing held */
	char *key;                  /* D_METADATA: the key */
	char *value, *id;           /* the value before (a key's NULL: new), flavor/image id */
	size_t len;                 /* user_data's length */
	double at;                  /* monotonic seconds */
};

struct draft {
	enum osfs_kind_id kind;
	char *fname;
	struct draft_fields f;
	enum draft_state state;
	struct undo undo;
	unsigned boots;             /* boots ended (or settled): a waiter sees its boot end */
	int last_ret;               /* the outcome of the last boot that ended */
	char *created;              /* DR_BOOTED: the new resource's id */
	double booted_at;           /* DR_BOOTED: monotonic seconds */
	double booted_wall;         /* DR_BOOTED: wall-clock seconds, as listings count */
	char **before;              /* DR_BOOTING: ids of its name from before the create
				     * (what a restart settles by: draft_keep.c) */
	struct draft *next;
};

/* A booted server's adminPass, from the boot answer: memory only. */
struct secret {
	char *id;                   /* the server's id */
	char *pass;
	double made_wall;           /* wall-clock seconds, as listings count */
	struct secret *next;
};

/* A resource a boot of this mount made lately: a late `boot` of its
 * draft (written to the live resource's ctl) learns it went well. */
struct recent {
	enum osfs_kind_id kind;
	char *fname, *id;
	double made_at;             /* monotonic seconds */
	struct recent *next;
};

struct osfs_drafts {
	pthread_mutex_t lock;       /* see the lock note above */
	pthread_cond_t changed; /* with lock: a boot ended, a draft settled, a settler stopped */
	struct draft *head;         /* protected by lock */
	struct secret *secrets;     /* protected by lock */
	struct recent *recent;      /* protected by lock */
	int settlers;               /* protected by lock: settler threads running */
	bool stopping;              /* protected by lock: the mount ends, settlers stop */
	int keep_fd;                /* protected by lock: where the drafts are kept for the
				     * next generation (draft_keep.c), or -1 */
	uint64_t kept;              /* protected by lock: hash of what keep_fd holds */
};

/* What a create call made: the new id, a secret to keep (adminPass),
 * and, when the answer did not come (unsure), the ids of that name from
 * before the POST, for settling.  All owned; made_free frees them. */
struct made {
	char *created;
	char *secret;
	char **before;
	bool unsure;
};

struct osfs_draft_copy {
	struct draft_fields f;
};


/* What differs between the kinds that have drafts. */
struct draft_kind {
	enum osfs_kind_id kind;
	const char *verb;  /* the ctl word that creates it ("boot"); NULL: made once complete */
	const char *creating; /* its status while the API creates it */
	const char *settling; /* its status while a create whose answer did not come settles */
	const char *noun;     /* "server" */
	char *(*missing)(const struct draft_fields *f);  /* "flavor\nimage\n"; caller frees */
	/* the ids of this kind named `name` (caller frees), to settle; or NULL */
	char **(*named)(struct osfs_api *api, const char *name);
};
extern const struct draft_kind osfs_draft_kinds[];
extern const size_t osfs_draft_nkinds;

/* The parts' functions, by the file that defines them (contracts there). */

/* draft_store.c */
/* The ids named like the draft before its create is sent (kept while
 * it boots, so that a restart can settle it). */
void osfs_draft_note_before(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname,
			    char *const *before);
void osfs_draft_free(struct draft *dr);
char *osfs_draft_dup_or_null(const char *s, bool *ok);
int osfs_draft_fields_copy(const struct draft_fields *src, struct draft_fields *dst);
void osfs_draft_fields_free(struct draft_fields *f);
struct draft *osfs_draft_find_locked(struct osfs_drafts *d, enum osfs_kind_id kind,
				     const char *fname);
int osfs_draft_find_open_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
				struct draft **dr, struct osfs_err *why);
char *osfs_draft_note_key(enum osfs_kind_id kind, const char *fname);
void osfs_draft_prune_locked(struct osfs_drafts *d);
void osfs_draft_recent_add_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
				  const char *id);
bool osfs_draft_recent_find_locked(struct osfs_drafts *d, enum osfs_kind_id kind, const char *fname,
				   const char *id);
int osfs_draft_report(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname, int ret,
		      const struct osfs_err *why);
int osfs_draft_settling_why(const struct draft *dr, struct osfs_err *why);
void osfs_draft_undo_clear(struct undo *u);
void osfs_draft_unlink_locked(struct osfs_drafts *d, struct draft *dr);
bool osfs_draft_wait_until_locked(struct osfs_drafts *d, double until);

/* draft_kinds.c */
const struct draft_kind *osfs_draft_kind_of(enum osfs_kind_id kind);
char *osfs_draft_missing_of(enum osfs_kind_id kind, const struct draft_fields *f);
const char *osfs_draft_noun_of(enum osfs_kind_id kind);

/* draft_fields.c */
int osfs_draft_check_field(int f, const char *value, struct osfs_err *why);
int osfs_draft_check_networks(const char *value, struct osfs_err *why);
int osfs_draft_check_text(int f, const char *value, struct osfs_err *why);
char *osfs_draft_single_line(const char *data, size_t len);
bool osfs_draft_valid_meta_key(const char *key);

/* draft_secrets.c */
void osfs_draft_forget_secret_locked(struct osfs_drafts *d, const char *id);
void osfs_draft_keep_secret(struct osfs_drafts *d, const char *id, char *pass);
void osfs_draft_prune_secrets_locked(struct osfs_drafts *d, const struct osfs_listing *l);
void osfs_draft_secret_free(struct secret *s);
void osfs_draft_wipe_free(char *pass);

/* draft_create.c */
/* The create call of kind's draft with fields f: 0 and out->created, or
 * -errno with why (out->unsure: the answer did not come, settle). */
int osfs_draft_create_call(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname,
			   const struct draft_fields *f, struct made *out, struct osfs_err *why);
char *osfs_draft_find_new(struct osfs_fs *fs, enum osfs_kind_id kind, const char *name,
			  char **before);
void osfs_draft_made_free(struct made *m);
int osfs_draft_resolve_networks(struct osfs_fs *fs, char **nets, struct osfs_err *why);
char **osfs_draft_split_at(const char *s, const char *seps);

/* draft_resolve.c */
int osfs_draft_resolve(struct osfs_fs *fs, enum osfs_kind_id kind, const char *value, char **id,
		       struct osfs_err *why);
int osfs_draft_resolve_field(struct osfs_fs *fs, struct osfs_node *node, int f, const char *data,
			     size_t len, struct osfs_err *why);

/* draft_boot.c */
int osfs_draft_commit(struct osfs_fs *fs, enum osfs_kind_id kind, const char *fname);
int osfs_draft_settle_start_locked(struct osfs_fs *fs, struct draft *dr, struct made *m);
/* draft_image.c */
/* Let go of d->lock, writing the drafts out for the next generation
 * first if they changed.  Every draft file unlocks with it. */
void osfs_draft_unlock(struct osfs_drafts *d);

/* drafts.c */
bool osfs_draft_complete(struct osfs_fs *fs, const struct osfs_node *node);

#endif
