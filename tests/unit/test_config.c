/* test_config.c - config.c and cloudsyaml.c: precedence, files, aliases,
 * checks and the YAML tree.  The environment is a fake (a table); files are
 * written into temporary directories given as search_dirs.  Runs from
 * tests/unit (fixtures in data/config/). */
#include "check.h"
#include "cloudsyaml.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fake environment ---- */

static const char *const *fake_env;   /* "NAME", "value", ..., NULL */

static const char *fake_getenv(const char *name)
{
	for (const char *const *e = fake_env; e && e[0]; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

/* ---- temporary directories ---- */

static char *tmpdirs[64];
static int ntmpdirs;

static const char *tmpdir(void)
{
	char tmpl[] = "/tmp/osfs-test-config-XXXXXX";
	char *d = mkdtemp(tmpl);

	if (!d || ntmpdirs == 64) {
		perror("mkdtemp");
		exit(2);
	}
	tmpdirs[ntmpdirs] = strdup(d);
	return tmpdirs[ntmpdirs++];
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void tmpdirs_cleanup(void)
{
	for (int i = 0; i < ntmpdirs; i++) {
		nftw(tmpdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(tmpdirs[i]);
	}
}

/* Write dir/name with `text`, mode `mode`; returns the path (static). */
static const char *put(const char *dir, const char *name, const char *text,
		       mode_t mode)
{
	static char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) < 0) {
		perror(path);
		exit(2);
	}
	close(fd);
	return path;
}

static struct osfs_err why; /* the reason of the last call */

static int load(struct osfs_config *cfg, const char *cloud,
		const char *const *env, const char *dir1, const char *dir2)
{
	const char *dirs[] = { dir1, dir2, NULL };

	fake_env = env;
	return osfs_config_load(cfg, cloud, fake_getenv, dirs, &why);
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

static bool all_zero(const struct osfs_config *cfg)
{
	static const struct osfs_config zero;

	return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

#define DEMO_CLOUD \
	"clouds:\n" \
	"  demo:\n" \
	"    auth:\n" \
	"      auth_url: https://file.example:5000/v3\n" \
	"      username: fileuser\n" \
	"      password: file-pw-123\n" \
	"      project_name: fileproj\n" \
	"      user_domain_name: FileDom\n" \
	"      project_domain_name: FileDom\n" \
	"    region_name: FileRegion\n" \
	"    interface: internal\n"

/* ---- precedence and sources ---- */

static void test_env_only(void)
{
	const char *env[] = {
		"OS_AUTH_URL", "https://env.example:5000/v3",
		"OS_USERNAME", "envuser", "OS_PASSWORD", "env-pw",
		"OS_PROJECT_NAME", "envproj", "OS_REGION_NAME", "EnvRegion",
		NULL,
	};
	const char *d = tmpdir();
	struct osfs_config cfg;

	put(d, "clouds.yaml", DEMO_CLOUD, 0600);
	CHECK(load(&cfg, NULL, env, d, NULL) == 0);
	CHECK_STR(cfg.cloud, NULL);
	CHECK_STR(cfg.config_file, NULL);     /* no cloud: files unread */
	CHECK_STR(cfg.auth_url, "https://env.example:5000/v3");
	CHECK_STR(cfg.username, "envuser");
	CHECK_STR(cfg.password, "env-pw");
	CHECK_STR(cfg.project_name, "envproj");
	CHECK_STR(cfg.region_name, "EnvRegion");
	CHECK_STR(cfg.auth_type, "password");
	CHECK_STR(cfg.interface, "public");
	CHECK_STR(cfg.user_domain_id, "default");     /* OS_DEFAULT_DOMAIN */
	CHECK_STR(cfg.project_domain_id, "default");
	CHECK_STR(cfg.user_domain_name, NULL);
	CHECK(!cfg.insecure);
	CHECK_STR(cfg.warnings, NULL);
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);
	CHECK(all_zero(&cfg));
	osfs_config_free(&cfg);   /* twice is fine */

	/* empty variables count as unset */
	const char *env2[] = { "OS_AUTH_URL", "", "OS_USERNAME", "", NULL };

	CHECK(load(&cfg, NULL, env2, d, NULL) == 0);
	CHECK_STR(cfg.auth_url, NULL);
	CHECK_STR(cfg.username, NULL);
	CHECK(osfs_config_check(&cfg, &why) == -EINVAL);
	CHECK_STR(why.msg, "no auth_url: set OS_AUTH_URL or use --cloud");
	osfs_config_free(&cfg);
}

static void test_file_and_env(void)
{
	const char *d = tmpdir();
	const char *env[] = { "OS_CLOUD", "demo", NULL };
	const char *env2[] = {
		"OS_CLOUD", "demo", "OS_PASSWORD", "env-pw",
		"OS_REGION_NAME", "EnvRegion", "OS_INTERFACE", "admin", NULL,
	};
	char want[4096];
	struct osfs_config cfg;

	put(d, "clouds.yaml", DEMO_CLOUD, 0600);
	snprintf(want, sizeof(want), "%s/clouds.yaml", d);

	CHECK(load(&cfg, NULL, env, d, NULL) == 0);   /* OS_CLOUD */
	CHECK_STR(cfg.cloud, "demo");
	CHECK_STR(cfg.config_file, want);
	CHECK_STR(cfg.auth_url, "https://file.example:5000/v3");
	CHECK_STR(cfg.username, "fileuser");
	CHECK_STR(cfg.password, "file-pw-123");
	CHECK_STR(cfg.project_name, "fileproj");
	CHECK_STR(cfg.user_domain_name, "FileDom");
	CHECK_STR(cfg.user_domain_id, NULL);   /* not defaulted: name given */
	CHECK_STR(cfg.project_domain_id, NULL);
	CHECK_STR(cfg.region_name, "FileRegion");
	CHECK_STR(cfg.interface, "internal");
	CHECK_STR(cfg.warnings, NULL);   /* mode 600 */
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);

	/* env over file, field by field */
	CHECK(load(&cfg, NULL, env2, d, NULL) == 0);
	CHECK_STR(cfg.password, "env-pw");
	CHECK_STR(cfg.region_name, "EnvRegion");
	CHECK_STR(cfg.interface, "admin");
	CHECK_STR(cfg.username, "fileuser");
	osfs_config_free(&cfg);

	/* the explicit argument beats OS_CLOUD */
	const char *env3[] = { "OS_CLOUD", "nope", NULL };

	CHECK(load(&cfg, "demo", env3, d, NULL) == 0);
	CHECK_STR(cfg.cloud, "demo");
	osfs_config_free(&cfg);
}

static void test_secure_merge(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	struct osfs_config cfg;

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  demo:\n"
	    "    auth:\n"
	    "      auth_url: https://old.example/v3\n"
	    "      username: demo\n"
	    "      project_id: p1\n"
	    "    region_name: R1\n"
	    "  other:\n"
	    "    auth: {auth_url: https://other.example/v3}\n", 0644);
	put(d, "secure.yaml",
	    "clouds:\n"
	    "  demo:\n"
	    "    auth:\n"
	    "      password: secure-pw\n"
	    "      auth_url: https://new.example/v3\n", 0600);
	CHECK(load(&cfg, "demo", env, d, NULL) == 0);
	CHECK_STR(cfg.password, "secure-pw");
	CHECK_STR(cfg.auth_url, "https://new.example/v3");   /* secure wins */
	CHECK_STR(cfg.username, "demo");                     /* deep merge */
	CHECK_STR(cfg.project_id, "p1");
	CHECK_STR(cfg.region_name, "R1");
	CHECK_STR(cfg.warnings, NULL);   /* 644 file holds no secret */
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);

	/* a cloud only in secure.yaml is found too */
	put(d, "secure.yaml",
	    "clouds:\n"
	    "  hidden:\n"
	    "    auth: {auth_url: https://h.example/v3, token: tok-secret}\n",
	    0600);
	CHECK(load(&cfg, "hidden", env, d, NULL) == 0);
	CHECK_STR(cfg.auth_type, "token");
	CHECK_STR(cfg.token, "tok-secret");
	osfs_config_free(&cfg);
}

