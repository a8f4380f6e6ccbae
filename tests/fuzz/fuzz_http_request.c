/* SPDX-License-Identifier: MIT */
/* fuzz_http_request.c: libFuzzer target: the server's request handling (http_conn.c) fed any bytes through a socketpair. */
#include "http_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                             \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_http_request: " __VA_ARGS__);          \
			fputc('\n', stderr);                                         \
			abort();                                                     \
		}                                                                    \
	} while (0)

#define HANG_S 3.0 /* a connection still open this long after the client's EOF never closes */

static struct server *srv;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	srv = calloc(1, sizeof *srv);
	const struct sim_http_config cfg = { .latency_ms = 0, .bytes = 100, .idle_ms = 60000, .header_ms = 60000 };
	char err[200];
	CHECK(srv && sim_http__server_init(srv, &cfg, err, sizeof err) == 0, "server set-up: %s", err);
	return 0;
}

/* Every answer the server sends starts as one of its own. */
static void check_answer(const char *out, size_t n)
{
	static const char *const lines[] = { "HTTP/1.1 200 ", "HTTP/1.1 400 ", "HTTP/1.1 405 ", "HTTP/1.1 408 ",
	                                     "HTTP/1.1 431 " };
	if (n < 13)
		return;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (memcmp(out, lines[i], 13) == 0)
			return;
	CHECK(0, "an answer that starts '%.13s'", out);
}

/* The client (fd) sends the input, then closes its sending side, and reads everything back;
 * the server must then close the connection, whatever the bytes were (a request waiting on
 * its latency included: its client is gone). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) == 0, "socketpair: %s",
	      strerror(errno));
	CHECK(sim_http__conn_adopt(srv, sv[0]) == 0, "adopting the socket");
	size_t sent = 0, got = 0;
	char head[16], buf[65536];
	bool shut = false;
	double deadline = 0;
	while (srv->conns || uv_loop_alive(&srv->loop)) {
		if (sent < size) {
			ssize_t w = write(sv[1], data + sent, size - sent);
			if (w > 0)
				sent += (size_t)w;
		}
		if (sent == size && !shut) {
			shutdown(sv[1], SHUT_WR);
			shut = true;
			deadline = now_s() + HANG_S;
		}
		uv_run(&srv->loop, UV_RUN_NOWAIT);
		ssize_t r;
		while ((r = read(sv[1], buf, sizeof buf)) > 0) {
			if (got < sizeof head)
				memcpy(head + got, buf, (size_t)r < sizeof head - got ? (size_t)r : sizeof head - got);
			got += (size_t)r;
		}
		CHECK(!shut || now_s() < deadline, "the connection is still open %.0f s after the client's EOF "
		      "(%zu bytes sent, %zu answered)", HANG_S, size, got);
	}
	check_answer(head, got < sizeof head ? got : sizeof head);
	close(sv[1]);
	return 0;
}
