/* clock.h - the two clocks the daemon reads, in seconds. */
#ifndef OSFS_CLOCK_H
#define OSFS_CLOCK_H

#include <time.h>

/* Wall-clock time: comparable with the API's own times. */
static inline double osfs_now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Monotonic time: for ages and timeouts. */
static inline double osfs_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
