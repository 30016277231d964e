/* ctl verbs (ctl.c): verbs with an argument, and `cat ctl`. */
#include "check.h"
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>

static int parse(enum osfs_kind_id kind, const char *text, const char **words, char **arg)
{
	const struct osfs_verb *v = NULL;
	struct osfs_err why = { "" };
	int ret = osfs_ctl_parse_arg(kind, text, strlen(text), &v, arg, &why);

	*words = v ? v->words : NULL;
	if (ret < 0)
		CHECK(why.msg[0] != '\0');   /* every refusal says why */
	return ret;
}

int main(void)
{
	const char *words;
	char *arg;

	CHECK(parse(OSFS_SERVERS, "unset role\n", &words, &arg) == 0);
	CHECK_STR(words, "unset");
	CHECK_STR(arg, "role");
	free(arg);
	/* the verb folds case and blanks; its argument is kept as written */
	CHECK(parse(OSFS_SERVERS, "  UNSET   My Key \n", &words, &arg) == 0);
	CHECK_STR(arg, "My Key");
	free(arg);
	CHECK(parse(OSFS_SERVERS, "unset\n", &words, &arg) == -EINVAL);
	CHECK(arg == NULL);
	CHECK(parse(OSFS_SERVERS, "unset a\nreboot\n", &words, &arg) == -EINVAL);
	CHECK(parse(OSFS_SERVERS, "unsetrole\n", &words, &arg) == -EINVAL);
	CHECK(parse(OSFS_KEYPAIRS, "unset role\n", &words, &arg) == -EINVAL);
	CHECK(parse(OSFS_SERVERS, "reboot  HARD\n", &words, &arg) == 0);
	CHECK_STR(words, "reboot hard");
	CHECK(arg == NULL);
	CHECK(parse(OSFS_SERVERS, "reboot now\n", &words, &arg) == -EINVAL);
	/* a NUL byte ends no command: neither "reboot" nor "rebuild" with no image */
	{
		const struct osfs_verb *v = NULL;
		struct osfs_err why = { "" };
		CHECK(osfs_ctl_parse_arg(OSFS_SERVERS, "reboot\0hard", 11, &v, &arg, &why) == -EINVAL);
		CHECK(v == NULL && arg == NULL && why.msg[0]);
		CHECK(osfs_ctl_parse_arg(OSFS_SERVERS, "rebuild \0x", 10, &v, &arg, &why) == -EINVAL);
		CHECK(v == NULL && arg == NULL);
	}
	/* an argument in brackets may be left out: `rebuild` keeps the image */
	CHECK(parse(OSFS_SERVERS, "rebuild\n", &words, &arg) == 0);
	CHECK_STR(words, "rebuild");
	CHECK(arg == NULL);
	CHECK(parse(OSFS_SERVERS, "Rebuild cirros 0.6\n", &words, &arg) == 0);
	CHECK_STR(arg, "cirros 0.6");
	free(arg);
	CHECK(parse(OSFS_SERVERS, "resize\n", &words, &arg) == -EINVAL);
	CHECK(parse(OSFS_SERVERS, "resize m1.Small\n", &words, &arg) == 0);
	CHECK_STR(arg, "m1.Small");
	free(arg);
	CHECK(parse(OSFS_SERVERS, "confirm-resize\n", &words, &arg) == 0);
	CHECK(parse(OSFS_SERVERS, "confirm-resize now\n", &words, &arg) == -EINVAL);
	/* osfs_ctl_parse takes verbs without an argument only */
	CHECK(osfs_ctl_parse(OSFS_SERVERS, "unset role", 10) == NULL);
	CHECK(osfs_ctl_parse(OSFS_SERVERS, "stop", 4) != NULL);

	char *help = osfs_ctl_help(OSFS_SERVERS);
	CHECK(help && strstr(help, "\nunset KEY\n") && strstr(help, "\ndelete\n"));
	CHECK(help && strstr(help, "\nresize FLAVOR\n") && strstr(help, "\nrebuild [IMAGE]\n") &&
	      strstr(help, "\nsnapshot NAME\n") && strstr(help, "\nunrescue\n"));
	free(help);

	/* admin/: a reason to disable a host, as written; a host to move to, or none */
	CHECK(parse(OSFS_COMPUTE_SERVICES, "Disable  kernel Upgrade \n", &words, &arg) == 0);
	CHECK_STR(words, "disable");
	CHECK_STR(arg, "kernel Upgrade");
	free(arg);
	CHECK(parse(OSFS_COMPUTE_SERVICES, "disable\n", &words, &arg) == 0);
	CHECK(arg == NULL);
	CHECK(parse(OSFS_COMPUTE_SERVICES, "force-down\n", &words, &arg) == 0);
	CHECK(parse(OSFS_COMPUTE_SERVICES, "reboot\n", &words, &arg) == -EINVAL);
	CHECK(parse(OSFS_ADMIN_SERVERS, "live-migrate cmp2\n", &words, &arg) == 0);
	CHECK_STR(words, "live-migrate");
	CHECK_STR(arg, "cmp2");
	free(arg);
	CHECK(parse(OSFS_ADMIN_SERVERS, "migrate\n", &words, &arg) == 0);
	CHECK(arg == NULL);
	/* moving a server is an admin's verb, not a project's */
	CHECK(parse(OSFS_SERVERS, "live-migrate\n", &words, &arg) == -EINVAL);
	CHECK(parse(OSFS_HYPERVISORS, "enable\n", &words, &arg) == -EINVAL);
	help = osfs_ctl_help(OSFS_COMPUTE_SERVICES);
	CHECK(help && strstr(help, "enable\ndisable [REASON]\nforce-down\nunforce-down\n"));
	free(help);
	return CHECK_DONE();
}
