/* config.c - credentials and settings from OS_* env, clouds.yaml, secure.yaml.
 *
 * Precedence as the `openstack` CLI (OSC): each setting is taken from the
 * first of
 *   1. the OS_* environment (new names before old: OS_PROJECT_NAME before
 *      OS_TENANT_NAME),
 *   2. the chosen cloud of clouds.yaml with secure.yaml deep-merged over it
 *      (new spellings before old; within a spelling `auth:` before the
 *      cloud's top level, where openstacksdk also accepts auth keys),
 *   3. defaults.
 * Empty values (OS_PASSWORD= , `password: ""`, `password:`) count as unset,
 * as osc-lib's env() does.
 *
 * Then, in this order: auth_type aliases are normalised and a missing
 * auth_type inferred; the interface defaults to public and legacy names
 * (publicURL) are mapped; the domain_* shortcut fills user and project
 * domains when the config is project-scoped (or uses an application
 * credential) and is then dropped; OS_DEFAULT_DOMAIN fills the domain of a
 * user or project given by name.
 *
 * Each file is validated on its own before the merge, so a type error can
 * name its file and line.  No error or warning text ever holds a value of
 * password, token or application_credential_secret.
 */
#include "config.h"
#include "cloudsyaml.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum osfs_config_where {
	OSFS_CONFIG_TOP,    /* a key of the cloud entry */
	OSFS_CONFIG_AUTH,   /* a key of its auth: map (or of the entry) */
};

struct osfs_config_field {
	size_t off;                      /* of a char * in struct osfs_config */
	enum osfs_config_where where;
	const char *secret;              /* noun for the permission warning */
	const char *keys[3];             /* file keys, strongest first */
	const char *env[3];              /* variables, strongest first */
};

#define OSFS_CONFIG_OFF(f) offsetof(struct osfs_config, f)

static const struct osfs_config_field osfs_config_fields[] = {
	{ OSFS_CONFIG_OFF(auth_type), OSFS_CONFIG_TOP, NULL,
	  { "auth_type", "auth_plugin" }, { "OS_AUTH_TYPE", "OS_AUTH_PLUGIN" } },
	{ OSFS_CONFIG_OFF(auth_url), OSFS_CONFIG_AUTH, NULL,
	  { "auth_url" }, { "OS_AUTH_URL" } },
	{ OSFS_CONFIG_OFF(username), OSFS_CONFIG_AUTH, NULL,
	  { "username", "user_name" }, { "OS_USERNAME" } },
	{ OSFS_CONFIG_OFF(user_id), OSFS_CONFIG_AUTH, NULL,
	  { "user_id" }, { "OS_USER_ID" } },
	{ OSFS_CONFIG_OFF(password), OSFS_CONFIG_AUTH, "a password",
	  { "password" }, { "OS_PASSWORD" } },
	{ OSFS_CONFIG_OFF(user_domain_name), OSFS_CONFIG_AUTH, NULL,
	  { "user_domain_name" }, { "OS_USER_DOMAIN_NAME" } },
	{ OSFS_CONFIG_OFF(user_domain_id), OSFS_CONFIG_AUTH, NULL,
	  { "user_domain_id" }, { "OS_USER_DOMAIN_ID" } },
	{ OSFS_CONFIG_OFF(project_name), OSFS_CONFIG_AUTH, NULL,
	  { "project_name", "tenant_name" },
	  { "OS_PROJECT_NAME", "OS_TENANT_NAME" } },
	{ OSFS_CONFIG_OFF(project_id), OSFS_CONFIG_AUTH, NULL,
	  { "project_id", "tenant_id" }, { "OS_PROJECT_ID", "OS_TENANT_ID" } },
	{ OSFS_CONFIG_OFF(project_domain_name), OSFS_CONFIG_AUTH, NULL,
	  { "project_domain_name" }, { "OS_PROJECT_DOMAIN_NAME" } },
	{ OSFS_CONFIG_OFF(project_domain_id), OSFS_CONFIG_AUTH, NULL,
	  { "project_domain_id" }, { "OS_PROJECT_DOMAIN_ID" } },
	{ OSFS_CONFIG_OFF(domain_name), OSFS_CONFIG_AUTH, NULL,
	  { "domain_name" }, { "OS_DOMAIN_NAME" } },
	{ OSFS_CONFIG_OFF(domain_id), OSFS_CONFIG_AUTH, NULL,
	  { "domain_id" }, { "OS_DOMAIN_ID" } },
	{ OSFS_CONFIG_OFF(token), OSFS_CONFIG_AUTH, "a token",
	  { "token", "auth_token" }, { "OS_TOKEN", "OS_AUTH_TOKEN" } },
	{ OSFS_CONFIG_OFF(app_cred_id), OSFS_CONFIG_AUTH, NULL,
	  { "application_credential_id" }, { "OS_APPLICATION_CREDENTIAL_ID" } },
	{ OSFS_CONFIG_OFF(app_cred_name), OSFS_CONFIG_AUTH, NULL,
	  { "application_credential_name" },
	  { "OS_APPLICATION_CREDENTIAL_NAME" } },
	{ OSFS_CONFIG_OFF(app_cred_secret), OSFS_CONFIG_AUTH,
	  "an application credential secret",
	  { "application_credential_secret" },
	  { "OS_APPLICATION_CREDENTIAL_SECRET" } },
	{ OSFS_CONFIG_OFF(interface), OSFS_CONFIG_TOP, NULL,
	  { "interface", "endpoint_type" }, { "OS_INTERFACE", "OS_ENDPOINT_TYPE" } },
	{ OSFS_CONFIG_OFF(cacert), OSFS_CONFIG_TOP, NULL,
	  { "cacert" }, { "OS_CACERT" } },
	{ OSFS_CONFIG_OFF(cert), OSFS_CONFIG_TOP, NULL,
	  { "cert" }, { "OS_CERT" } },
	{ OSFS_CONFIG_OFF(key), OSFS_CONFIG_TOP, NULL,
	  { "key" }, { "OS_KEY" } },
};