static void test_search_order(void)
{
	const char *d1 = tmpdir(), *d2 = tmpdir(), *d3 = tmpdir();
	const char *env[] = { NULL };
	char want[4096];
	struct osfs_config cfg;

	put(d1, "clouds.yaml", "clouds: {a: {region_name: one}}\n", 0600);
	put(d2, "clouds.yaml", "clouds: {a: {region_name: two}, b: {region_name: b}}\n", 0600);

	CHECK(load(&cfg, "a", env, d1, d2) == 0);
	CHECK_STR(cfg.region_name, "one");
	osfs_config_free(&cfg);

	/* first file wins: no merging between directories */
	snprintf(want, sizeof(want), "cloud 'b' not found in %s/clouds.yaml", d1);
	CHECK(load(&cfg, "b", env, d1, d2) == -ENOENT);
	CHECK_STR(why.msg, want);
	CHECK(all_zero(&cfg));

	/* clouds.yaml before clouds.yml in one directory; .yml found alone */
	put(d3, "clouds.yml", "clouds: {a: {region_name: yml}}\n", 0600);
	CHECK(load(&cfg, "a", env, d3, d1) == 0);
	CHECK_STR(cfg.region_name, "yml");
	osfs_config_free(&cfg);
	put(d3, "clouds.yaml", "clouds: {a: {region_name: yaml}}\n", 0600);
	CHECK(load(&cfg, "a", env, d3, d1) == 0);
	CHECK_STR(cfg.region_name, "yaml");
	osfs_config_free(&cfg);

	/* secure.yaml is searched on its own: the first found anywhere */
	put(d2, "secure.yaml", "clouds: {a: {auth: {password: pw2}}}\n", 0600);
	CHECK(load(&cfg, "a", env, d1, d2) == 0);
	CHECK_STR(cfg.region_name, "one");
	CHECK_STR(cfg.password, "pw2");
	osfs_config_free(&cfg);
}

static void test_client_config_file(void)
{
	const char *d1 = tmpdir(), *d2 = tmpdir();
	char file[4096], sec[4096], missing[4096], want[8192];
	struct osfs_config cfg;

	put(d1, "clouds.yaml", "clouds: {a: {region_name: dir}}\n", 0600);
	snprintf(file, sizeof(file), "%s",
		 put(d2, "mine.yaml", "clouds: {a: {region_name: env}}\n", 0600));
	snprintf(sec, sizeof(sec), "%s",
		 put(d2, "mysecure.yaml", "clouds: {a: {auth: {password: s}}}\n", 0600));
	snprintf(missing, sizeof(missing), "%s/nope.yaml", d2);

	const char *env[] = { "OS_CLIENT_CONFIG_FILE", file,
			      "OS_CLIENT_SECURE_FILE", sec, NULL };
	CHECK(load(&cfg, "a", env, d1, NULL) == 0);
	CHECK_STR(cfg.region_name, "env");
	CHECK_STR(cfg.config_file, file);
	CHECK_STR(cfg.password, "s");
	osfs_config_free(&cfg);

	/* a named file that does not exist is skipped */
	const char *env2[] = { "OS_CLIENT_CONFIG_FILE", missing, NULL };
	CHECK(load(&cfg, "a", env2, d1, NULL) == 0);
	CHECK_STR(cfg.region_name, "dir");
	osfs_config_free(&cfg);

	/* nothing anywhere: say where we looked */
	snprintf(want, sizeof(want),
		 "cloud 'a': no clouds.yaml found (looked in %s, %s)", missing, d2);
	CHECK(load(&cfg, "a", env2, d2, NULL) == -ENOENT);
	CHECK_STR(why.msg, want);
	CHECK(all_zero(&cfg));
}

static void test_default_search_path(void)
{
	const char *xdg = tmpdir(), *home = tmpdir();
	char xdgdir[4096], homedir[4096], cwd[4096], want[16384];
	struct osfs_config cfg;
	bool etc = access("/etc/openstack/clouds.yaml", F_OK) == 0 ||
		   access("/etc/openstack/clouds.yml", F_OK) == 0;

	snprintf(xdgdir, sizeof(xdgdir), "%s/openstack", xdg);
	snprintf(homedir, sizeof(homedir), "%s/.config", home);
	CHECK(mkdir(xdgdir, 0700) == 0 && mkdir(homedir, 0700) == 0);
	snprintf(homedir, sizeof(homedir), "%s/.config/openstack", home);
	CHECK(mkdir(homedir, 0700) == 0);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);

	const char *env[] = { "XDG_CONFIG_HOME", xdg, "HOME", home, NULL };
	const char *env_rel[] = { "XDG_CONFIG_HOME", "relative", "HOME", home, NULL };
	const char *env_nohome[] = { "XDG_CONFIG_HOME", xdg, NULL };

	fake_env = env;
	if (!etc) {
		snprintf(want, sizeof(want),
			 "cloud 'x': no clouds.yaml found (looked in %s, %s, %s, "
			 "/etc/openstack)", cwd, xdgdir, homedir);
		CHECK(osfs_config_load(&cfg, "x", fake_getenv, NULL, &why) == -ENOENT);
		CHECK_STR(why.msg, want);
		fake_env = env_rel;   /* a relative XDG_CONFIG_HOME is ignored */
		snprintf(want, sizeof(want),
			 "cloud 'x': no clouds.yaml found (looked in %s, %s, "
			 "/etc/openstack)", cwd, homedir);
		CHECK(osfs_config_load(&cfg, "x", fake_getenv, NULL, &why) == -ENOENT);
		CHECK_STR(why.msg, want);
	}
	put(homedir, "clouds.yaml", "clouds: {x: {region_name: home}}\n", 0600);
	fake_env = env;
	CHECK(osfs_config_load(&cfg, "x", fake_getenv, NULL, &why) == 0);
	CHECK_STR(cfg.region_name, "home");
	osfs_config_free(&cfg);
	put(xdgdir, "clouds.yaml", "clouds: {x: {region_name: xdg}}\n", 0600);
	CHECK(osfs_config_load(&cfg, "x", fake_getenv, NULL, &why) == 0);
	CHECK_STR(cfg.region_name, "xdg");
	osfs_config_free(&cfg);
	fake_env = env_nohome;   /* HOME unset: the password database's */
	CHECK(osfs_config_load(&cfg, "x", fake_getenv, NULL, &why) == 0);
	CHECK_STR(cfg.region_name, "xdg");
	osfs_config_free(&cfg);
}

