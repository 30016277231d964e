/* log.c - level-gated logging to stderr or syslog, and a ring of recent
 * errors for /.openstackfs/log.  The ring is protected by ring_lock. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define RING_SIZE 64
#define LINE_MAX_LEN 1024

int osfs_log_max = OSFS_LOG_WARN;
static bool use_syslog;

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static char ring[RING_SIZE][LINE_MAX_LEN]; /* protected by ring_lock */
static unsigned ring_next;                 /* protected by ring_lock */

static const struct {
	const char *tag;
	int priority;
} levels[] = {
	[OSFS_LOG_ERR] = { "error", LOG_ERR },
	[OSFS_LOG_WARN] = { "warning", LOG_WARNING },
	[OSFS_LOG_INFO] = { "info", LOG_INFO },
	[OSFS_LOG_DEBUG] = { "debug", LOG_DEBUG },
};

void osfs_log_set_level(int level)
{
	osfs_log_max = level;
}

void osfs_log_use_syslog(bool on)
{
	if (on && !use_syslog)
		openlog("openstackfs", LOG_PID, LOG_DAEMON);
	use_syslog = on;
}

static void ring_add(const char *tag, const char *msg)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	pthread_mutex_lock(&ring_lock);
	snprintf(ring[ring_next % RING_SIZE], LINE_MAX_LEN, "%s %s: %.960s", stamp, tag, msg);
	ring_next++;
	pthread_mutex_unlock(&ring_lock);
}

void osfs_log_write(int level, const char *fmt, ...)
{
	char msg[LINE_MAX_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (level <= OSFS_LOG_WARN)
		ring_add(levels[level].tag, msg);
	if (use_syslog)
		syslog(levels[level].priority, "%s", msg);
	else
		fprintf(stderr, "openstackfs: %s: %s\n", levels[level].tag, msg);
}

char *osfs_log_recent(void)
{
	size_t cap = RING_SIZE * (LINE_MAX_LEN + 1) + 1, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	pthread_mutex_lock(&ring_lock);
	unsigned first = ring_next > RING_SIZE ? ring_next - RING_SIZE : 0;
	for (unsigned i = first; i < ring_next; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s\n", ring[i % RING_SIZE]);
	pthread_mutex_unlock(&ring_lock);
	out[len] = '\0';
	return out;
}