#define OSFS_CONFIG_NFIELDS (sizeof(osfs_config_fields) / sizeof(osfs_config_fields[0]))

/* Other string keys of a cloud entry (validated as strings). */
static const char *const osfs_config_top_strings[] = {
	"region_name", "default_domain", "profile", "cloud",
};

static const char *const osfs_config_fs_keys[] = {
	"default_flavor", "default_image",
};

struct osfs_config_file {
	char *path;
	struct osfs_yaml_node *tree;
	mode_t mode;
};

struct osfs_config_load {
	struct osfs_config *cfg;
	osfs_getenv_fn getenv_fn;
	struct osfs_err *err;
};

static char **osfs_config_slot(struct osfs_config *cfg,
			       const struct osfs_config_field *f)
{
	return (char **)(void *)((char *)cfg + f->off);
}

static const char *osfs_config_real_getenv(const char *name)
{
	return getenv(name);
}

/* The variable's value, or NULL when it is unset or empty. */
static const char *osfs_config_env(const struct osfs_config_load *L,
				   const char *name)
{
	const char *v = L->getenv_fn(name);

	return v && *v ? v : NULL;
}

static int osfs_config_nomem(const struct osfs_config_load *L)
{
	return osfs_err_set(L->err, -ENOMEM, "out of memory");
}