static void test_skipped_files(void)
{
	const char *d1 = tmpdir(), *d2 = tmpdir();
	const char *env[] = { NULL };
	char sub[4096];
	struct osfs_config cfg;

	/* a directory named clouds.yaml cannot be read: skipped, with a word */
	snprintf(sub, sizeof(sub), "%s/clouds.yaml", d1);
	CHECK(mkdir(sub, 0755) == 0);
	put(d2, "clouds.yaml", "clouds: {a: {region_name: two}}\n", 0600);
	CHECK(load(&cfg, "a", env, d1, d2) == 0);
	CHECK_STR(cfg.region_name, "two");
	CHECK(contains(cfg.warnings, "cannot read"));
	CHECK(contains(cfg.warnings, sub));
	osfs_config_free(&cfg);

	/* a file unreadable for its mode (as non-root only: root reads all) */
	if (geteuid() != 0) {
		const char *d3 = tmpdir();

		put(d3, "clouds.yaml", "clouds: {a: {region_name: three}}\n", 0000);
		CHECK(load(&cfg, "a", env, d3, d2) == 0);
		CHECK_STR(cfg.region_name, "two");
		CHECK(contains(cfg.warnings, "Permission denied"));
		osfs_config_free(&cfg);
	}
}

/* ---- spellings ---- */

static void test_old_spellings(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	struct osfs_config cfg;

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  old:\n"
	    "    auth_plugin: v3token\n"
	    "    endpoint_type: adminURL\n"
	    "    auth:\n"
	    "      auth_url: https://k/v3\n"
	    "      auth_token: old-tok\n"
	    "      tenant_name: tname\n"
	    "      tenant_id: tid\n"
	    "  both:\n"
	    "    auth:\n"
	    "      tenant_name: old\n"
	    "      project_name: new\n", 0600);
	CHECK(load(&cfg, "old", env, d, NULL) == 0);
	CHECK_STR(cfg.auth_type, "token");
	CHECK_STR(cfg.interface, "admin");
	CHECK_STR(cfg.token, "old-tok");
	CHECK_STR(cfg.project_name, "tname");
	CHECK_STR(cfg.project_id, "tid");
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);

	CHECK(load(&cfg, "both", env, d, NULL) == 0);
	CHECK_STR(cfg.project_name, "new");   /* new spelling wins */
	osfs_config_free(&cfg);

	const char *env2[] = {
		"OS_TENANT_NAME", "envtenant", "OS_TENANT_ID", "envtid",
		"OS_ENDPOINT_TYPE", "internalURL", "OS_AUTH_PLUGIN", "v3password",
		NULL,
	};
	CHECK(load(&cfg, NULL, env2, d, NULL) == 0);
	CHECK_STR(cfg.project_name, "envtenant");
	CHECK_STR(cfg.project_id, "envtid");
	CHECK_STR(cfg.interface, "internal");
	CHECK_STR(cfg.auth_type, "password");
	osfs_config_free(&cfg);

	const char *env3[] = {
		"OS_TENANT_NAME", "old", "OS_PROJECT_NAME", "new",
		"OS_ENDPOINT_TYPE", "admin", "OS_INTERFACE", "public",
		"OS_AUTH_PLUGIN", "token", "OS_AUTH_TYPE", "password", NULL,
	};
	CHECK(load(&cfg, NULL, env3, d, NULL) == 0);
	CHECK_STR(cfg.project_name, "new");
	CHECK_STR(cfg.interface, "public");
	CHECK_STR(cfg.auth_type, "password");
	osfs_config_free(&cfg);

	/* OS_TENANT_NAME over a file's project_name: env beats file */
	const char *env4[] = { "OS_TENANT_NAME", "envtenant", NULL };
	CHECK(load(&cfg, "both", env4, d, NULL) == 0);
	CHECK_STR(cfg.project_name, "envtenant");
	osfs_config_free(&cfg);
}

static void test_dash_keys(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	struct osfs_config cfg;

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  dash-cloud:\n"
	    "    auth-type: password\n"
	    "    region-name: DashRegion\n"
	    "    auth:\n"
	    "      auth-url: https://dash/v3\n"
	    "      user-id: uid1\n"
	    "      password: p\n"
	    "      project-id: pid1\n"
	    "      user-domain-name: UD\n"
	    "      auth-token: dash-tok\n"
	    "    openstackfs:\n"
	    "      default-flavor: m1.small\n", 0600);
	CHECK(load(&cfg, "dash-cloud", env, d, NULL) == 0);
	CHECK_STR(cfg.auth_url, "https://dash/v3");
	CHECK_STR(cfg.user_id, "uid1");
	CHECK_STR(cfg.project_id, "pid1");
	CHECK_STR(cfg.user_domain_name, "UD");
	CHECK_STR(cfg.region_name, "DashRegion");
	CHECK_STR(cfg.token, "dash-tok");
	CHECK_STR(cfg.default_flavor, "m1.small");
	osfs_config_free(&cfg);

	/* cloud names are not normalised */
	CHECK(load(&cfg, "dash_cloud", env, d, NULL) == -ENOENT);
	CHECK(contains(why.msg, "cloud 'dash_cloud' not found in"));
}

static void test_top_level_auth_keys(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	struct osfs_config cfg;

	/* openstacksdk accepts auth keys on the cloud itself; auth: wins */
	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  flat:\n"
	    "    auth_url: https://flat/v3\n"
	    "    username: flatuser\n"
	    "    project_name: top\n"
	    "    auth:\n"
	    "      project_name: inauth\n", 0600);
	CHECK(load(&cfg, "flat", env, d, NULL) == 0);
	CHECK_STR(cfg.auth_url, "https://flat/v3");
	CHECK_STR(cfg.username, "flatuser");
	CHECK_STR(cfg.project_name, "inauth");
	osfs_config_free(&cfg);
}

static void test_regions(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	const char *env_r[] = { "OS_REGION_NAME", "EnvR", NULL };
	struct osfs_config cfg;

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  strs: {regions: [R1, R2]}\n"
	    "  maps:\n"
	    "    regions:\n"
	    "      - name: M1\n"
	    "        values: {compute_api_version: '2.1'}\n"
	    "      - name: M2\n"
	    "  both: {region_name: Named, regions: [R1]}\n"
	    "  one: {regions: Single}\n"
	    "  bad: {regions: [[x]]}\n", 0600);
	CHECK(load(&cfg, "strs", env, d, NULL) == 0);
	CHECK_STR(cfg.region_name, "R1");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "maps", env, d, NULL) == 0);
	CHECK_STR(cfg.region_name, "M1");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "both", env, d, NULL) == 0);
	CHECK_STR(cfg.region_name, "Named");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "one", env, d, NULL) == 0);
	CHECK_STR(cfg.region_name, "Single");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "maps", env_r, d, NULL) == 0);
	CHECK_STR(cfg.region_name, "EnvR");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "bad", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, "clouds.yaml:10: 'regions' must be a string or a list"));
}

