/* draft_fields.c - a draft's files and the checks a value passes at write
 * time, against the limits the API will apply, so that a bad value fails
 * then and not at boot. */
#include "drafts_int.h"
#include "osfs_base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


const struct dfile_info osfs_dfiles[D_NFILES] = {
	[D_STATUS] = { "status", false, false, SRV | VOL | SG, 0 },
	[D_MISSING] = { "missing", false, false, SRV | KEY, 0 },
	[D_NAME] = { "name", false, false, SRV | KEY | VOL | SG, 0 },
	[D_FLAVOR] = { "flavor", true, false, SRV, API_TEXT_MAX },
	[D_IMAGE] = { "image", true, false, SRV, API_TEXT_MAX },
	[D_KEY_NAME] = { "key_name", true, false, SRV, API_TEXT_MAX },
	[D_USER_DATA] = { "user_data", true, false, SRV, 0 },
	[D_NETWORKS] = { "networks", true, false, SRV, VALUE_MAX },
	[D_SECURITY_GROUPS] = { "security_groups", true, false, SRV, VALUE_MAX },
	[D_BOOT_VOLUME_SIZE] = { "boot_volume_size", true, false, SRV, 20 },
	[D_AZ] = { "availability_zone", true, false, SRV, API_TEXT_MAX },
	[D_PUBLIC_KEY] = { "public_key", true, false, KEY, VALUE_MAX },
	[D_SIZE] = { "size", true, false, VOL, 20 },
	[D_DESCRIPTION] = { "description", true, false, SG, API_TEXT_MAX },
	[D_CTL] = { "ctl", true, false, SRV | KEY | VOL | SG, 0 },
	[D_ERROR] = { "error", false, false, SRV | KEY | VOL | SG, 0 },
	[D_METADATA] = { "metadata", true, true, SRV, 0 },
};

char *osfs_draft_single_line(const char *data, size_t len)
{
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
		       data[len - 1] == ' ' || data[len - 1] == '\t'))
		len--;
	if (memchr(data, '\0', len))
		return NULL;
	return strndup(data, len);
}

/* A one-line text field within its limit.  0 or -EINVAL with why. */
int osfs_draft_check_text(int f, const char *value, struct osfs_err *why)
{
	size_t n = osfs_text_chars(value);

	if (n > osfs_dfiles[f].max)
		return osfs_err_set(why, -EINVAL,
				       "%s: at most %zu characters, this value has %zu",
				       osfs_dfiles[f].name, osfs_dfiles[f].max, n);
	if (f != D_NETWORKS && f != D_SECURITY_GROUPS && f != D_PUBLIC_KEY &&
	    osfs_text_has_control(value))
		return osfs_err_set(why, -EINVAL,
				       "%s: one line of text without control characters",
				       osfs_dfiles[f].name);
	return 0;
}

bool osfs_draft_valid_meta_key(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > API_TEXT_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. ",
			    *p))
			return false;
	return true;
}



#define VOLUME_GIB_MAX 1000000L   /* far above any quota; keeps the number sane */

/* "auto", "none", or network names or ids separated by blanks, commas or
 * lines; names are resolved at boot. */
int osfs_draft_check_networks(const char *value, struct osfs_err *why)
{
	char *copy = strdup(value), *save = NULL;
	size_t n = 0, modes = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, NET_SEPS, &save); tok;
	     tok = strtok_r(NULL, NET_SEPS, &save)) {
		n++;
		modes += strcmp(tok, "auto") == 0 || strcmp(tok, "none") == 0;
		if (osfs_text_has_control(tok) && ret == 0)
			ret = osfs_err_set(why, -EINVAL,
					      "networks: names without control characters");
	}
	if (ret == 0 && modes && n > 1)
		ret = osfs_err_set(why, -EINVAL,
				      "networks: auto and none stand alone: write auto, none, "
				      "or network names or ids");
	free(copy);
	return ret;
}

/* Security group names, one per line. */
static int check_security_groups(const char *value, struct osfs_err *why)
{
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			return osfs_err_set(why, -EINVAL,
					       "security_groups: names, one per line");
	return 0;
}

/* A size in GiB: a positive integer. */
static int check_size(const char *value, struct osfs_err *why)
{
	char *end = NULL;
	long n = strtol(value, &end, 10);

	if (!*value || *value == '-' || *value == '+' || *end || n <= 0 || n > VOLUME_GIB_MAX)
		return osfs_err_set(
		    why, -EINVAL, "'%.40s' is not a size: write a whole number of GiB, 1 or more",
		    value);
	return 0;
}

int osfs_draft_check_field(int f, const char *value, struct osfs_err *why)
{
	if (!*value)
		return 0; /* clears the field */
	switch (f) {
	case D_NETWORKS:
		return osfs_draft_check_networks(value, why);
	case D_SECURITY_GROUPS:
		return check_security_groups(value, why);
	case D_BOOT_VOLUME_SIZE:
	case D_SIZE:
		return check_size(value, why);
	default:
		return 0;
	}
}
