/* fuzz_ctl.c - what a user writes to a ctl file (ctl.c): osfs_ctl_parse
 * and osfs_text_normalise.
 *
 * Input: byte 0 picks the kind and an output size for normalise; the rest
 * is the text written. */
#include "ctl.h"
#include "fuzz.h"
#include "text.h"

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum osfs_kind_id kind;
	const struct osfs_verb *v;
	char small[64], full[1024];
	size_t outlen;

	if (size < 1)
		return 0;
	kind = (enum osfs_kind_id)(data[0] % OSFS_NKINDS);
	outlen = 1 + (data[0] >> 3) % sizeof(small);
	data++, size--;
	/* the text is not NUL-terminated: the parser must respect len */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	v = osfs_ctl_parse(kind, text, size);
	if (v) {
		FUZZ_ASSERT(kind == OSFS_SERVERS || kind == OSFS_KEYPAIRS || kind == OSFS_VOLUMES ||
			    kind == OSFS_FLOATING_IPS || kind == OSFS_SECURITY_GROUPS ||
			    kind == OSFS_ADMIN_SERVERS || kind == OSFS_COMPUTE_SERVICES,
			    "verb for kind %d", kind);
		osfs_text_normalise(text, size, full, sizeof(full));
		FUZZ_ASSERT(strcmp(full, v->words) == 0, "'%s' parsed as '%s'", full, v->words);
	}
	osfs_text_normalise(text, size, small, outlen);
	FUZZ_ASSERT(strlen(small) < outlen, "normalised text overflows %zu", outlen);
	free(text);
	return 0;
}
