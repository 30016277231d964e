/* draft_kinds.c - what differs between the kinds that have drafts: the
 * ctl word that creates one, its statuses, what it still misses, how to
 * find one by name.  Their create calls are draft_create.c's, the defaults
 * the mount options give them draft_defaults.c's. */
#include "drafts_int.h"
#include "osfs_clients.h"
#include "osfs_model.h"

#include <stdio.h>
#include <string.h>


static char *server_missing(const struct draft_fields *f)
{
	char *out = NULL;

	if (asprintf(&out, "%s%s", f->flavor_id ? "" : "flavor\n", f->image_id ? "" : "image\n") <
	    0)
		return NULL;
	return out;
}

static char *keypair_missing(const struct draft_fields *f)
{
	return strdup(f->vals[D_PUBLIC_KEY] ? "" : "public_key\n");
}

static char *volume_missing(const struct draft_fields *f)
{
	return strdup(f->vals[D_SIZE] ? "" : "size\n");
}

static char *nothing_missing(const struct draft_fields *f)
{
	(void)f;
	return strdup("");
}

const struct draft_kind osfs_draft_kinds[] = {
	{ OSFS_SERVERS, "boot", "BUILD", "SETTLING", "server", server_missing,
	  osfs_compute_servers_named },
	{ OSFS_KEYPAIRS, NULL, NULL, NULL, "keypair", keypair_missing, NULL },
	{ OSFS_VOLUMES, "create", "creating", "settling", "volume", volume_missing,
	  osfs_volume_ids_named },
	{ OSFS_SECURITY_GROUPS, "create", "creating", "settling", "security group", nothing_missing,
	  osfs_network_security_groups_named },
};
const size_t osfs_draft_nkinds = sizeof(osfs_draft_kinds) / sizeof(osfs_draft_kinds[0]);

const struct draft_kind *osfs_draft_kind_of(enum osfs_kind_id kind)
{
	for (size_t i = 0; i < osfs_draft_nkinds; i++)
		if (osfs_draft_kinds[i].kind == kind)
			return &osfs_draft_kinds[i];
	return NULL;
}

bool osfs_drafts_of_kind(enum osfs_kind_id kind)
{
	return osfs_draft_kind_of(kind) != NULL;
}

const char *osfs_draft_noun_of(enum osfs_kind_id kind)
{
	return osfs_draft_kind_of(kind)->noun;
}

char *osfs_draft_missing_of(enum osfs_kind_id kind, const struct draft_fields *f)
{
	return osfs_draft_kind_of(kind)->missing(f);
}
