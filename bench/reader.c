/* reader.c - warm read throughput of a mounted openstackfs.
 *
 *   reader -t THREADS -d SECONDS [-1] LISTFILE
 *
 * LISTFILE holds one path per line.  Each thread loops over the paths
 * (thread i starts at line i * n / THREADS) doing open(O_RDONLY), read()
 * until end of file (or one read() with -1), close(), until SECONDS have
 * passed.  All threads start together at a barrier.  Prints one line:
 *
 *   threads=T seconds=S ops=N ops_per_s=R errors=E bytes=B p50_us=.. p99_us=.. max_us=..
 *
 * Latencies are those of whole open+read+close operations; up to
 * LAT_MAX of them are kept per thread for the percentiles.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LAT_MAX (1 << 20)

struct worker {
	pthread_t tid;
	size_t start;
	unsigned long ops, errors, bytes;
	unsigned int *lat_us; /* capped at LAT_MAX */
	size_t nlat;
};

static char **paths;
static size_t npaths;
static double seconds = 3.0;
static int one_read;
static pthread_barrier_t barrier;
static double t_start;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static int first_errno;
static const char *first_err_path, *first_err_op;

static void note_error(struct worker *w, const char *op, const char *path)
{
	w->errors++;
	pthread_mutex_lock(&err_lock);
	if (!first_errno) {
		first_errno = errno;
		first_err_path = path;
		first_err_op = op;
	}
	pthread_mutex_unlock(&err_lock);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	char buf[65536];
	size_t i = w->start;

	pthread_barrier_wait(&barrier);
	double end = t_start + seconds, t0 = now();
	while (t0 < end) {
		int fd = open(paths[i], O_RDONLY);
		if (fd < 0) {
			note_error(w, "open", paths[i]);
		} else {
			ssize_t n;
			while ((n = read(fd, buf, sizeof(buf))) > 0) {
				w->bytes += (unsigned long)n;
				if (one_read)
					break;
			}
			if (n < 0)
				note_error(w, "read", paths[i]);
			if (close(fd) < 0)
				note_error(w, "close", paths[i]);
			w->ops++;
		}
		double t1 = now();
		if (w->nlat < LAT_MAX)
			w->lat_us[w->nlat++] = (unsigned int)((t1 - t0) * 1e6);
		t0 = t1;
		if (++i == npaths)
			i = 0;
	}
	return NULL;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	return x < y ? -1 : x > y;
}

static void load(const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t n;

	if (!f) {
		perror(file);
		exit(2);
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!n)
			continue;
		if (npaths == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			paths = realloc(paths, alloc * sizeof(*paths));
			if (!paths)
				exit(2);
		}
		paths[npaths++] = strdup(line);
	}
	free(line);
	fclose(f);
	if (!npaths) {
		fprintf(stderr, "reader: %s: no paths\n", file);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	int threads = 1, opt;

	while ((opt = getopt(argc, argv, "t:d:1")) != -1) {
		switch (opt) {
		case 't': threads = atoi(optarg); break;
		case 'd': seconds = atof(optarg); break;
		case '1': one_read = 1; break;
		default:
			fprintf(stderr, "usage: reader -t THREADS -d SECONDS [-1] LISTFILE\n");
			return 2;
		}
	}
	if (optind != argc - 1 || threads < 1 || threads > 1024 || seconds <= 0) {
		fprintf(stderr, "usage: reader -t THREADS -d SECONDS [-1] LISTFILE\n");
		return 2;
	}
	load(argv[optind]);

	struct worker *w = calloc((size_t)threads, sizeof(*w));
	if (!w)
		return 2;
	pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
	for (int i = 0; i < threads; i++) {
		w[i].start = (size_t)i * npaths / (size_t)threads;
		w[i].lat_us = malloc(LAT_MAX * sizeof(unsigned int));
		if (!w[i].lat_us || pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
			fprintf(stderr, "reader: cannot start thread %d\n", i);
			return 2;
		}
	}
	t_start = now();
	pthread_barrier_wait(&barrier);
	unsigned long ops = 0, errors = 0, bytes = 0;
	size_t nlat = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
		errors += w[i].errors;
		bytes += w[i].bytes;
		nlat += w[i].nlat;
	}
	double elapsed = now() - t_start;
	unsigned int *all = malloc((nlat ? nlat : 1) * sizeof(unsigned int));
	size_t k = 0;
	if (!all)
		return 2;
	for (int i = 0; i < threads; i++) {
		memcpy(all + k, w[i].lat_us, w[i].nlat * sizeof(unsigned int));
		k += w[i].nlat;
	}
	qsort(all, nlat, sizeof(*all), cmp_uint);
	printf("threads=%d seconds=%.3f ops=%lu ops_per_s=%.0f errors=%lu bytes=%lu "
	       "p50_us=%u p99_us=%u max_us=%u\n",
	       threads, elapsed, ops, ops / elapsed, errors, bytes,
	       nlat ? all[nlat / 2] : 0, nlat ? all[(size_t)(nlat * 0.99)] : 0,
	       nlat ? all[nlat - 1] : 0);
	if (first_errno)
		fprintf(stderr, "reader: first error: %s %s: %s\n", first_err_op, first_err_path,
			strerror(first_errno));
	return errors ? 1 : 0;
}
