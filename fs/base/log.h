/* log.h - one sink for every message the daemon writes.
 *
 * Messages go to stderr while in the foreground and to syslog once
 * daemonized.  Errors and warnings are also kept in a small ring that
 * /.openstackfs/log shows.  Nothing logged may contain a token, password or
 * secret: callers log URLs, statuses, request ids and API messages only.
 */
#ifndef OSFS_LOG_H
#define OSFS_LOG_H

#include <stdbool.h>

enum osfs_log_level { OSFS_LOG_ERR, OSFS_LOG_WARN, OSFS_LOG_INFO, OSFS_LOG_DEBUG };

/* Highest level written; the macros skip their arguments above it. */
extern int osfs_log_max;

void osfs_log_set_level(int level);
void osfs_log_use_syslog(bool on);
void osfs_log_write(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The kept errors and warnings, oldest first, one per line; caller frees. */
char *osfs_log_recent(void);

#define osfs_log(level, ...) do { \
	if ((level) <= osfs_log_max) osfs_log_write((level), __VA_ARGS__); \
} while (0)
#define log_err(...)   osfs_log(OSFS_LOG_ERR, __VA_ARGS__)
#define log_warn(...)  osfs_log(OSFS_LOG_WARN, __VA_ARGS__)
#define log_info(...)  osfs_log(OSFS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) osfs_log(OSFS_LOG_DEBUG, __VA_ARGS__)

#endif