static void test_interface(void)
{
	static const char *const cases[][2] = {
		{ "publicURL", "public" }, { "internalURL", "internal" },
		{ "adminURL", "admin" }, { "Public", "public" },
		{ "internal", "internal" }, { "PUBLICurl", "public" },
	};
	struct osfs_config cfg;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = { "OS_INTERFACE", cases[i][0], NULL };

		CHECK(load(&cfg, NULL, env, NULL, NULL) == 0);
		CHECK_STR(cfg.interface, cases[i][1]);
		osfs_config_free(&cfg);
	}

	const char *env[] = {
		"OS_INTERFACE", "private", "OS_AUTH_URL", "https://k/v3",
		"OS_USER_ID", "u", "OS_PASSWORD", "p", "OS_PROJECT_ID", "p1", NULL,
	};
	CHECK(load(&cfg, NULL, env, NULL, NULL) == 0);
	CHECK(osfs_config_check(&cfg, &why) == -EINVAL);
	CHECK_STR(why.msg, "interface 'private' is not public, internal or admin");
	osfs_config_free(&cfg);
}

/* ---- domains and auth types ---- */

static void test_domains(void)
{
	struct osfs_config cfg;

	/* project-scoped: domain_name fills both domains and is dropped */
	const char *env1[] = {
		"OS_USERNAME", "u", "OS_PROJECT_NAME", "p",
		"OS_DOMAIN_NAME", "Shared", NULL,
	};
	CHECK(load(&cfg, NULL, env1, NULL, NULL) == 0);
	CHECK_STR(cfg.user_domain_name, "Shared");
	CHECK_STR(cfg.project_domain_name, "Shared");
	CHECK_STR(cfg.user_domain_id, NULL);
	CHECK_STR(cfg.project_domain_id, NULL);
	CHECK_STR(cfg.domain_name, NULL);
	osfs_config_free(&cfg);

	/* explicit domains are kept; only the unset one is filled */
	const char *env2[] = {
		"OS_USERNAME", "u", "OS_PROJECT_ID", "pid",
		"OS_USER_DOMAIN_ID", "ud", "OS_DOMAIN_ID", "did", NULL,
	};
	CHECK(load(&cfg, NULL, env2, NULL, NULL) == 0);
	CHECK_STR(cfg.user_domain_id, "ud");
	CHECK_STR(cfg.project_domain_id, "did");
	CHECK_STR(cfg.domain_id, NULL);
	osfs_config_free(&cfg);

	/* not project-scoped: the domain is the scope, kept as is */
	const char *env3[] = {
		"OS_USERNAME", "u", "OS_DOMAIN_NAME", "Scope", NULL,
	};
	CHECK(load(&cfg, NULL, env3, NULL, NULL) == 0);
	CHECK_STR(cfg.domain_name, "Scope");
	CHECK_STR(cfg.user_domain_name, NULL);
	CHECK_STR(cfg.user_domain_id, "default");
	CHECK_STR(cfg.project_domain_id, NULL);
	osfs_config_free(&cfg);

	/* OS_DEFAULT_DOMAIN; ids need no domain */
	const char *env4[] = {
		"OS_USERNAME", "u", "OS_PROJECT_NAME", "p",
		"OS_DEFAULT_DOMAIN", "d0", NULL,
	};
	CHECK(load(&cfg, NULL, env4, NULL, NULL) == 0);
	CHECK_STR(cfg.user_domain_id, "d0");
	CHECK_STR(cfg.project_domain_id, "d0");
	osfs_config_free(&cfg);
	const char *env5[] = { "OS_USER_ID", "u", "OS_PROJECT_ID", "p", NULL };
	CHECK(load(&cfg, NULL, env5, NULL, NULL) == 0);
	CHECK_STR(cfg.user_domain_id, NULL);
	CHECK_STR(cfg.project_domain_id, NULL);
	osfs_config_free(&cfg);

	/* default_domain in the cloud entry, below OS_DEFAULT_DOMAIN */
	const char *d = tmpdir();
	const char *env6[] = { NULL };
	const char *env7[] = { "OS_DEFAULT_DOMAIN", "envdom", NULL };

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  c: {default_domain: filedom, auth: {username: u, project_name: p}}\n"
	    "  s:\n"
	    "    auth: {username: u, project_name: p, domain_id: sd, auth_url: x}\n",
	    0600);
	CHECK(load(&cfg, "c", env6, d, NULL) == 0);
	CHECK_STR(cfg.user_domain_id, "filedom");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "c", env7, d, NULL) == 0);
	CHECK_STR(cfg.project_domain_id, "envdom");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "s", env6, d, NULL) == 0);   /* shortcut in a file */
	CHECK_STR(cfg.user_domain_id, "sd");
	CHECK_STR(cfg.project_domain_id, "sd");
	CHECK_STR(cfg.domain_id, NULL);
	osfs_config_free(&cfg);
}

