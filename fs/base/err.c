/* err.c - the message that travels with an error (err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

int osfs_err_set(struct osfs_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void osfs_err_clear(struct osfs_err *e)
{
	if (e)
		e->msg[0] = '\0';
}

bool osfs_err_has(const struct osfs_err *e)
{
	return e && e->msg[0];
}

const char *osfs_err_or(const struct osfs_err *e, const char *other)
{
	return osfs_err_has(e) ? e->msg : other;
}
