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
#include <sys/time.h>
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

/* Interim answers (RFC 9110 15.2) are skipped, in any pieces: the response is the final one,
 * every byte of it taken. A 1xx has no body, whatever its headers say. */
static void response_interim(void **state)
{
	(void)state;
	const char *t[] = {
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
		 "HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\n\r\n"
		 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
		("HTTP/1.1 102 Processing\r\nContent-Length: 3\r\n\r\n"
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		for (size_t step = 1; step <= strlen(t[i]); step++) {
			struct sim_http_resp r;
			const char *why = NULL;
			size_t left;
			assert_int_equal(feed(&r, t[i], step, false, &left, &why), 1);
			assert_int_equal(r.status, 200);
			assert_int_equal(r.body, 5);
			assert_int_equal(left, 0);
			assert_true(r.keep_alive);
			assert_int_equal(r.interim, i == 1 ? 2 : 1);
		}
	/* Closed after the interim answer, before the final one: said so. */
	struct sim_http_resp r;
	const char *why = NULL;
	size_t left;
	assert_int_equal(feed(&r, "HTTP/1.1 100 Continue\r\n\r\n", 7, true, &left, &why), -ECONNRESET);
	assert_non_null(strstr(why, "interim"));
}

/* 101 Switching Protocols is not interim for a GET of ours: an error that names it. */
static void response_switching(void **state)
{
	(void)state;
	const char *t = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello";
	for (size_t step = 1; step <= strlen(t); step += 7) {
		struct sim_http_resp r;
		const char *why = NULL;
		size_t left;
		assert_int_equal(feed(&r, t, step, false, &left, &why), -EPROTO);
		assert_true(r.switched);
		assert_non_null(strstr(why, "101 Switching Protocols"));
	}
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

/* Send req (n bytes) to 127.0.0.1:port in one write and read until the server closes (10 s
 * at most), into out (NUL-terminated, cut at len). Bytes read, or -1. */
static ssize_t exchange(uint16_t port, const char *req, size_t n, char *out, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 10 };
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		return -1;
	size_t sent = 0, got = 0;
	while (sent < n) {
		ssize_t w = write(fd, req + sent, n - sent);
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	for (;;) {
		char buf[65536];
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0)
			break;
		size_t keep = got + (size_t)r < len ? (size_t)r : len - 1 - got;
		memcpy(out + got, buf, keep);
		got += keep;
	}
	out[got] = 0;
	close(fd);
	return (ssize_t)got;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A client pipelining more requests than the server keeps answers for, each waiting out a
 * latency: every one is answered, in order (back-pressure, not a dropped connection). */
static void server_pipelined_back_pressure(void **state)
{
	(void)state;
	struct sim_http_server s;
	char err[256];
	const struct sim_http_config cfg = { .latency_ms = 10, .bytes = 10 };
	assert_int_equal(sim_http_server_start(&s, &cfg, err, sizeof err), 0);
	static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n", last[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	static char req[1000 * sizeof get], out[1000 * 200];
	const unsigned ns[] = { 32, 33, 64, 100, 1000 };
	for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
		size_t n = 0;
		for (unsigned i = 0; i + 1 < ns[k]; i++, n += sizeof get - 1)
			memcpy(req + n, get, sizeof get - 1);
		memcpy(req + n, last, sizeof last - 1);
		n += sizeof last - 1;
		assert_true(exchange(s.port, req, n, out, sizeof out) > 0);
		assert_int_equal(count(out, "HTTP/1.1 200 OK\r\n"), ns[k]);
		assert_int_equal(count(out, "Connection: close\r\n"), 1);
	}
	sim_http_server_stop(&s);
}

/* ?latency-ms=N is a whole number of ms in range, as on the command line: anything else is
 * a 400 that names the value and the problem. */
static void server_latency_query(void **state)
{
	(void)state;
	struct sim_http_server s;
	char err[256], req[512], out[4096];
	const struct sim_http_config cfg = { .latency_ms = 0, .bytes = 10 };
	assert_int_equal(sim_http_server_start(&s, &cfg, err, sizeof err), 0);
	struct { const char *query, *answer; } t[] = {
		{ "?latency-ms=0", "200 OK" },
		{ "?x=1&latency-ms=5&y", "200 OK" },
		{ "?latency-msx=abc", "200 OK" }, /* not ours */
		{ "?latency-ms=-1", "'-1' is negative" },
		{ "?latency-ms=abc", "'abc' is not a number" },
		{ "?latency-ms=", "'' is empty" },
		{ "?latency-ms", "'' is empty" },
		{ "?latency-ms=3600001", "'3600001' is too large" },
		{ "?latency-ms=1e3", "'1e3' is not a whole number" },
		{ "?latency-ms=1.5", "'1.5' is not a whole number" },
		{ "?latency-ms=0x10", "'0x10' is not a number" },
		{ "?latency-ms=1&latency-ms=2", "given several times" },
		{ "?latency-ms=000000000000000000000000000001", "'00000000000000000000000...' is too long" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int n = snprintf(req, sizeof req, "GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", t[i].query);
		assert_true(exchange(s.port, req, (size_t)n, out, sizeof out) > 0);
		if (strcmp(t[i].answer, "200 OK") == 0) {
			assert_memory_equal(out, "HTTP/1.1 200 OK\r\n", 17);
		} else {
			assert_memory_equal(out, "HTTP/1.1 400 ", 13);
			assert_non_null(strstr(out, t[i].answer));
			assert_non_null(strstr(out, t[i].answer[0] == '\'' ? "give a whole number of milliseconds from 0 to 3600000"
			                                                    : "give it once"));
		}
	}
	sim_http_server_stop(&s);
}

/* The header limit counts the whole section, request line to the empty line: 8192 bytes
 * pass, 8193 get 431, in one piece or many; so do 1125 short headers of 9,000 bytes. */
static void server_header_limit(void **state)
{
	(void)state;
	struct sim_http_server s;
	char err[256], out[4096];
	static char req[16384];
	const struct sim_http_config cfg = { .latency_ms = 0, .bytes = 10 };
	assert_int_equal(sim_http_server_start(&s, &cfg, err, sizeof err), 0);
	static const char head[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ";
	for (size_t total = SIM_HTTP_MAX_HEADER_BYTES - 1; total <= SIM_HTTP_MAX_HEADER_BYTES + 1; total++) {
		size_t n = sizeof head - 1;
		memcpy(req, head, n);
		memset(req + n, 'a', total - n - 4);
		memcpy(req + total - 4, "\r\n\r\n", 4);
		assert_true(exchange(s.port, req, total, out, sizeof out) > 0);
		assert_memory_equal(out, total <= SIM_HTTP_MAX_HEADER_BYTES ? "HTTP/1.1 200 " : "HTTP/1.1 431 ", 13);
	}
	size_t n = (size_t)snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 1125; i++)
		n += (size_t)snprintf(req + n, sizeof req - n, "X-H: v\r\n");
	n += (size_t)snprintf(req + n, sizeof req - n, "Connection: close\r\n\r\n");
	assert_true(n > 9000);
	assert_true(exchange(s.port, req, n, out, sizeof out) > 0);
	assert_memory_equal(out, "HTTP/1.1 431 ", 13);
	sim_http_server_stop(&s);
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
		cmocka_unit_test(response_interim),
		cmocka_unit_test(response_switching),
		cmocka_unit_test(server_in_a_child),
		cmocka_unit_test(server_pipelined_back_pressure),
		cmocka_unit_test(server_latency_query),
		cmocka_unit_test(server_header_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