static void test_auth_types(void)
{
	struct osfs_config cfg;

	/* only application credential keys: v3applicationcredential */
	const char *env1[] = {
		"OS_AUTH_URL", "https://k/v3",
		"OS_APPLICATION_CREDENTIAL_ID", "acid",
		"OS_APPLICATION_CREDENTIAL_SECRET", "acsecret", NULL,
	};
	CHECK(load(&cfg, NULL, env1, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "v3applicationcredential");
	CHECK_STR(cfg.app_cred_id, "acid");
	CHECK_STR(cfg.app_cred_secret, "acsecret");
	CHECK_STR(cfg.project_domain_id, NULL);
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);

	/* by name with a user (and no password): still an app cred */
	const char *env2[] = {
		"OS_AUTH_URL", "https://k/v3", "OS_USERNAME", "u",
		"OS_APPLICATION_CREDENTIAL_NAME", "acname",
		"OS_APPLICATION_CREDENTIAL_SECRET", "acsecret", NULL,
	};
	CHECK(load(&cfg, NULL, env2, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "v3applicationcredential");
	CHECK_STR(cfg.user_domain_id, "default");
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);

	/* a user with a password wins over stray app cred keys */
	const char *env3[] = {
		"OS_USERNAME", "u", "OS_PASSWORD", "p",
		"OS_APPLICATION_CREDENTIAL_ID", "acid", NULL,
	};
	CHECK(load(&cfg, NULL, env3, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "password");
	osfs_config_free(&cfg);

	/* a token alone: token; token and user: password (as osc-lib) */
	const char *env4[] = { "OS_TOKEN", "t", NULL };
	CHECK(load(&cfg, NULL, env4, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "token");
	osfs_config_free(&cfg);
	const char *env5[] = { "OS_TOKEN", "t", "OS_USERNAME", "u", NULL };
	CHECK(load(&cfg, NULL, env5, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "password");
	osfs_config_free(&cfg);
	const char *env5b[] = { "OS_AUTH_TOKEN", "t", NULL };
	CHECK(load(&cfg, NULL, env5b, NULL, NULL) == 0);
	CHECK_STR(cfg.token, "t");
	osfs_config_free(&cfg);

	/* nothing: password */
	const char *env6[] = { NULL };
	CHECK(load(&cfg, NULL, env6, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "password");
	osfs_config_free(&cfg);

	/* aliases */
	const char *env7[] = { "OS_AUTH_TYPE", "v3token", NULL };
	CHECK(load(&cfg, NULL, env7, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "token");
	osfs_config_free(&cfg);
	const char *env8[] = { "OS_AUTH_TYPE", "v3applicationcredential",
			       "OS_USERNAME", "u", "OS_PASSWORD", "p", NULL };
	CHECK(load(&cfg, NULL, env8, NULL, NULL) == 0);
	CHECK_STR(cfg.auth_type, "v3applicationcredential");
	osfs_config_free(&cfg);

	/* app cred from a file, with the domain shortcut as the user's */
	const char *d = tmpdir();
	const char *env9[] = { NULL };

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  ac:\n"
	    "    auth:\n"
	    "      auth_url: https://k/v3\n"
	    "      username: u\n"
	    "      domain_name: UserDom\n"
	    "      application_credential_name: n\n"
	    "      application_credential_secret: s\n", 0600);
	CHECK(load(&cfg, "ac", env9, d, NULL) == 0);
	CHECK_STR(cfg.auth_type, "v3applicationcredential");
	CHECK_STR(cfg.user_domain_name, "UserDom");
	CHECK_STR(cfg.user_domain_id, NULL);
	CHECK_STR(cfg.project_domain_name, NULL);
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);
}

/* ---- TLS ---- */

static void test_tls(void)
{
	static const struct { const char *v; bool want; } cases[] = {
		{ "true", true }, { "TRUE", true }, { "True", true },
		{ "1", true }, { "yes", true }, { "YES", true },
		{ "false", false }, { "0", false }, { "no", false },
		{ "on", false }, { "", false }, { "anything", false },
	};
	const char *d = tmpdir();
	struct osfs_config cfg;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = { "OS_INSECURE", cases[i].v, NULL };

		CHECK(load(&cfg, NULL, env, NULL, NULL) == 0);
		if (cfg.insecure != cases[i].want)
			fprintf(stderr, "OS_INSECURE=%s\n", cases[i].v);
		CHECK(cfg.insecure == cases[i].want);
		osfs_config_free(&cfg);
	}

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  noverify: {verify: false, cacert: /ca.pem, cert: /c.pem, key: /k.pem}\n"
	    "  verify: {verify: true}\n"
	    "  insecure: {insecure: True}\n"
	    "  quoted: {verify: 'no'}\n"
	    "  badverify: {verify: maybe}\n", 0600);
	const char *env0[] = { NULL };
	CHECK(load(&cfg, "noverify", env0, d, NULL) == 0);
	CHECK(cfg.insecure);
	CHECK_STR(cfg.cacert, "/ca.pem");
	CHECK_STR(cfg.cert, "/c.pem");
	CHECK_STR(cfg.key, "/k.pem");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "verify", env0, d, NULL) == 0);
	CHECK(!cfg.insecure);
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "insecure", env0, d, NULL) == 0);
	CHECK(cfg.insecure);
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "quoted", env0, d, NULL) == 0);
	CHECK(cfg.insecure);
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "badverify", env0, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, "clouds.yaml:6: 'verify' must be true or false"));

	/* env over file, both ways */
	const char *env1[] = { "OS_INSECURE", "false", "OS_CACERT", "/env-ca.pem",
			       "OS_CERT", "/env-c.pem", "OS_KEY", "/env-k.pem", NULL };
	CHECK(load(&cfg, "noverify", env1, d, NULL) == 0);
	CHECK(!cfg.insecure);
	CHECK_STR(cfg.cacert, "/env-ca.pem");
	CHECK_STR(cfg.cert, "/env-c.pem");
	CHECK_STR(cfg.key, "/env-k.pem");
	osfs_config_free(&cfg);
	const char *env2[] = { "OS_INSECURE", "true", NULL };
	CHECK(load(&cfg, "verify", env2, d, NULL) == 0);
	CHECK(cfg.insecure);
	osfs_config_free(&cfg);
}

static void test_openstackfs_keys(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	struct osfs_config cfg;

	put(d, "clouds.yaml",
	    "clouds:\n"
	    "  a:\n"
	    "    openstackfs:\n"
	    "      default_flavor: m1.tiny\n"
	    "      default_image: cirros\n"
	    "      default_networks: none\n"
	    "  b:\n"
	    "    openstackfs: {default_networks: [net1, net2, net3]}\n"
	    "  c:\n"
	    "    openstackfs: [x]\n", 0600);
	CHECK(load(&cfg, "a", env, d, NULL) == 0);
	CHECK_STR(cfg.default_flavor, "m1.tiny");
	CHECK_STR(cfg.default_image, "cirros");
	CHECK_STR(cfg.default_networks, "none");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "b", env, d, NULL) == 0);
	CHECK_STR(cfg.default_flavor, NULL);
	CHECK_STR(cfg.default_networks, "net1,net2,net3");
	osfs_config_free(&cfg);
	CHECK(load(&cfg, "c", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, "clouds.yaml:10: 'openstackfs' must be a map"));
}

/* ---- security ---- */

static void test_permissions(void)
{
	const char *d = tmpdir(), *d2 = tmpdir();
	const char *env[] = { NULL };
	char want[8192];
	struct osfs_config cfg;
	const char *p;

	p = put(d, "clouds.yaml", DEMO_CLOUD, 0644);
	snprintf(want, sizeof(want),
		 "warning: %s contains a password and is readable by others "
		 "(chmod 600 it)", p);
	CHECK(load(&cfg, "demo", env, d, NULL) == 0);
	CHECK_STR(cfg.warnings, want);
	CHECK(!contains(cfg.warnings, "file-pw-123"));
	osfs_config_free(&cfg);

	put(d, "clouds.yaml", DEMO_CLOUD, 0600);
	CHECK(load(&cfg, "demo", env, d, NULL) == 0);
	CHECK_STR(cfg.warnings, NULL);
	osfs_config_free(&cfg);

	/* group-readable counts too */
	put(d, "clouds.yaml", DEMO_CLOUD, 0640);
	CHECK(load(&cfg, "demo", env, d, NULL) == 0);
	CHECK(contains(cfg.warnings, "contains a password"));
	osfs_config_free(&cfg);

	/* the secret is in secure.yaml: that is the file named */
	put(d2, "clouds.yaml", "clouds: {s: {auth: {username: u}}}\n", 0644);
	p = put(d2, "secure.yaml",
		"clouds: {s: {auth: {application_credential_secret: acs}}}\n", 0604);
	snprintf(want, sizeof(want),
		 "warning: %s contains an application credential secret and is "
		 "readable by others (chmod 600 it)", p);
	CHECK(load(&cfg, "s", env, d2, NULL) == 0);
	CHECK_STR(cfg.warnings, want);
	osfs_config_free(&cfg);

	/* a secret of another cloud in the file does not count */
	put(d2, "clouds.yaml",
	    "clouds:\n  s: {auth: {username: u}}\n  t: {auth: {password: x}}\n",
	    0644);
	put(d2, "secure.yaml", "clouds: {}\n", 0644);
	CHECK(load(&cfg, "s", env, d2, NULL) == 0);
	CHECK_STR(cfg.warnings, NULL);
	osfs_config_free(&cfg);

	/* a token, at the cloud's top level, in a world-readable file */
	put(d2, "clouds.yaml", "clouds: {s: {token: tk}}\n", 0666);
	CHECK(load(&cfg, "s", env, d2, NULL) == 0);
	CHECK(contains(cfg.warnings, "contains a token and is readable"));
	CHECK(!contains(cfg.warnings, "tk\n"));
	osfs_config_free(&cfg);
}