static int osfs_config_warn(struct osfs_config_load *L, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int osfs_config_warn(struct osfs_config_load *L, const char *fmt, ...)
{
	struct osfs_config *cfg = L->cfg;
	char *line = NULL, *all = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return osfs_config_nomem(L);
	if (cfg->warnings)
		n = asprintf(&all, "%s\n%s", cfg->warnings, line);
	else
		n = asprintf(&all, "%s", line);
	free(line);
	if (n < 0)
		return osfs_config_nomem(L);
	free(cfg->warnings);
	cfg->warnings = all;
	return 0;
}

/* Free a string that may hold a secret, wiping it first. */
static void osfs_config_wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Replace *slot with a copy of `value`. */
static int osfs_config_set(const struct osfs_config_load *L, char **slot,
			   const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return osfs_config_nomem(L);
	osfs_config_wipe(*slot);
	*slot = copy;
	return 0;
}

static bool osfs_config_scalar(const struct osfs_yaml_node *n)
{
	return n && n->type == OSFS_YAML_SCALAR && n->value[0];
}

/* ---- finding and reading the files ---- */

/* The default search path: ./ (as an absolute path), $XDG_CONFIG_HOME/openstack,
 * ~/.config/openstack, /etc/openstack.  *dirs is NULL-terminated, owned. */
static int osfs_config_default_dirs(const struct osfs_config_load *L,
				    char ***dirs)
{
	const char *xdg = osfs_config_env(L, "XDG_CONFIG_HOME");
	const char *home = osfs_config_env(L, "HOME");
	char *cwd = getcwd(NULL, 0), *xdgdir = NULL, *homedir = NULL;
	char *etc = strdup("/etc/openstack");
	char **d = calloc(5, sizeof(*d));
	struct passwd pwbuf, *pw = NULL;
	char pwtext[4096];
	size_t n = 0;
	int ret = 0;

	*dirs = NULL;
	if (!cwd)
		cwd = strdup(".");
	if (xdg && xdg[0] == '/' &&   /* XDG: relative paths are ignored */
	    asprintf(&xdgdir, "%s/openstack", xdg) < 0) {
		xdgdir = NULL;
		ret = -ENOMEM;
	}
	if (!home &&   /* HOME unset (e.g. from a mount helper): ask passwd */
	    getpwuid_r(getuid(), &pwbuf, pwtext, sizeof(pwtext), &pw) == 0 && pw)
		home = pw->pw_dir;
	if (home && asprintf(&homedir, "%s/.config/openstack", home) < 0) {
		homedir = NULL;
		ret = -ENOMEM;
	}
	if (ret || !d || !cwd || !etc) {
		ret = osfs_config_nomem(L);
		goto out;
	}
	if (xdgdir && homedir && strcmp(xdgdir, homedir) == 0) {
		free(homedir);   /* XDG_CONFIG_HOME is ~/.config */
		homedir = NULL;
	}
	d[n++] = cwd;
	if (xdgdir)
		d[n++] = xdgdir;
	if (homedir)
		d[n++] = homedir;
	d[n++] = etc;
	*dirs = d;
	cwd = xdgdir = homedir = etc = NULL;
	d = NULL;
out:
	free(cwd);
	free(xdgdir);
	free(homedir);
	free(etc);
	free(d);
	return ret;
}

static void osfs_config_free_dirs(char **dirs)
{
	for (size_t i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
}

/* Try one candidate: 0 loaded, 1 not there (or skipped), <0 error. */
static int osfs_config_try(struct osfs_config_load *L, const char *path,
			   struct osfs_config_file *f)
{
	struct osfs_err e;
	int ret = osfs_yaml_load_file(path, &f->tree, &f->mode, &e);

	switch (ret) {
	case 0:
		f->path = strdup(path);
		if (!f->path) {
			osfs_yaml_free(f->tree);
			f->tree = NULL;
			return osfs_config_nomem(L);
		}
		return 0;
	case -ENOENT:
	case -ENOTDIR:
		return 1;
	case -EACCES:
	case -EPERM:
	case -EISDIR:
	case -ELOOP:
		ret = osfs_config_warn(L, "warning: cannot read %s (%s); skipped",
				       path, strerror(-ret));
		return ret ? ret : 1;
	default:
		return osfs_err_set(L->err, ret, "%s", e.msg);
	}
}

/* Find the first of `names` in the file named by variable `var`, then in
 * each of `dirs`, and load it into *f (f->tree NULL: none found). */
static int osfs_config_find(struct osfs_config_load *L, const char *var,
			    const char *const *names, const char *const *dirs,
			    struct osfs_config_file *f)
{
	const char *envpath = osfs_config_env(L, var);
	int ret;

	if (envpath) {
		ret = osfs_config_try(L, envpath, f);
		if (ret <= 0)
			return ret;
	}
	for (size_t i = 0; dirs[i]; i++) {
		for (size_t j = 0; names[j]; j++) {
			char *path;

			if (asprintf(&path, "%s/%s", dirs[i], names[j]) < 0)
				return osfs_config_nomem(L);
			ret = osfs_config_try(L, path, f);
			free(path);
			if (ret <= 0)
				return ret;
		}
	}
	return 0;
}

/* "A, B, C": where the files were looked for, for the not-found message. */
static char *osfs_config_where(const struct osfs_config_load *L,
			       const char *const *dirs)
{
	const char *vars[] = { "OS_CLIENT_CONFIG_FILE", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *sep = "";

	if (!f)
		return NULL;
	for (size_t i = 0; vars[i]; i++) {
		const char *p = osfs_config_env(L, vars[i]);

		if (p) {
			fprintf(f, "%s%s", sep, p);
			sep = ", ";
		}
	}
	for (size_t i = 0; dirs[i]; i++) {
		fprintf(f, "%s%s", sep, dirs[i]);
		sep = ", ";
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- validating one file's cloud entry ---- */

static const struct osfs_yaml_node *
osfs_config_entry(const struct osfs_yaml_node *root, const char *cloud)
{
	return osfs_yaml_get_exact(osfs_yaml_get(root, "clouds"), cloud);
}

static int osfs_config_bad(const struct osfs_config_load *L,
			   const struct osfs_config_file *f,
			   const struct osfs_yaml_node *n, const char *what)
{
	return osfs_err_set(L->err, -EINVAL, "%s:%u: %s",
				  f->path, n->line, what);
}

/* Each key in `keys` (NULL-terminated or `nkeys` long) of `map`, if
 * present, must be a string (or null). */
static int osfs_config_want_strings(const struct osfs_config_load *L,
				    const struct osfs_config_file *f,
				    const struct osfs_yaml_node *map,
				    const char *const *keys, size_t nkeys)
{
	char what[128];

	for (size_t i = 0; i < nkeys && keys[i]; i++) {
		const struct osfs_yaml_node *n = osfs_yaml_get(map, keys[i]);

		if (n && n->type != OSFS_YAML_SCALAR && n->type != OSFS_YAML_NULL) {
			snprintf(what, sizeof(what), "'%s' must be a string",
				 keys[i]);
			return osfs_config_bad(L, f, n, what);
		}
	}
	return 0;
}

static int osfs_config_want_map(const struct osfs_config_load *L,
				const struct osfs_config_file *f,
				const struct osfs_yaml_node *n, const char *key)
{
	char what[128];

	if (!n || n->type == OSFS_YAML_MAP || n->type == OSFS_YAML_NULL)
		return 0;
	snprintf(what, sizeof(what), "'%s' must be a map", key);
	return osfs_config_bad(L, f, n, what);
}

static int osfs_config_want_bool(const struct osfs_config_load *L,
				 const struct osfs_config_file *f,
				 const struct osfs_yaml_node *entry,
				 const char *key)
{
	const struct osfs_yaml_node *n = osfs_yaml_get(entry, key);
	char what[128];
	bool b;

	if (!n || n->type == OSFS_YAML_NULL || osfs_yaml_bool(n, &b) == 0)
		return 0;
	snprintf(what, sizeof(what), "'%s' must be true or false", key);
	return osfs_config_bad(L, f, n, what);
}

/* A string, or a list of strings. */
static int osfs_config_want_list(const struct osfs_config_load *L,
				 const struct osfs_config_file *f,
				 const struct osfs_yaml_node *n, const char *key,
				 bool named_maps)
{
	char what[160];

	if (!n || n->type == OSFS_YAML_NULL || n->type == OSFS_YAML_SCALAR)
		return 0;
	if (n->type == OSFS_YAML_SEQ) {
		const struct osfs_yaml_node *c;

		for (c = n->child; c; c = c->next) {
			if (c->type == OSFS_YAML_SCALAR)
				continue;
			if (named_maps && c->type == OSFS_YAML_MAP &&
			    osfs_config_scalar(osfs_yaml_get(c, "name")))
				continue;
			break;
		}
		if (!c)
			return 0;
		n = c;
	}
	snprintf(what, sizeof(what), "'%s' must be a string or a list of %s",
		 key, named_maps ? "names or maps with a name" : "strings");
	return osfs_config_bad(L, f, n, what);
}

/* Check the types in file `f`'s entry for `cloud` and warn if the file holds
 * a secret of it and others may read the file. */
static int osfs_config_check_file(struct osfs_config_load *L,
				  const struct osfs_config_file *f,
				  const char *cloud)
{
	const struct osfs_yaml_node *entry, *auth, *fs, *n;
	const char *secret = NULL;
	int ret;

	if (!f->tree)
		return 0;
	if (f->tree->type != OSFS_YAML_MAP)
		return osfs_config_bad(L, f, f->tree, "the top level must be a map");
	n = osfs_yaml_get(f->tree, "clouds");
	ret = osfs_config_want_map(L, f, n, "clouds");
	if (ret)
		return ret;
	entry = osfs_config_entry(f->tree, cloud);
	if (!entry)
		return 0;
	if (entry->type != OSFS_YAML_MAP && entry->type != OSFS_YAML_NULL)
		return osfs_config_bad(L, f, entry, "a cloud must be a map");
	auth = osfs_yaml_get(entry, "auth");
	fs = osfs_yaml_get(entry, "openstackfs");
	ret = osfs_config_want_map(L, f, auth, "auth");
	if (!ret)
		ret = osfs_config_want_map(L, f, fs, "openstackfs");
	for (size_t i = 0; i < OSFS_CONFIG_NFIELDS && !ret; i++) {
		const struct osfs_config_field *fl = &osfs_config_fields[i];

		ret = osfs_config_want_strings(L, f, entry, fl->keys, 3);
		if (!ret && fl->where == OSFS_CONFIG_AUTH)
			ret = osfs_config_want_strings(L, f, auth, fl->keys, 3);
		if (ret || !fl->secret || secret)
			continue;
		for (size_t k = 0; k < 3 && fl->keys[k]; k++)
			if (osfs_config_scalar(osfs_yaml_get(auth, fl->keys[k])) ||
			    osfs_config_scalar(osfs_yaml_get(entry, fl->keys[k])))
				secret = fl->secret;
	}
	if (!ret)
		ret = osfs_config_want_strings(L, f, entry, osfs_config_top_strings,
					       sizeof(osfs_config_top_strings) /
					       sizeof(osfs_config_top_strings[0]));
	if (!ret)
		ret = osfs_config_want_strings(L, f, fs, osfs_config_fs_keys,
					       sizeof(osfs_config_fs_keys) /
					       sizeof(osfs_config_fs_keys[0]));
	if (!ret)
		ret = osfs_config_want_list(L, f, osfs_yaml_get(entry, "regions"),
					    "regions", true);
	if (!ret)
		ret = osfs_config_want_list(L, f, osfs_yaml_get(fs, "default_networks"),
					    "default_networks", false);
	if (!ret)
		ret = osfs_config_want_bool(L, f, entry, "verify");
	if (!ret)
		ret = osfs_config_want_bool(L, f, entry, "insecure");
	if (ret)
		return ret;
	if (secret && (f->mode & 077))
		ret = osfs_config_warn(L, "warning: %s contains %s and is readable "
				       "by others (chmod 600 it)", f->path, secret);
	return ret;
}

/* Load clouds.yaml and secure.yaml, merge them, and find `cloud`.  On
 * success *tree owns the merged tree and *entry points into it. */
static int osfs_config_load_cloud(struct osfs_config_load *L, const char *cloud,
				  const char *const *search_dirs,
				  struct osfs_yaml_node **tree,
				  const struct osfs_yaml_node **entry)
{
	static const char *const clouds_names[] = { "clouds.yaml", "clouds.yml", NULL };
	static const char *const secure_names[] = { "secure.yaml", "secure.yml", NULL };
	struct osfs_config_file cl = { 0 }, sec = { 0 };
	char **defaults = NULL, *where = NULL;
	const char *const *dirs = search_dirs;
	const struct osfs_yaml_node *e, *n;
	const char *used;
	int ret;

	*tree = NULL;
	*entry = NULL;
	if (!dirs) {
		ret = osfs_config_default_dirs(L, &defaults);
		if (ret)
			goto out;
		dirs = (const char *const *)defaults;
	}
	ret = osfs_config_find(L, "OS_CLIENT_CONFIG_FILE", clouds_names, dirs, &cl);
	if (!ret)
		ret = osfs_config_find(L, "OS_CLIENT_SECURE_FILE", secure_names,
				       dirs, &sec);
	if (ret)
		goto out;
	if (!cl.tree && !sec.tree) {
		where = osfs_config_where(L, dirs);
		ret = osfs_err_set(L->err, -ENOENT,
					 "cloud '%s': no clouds.yaml found (looked in %s)",
					 cloud, where ? where : "the search path");
		goto out;
	}
	ret = osfs_config_check_file(L, &cl, cloud);
	if (!ret)
		ret = osfs_config_check_file(L, &sec, cloud);
	if (ret)
		goto out;
	used = cl.path ? cl.path : sec.path;
	osfs_yaml_merge(&cl.tree, sec.tree);
	sec.tree = NULL;
	e = osfs_config_entry(cl.tree, cloud);
	if (!e) {
		ret = osfs_err_set(L->err, -ENOENT,
					 "cloud '%s' not found in %s", cloud, used);
		goto out;
	}
	n = osfs_yaml_get(e, "profile");
	if (!osfs_config_scalar(n))
		n = osfs_yaml_get(e, "cloud");
	if (osfs_config_scalar(n)) {
		ret = osfs_config_warn(L, "warning: cloud '%s' uses vendor profile "
				       "'%s', which openstackfs does not read",
				       cloud, n->value);
		if (ret)
			goto out;
	}
	ret = osfs_config_set(L, &L->cfg->cloud, cloud);
	if (!ret)
		ret = osfs_config_set(L, &L->cfg->config_file, used);
	if (ret)
		goto out;
	*tree = cl.tree;
	*entry = e;
	cl.tree = NULL;
out:
	osfs_config_free_dirs(defaults);
	free(where);
	free(cl.path);
	free(sec.path);
	osfs_yaml_free(cl.tree);
	osfs_yaml_free(sec.tree);
	return ret;
}

/* ---- filling the settings ---- */

/* The field's value in the cloud entry: new spellings before old, auth:
 * before the top level. */
static const char *osfs_config_file_value(const struct osfs_yaml_node *entry,
					  const struct osfs_config_field *f)
{
	const struct osfs_yaml_node *auth = osfs_yaml_get(entry, "auth");

	for (size_t k = 0; k < 3 && f->keys[k]; k++) {
		const struct osfs_yaml_node *n;

		if (f->where == OSFS_CONFIG_AUTH) {
			n = osfs_yaml_get(auth, f->keys[k]);
			if (osfs_config_scalar(n))
				return n->value;
		}
		n = osfs_yaml_get(entry, f->keys[k]);
		if (osfs_config_scalar(n))
			return n->value;
	}
	return NULL;
}

static const char *osfs_config_region(const struct osfs_yaml_node *entry)
{
	const struct osfs_yaml_node *n = osfs_yaml_get(entry, "region_name");

	if (osfs_config_scalar(n))
		return n->value;
	n = osfs_yaml_get(entry, "regions");
	if (n && n->type == OSFS_YAML_SEQ)
		n = n->child;
	if (n && n->type == OSFS_YAML_MAP)
		n = osfs_yaml_get(n, "name");
	return osfs_config_scalar(n) ? n->value : NULL;
}

static bool osfs_config_env_true(const char *v)
{
	return !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes");
}

static bool osfs_config_insecure(const struct osfs_config_load *L,
				 const struct osfs_yaml_node *entry)
{
	const char *v = osfs_config_env(L, "OS_INSECURE");
	bool b;

	if (v)
		return osfs_config_env_true(v);
	if (osfs_yaml_bool(osfs_yaml_get(entry, "insecure"), &b) == 0 && b)
		return true;
	return osfs_yaml_bool(osfs_yaml_get(entry, "verify"), &b) == 0 && !b;
}

/* The openstackfs: map; default_networks may be a list, joined with ','. */
static int osfs_config_fs(const struct osfs_config_load *L,
			  const struct osfs_yaml_node *entry)
{
	const struct osfs_yaml_node *fs = osfs_yaml_get(entry, "openstackfs");
	const struct osfs_yaml_node *nets = osfs_yaml_get(fs, "default_networks");
	struct osfs_config *cfg = L->cfg;
	const char *v;
	int ret = 0;

	v = osfs_yaml_path_str(fs, "default_flavor", NULL);
	if (v && *v)
		ret = osfs_config_set(L, &cfg->default_flavor, v);
	v = osfs_yaml_path_str(fs, "default_image", NULL);
	if (!ret && v && *v)
		ret = osfs_config_set(L, &cfg->default_image, v);
	if (ret || !nets)
		return ret;
	if (nets->type == OSFS_YAML_SCALAR && nets->value[0])
		return osfs_config_set(L, &cfg->default_networks, nets->value);
	if (nets->type == OSFS_YAML_SEQ && nets->child) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		const char *sep = "";

		if (!f)
			return osfs_config_nomem(L);
		for (const struct osfs_yaml_node *c = nets->child; c; c = c->next) {
			if (!osfs_config_scalar(c))
				continue;
			fprintf(f, "%s%s", sep, c->value);
			sep = ",";
		}
		if (fclose(f) != 0) {
			free(buf);
			return osfs_config_nomem(L);
		}
		if (buf && *buf) {
			free(cfg->default_networks);
			cfg->default_networks = buf;
		} else {
			free(buf);
		}
	}
	return 0;
}

static int osfs_config_fill(struct osfs_config_load *L,
			    const struct osfs_yaml_node *entry)
{
	struct osfs_config *cfg = L->cfg;
	const char *v;
	int ret = 0;

	for (size_t i = 0; i < OSFS_CONFIG_NFIELDS && !ret; i++) {
		const struct osfs_config_field *f = &osfs_config_fields[i];

		v = NULL;
		for (size_t k = 0; k < 3 && f->env[k] && !v; k++)
			v = osfs_config_env(L, f->env[k]);
		if (!v)
			v = osfs_config_file_value(entry, f);
		if (v)
			ret = osfs_config_set(L, osfs_config_slot(cfg, f), v);
	}
	if (ret)
		return ret;
	v = osfs_config_env(L, "OS_REGION_NAME");
	if (!v)
		v = osfs_config_region(entry);
	if (v)
		ret = osfs_config_set(L, &cfg->region_name, v);
	if (ret)
		return ret;
	cfg->insecure = osfs_config_insecure(L, entry);
	return osfs_config_fs(L, entry);
}

/* auth_type aliases, and the choice when none is given (as osc-lib, plus
 * application credentials). */
static int osfs_config_auth_type(const struct osfs_config_load *L)
{
	struct osfs_config *cfg = L->cfg;
	const char *t;

	if (cfg->auth_type) {
		if (strcmp(cfg->auth_type, "v3password") == 0)
			return osfs_config_set(L, &cfg->auth_type, "password");
		if (strcmp(cfg->auth_type, "v3token") == 0)
			return osfs_config_set(L, &cfg->auth_type, "token");
		return 0;
	}
	if ((cfg->app_cred_id || cfg->app_cred_name || cfg->app_cred_secret) &&
	    !cfg->password && !cfg->token)
		t = "v3applicationcredential";
	else if (cfg->username || cfg->user_id)
		t = "password";
	else if (cfg->token)
		t = "token";
	else
		t = "password";
	return osfs_config_set(L, &cfg->auth_type, t);
}

/* Default "public"; publicURL / internalURL / adminURL (any case) map to
 * public / internal / admin. */
static int osfs_config_interface(const struct osfs_config_load *L)
{
	static const char *const names[] = { "public", "internal", "admin" };
	struct osfs_config *cfg = L->cfg;
	const char *v = cfg->interface;

	if (!v)
		return osfs_config_set(L, &cfg->interface, "public");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (strncasecmp(v, names[i], n) == 0 &&
		    (!v[n] || !strcasecmp(v + n, "url")) && strcmp(v, names[i]))
			return osfs_config_set(L, &cfg->interface, names[i]);
	}
	return 0;
}

/* Fill *dst from src when the domain has neither a name nor an id. */
static int osfs_config_fill_domain(const struct osfs_config_load *L,
				   char **dst_name, char **dst_id,
				   const char *src_name, const char *src_id)
{
	int ret = 0;

	if (*dst_name || *dst_id)
		return 0;
	if (src_id)
		ret = osfs_config_set(L, dst_id, src_id);
	if (!ret && src_name)
		ret = osfs_config_set(L, dst_name, src_name);
	return ret;
}

static int osfs_config_domains(const struct osfs_config_load *L,
			       const struct osfs_yaml_node *entry)
{
	struct osfs_config *cfg = L->cfg;
	bool appcred = strcmp(cfg->auth_type, "v3applicationcredential") == 0;
	const char *def;
	int ret = 0;

	/* the shortcut: openstacksdk _handle_domain_id; an application
	 * credential has no scope, so there it can only mean the user's */
	if ((cfg->project_name || cfg->project_id || appcred) &&
	    (cfg->domain_name || cfg->domain_id)) {
		ret = osfs_config_fill_domain(L, &cfg->user_domain_name,
					      &cfg->user_domain_id,
					      cfg->domain_name, cfg->domain_id);
		if (!ret && !appcred)
			ret = osfs_config_fill_domain(L, &cfg->project_domain_name,
						      &cfg->project_domain_id,
						      cfg->domain_name, cfg->domain_id);
		if (ret)
			return ret;
		free(cfg->domain_name);
		free(cfg->domain_id);
		cfg->domain_name = cfg->domain_id = NULL;
	}

	/* OS_DEFAULT_DOMAIN, as osc-lib _auth_default_domain */
	def = osfs_config_env(L, "OS_DEFAULT_DOMAIN");
	if (!def)
		def = osfs_yaml_path_str(entry, "default_domain", NULL);
	if (!def || !*def)
		def = "default";
	if (cfg->username)
		ret = osfs_config_fill_domain(L, &cfg->user_domain_name,
					      &cfg->user_domain_id, NULL, def);
	if (!ret && cfg->project_name && !appcred)
		ret = osfs_config_fill_domain(L, &cfg->project_domain_name,
					      &cfg->project_domain_id, NULL, def);
	return ret;
}

int osfs_config_load(struct osfs_config *cfg, const char *cloud,
		     osfs_getenv_fn getenv_fn, const char *const *search_dirs,
		     struct osfs_err *err)
{
	struct osfs_config_load L = {
		.cfg = cfg, .getenv_fn = getenv_fn ? getenv_fn : osfs_config_real_getenv,
		.err = err,
	};
	struct osfs_yaml_node *tree = NULL;
	const struct osfs_yaml_node *entry = NULL;
	int ret;

	osfs_err_clear(err);
	if (!cfg)
		return osfs_err_set(err, -EINVAL, "no config");
	memset(cfg, 0, sizeof(*cfg));
	if (!cloud || !*cloud)
		cloud = osfs_config_env(&L, "OS_CLOUD");
	if (cloud) {
		ret = osfs_config_load_cloud(&L, cloud, search_dirs, &tree, &entry);
		if (ret)
			goto out;
	}
	ret = osfs_config_fill(&L, entry);
	if (!ret)
		ret = osfs_config_auth_type(&L);
	if (!ret)
		ret = osfs_config_interface(&L);
	if (!ret)
		ret = osfs_config_domains(&L, entry);
out:
	osfs_yaml_free(tree);
	if (ret)
		osfs_config_free(cfg);
	return ret;
}

/* ---- checking ---- */

static bool osfs_config_has(const char *s)
{
	return s && *s;
}

static int osfs_config_check_project(const struct osfs_config *cfg,
				     const char *how, struct osfs_err *err)
{
	if (!osfs_config_has(cfg->project_name) && !osfs_config_has(cfg->project_id))
		return osfs_err_set(err, -EINVAL,
					  "%s auth needs a project (project_name or project_id)",
					  how);
	if (!osfs_config_has(cfg->project_id) &&
	    !osfs_config_has(cfg->project_domain_name) &&
	    !osfs_config_has(cfg->project_domain_id))
		return osfs_err_set(err, -EINVAL,
					  "a project name needs its domain "
					  "(project_domain_name or project_domain_id)");
	return 0;
}

static int osfs_config_check_user_domain(const struct osfs_config *cfg,
					 struct osfs_err *err)
{
	if (osfs_config_has(cfg->username) && !osfs_config_has(cfg->user_id) &&
	    !osfs_config_has(cfg->user_domain_name) &&
	    !osfs_config_has(cfg->user_domain_id))
		return osfs_err_set(err, -EINVAL,
					  "a user name needs its domain "
					  "(user_domain_name or user_domain_id)");
	return 0;
}

int osfs_config_check(const struct osfs_config *cfg, struct osfs_err *err)
{
	const char *type, *user;
	int ret;

	osfs_err_clear(err);
	if (!cfg)
		return osfs_err_set(err, -EINVAL, "no config");
	if (!osfs_config_has(cfg->auth_url)) {
		if (cfg->cloud)
			return osfs_err_set(err, -EINVAL,
						  "no auth_url in cloud '%s' of %s: "
						  "set auth.auth_url or OS_AUTH_URL",
						  cfg->cloud,
						  cfg->config_file ? cfg->config_file : "clouds.yaml");
		return osfs_err_set(err, -EINVAL,
					  "no auth_url: set OS_AUTH_URL or use --cloud");
	}
	if (cfg->interface && strcmp(cfg->interface, "public") &&
	    strcmp(cfg->interface, "internal") && strcmp(cfg->interface, "admin"))
		return osfs_err_set(err, -EINVAL,
					  "interface '%s' is not public, internal or admin",
					  cfg->interface);
	type = cfg->auth_type ? cfg->auth_type : "password";
	user = osfs_config_has(cfg->username) ? cfg->username : cfg->user_id;
	if (strcmp(type, "password") == 0) {
		if (!osfs_config_has(user))
			return osfs_err_set(err, -EINVAL,
						  "password auth needs a user (username or user_id)");
		if (!osfs_config_has(cfg->password))
			return osfs_err_set(err, -EINVAL,
						  "no password for user %s", user);
		ret = osfs_config_check_user_domain(cfg, err);
		if (!ret)
			ret = osfs_config_check_project(cfg, "password", err);
		return ret;
	}
	if (strcmp(type, "token") == 0) {
		if (!osfs_config_has(cfg->token))
			return osfs_err_set(err, -EINVAL,
						  "token auth needs a token (OS_TOKEN or auth.token)");
		return osfs_config_check_project(cfg, "token", err);
	}
	if (strcmp(type, "v3applicationcredential") == 0) {
		if (!osfs_config_has(cfg->app_cred_secret))
			return osfs_err_set(err, -EINVAL,
						  "application credential needs a secret "
						  "(application_credential_secret)");
		if (osfs_config_has(cfg->app_cred_id))
			return 0;
		if (!osfs_config_has(cfg->app_cred_name))
			return osfs_err_set(err, -EINVAL,
						  "application credential needs an id or a name");
		if (!osfs_config_has(user))
			return osfs_err_set(err, -EINVAL,
						  "application credential by name needs a user "
						  "(username or user_id)");
		return osfs_config_check_user_domain(cfg, err);
	}
	return osfs_err_set(err, -EINVAL,
				  "auth_type '%s' is not supported "
				  "(use password, token or v3applicationcredential)",
				  type);
}

void osfs_config_free(struct osfs_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->cloud);
	free(cfg->config_file);
	free(cfg->auth_type);
	free(cfg->auth_url);
	free(cfg->username);
	free(cfg->user_id);
	osfs_config_wipe(cfg->password);
	free(cfg->user_domain_name);
	free(cfg->user_domain_id);
	free(cfg->project_name);
	free(cfg->project_id);
	free(cfg->project_domain_name);
	free(cfg->project_domain_id);
	free(cfg->domain_name);
	free(cfg->domain_id);
	osfs_config_wipe(cfg->token);
	free(cfg->app_cred_id);
	free(cfg->app_cred_name);
	osfs_config_wipe(cfg->app_cred_secret);
	free(cfg->region_name);
	free(cfg->interface);
	free(cfg->cacert);
	free(cfg->cert);
	free(cfg->key);
	free(cfg->default_flavor);
	free(cfg->default_image);
	free(cfg->default_networks);
	free(cfg->warnings);
	memset(cfg, 0, sizeof(*cfg));
}
