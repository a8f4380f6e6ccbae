/* SPDX-License-Identifier: MIT */
/* unit_http.c: unit tests of fetch's URL parsing, request text, response parser, and the server library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_client.h"
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void url_plain(void **state)
{
	(void)state;
	struct sim_url u;
	char err[256];
	assert_int_equal(sim_url_parse("http://127.0.0.1:8080/file.bin", &u, err, sizeof err), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.port_text, "8080");
	assert_string_equal(u.target, "/file.bin");
	assert_string_equal(u.authority, "127.0.0.1:8080");
}

static void url_defaults_and_query(void **state)
{
	(void)state;
	struct sim_url u;
	char err[256];
	assert_int_equal(sim_url_parse("HTTP://localhost", &u, err, sizeof err), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.target, "/");
	assert_string_equal(u.authority, "localhost");
	assert_int_equal(sim_url_parse("http://localhost:81/a/b?x=1&y=2#frag", &u, err, sizeof err), 0);
	assert_string_equal(u.target, "/a/b?x=1&y=2"); /* the fragment is never sent */
	assert_int_equal(sim_url_parse("http://[::1]:9000/", &u, err, sizeof err), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.authority, "[::1]:9000");
}

static void url_rejected(void **state)
{
	(void)state;
	struct sim_url u;
	char err[256];
	const char *bad[] = { "", "127.0.0.1:8080", "https://127.0.0.1/", "ftp://host/", "http://",
	                      "http://host:0/", "http://host:99999/", "http://u:p@host/", "not a url",
	                      "http://host/a b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		assert_int_equal(sim_url_parse(bad[i], &u, err, sizeof err), -EINVAL);
		assert_true(strlen(err) > 10); /* says what is wrong */
		assert_null(strchr(err, '\n'));
	}
	sim_url_parse("https://x/", &u, err, sizeof err);
	assert_non_null(strstr(err, "only http://"));
}

static void request_text(void **state)
{
	(void)state;
	struct sim_url u;
	char err[256], buf[512];
	assert_int_equal(sim_url_parse("http://127.0.0.1:8/x?q", &u, err, sizeof err), 0);
	int n = sim_http_request(&u, false, buf, sizeof buf);
	assert_true(n > 0);
	assert_memory_equal(buf, "GET /x?q HTTP/1.1\r\nHost: 127.0.0.1:8\r\n", 38);
	assert_null(strstr(buf, "Connection"));
	assert_string_equal(buf + n - 4, "\r\n\r\n");
	n = sim_http_request(&u, true, buf, sizeof buf);
	assert_non_null(strstr(buf, "Connection: close\r\n"));
	assert_int_equal(sim_http_request(&u, true, buf, 20), -ENOSPC);
}

/* Feed text in pieces of `step` bytes; then EOF if `eof`. Returns the final status. */
static int feed(struct sim_http_resp *r, const char *text, size_t step, bool eof, size_t *left,
                const char **why)
{
	size_t len = strlen(text), off = 0;
	*left = 0;
	sim_http_resp_init(r, 0);
	while (off < len) {
		size_t n = len - off < step ? len - off : step, used;
		int e = sim_http_resp_feed(r, text + off, n, &used, why);
		if (e != 0) {
			*left = len - off - used;
			return e;
		}
		off += n;
	}
	if (!eof)
		return 0;
	size_t used;
	return sim_http_resp_feed(r, NULL, 0, &used, why);
}

static void response_content_length(void **state)
{
	(void)state;
	const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	for (size_t step = 1; step <= strlen(t); step++) {
		struct sim_http_resp r;
		const char *why = NULL;
		size_t left;
		assert_int_equal(feed(&r, t, step, false, &left, &why), 1);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body, 5);
		assert_true(r.keep_alive);
		assert_int_equal(left, 0);
	}
}

static void response_chunked(void **state)
{
	(void)state;
	const char *t = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n";
	for (size_t step = 1; step <= strlen(t); step += 3) {
		struct sim_http_resp r;
		const char *why = NULL;
		size_t left;
		assert_int_equal(feed(&r, t, step, false, &left, &why), 1);
		assert_int_equal(r.body, 7);
		assert_int_equal(left, 0);
	}
}

static void response_close_delimited(void **state)
{
	(void)state;
	/* HTTP/1.0 without a length (python's http.server style): the body ends at EOF. */
	const char *t = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n0123456789";
	struct sim_http_resp r;
	const char *why = NULL;
	size_t left;
	assert_int_equal(feed(&r, t, 4, false, &left, &why), 0);
	assert_false(r.complete);
	assert_int_equal(feed(&r, t, 4, true, &left, &why), 1);
	assert_int_equal(r.body, 10);
	assert_false(r.keep_alive);
}

static void response_connection_close(void **state)
{
	(void)state;
	const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
	struct sim_http_resp r;
	const char *why = NULL;
	size_t left;
	assert_int_equal(feed(&r, t, 100, false, &left, &why), 1);
	assert_false(r.keep_alive);
}