static void test_malformed(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	char want[8192];
	struct osfs_config cfg;
	const char *p;

	p = put(d, "clouds.yaml",
		"clouds:\n"
		"  bad:\n"
		"    auth:\n"
		"      password: \"unterminated-pw-secret\n"
		"      username: u\n", 0600);
	snprintf(want, sizeof(want), "%s:", p);
	CHECK(load(&cfg, "bad", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, want));
	CHECK(!contains(why.msg, "unterminated-pw-secret"));
	CHECK(all_zero(&cfg));

	p = put(d, "clouds.yaml",
		"clouds:\n"
		"  bad:\n"
		"    auth:\n"
		"      auth_url: x\n"
		"     username: u\n"
		"      password: sekrit-value\n", 0600);
	snprintf(want, sizeof(want), "%s:5: ", p);
	CHECK(load(&cfg, "bad", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, want));
	CHECK(!contains(why.msg, "sekrit-value"));

	/* a malformed secure.yaml is an error too, without its contents */
	put(d, "clouds.yaml", DEMO_CLOUD, 0600);
	p = put(d, "secure.yaml", "clouds:\n  demo: {auth: {password: [pw-in-secure}\n",
		0600);
	snprintf(want, sizeof(want), "%s:2: ", p);
	CHECK(load(&cfg, "demo", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, want));
	CHECK(!contains(why.msg, "pw-in-secure"));

	/* wrong types name the file, line and key, never the value */
	p = put(d, "secure.yaml",
		"clouds:\n  demo:\n    auth:\n      password: [typed-pw]\n", 0600);
	snprintf(want, sizeof(want), "%s:4: 'password' must be a string", p);
	CHECK(load(&cfg, "demo", env, d, NULL) == -EINVAL);
	CHECK_STR(why.msg, want);
	put(d, "secure.yaml", "- just\n- a list\n", 0600);
	CHECK(load(&cfg, "demo", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, "the top level must be a map"));
	put(d, "secure.yaml", "clouds: [a]\n", 0600);
	CHECK(load(&cfg, "demo", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, ":1: 'clouds' must be a map"));
	put(d, "secure.yaml", "clouds: {demo: {auth: 5}}\n", 0600);
	CHECK(load(&cfg, "demo", env, d, NULL) == -EINVAL);
	CHECK(contains(why.msg, ":1: 'auth' must be a map"));

	/* an empty secure.yaml is fine */
	put(d, "secure.yaml", "", 0600);
	CHECK(load(&cfg, "demo", env, d, NULL) == 0);
	CHECK_STR(cfg.password, "file-pw-123");
	osfs_config_free(&cfg);
}

static void test_check_messages(void)
{
	static const struct {
		const char *env[12];
		const char *want;
	} cases[] = {
		{ { "OS_USERNAME", "u", "OS_PASSWORD", "hunter2", NULL },
		  "no auth_url: set OS_AUTH_URL or use --cloud" },
		{ { "OS_AUTH_URL", "x", "OS_USERNAME", "demo", NULL },
		  "no password for user demo" },
		{ { "OS_AUTH_URL", "x", "OS_PASSWORD", "hunter2", NULL },
		  "password auth needs a user (username or user_id)" },
		{ { "OS_AUTH_URL", "x", "OS_USERNAME", "demo", "OS_PASSWORD",
		    "hunter2", NULL },
		  "password auth needs a project (project_name or project_id)" },
		{ { "OS_AUTH_URL", "x", "OS_AUTH_TYPE", "token", "OS_PROJECT_ID",
		    "p", NULL },
		  "token auth needs a token (OS_TOKEN or auth.token)" },
		{ { "OS_AUTH_URL", "x", "OS_TOKEN", "hunter2", NULL },
		  "token auth needs a project (project_name or project_id)" },
		{ { "OS_AUTH_URL", "x", "OS_APPLICATION_CREDENTIAL_ID", "i", NULL },
		  "application credential needs a secret (application_credential_secret)" },
		{ { "OS_AUTH_URL", "x", "OS_APPLICATION_CREDENTIAL_NAME", "n",
		    "OS_APPLICATION_CREDENTIAL_SECRET", "hunter2", NULL },
		  "application credential by name needs a user (username or user_id)" },
		{ { "OS_AUTH_URL", "x", "OS_AUTH_TYPE", "v3applicationcredential",
		    "OS_APPLICATION_CREDENTIAL_SECRET", "hunter2", NULL },
		  "application credential needs an id or a name" },
		{ { "OS_AUTH_URL", "x", "OS_AUTH_TYPE", "v3oidcpassword",
		    "OS_PASSWORD", "hunter2", NULL },
		  "auth_type 'v3oidcpassword' is not supported "
		  "(use password, token or v3applicationcredential)" },
		{ { "OS_AUTH_URL", "x", "OS_USER_ID", "uid", NULL },
		  "no password for user uid" },
	};
	struct osfs_config cfg;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(load(&cfg, NULL, cases[i].env, NULL, NULL) == 0);
		CHECK(osfs_config_check(&cfg, &why) == -EINVAL);
		CHECK_STR(why.msg, cases[i].want);
		CHECK(!contains(why.msg, "hunter2"));
		osfs_config_free(&cfg);
	}

	/* the domain messages need a config built by hand: loading always
	 * fills a default domain */
	memset(&cfg, 0, sizeof(cfg));
	cfg.auth_url = (char *)"x";
	cfg.auth_type = (char *)"password";
	cfg.username = (char *)"demo";
	cfg.password = (char *)"hunter2";
	cfg.project_id = (char *)"p";
	CHECK(osfs_config_check(&cfg, &why) == -EINVAL);
	CHECK_STR(why.msg, "a user name needs its domain (user_domain_name or user_domain_id)");
	cfg.user_domain_name = (char *)"Default";
	cfg.project_id = NULL;
	cfg.project_name = (char *)"demo";
	CHECK(osfs_config_check(&cfg, &why) == -EINVAL);
	CHECK_STR(why.msg, "a project name needs its domain "
		       "(project_domain_name or project_domain_id)");
	cfg.project_domain_id = (char *)"default";
	CHECK(osfs_config_check(&cfg, &why) == 0);
	CHECK_STR(why.msg, "");

	/* a named cloud without auth_url says which */
	const char *d = tmpdir();
	const char *env[] = { NULL };
	char want[8192];

	snprintf(want, sizeof(want),
		 "no auth_url in cloud 'empty' of %s: set auth.auth_url or OS_AUTH_URL",
		 put(d, "clouds.yaml", "clouds:\n  empty:\n", 0600));
	CHECK(load(&cfg, "empty", env, d, NULL) == 0);
	CHECK(osfs_config_check(&cfg, &why) == -EINVAL);
	CHECK_STR(why.msg, want);
	osfs_config_free(&cfg);

	/* no place for the reason is allowed */
	const char *env2[] = { NULL };

	fake_env = env2;
	CHECK(osfs_config_load(&cfg, NULL, fake_getenv, NULL, NULL) == 0);
	CHECK(osfs_config_check(&cfg, NULL) == -EINVAL);
	osfs_config_free(&cfg);
}

static void test_profile_warning(void)
{
	const char *d = tmpdir();
	const char *env[] = { NULL };
	struct osfs_config cfg;

	put(d, "clouds.yaml", "clouds: {v: {profile: vexxhost}}\n", 0600);
	CHECK(load(&cfg, "v", env, d, NULL) == 0);
	CHECK_STR(cfg.warnings, "warning: cloud 'v' uses vendor profile "
				"'vexxhost', which openstackfs does not read");
	osfs_config_free(&cfg);
}

