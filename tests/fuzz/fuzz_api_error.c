/* fuzz_api_error.c - the message of a failed response, as every service
 * shapes it (osfs_api_error_message): it goes into error files and the log,
 * so it must be one line. */
#include "api.h"
#include "fuzz.h"

FUZZ_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_text(data, size);
	char *msg = osfs_api_error_message(body);

	if (msg) {
		FUZZ_ASSERT(!strchr(msg, '\n') && !strchr(msg, '\r'), "message is not one line");
		FUZZ_ASSERT(strlen(msg) <= strlen(body), "message longer than the body");
	}
	free(msg);
	free(body);
	return 0;
}
