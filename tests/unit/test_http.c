/* The HTTP client (http.c) under threads that come and go, as libfuse's
 * workers do: every request is answered, and open connections are reused
 * across threads (a walk does not open one per request), while no
 * connection carries two requests at once.  Run by the tsan tier too.
 *
 * The server here is a small HTTP/1.1 keep-alive server: one thread per
 * connection, answering each GET with "ok". */
#include "check.h"
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAVES 10
#define THREADS 6
#define REQUESTS 8  /* per thread */

static int listen_fd, port;
static atomic_int accepted;   /* connections the server took */
static atomic_int answered;   /* requests it answered */

/* One connection: read a request head, answer it, until the client closes. */
static void *serve_conn(void *arg)
{
	int fd = (int)(long)arg;
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				 "Content-Length: 2\r\n\r\nok";
	char buf[4096];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *end;
		have += (size_t)n;
		buf[have] = '\0';
		while ((end = strstr(buf, "\r\n\r\n"))) {
			size_t used = (size_t)(end + 4 - buf);
			/* counted before the client can have its answer and look */
			atomic_fetch_add(&answered, 1);
			if (write(fd, ok, sizeof(ok) - 1) != (ssize_t)sizeof(ok) - 1)
				goto out;
			memmove(buf, buf + used, have - used + 1);
			have -= used;
		}
		if (have == sizeof(buf) - 1)
			break;
	}
out:
	close(fd);
	return NULL;
}

static void *server_main(void *unused)
{
	int fd;

	while ((fd = accept(listen_fd, NULL, NULL)) >= 0) {
		pthread_t t;
		atomic_fetch_add(&accepted, 1);
		if (pthread_create(&t, NULL, serve_conn, (void *)(long)fd) == 0)
			pthread_detach(t);
		else
			close(fd);
	}
	return NULL;
}

static int server_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	pthread_t t;

	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(listen_fd, 64) < 0 || getsockname(listen_fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	port = ntohs(a.sin_port);
	if (pthread_create(&t, NULL, server_main, NULL) != 0)
		return -1;
	pthread_detach(t);
	return 0;
}

struct client {
	struct osfs_http *http;
	int ok;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/servers/detail", port);
	for (int i = 0; i < REQUESTS; i++) {
		struct osfs_http_req req = { .method = "GET", .url = url };
		struct osfs_http_resp resp;
		if (osfs_http_do(c->http, &req, &resp) == 0 && resp.status == 200 &&
		    strcmp(resp.body, "ok") == 0)
			c->ok++;
		osfs_http_resp_free(&resp);
	}
	return NULL;
}

/* Waves of threads, each wave new threads: every request answered, and
 * no more connections than requests ever ran at once. */
static void test_threads_share_connections_safely(void)
{
	struct osfs_http_opts opts = { .connect_timeout_ms = 5000, .timeout_ms = 10000,
				       .max_body = 1 << 20 };
	struct osfs_http *http = osfs_http_new(&opts);
	struct client clients[THREADS];
	pthread_t t[THREADS];
	int ok = 0;

	CHECK(http != NULL);
	for (int w = 0; http && w < WAVES; w++) {
		for (int i = 0; i < THREADS; i++) {
			clients[i] = (struct client){ http, 0 };
			pthread_create(&t[i], NULL, client_main, &clients[i]);
		}
		for (int i = 0; i < THREADS; i++) {
			pthread_join(t[i], NULL);
			ok += clients[i].ok;
		}
	}
	CHECK(ok == WAVES * THREADS * REQUESTS);
	CHECK(atomic_load(&answered) == WAVES * THREADS * REQUESTS);
	CHECK(atomic_load(&accepted) <= THREADS);
	if (atomic_load(&accepted) > THREADS)
		fprintf(stderr, "%d connections for %d requests at once\n", atomic_load(&accepted),
			THREADS);
	osfs_http_free(http);
}

int main(void)
{
	if (osfs_http_global_init() < 0 || server_start() < 0) {
		fprintf(stderr, "cannot start the test server\n");
		return 1;
	}
	test_threads_share_connections_safely();
	return CHECK_DONE();
}