/* the checked-in fixture: anchors, merge keys, secure.yaml, regions maps */
static void test_fixture(void)
{
	const char *env[] = { NULL };
	struct osfs_config cfg;

	CHECK(load(&cfg, "devstack", env, "data/config", NULL) == 0);
	CHECK_STR(cfg.config_file, "data/config/clouds.yaml");
	CHECK_STR(cfg.auth_type, "password");
	CHECK_STR(cfg.interface, "internal");
	CHECK_STR(cfg.auth_url, "http://192.0.2.10/identity");
	CHECK_STR(cfg.password, "fixture-devstack-pw");
	CHECK_STR(cfg.region_name, "RegionOne");
	CHECK_STR(cfg.default_flavor, "m1.tiny");
	CHECK_STR(cfg.default_image, "cirros-0.6.2");
	CHECK_STR(cfg.default_networks, "private,shared");
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);

	CHECK(load(&cfg, "my-vendor", env, "data/config", NULL) == 0);
	CHECK_STR(cfg.auth_type, "v3applicationcredential");
	CHECK_STR(cfg.auth_url, "https://keystone.example.com:5000/v3");
	CHECK_STR(cfg.app_cred_secret, "fixture-appcred-secret");
	CHECK_STR(cfg.region_name, "ZoneA");
	CHECK_STR(cfg.interface, "public");
	CHECK(cfg.insecure);
	CHECK(contains(cfg.warnings, "vendor profile 'examplecloud'"));
	CHECK(!contains(cfg.warnings, "fixture-appcred-secret"));
	CHECK(osfs_config_check(&cfg, &why) == 0);
	osfs_config_free(&cfg);

	CHECK(load(&cfg, "broken", env, "data/config/malformed", NULL) == -EINVAL);
	CHECK(contains(why.msg, "data/config/malformed/clouds.yaml:5: "));
	CHECK(!contains(why.msg, "fixture-malformed-pw"));
}

/* ---- the YAML tree ---- */

static struct osfs_yaml_node *parse(const char *text, int *ret)
{
	struct osfs_yaml_node *root = NULL;

	*ret = osfs_yaml_parse(text, strlen(text), "t.yaml", &root, &why);
	return root;
}

static void test_yaml_basics(void)
{
	struct osfs_yaml_node *r;
	const struct osfs_yaml_node *n;
	bool b;
	int ret;

	r = parse("a:\n  b-c: 1\n  list: [x, {name: y}]\n  nul: ~\n  nul2:\n"
		  "  empty: ''\n  dup: first\n  dup: second\n  'q': \"null\"\n", &ret);
	CHECK(ret == 0 && r);
	CHECK_STR(osfs_yaml_path_str(r, "a", "b_c", NULL), "1");
	CHECK_STR(osfs_yaml_path_str(r, "a", "b-c", NULL), "1");
	CHECK(osfs_yaml_get_exact(osfs_yaml_get(r, "a"), "b_c") == NULL);
	n = osfs_yaml_path(r, "a", "list", NULL);
	CHECK(n && n->type == OSFS_YAML_SEQ && n->line == 3);
	CHECK(n && n->child && n->child->next &&
	      n->child->next->type == OSFS_YAML_MAP);
	CHECK_STR(n ? osfs_yaml_path_str(n->child->next, "name", NULL) : NULL, "y");
	n = osfs_yaml_path(r, "a", "nul", NULL);
	CHECK(n && n->type == OSFS_YAML_NULL);
	n = osfs_yaml_path(r, "a", "nul2", NULL);
	CHECK(n && n->type == OSFS_YAML_NULL);
	CHECK_STR(osfs_yaml_path_str(r, "a", "empty", NULL), "");
	CHECK_STR(osfs_yaml_path_str(r, "a", "dup", NULL), "second");
	CHECK_STR(osfs_yaml_path_str(r, "a", "q", NULL), "null");
	CHECK(osfs_yaml_path_str(r, "a", NULL) == NULL);     /* not a scalar */
	CHECK(osfs_yaml_path(r, "a", "zz", "deeper", NULL) == NULL);
	osfs_yaml_free(r);

	/* empty input and a bare "---" are empty maps */
	r = parse("", &ret);
	CHECK(ret == 0 && r && r->type == OSFS_YAML_MAP && !r->child);
	osfs_yaml_free(r);
	r = parse("---\n", &ret);
	CHECK(ret == 0 && r && r->type == OSFS_YAML_MAP && !r->child);
	osfs_yaml_free(r);
	r = parse("# only a comment\n", &ret);
	CHECK(ret == 0 && r && r->type == OSFS_YAML_MAP);
	osfs_yaml_free(r);

	/* booleans */
	r = parse("[true, False, yes, NO, on, Off, 1, 0, maybe]", &ret);
	CHECK(ret == 0);
	n = r ? r->child : NULL;
	static const int want[] = { 1, 0, 1, 0, 1, 0, 1, 0, -1 };
	for (size_t i = 0; i < 9 && n; i++, n = n->next) {
		int got = osfs_yaml_bool(n, &b) == 0 ? b : -1;

		CHECK(got == want[i]);
	}
	osfs_yaml_free(r);
	CHECK(osfs_yaml_bool(NULL, &b) == -EINVAL);
}

static void test_yaml_anchors(void)
{
	struct osfs_yaml_node *r;
	int ret;

	r = parse("base: &b {x: 1, y: 2, sub: {z: 3}}\n"
		  "more: &m {w: 4, x: 9}\n"
		  "c: {<<: *b, y: 20}\n"
		  "d: {<<: [*m, *b]}\n"
		  "e: *b\n"
		  "s: &s str\n"
		  "t: [*s, *s]\n", &ret);
	CHECK(ret == 0);
	CHECK_STR(osfs_yaml_path_str(r, "c", "x", NULL), "1");
	CHECK_STR(osfs_yaml_path_str(r, "c", "y", NULL), "20");   /* explicit wins */
	CHECK_STR(osfs_yaml_path_str(r, "c", "sub", "z", NULL), "3");
	CHECK_STR(osfs_yaml_path_str(r, "d", "x", NULL), "9");    /* first map wins */
	CHECK_STR(osfs_yaml_path_str(r, "d", "y", NULL), "2");
	CHECK_STR(osfs_yaml_path_str(r, "d", "w", NULL), "4");
	CHECK_STR(osfs_yaml_path_str(r, "e", "sub", "z", NULL), "3");
	CHECK(osfs_yaml_path(r, "c", "<<", NULL) == NULL);
	CHECK(r && osfs_yaml_path(r, "t", NULL) &&
	      osfs_yaml_path(r, "t", NULL)->child &&
	      !strcmp(osfs_yaml_path(r, "t", NULL)->child->value, "str"));
	osfs_yaml_free(r);

	/* an anchor on an inline merge value stays usable */
	r = parse("a: {<<: &in {k: v}}\nb: *in\n", &ret);
	CHECK(ret == 0);
	CHECK_STR(osfs_yaml_path_str(r, "b", "k", NULL), "v");
	osfs_yaml_free(r);

	r = parse("a: *nope\n", &ret);
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:1: unknown anchor 'nope'");
	r = parse("a: &x [1, *x]\n", &ret);   /* a cycle is an unknown anchor */
	CHECK(ret == -EINVAL && !r);
	r = parse("a:\n  <<: scalar\n", &ret);
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:2: '<<' needs a map or a list of maps");
}

