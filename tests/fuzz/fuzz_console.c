/* fuzz_console.c - os-getConsoleOutput answers (osfs_model_console_output). */
#include "fuzz.h"
#include "model.h"

#include <errno.h>

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_text(data, size), *out = NULL;
	int ret = osfs_model_console_output(body, &out);

	FUZZ_ASSERT(ret == 0 || ret == -EPROTO || ret == -ENOMEM, "unexpected %d", ret);
	FUZZ_ASSERT((ret == 0) == (out != NULL), "result %d with output %p", ret, (void *)out);
	if (out) {
		size_t n = strlen(out);
		FUZZ_ASSERT(n > 0 && out[n - 1] == '\n', "console text does not end in a newline");
	}
	free(out);
	free(body);
	return 0;
}
