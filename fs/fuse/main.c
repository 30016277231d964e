/* main.c - start-up: options, then the supervisor (supervisor.h), or, in
 * the serving process it runs: configuration, authentication, mount, serve.
 *
 * The serving ladder: load configuration → authenticate, find the
 * endpoints, negotiate versions (errors here reach the terminal and exit 1
 * with nothing mounted) → create the low-level FUSE session (fsops.c) →
 * mount and hand the descriptor to the supervisor (generation 1), or take
 * the one handed down (later generations) → signals → serve on up to 64
 * threads, unwinding with goto in reverse order.  The supervisor unmounts.
 */
#include "osfs_clients.h"
#include "osfs_net.h"
#include "osfs_cache.h"
#include "osfs_config.h"
#include "osfs_tree.h"
#include "fsops.h"
#include "osfs_base.h"
#include "relay.h"
#include "supervisor.h"
#include "unmount.h"
#include "osfs_model.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <unistd.h>

enum { KEY_CLOUD, KEY_HELP, KEY_VERSION, KEY_DEBUG, KEY_FOREGROUND, KEY_RO, KEY_DROP, KEY_ALLOW_OTHER };

#define OPT(t, m) { t, offsetof(struct osfs_opts, m), 1 }

/* The options fixed here; -o ttl_KIND=S, one per kind at the root, come
 * from the kinds table (ttl_opts). */
static const struct fuse_opt fixed_opts[] = {
	FUSE_OPT_KEY("--cloud ", KEY_CLOUD),
	FUSE_OPT_KEY("--cloud=", KEY_CLOUD),
	FUSE_OPT_KEY("cloud=", KEY_CLOUD),
	OPT("ttl=%lf", ttl),
	OPT("active=%lf", active),
	OPT("connect_timeout=%lf", connect_timeout),
	OPT("timeout=%lf", timeout),
	OPT("max_response=%lu", max_response),
	OPT("max_inodes=%lu", max_inodes),
	OPT("default_flavor=%s", default_flavor),
	OPT("default_image=%s", default_image),
	OPT("default_networks=%s", default_networks),
	OPT("volume_size=%ld", volume_size),
	OPT("noadmin", noadmin),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("-d", KEY_DEBUG),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_KEY("-f", KEY_FOREGROUND),
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	/* fstab-only options: accepted and dropped */
	FUSE_OPT_KEY("auto", KEY_DROP),
	FUSE_OPT_KEY("noauto", KEY_DROP),
	FUSE_OPT_KEY("user", KEY_DROP),
	FUSE_OPT_KEY("nouser", KEY_DROP),
	FUSE_OPT_KEY("users", KEY_DROP),
	FUSE_OPT_KEY("_netdev", KEY_DROP),
	FUSE_OPT_KEY("nofail", KEY_DROP),
	FUSE_OPT_KEY("defaults", KEY_DROP),
	FUSE_OPT_KEY("rw", KEY_DROP),
	FUSE_OPT_END
};

#define NFIXED (sizeof(fixed_opts) / sizeof(fixed_opts[0]))

/* Has kind k an option of its own: a directory at the mount's root? */
static bool kind_has_ttl(int k)
{
	return !osfs_kinds[k].area && !osfs_kinds[k].nested;
}

/* The option templates, "ttl_servers=%lf" and so on; made once. */
static char ttl_templates[OSFS_NKINDS][64];

/* fixed_opts, then -o ttl_KIND=S for each kind at the root, into spec
 * (room for NFIXED + OSFS_NKINDS). */
static void make_opt_spec(struct fuse_opt *spec)
{
	size_t n = NFIXED - 1; /* before FUSE_OPT_END */

	memcpy(spec, fixed_opts, n * sizeof(*spec));
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (!kind_has_ttl(k))
			continue;
		snprintf(ttl_templates[k], sizeof(ttl_templates[k]), "ttl_%s=%%lf", osfs_kinds[k].dir);
		spec[n++] = (struct fuse_opt){ ttl_templates[k],
			offsetof(struct osfs_opts, ttls) + (unsigned long)k * sizeof(double), 0 };
	}
	spec[n] = (struct fuse_opt)FUSE_OPT_END;
}

/* The -o ttl_KIND lines of the usage, from the kinds table. */
static void print_ttl_usage(FILE *out)
{
	int col = 0;

	fputs("    -o ttl_KIND=S          the same for one kind, with its default:\n", out);
	for (int k = 0; k < OSFS_NKINDS; k++) {
		if (!kind_has_ttl(k))
			continue;
		if (col == 0)
			col = fprintf(out, "      ");
		col += fprintf(out, " ttl_%s (%g)", osfs_kinds[k].dir, osfs_kinds[k].ttl);
		if (col > 60) {
			fputc('\n', out);
			col = 0;
		}
	}
	if (col)
		fputc('\n', out);
}