static void test_yaml_errors(void)
{
	struct osfs_yaml_node *r;
	char *big;
	int ret;

	r = parse("a: 1\nb: [1, 2\nc: 3\n", &ret);
	CHECK(ret == -EINVAL && !r);
	CHECK(contains(why.msg, "t.yaml:"));
	r = parse("a: 1\n---\nb: 2\n", &ret);
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:2: more than one YAML document");
	r = parse("? [a, b]\n: c\n", &ret);
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:1: a map key must be a plain string");
	r = parse("a: \"x\\0y\"\n", &ret);
	CHECK(ret == -EINVAL && !r);
	CHECK_STR(why.msg, "t.yaml:1: a NUL character in a string");
	r = parse("a: \"\xff\"\n", &ret);   /* bad UTF-8 */
	CHECK(ret == -EINVAL && !r);
	CHECK(contains(why.msg, "t.yaml:1: "));
	r = parse("a: \tb\n\tc: d\n", &ret);
	CHECK(ret == -EINVAL && !r);
	CHECK(contains(why.msg, "t.yaml:2: "));

	/* depth cap */
	big = calloc(1, 2 * OSFS_YAML_MAX_DEPTH + 10);
	memset(big, '[', OSFS_YAML_MAX_DEPTH + 1);
	memset(big + OSFS_YAML_MAX_DEPTH + 1, ']', OSFS_YAML_MAX_DEPTH + 1);
	r = parse(big, &ret);
	CHECK(ret == -EFBIG && !r);
	CHECK(contains(why.msg, "nested deeper than 64 levels"));
	big[OSFS_YAML_MAX_DEPTH] = ' ';      /* exactly at the cap: fine */
	big[OSFS_YAML_MAX_DEPTH + 1] = ' ';
	r = parse(big, &ret);
	CHECK(ret == 0 && r);
	osfs_yaml_free(r);
	free(big);

	/* size cap */
	big = malloc(OSFS_YAML_MAX_FILE + 2);
	memset(big, '#', OSFS_YAML_MAX_FILE + 1);
	big[OSFS_YAML_MAX_FILE + 1] = '\0';
	r = parse(big, &ret);
	CHECK(ret == -EFBIG && !r);
	CHECK_STR(why.msg, "t.yaml: larger than 1024 KiB");
	big[OSFS_YAML_MAX_FILE] = '\0';
	r = parse(big, &ret);
	CHECK(ret == 0 && r);
	osfs_yaml_free(r);

	/* and from a file */
	const char *d = tmpdir();
	char path[4096];

	big[OSFS_YAML_MAX_FILE] = '#';
	snprintf(path, sizeof(path), "%s", put(d, "big.yaml", big, 0600));
	CHECK(osfs_yaml_load_file(path, &r, NULL, &why) == -EFBIG && !r);
	CHECK(contains(why.msg, "larger than 1024 KiB"));
	free(big);
	snprintf(path, sizeof(path), "%s/none.yaml", d);
	CHECK(osfs_yaml_load_file(path, &r, NULL, &why) == -ENOENT);
	CHECK(osfs_yaml_load_file(d, &r, NULL, &why) == -EISDIR);
	snprintf(path, sizeof(path), "%s/fifo.yaml", d);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(osfs_yaml_load_file(path, &r, NULL, &why) == -EINVAL);
	CHECK(contains(why.msg, "not a regular file"));

	/* alias expansion ("billion laughs") stops at the caps */
	r = parse("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		  "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		  "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", &ret);
	CHECK(ret == -EFBIG && !r);
	CHECK(contains(why.msg, "alias expansion"));
	big = malloc(200001);
	memset(big, 'x', 200000);
	big[200000] = '\0';
	char *doc;
	CHECK(asprintf(&doc, "a: &a %s\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a,"
		       " *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
		       big) > 0);
	r = parse(doc, &ret);
	CHECK(ret == -EFBIG && !r);
	CHECK(contains(why.msg, "bytes of text"));
	free(doc);
	free(big);

	/* aliases may not push a tree past the depth cap */
	big = calloc(1, 4 * OSFS_YAML_MAX_DEPTH + 64);
	strcpy(big, "a: &a ");
	for (int i = 0; i < OSFS_YAML_MAX_DEPTH - 4; i++)
		strcat(big, "[");
	for (int i = 0; i < OSFS_YAML_MAX_DEPTH - 4; i++)
		strcat(big, "]");
	strcat(big, "\nb: [[[[[[*a]]]]]]\n");
	r = parse(big, &ret);
	CHECK(ret == -EFBIG && !r);
	CHECK(contains(why.msg, "nested deeper"));
	free(big);
}

static void test_yaml_merge(void)
{
	struct osfs_yaml_node *dst, *src;
	int ret;

	dst = parse("clouds:\n  a: {auth: {u: 1, p: 2}, r: R, l: [1]}\n  b: {x: 1}\n"
		    "top: t\n", &ret);
	src = parse("clouds:\n  a: {auth: {p: 3, n: 4}, l: [2, 3], r: {m: 1}}\n  c: {y: 2}\n",
		    &ret);
	osfs_yaml_merge(&dst, src);
	CHECK_STR(osfs_yaml_path_str(dst, "clouds", "a", "auth", "u", NULL), "1");
	CHECK_STR(osfs_yaml_path_str(dst, "clouds", "a", "auth", "p", NULL), "3");
	CHECK_STR(osfs_yaml_path_str(dst, "clouds", "a", "auth", "n", NULL), "4");
	CHECK_STR(osfs_yaml_path_str(dst, "clouds", "a", "r", "m", NULL), "1");
	CHECK_STR(osfs_yaml_path_str(dst, "clouds", "b", "x", NULL), "1");
	CHECK_STR(osfs_yaml_path_str(dst, "clouds", "c", "y", NULL), "2");
	CHECK_STR(osfs_yaml_path_str(dst, "top", NULL), "t");
	const struct osfs_yaml_node *l = osfs_yaml_path(dst, "clouds", "a", "l", NULL);
	CHECK(l && l->child && !strcmp(l->child->value, "2"));   /* lists replace */
	osfs_yaml_free(dst);

	/* NULL destination, NULL source, non-map replace */
	dst = NULL;
	osfs_yaml_merge(&dst, parse("a: 1\n", &ret));
	CHECK_STR(osfs_yaml_path_str(dst, "a", NULL), "1");
	osfs_yaml_merge(&dst, NULL);
	CHECK_STR(osfs_yaml_path_str(dst, "a", NULL), "1");
	osfs_yaml_merge(&dst, parse("[1]\n", &ret));
	CHECK(dst && dst->type == OSFS_YAML_SEQ);
	osfs_yaml_free(dst);
	osfs_yaml_free(NULL);
}

int main(void)
{
	test_env_only();
	test_file_and_env();
	test_secure_merge();
	test_search_order();
	test_client_config_file();
	test_default_search_path();
	test_skipped_files();
	test_old_spellings();
	test_dash_keys();
	test_top_level_auth_keys();
	test_regions();
	test_interface();
	test_domains();
	test_auth_types();
	test_tls();
	test_openstackfs_keys();
	test_permissions();
	test_malformed();
	test_check_messages();
	test_profile_warning();
	test_fixture();
	test_yaml_basics();
	test_yaml_anchors();
	test_yaml_errors();
	test_yaml_merge();
	tmpdirs_cleanup();
	return CHECK_DONE();
}