static void response_truncated(void **state)
{
	(void)state;
	struct sim_http_resp r;
	const char *why = NULL;
	size_t left;
	assert_int_equal(feed(&r, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", 7, true, &left, &why),
	                 -ECONNRESET);
	assert_non_null(strstr(why, "truncated"));
	assert_int_equal(feed(&r, "HTTP/1.1 200 OK\r\nContent-Le", 7, true, &left, &why), -ECONNRESET);
	why = NULL;
	assert_int_equal(feed(&r, "", 7, true, &left, &why), -ECONNRESET); /* closed, nothing said */
	assert_non_null(strstr(why, "without answering"));
}

static void response_malformed(void **state)
{
	(void)state;
	const char *bad[] = { "garbage\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
	                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sim_http_resp r;
		const char *why = NULL;
		size_t left;
		assert_int_equal(feed(&r, bad[i], 5, false, &left, &why), -EPROTO);
		assert_non_null(why);
	}
}

static void response_status_and_extra(void **state)
{
	(void)state;
	struct sim_http_resp r;
	const char *why = NULL;
	size_t left;
	assert_int_equal(feed(&r, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 9, false, &left, &why), 1);
	assert_int_equal(r.status, 404);
	/* Bytes after a complete response are left unconsumed: fetch calls that malformed. */
	assert_int_equal(feed(&r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA", 100, false, &left, &why), 1);
	assert_int_equal(left, 5);
}

/* The body cap: a Content-Length over it fails before the body, a chunked or
 * close-delimited body once it passes it; a body of exactly the cap is fine. */
static void response_body_cap(void **state)
{
	(void)state;
	const char *over[] = { "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
	                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n",
	                       "HTTP/1.0 200 OK\r\n\r\n0123456789A" };
	for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
		struct sim_http_resp r;
		const char *why = NULL;
		size_t used;
		sim_http_resp_init(&r, 10);
		assert_int_equal(sim_http_resp_feed(&r, over[i], strlen(over[i]), &used, &why), -EFBIG);
		assert_non_null(strstr(why, "longer than the cap"));
	}
	struct sim_http_resp r;
	const char *why = NULL, *ok = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
	size_t used;
	sim_http_resp_init(&r, 10);
	assert_int_equal(sim_http_resp_feed(&r, ok, strlen(ok), &used, &why), 1);
	assert_int_equal(r.body, 10);
}

/* One GET to 127.0.0.1:port with a blocking socket; the response parsed. */
static int get(uint16_t port, const char *target, struct sim_http_resp *r)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	char req[256];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target);
	int e = write(fd, req, (size_t)n) == n ? 0 : -1;
	sim_http_resp_init(r, 0);
	char buf[4096];
	const char *why;
	size_t used;
	while (e == 0) {
		ssize_t got = read(fd, buf, sizeof buf);
		int f = sim_http_resp_feed(r, buf, got > 0 ? (size_t)got : 0, &used, &why);
		if (f != 0 || got <= 0) {
			e = f == 1 ? 0 : -1;
			break;
		}
	}
	close(fd);
	return e;
}

/* The server in a child process: it answers with the body asked for, refuses a taken
 * port with the reason, and is gone once stopped. */
static void server_in_a_child(void **state)
{
	(void)state;
	struct sim_http_server s, t;
	char err[256];
	const struct sim_http_config cfg = { .latency_ms = 0, .bytes = 3000 };
	assert_int_equal(sim_http_server_start(&s, &cfg, err, sizeof err), 0);
	assert_true(s.pid > 0 && s.port > 0);
	struct sim_http_resp r;
	assert_int_equal(get(s.port, "/", &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body, 3000);
	assert_int_equal(get(s.port, "/x?latency-ms=0", &r), 0);
	assert_int_equal(r.body, 3000);

	const struct sim_http_config taken = { .port = s.port };
	assert_int_equal(sim_http_server_start(&t, &taken, err, sizeof err), -EIO);
	assert_non_null(strstr(err, "in use"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(t.pid, 0);

	pid_t pid = s.pid;
	sim_http_server_stop(&s);
	assert_int_equal(s.pid, 0);
	assert_int_equal(kill(pid, 0), -1); /* reaped: no such process */
	sim_http_server_stop(&s);            /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_plain),
		cmocka_unit_test(url_defaults_and_query),
		cmocka_unit_test(url_rejected),
		cmocka_unit_test(request_text),
		cmocka_unit_test(response_content_length),
		cmocka_unit_test(response_chunked),
		cmocka_unit_test(response_close_delimited),
		cmocka_unit_test(response_connection_close),
		cmocka_unit_test(response_truncated),
		cmocka_unit_test(response_malformed),
		cmocka_unit_test(response_status_and_extra),
		cmocka_unit_test(response_body_cap),
		cmocka_unit_test(server_in_a_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
