/* SPDX-License-Identifier: MIT */
/* http_client.h: the HTTP pieces of the fetch workload: URLs, requests, and an incremental response parser. */
#ifndef SIMUL_HTTP_CLIENT_H
#define SIMUL_HTTP_CLIENT_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "http_client.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An http:// URL, split. Only http: the suite measures models over loopback, not TLS. */
struct sim_url {
	char host[256];     /* without brackets for IPv6 literals */
	char port_text[8];
	uint16_t port;
	char target[2048];  /* path and query, "/" when the URL has none */
	char authority[300]; /* for the Host header: host[:port] as written */
};

/* 0, or -EINVAL with a one-line reason in err (the syntax, not whether the host exists). */
int sim_url_parse(const char *text, struct sim_url *u, char *err, size_t errlen);

/* The GET request for u; close asks the server to close after answering. Length, or
 * -ENOSPC if buf is too small. */
int sim_http_request(const struct sim_url *u, bool close, char *buf, size_t len);

/* One response, fed as it arrives. */
struct sim_http_resp {
	http_parser p;
	unsigned status;
	uint64_t body;       /* body bytes so far (decoded, for chunked) */
	bool complete;
	bool keep_alive;     /* after complete: the connection may carry another request */
	bool started;        /* any byte of it seen */
	uint64_t max_body;   /* a longer body (or Content-Length) fails the response; 0: no cap */
	bool too_big;
	bool switched;       /* it was 101 Switching Protocols: failed, not an answer to a GET */
	unsigned interim;    /* interim 1xx answers skipped before the final one */
	unsigned begun;      /* answers begun, interim ones included */
};

/* max_body: the cap on the body's length, or 0 for none. */
void sim_http_resp_init(struct sim_http_resp *r, uint64_t max_body);
/* Feed n bytes; n = 0 says the peer closed (which ends a close-delimited body). Interim 1xx
 * answers are read and skipped; the response is the final one. Returns 1 when it is complete
 * (*used: bytes of buf it took), 0 for more, or -EPROTO (malformed, or 101 Switching
 * Protocols: `switched`) / -ECONNRESET (closed before the end) / -EFBIG (the body, or the
 * length the headers announce, is over max_body) with *why set to a static reason. */
int sim_http_resp_feed(struct sim_http_resp *r, const char *buf, size_t n, size_t *used,
                       const char **why);

#endif
