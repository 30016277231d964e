/* config.h - where the cloud's credentials and settings come from.
 *
 * Sources, strongest first (as the `openstack` CLI does it):
 *   1. values set by mount options (the caller applies them after loading),
 *   2. the OS_* environment,
 *   3. the chosen clouds.yaml entry, with secure.yaml deep-merged over it,
 *   4. defaults (auth_type password, interface public, verify on).
 * The cloud is chosen by the explicit name, else OS_CLOUD; with neither, only
 * the environment is used.  Files are searched in OS_CLIENT_CONFIG_FILE /
 * OS_CLIENT_SECURE_FILE first, then ./, $XDG_CONFIG_HOME/openstack (default
 * ~/.config/openstack), /etc/openstack; names clouds.yaml, clouds.yml; the
 * first file found wins (no merging between directories).
 *
 * Owns: every string in struct osfs_config (freed by osfs_config_free).
 */
#ifndef OSFS_CONFIG_H
#define OSFS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "osfs_base.h"

struct osfs_config {
	char *cloud;               /* chosen clouds.yaml entry, or NULL */
	char *config_file;         /* the clouds.yaml used, or NULL */
	char *auth_type;           /* "password", "token", "v3applicationcredential" */
	char *auth_url;
	char *username, *user_id, *password;
	char *user_domain_name, *user_domain_id;
	char *project_name, *project_id;
	char *project_domain_name, *project_domain_id;
	char *domain_name, *domain_id;   /* shortcut for user/project domains */
	char *token;
	char *app_cred_id, *app_cred_name, *app_cred_secret;
	char *region_name;
	char *interface;           /* "public", "internal", "admin" */
	char *cacert, *cert, *key;
	bool insecure;             /* verify: false, or OS_INSECURE=true */
	/* openstackfs keys of a clouds.yaml entry (openstackfs: {...}) */
	char *default_flavor, *default_image, *default_networks;
	/* warnings for the user (e.g. a password file readable by others),
	 * newline-separated, or NULL */
	char *warnings;
};

/* Source of environment variables, so tests need not touch the real one. */
typedef const char *(*osfs_getenv_fn)(const char *name);

/* Load the configuration for cloud `cloud` (NULL: OS_CLOUD or env only).
 * `search_dirs` is a NULL-terminated list of directories replacing the
 * default search path, or NULL for the default.
 * Returns 0, or -errno with a one-line reason in err (e.g. -ENOENT
 * "cloud 'x' not found in /root/.config/openstack/clouds.yaml").
 * On failure cfg holds nothing that needs freeing. */
int osfs_config_load(struct osfs_config *cfg, const char *cloud,
		     osfs_getenv_fn getenv_fn, const char *const *search_dirs,
		     struct osfs_err *err);

/* Check that the loaded settings can authenticate (auth_url present, a
 * user with a password, a token, or an application credential; a project
 * for password/token auth).  Returns 0 or -EINVAL with the reason in err. */
int osfs_config_check(const struct osfs_config *cfg, struct osfs_err *err);

void osfs_config_free(struct osfs_config *cfg);

#endif
