/* SPDX-License-Identifier: MIT */
/* http_conn.h: inside the HTTP server: its state and its connections (http_conn.c, http_conn_io.c, http_server.c). */
#ifndef SIMUL_HTTP_CONN_H
#define SIMUL_HTTP_CONN_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "http_conn.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include "http_server.h"

#include <http_parser.h>
#include <stdbool.h>
#include <uv.h>

/* Back-pressure: a connection has at most this many answers waiting, on their latency or on
 * the client to read them; past that its requests stay unread (in the socket, or in the
 * connection's `kept` bytes) until answers leave. A pipelining client is slowed, never cut. */
#define MAX_QUEUED SIM_HTTP_MAX_QUEUED

struct server {
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_signal_t sigint, sigterm;
	uv_timer_t sweep;
	uint64_t latency_ms, idle_ms, header_ms;
	/* The response is built once: header + body point at these for every request, so a
	 * response costs one writev and no copies. */
	char *hdr_keep, *hdr_close;
	size_t hdr_keep_len, hdr_close_len;
	char *body;
	size_t body_len;
	struct conn *conns; /* every open connection, for the idle sweep and the shutdown */
	bool stopping;
	/* One read buffer for the whole loop: the parser consumes every byte inside the read
	 * callback, so no connection needs a buffer of its own (10,000 idle connections cost no
	 * read memory). */
	char read_buf[65536];
};

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* the injected latency of the answer at the head of the queue, or the linger */
	uv_shutdown_t sd; /* after an error answer: our side done, theirs drained (lingering) */
	http_parser parser;
	struct server *srv;
	struct conn *prev, *next;
	uint64_t last_active; /* uv_now() of the last byte read, queued or seen to drain */
	uint64_t req_start;   /* uv_now() of the first byte of the request being read */
	size_t swept_wq;      /* the write queue's size at the last sweep */
	uint64_t due[MAX_QUEUED]; /* when each queued answer may go out (uv_now() ms) */
	bool head_only[MAX_QUEUED];
	bool close_after[MAX_QUEUED];
	unsigned q_head, q_len;
	uint32_t header_bytes; /* of the request being read: its whole header section so far */
	/* ?latency-ms=N, picked out of the request target as it streams in (any length): the
	 * scanner's state and the value's text (lat_long: longer than any valid value). */
	uint8_t q_state, q_key, lat_len, lat_seen;
	bool lat_long;
	char lat[24];
	unsigned writing; /* answers handed to uv_write, not yet written */
	char *kept;       /* bytes read but not yet parsed, while held */
	size_t kept_len;
	bool in_head;     /* the parser is in a header section (or before one): bytes count */
	bool held;        /* back-pressure: MAX_QUEUED answers wait; reading stopped */
	bool done;        /* a Connection: close request was read: nothing after it is */
	bool parsing;     /* inside parse(): a drained queue resumes after it, not within */
	bool in_request; /* bytes of a request seen, answer not yet queued */
	bool closing, eof;
	bool erroring; /* an error answer is on its way; the connection closes after it */
	bool lingering; /* it went: what the client still sends is read and dropped, then closed */
	int open_handles;
};

/* The server's state on its loop (the answers built, the loop started), without a listener
 * or signals; undone by sim_http__server_fini, which closes every connection first. 0, or
 * -errno with a one-line reason in err. sim_http_serve uses them, and so does the fuzz
 * target that feeds the request handling bytes through a socketpair. */
int sim_http__server_init(struct server *srv, const struct sim_http_config *cfg, char *err, size_t errlen);
void sim_http__server_fini(struct server *srv);
/* A connection of a connected stream socket fd (ours from then on). 0 or -errno. */
int sim_http__conn_adopt(struct server *srv, int fd);

/* The listener's callback: a new connection, read and answered from then on. */
void sim_http__on_connection(uv_stream_t *listener, int status);
/* Close a connection (idempotent); it is freed once libuv has closed its handles. */
void sim_http__conn_close(struct conn *c);
/* Answer code (400, 408, 431, ...) and close after it (http_conn_io.c, as the three below);
 * why, if not NULL, is said after the status in the body (one line, no newline). */
void sim_http__send_error(struct conn *c, int code, const char *why);
/* The answer to a GET (head_only: to a HEAD), closing after it if close_after. */
void sim_http__send_answer(struct conn *c, bool head_only, bool close_after);
/* An answer left (http_conn_io.c calls it once uv_write is done with one): a connection held
 * by back-pressure reads on if it may now (http_conn.c). */
void sim_http__conn_drained(struct conn *c);
/* libuv's close callback of a connection's handles: the last one frees it. */
void sim_http__on_handle_closed(uv_handle_t *h);

#endif