static const char usage_head[] =
"usage: openstackfs [--cloud NAME | NAME] MOUNTPOINT [-f] [-d] [-o opt,...]\n"
"\n"
"Mount an OpenStack cloud as a directory tree.  Credentials come from the\n"
"OS_* environment and/or clouds.yaml (--cloud NAME or OS_CLOUD).\n"
"\n"
"options:\n"
"    --cloud=NAME           clouds.yaml entry (default: $OS_CLOUD, else OS_* only)\n"
"    -f                     stay in the foreground, log to stderr\n"
"    -d, -o debug           debug log of every API call (implies -f)\n"
"    -h, --help             this help\n"
"    -V, --version          print the version\n"
"    -o ro                  read-only mount\n"
"    -o ttl=SECONDS         how old any listing may be\n"
"    -o active=SECONDS      a kind read this recently is refreshed every TTL in\n"
"                           the background (default 300; 0: on read only)\n";

static const char usage_tail[] =
"    -o connect_timeout=S   seconds to connect (default 5)\n"
"    -o timeout=S           seconds for a whole request (default 30)\n"
"    -o max_response=BYTES  largest API response accepted (default 64 MiB)\n"
"    -o max_inodes=N        files the kernel is let keep before the oldest are\n"
"                           dropped from its caches (default 65536; 0: no bound)\n"
"    -o default_flavor=F, default_image=I, default_networks=N\n"
"                           make `mkdir servers/NAME` boot at once\n"
"    -o volume_size=GIB     size of a new volume draft (default 1)\n"
"    -o allow_other         let other users in (forces default_permissions)\n"
"    -o noadmin             no admin/ directory, even for admin credentials\n"
"    fstab options auto, noauto, user, users, _netdev, nofail, defaults are ignored\n";

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct osfs_opts *o = data;

	switch (key) {
	case KEY_CLOUD: /* "--cloud NAME", "--cloud=NAME", "-o cloud=NAME" */
		arg = strncmp(arg, "--cloud", 7) == 0 ? arg + 7 : arg + 6;
		arg += strspn(arg, "= ");
		free(o->cloud);
		o->cloud = strdup(arg);
		return o->cloud ? 0 : -1;
	case KEY_HELP:
		o->show_help = 1;
		return 0;
	case KEY_VERSION:
		o->show_version = 1;
		return 0;
	case KEY_DEBUG:
		o->debug = 1;
		o->foreground = 1;
		return 0;
	case KEY_FOREGROUND:
		o->foreground = 1;
		return 0;
	case KEY_RO:
		o->ro = 1;
		return 1; /* the kernel refuses writes too */
	case KEY_ALLOW_OTHER:
		o->allow_other = 1;
		return 1;
	case KEY_DROP:
		return 0;
	case FUSE_OPT_KEY_OPT:
		if (strncmp(arg, "x-systemd.", 10) == 0 || strncmp(arg, "comment=", 8) == 0)
			return 0;
		return 1;
	case FUSE_OPT_KEY_NONOPT:
		if (!o->mountpoint) {
			o->mountpoint = strdup(arg);
			return 0;
		}
		if (!o->cloud) { /* "openstackfs CLOUD MOUNTPOINT", as mount(8) calls us */
			o->cloud = o->mountpoint;
			o->mountpoint = strdup(arg);
			return 0;
		}
		fprintf(stderr, "openstackfs: unexpected argument '%s'\n", arg);
		return -1;
	default:
		return 1;
	}
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

static void opts_free(struct osfs_opts *o)
{
	free(o->cloud);
	free(o->mountpoint);
	free(o->default_flavor);
	free(o->default_image);
	free(o->default_networks);
}

/* "openstackfs:NAME" or "NAME" as given by mount(8) → NAME. */
static void strip_source_prefix(struct osfs_opts *o)
{
	if (o->cloud && strncmp(o->cloud, "openstackfs:", 12) == 0)
		memmove(o->cloud, o->cloud + 12, strlen(o->cloud + 12) + 1);
	if (o->cloud && (!*o->cloud || strcmp(o->cloud, "openstackfs") == 0 ||
			 strcmp(o->cloud, "-") == 0)) {
		free(o->cloud);
		o->cloud = NULL;
	}
}

static void take_defaults(struct osfs_fs *fs)
{
	struct osfs_opts *o = &fs->opts;

	if (!o->default_flavor && fs->cfg.default_flavor)
		o->default_flavor = strdup(fs->cfg.default_flavor);
	if (!o->default_image && fs->cfg.default_image)
		o->default_image = strdup(fs->cfg.default_image);
	if (!o->default_networks && fs->cfg.default_networks)
		o->default_networks = strdup(fs->cfg.default_networks);
}

/* No core and no ptrace or /proc/PID/mem by other processes, root's
 * aside: this process holds the password and tokens.  0 or -errno. */
static int forbid_dumps(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		fprintf(stderr, "openstackfs: cannot make the process undumpable: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The configuration holds its own copies of the secrets: the environment's
 * are wiped, so that the password is held once. */
static void wipe_env_secrets(void)
{
	static const char *const names[] = { "OS_PASSWORD", "OS_TOKEN", "OS_APPLICATION_CREDENTIAL_SECRET" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *v = getenv(names[i]);
		if (v)
			explicit_bzero(v, strlen(v));
		unsetenv(names[i]);
	}
}

static int load_config(struct osfs_fs *fs)
{
	struct osfs_err err = { "" };
	const char *cloud = fs->opts.cloud ? fs->opts.cloud : getenv("OS_CLOUD");
	int ret = osfs_config_load(&fs->cfg, cloud && *cloud ? cloud : NULL, env_get, NULL, &err);

	if (ret == 0)
		ret = osfs_config_check(&fs->cfg, &err);
	if (ret < 0) {
		fprintf(stderr, "openstackfs: %s\n", err.msg);
		return ret;
	}
	wipe_env_secrets();
	if (fs->cfg.warnings)
		fprintf(stderr, "openstackfs: %s\n", fs->cfg.warnings);
	if (fs->cfg.insecure)
		fprintf(stderr, "openstackfs: warning: TLS certificates are NOT verified (insecure)\n");
	take_defaults(fs);
	return 0;
}

static int connect_cloud(struct osfs_fs *fs, int token_fd)
{
	struct osfs_api_opts aopts = {
		.http = {
			.connect_timeout_ms = (long)(fs->opts.connect_timeout * 1000),
			.timeout_ms = (long)(fs->opts.timeout * 1000),
			.max_body = fs->opts.max_response,
			.insecure = fs->cfg.insecure,
			.cacert = fs->cfg.cacert, .cert = fs->cfg.cert, .key = fs->cfg.key,
		},
		.max_retries = 3,
		.retry_budget_ms = 5000,
		.keep_token = true,
		.token_fd = token_fd,
	};
	struct osfs_err err = { "" };
	double ttls[OSFS_NKINDS];
	int ret = osfs_api_new(&fs->api, &fs->cfg, &aopts, &err);

	if (ret < 0) {
		fprintf(stderr, "openstackfs: %s\n", err.msg);
		return ret;
	}
	fs->admin = !fs->opts.noadmin && osfs_admin_probe(fs->api);
	for (int k = 0; k < OSFS_NKINDS; k++)
		ttls[k] = fs->opts.ttls[k] > 0 ? fs->opts.ttls[k] : fs->opts.ttl;
	fs->cache = osfs_cache_new(fs->api, ttls);
	if (fs->cache) {
		osfs_cache_set_wait(fs->cache, fs->opts.timeout);
		osfs_cache_set_active(fs->cache, fs->opts.active);
	}
	fs->children = osfs_children_new(fs->api, ttls);
	fs->drafts = osfs_drafts_new();
	fs->notes = osfs_notes_new();
	fs->newkeys = osfs_newkeys_new();
	if (!fs->cache || !fs->children || !fs->drafts || !fs->notes || !fs->newkeys) {
		fprintf(stderr, "openstackfs: out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

static void fs_free(struct osfs_fs *fs)
{
	osfs_drafts_free(fs->drafts); /* first: its settlers use the cache and the api */
	osfs_cache_free(fs->cache);
	osfs_children_free(fs->children);
	osfs_notes_free(fs->notes);
	osfs_newkeys_free(fs->newkeys);
	osfs_api_free(fs->api);
	osfs_config_free(&fs->cfg);
	opts_free(&fs->opts);
	free(fs->label);
}

/* -o subtype=openstackfs,fsname=openstackfs:CLOUD (commas escaped). */
static int add_mount_names(struct osfs_fs *fs, struct fuse_args *args)
{
	const char *cloud = fs->cfg.cloud ? fs->cfg.cloud : "envvars";
	char *opt = NULL, *p;

	if (asprintf(&fs->label, "openstackfs:%s", cloud) < 0)
		return -ENOMEM;
	opt = malloc(strlen(fs->label) * 2 + 64);
	if (!opt)
		return -ENOMEM;
	p = opt + sprintf(opt, "-osubtype=openstackfs,fsname=");
	for (const char *s = fs->label; *s; s++) {
		if (*s == ',' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	int ret = fuse_opt_add_arg(args, opt);
	free(opt);
	if (ret == 0 && fs->opts.allow_other)
		ret = fuse_opt_add_arg(args, "-odefault_permissions");
	return ret;
}

/* A mount point whose daemon died (kill -9) answers every access with
 * ENOTCONN until it is unmounted: detach it, so that this start can mount
 * there again.  Root can do it itself; others ask fusermount3.  0, or
 * -ENOTCONN with one line saying what to run. */
static bool dead_mount(const char *mountpoint)
{
	struct statfs st;

	/* statfs always reaches a FUSE daemon; stat may be answered from
	 * attributes the kernel still caches */
	return statfs(mountpoint, &st) < 0 && errno == ENOTCONN;
}

static int clear_dead_mount(const char *mountpoint)
{
	if (!dead_mount(mountpoint))
		return 0;
	log_warn("%s is the mount point of a daemon that died; unmounting it", mountpoint);
	if (osfs_unmount(mountpoint) == 0 && !dead_mount(mountpoint))
		return 0;
	fprintf(stderr, "openstackfs: %s is a dead mount (Transport endpoint is not connected); "
		"run 'fusermount3 -uz %s' and start again\n", mountpoint, mountpoint);
	return -ENOTCONN;
}

/* Generation 1: mount, and hand the descriptor to the supervisor, which
 * keeps the mount from now on.  0 or -1. */
static int mount_here(struct osfs_fs *fs, struct fuse_session *se, struct osfs_handed *h)
{
	int r;

	if (clear_dead_mount(fs->opts.mountpoint) < 0 || fuse_session_mount(se, fs->opts.mountpoint) != 0)
		return -1;
	if ((r = osfs_supervised_mounted(h, fuse_session_fd(se))) < 0) {
		fprintf(stderr, "openstackfs: cannot reach the supervisor: %s\n", strerror(-r));
		fuse_session_unmount(se);
		return -1;
	}
	return 0;
}

/* SIGHUP makes every listing fetched whole again, and drops what the kernel
 * cached of them.  The signal stays blocked in every
 * thread and one thread takes it with sigwait, so nothing runs in a signal
 * handler (libfuse's own SIGHUP handler, which would unmount, is never
 * reached).  Started after daemonizing: threads do not survive the fork. */
struct hup_waiter {
	pthread_t thread;
	struct osfs_fs *fs;
	struct osfs_glue *glue;
	atomic_bool stop;
	bool running;
};

static void *hup_main(void *arg)
{
	struct hup_waiter *h = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	while (sigwait(&set, &sig) == 0 && !atomic_load(&h->stop)) {
		osfs_cache_resync(h->fs->cache);
		osfs_glue_invalidate_all(h->glue);
		log_info("SIGHUP: every listing is fetched whole again");
	}
	return NULL;
}

/* Blocks SIGHUP in the calling thread (and so in every thread it starts
 * later) and starts the waiter.  0 or -errno. */
static int hup_start(struct hup_waiter *h, struct osfs_fs *fs, struct osfs_glue *glue)
{
	sigset_t set;
	int err;

	h->fs = fs;
	h->glue = glue;
	atomic_init(&h->stop, false);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	err = pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (err == 0)
		err = pthread_create(&h->thread, NULL, hup_main, h);
	h->running = err == 0;
	return -err;
}

static void hup_stop(struct hup_waiter *h)
{
	if (!h->running)
		return;
	atomic_store(&h->stop, true);
	pthread_kill(h->thread, SIGHUP);
	pthread_join(h->thread, NULL);
	h->running = false;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct osfs_fs fs = { 0 };
	struct fuse_opt opt_spec[NFIXED + OSFS_NKINDS];
	struct osfs_glue *glue = NULL;
	struct fuse_session *se = NULL;
	struct fuse_loop_config *loop = NULL;
	struct hup_waiter hup = { .running = false };
	struct osfs_handed handed = { .sock = -1, .fuse_fd = -1, .init_fd = -1, .log_fd = -1,
				       .token_fd = -1, .drafts_fd = -1, .listings_fd = -1 };
	int ret = 1, r, supervised;

	/* Few malloc arenas: the cache is shared by every FUSE thread, and one
	 * arena per thread mostly holds freed pages. */
	mallopt(M_ARENA_MAX, 2);
	/* Without fast bins, freeing a page's JSON tree does not trigger
	 * malloc_consolidate, a fifth of the parse time of a big listing. */
	mallopt(M_MXFAST, 0);
	fs.opts.connect_timeout = 5;
	fs.opts.timeout = 30;
	fs.opts.max_response = 64UL << 20;
	fs.opts.max_inodes = 65536;
	fs.opts.active = 300;
	fs.uid = getuid();
	fs.gid = getgid();
	fs.mounted_at = time(NULL);
	make_opt_spec(opt_spec);
	if (fuse_opt_parse(&args, &fs.opts, opt_spec, opt_proc) == -1)
		goto out_args;
	if (fs.opts.show_help) {
		fputs(usage_head, stdout);
		print_ttl_usage(stdout);
		fputs(usage_tail, stdout);
		ret = 0;
		goto out_args;
	}
	if (fs.opts.show_version) {
		printf("openstackfs %s (libfuse %s)\n", OSFS_VERSION, fuse_pkgversion());
		ret = 0;
		goto out_args;
	}
	if (!fs.opts.mountpoint) {
		fprintf(stderr, "openstackfs: no mount point given (openstackfs --help)\n");
		goto out_args;
	}
	if (forbid_dumps() < 0)
		goto out_args;
	if ((supervised = osfs_supervised(&handed)) == 0) {
		ret = osfs_supervise(argv, fs.opts.mountpoint, fs.opts.foreground);
		opts_free(&fs.opts);
		goto out_args;
	}
	if (supervised < 0) {
		fprintf(stderr, "openstackfs: OSFS_SUPERVISED is not what a supervisor sets\n");
		goto out_args;
	}
	fs.generation = handed.generation;
	strip_source_prefix(&fs.opts);
	osfs_log_set_level(fs.opts.debug ? OSFS_LOG_DEBUG : OSFS_LOG_WARN);
	fuse_set_log_func(osfs_fuse_log);
	if (osfs_http_global_init() < 0 || load_config(&fs) < 0 || connect_cloud(&fs, handed.token_fd) < 0)
		goto out_fs;
	if (add_mount_names(&fs, &args) < 0 || (fs.opts.debug && fuse_opt_add_arg(&args, "-odebug") < 0))
		goto out_fs;

	glue = osfs_glue_new(&fs);
	if (!glue)
		goto out_fs;
	if ((r = (int)osfs_glue_keep_inodes(glue, handed.log_fd)) < 0) {
		fprintf(stderr, "openstackfs: the inode log of generation %lu is unreadable: %s\n",
			handed.generation - 1, strerror(-r));
		goto out_glue;
	}
	osfs_cache_keep(fs.cache, handed.listings_fd);
	if (handed.drafts_fd >= 0 && (r = osfs_drafts_keep(&fs, handed.drafts_fd)) != 0)
		log_warn("%s the drafts of generation %lu", r < 0 ? "could not read" : "took",
			 handed.generation - 1);
	se = fuse_session_new(&args, &osfs_fsops, sizeof(osfs_fsops), glue);
	if (!se)
		goto out_glue;
	osfs_glue_set_session(glue, se);
	if (handed.fuse_fd < 0 && mount_here(&fs, se, &handed) < 0)
		goto out_session;
	if (osfs_relay_install(se, handed.fuse_fd, handed.init_fd, handed.generation > 1) < 0)
		goto out_session;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_stop;
	if (!fs.opts.foreground)
		osfs_supervised_quiet();
	if (hup_start(&hup, &fs, glue) < 0)
		goto out_signals;
	loop = fuse_loop_cfg_create();
	if (!loop)
		goto out_hup;
	fuse_loop_cfg_set_max_threads(loop, 64);
	fuse_loop_cfg_set_idle_threads(loop, 16);
	/* 0 when unmounted; the signal number after SIGTERM or SIGINT, which
	 * is a clean stop too; -errno on failure */
	r = fuse_session_loop_mt(se, loop);
	ret = r >= 0 ? 0 : 1;
	fuse_loop_cfg_destroy(loop);
out_hup:
	hup_stop(&hup);
out_signals:
	fuse_remove_signal_handlers(se);
out_stop:
	osfs_glue_stop(glue); /* no notification may race the session's close */
out_session:
	fuse_session_destroy(se);
out_glue:
	osfs_glue_free(glue);
out_fs:
	fs_free(&fs);
out_args:
	fuse_opt_free_args(&args);
	return ret;
}
