/* SPDX-License-Identifier: MIT */
/* http_conn.c: one connection of the HTTP server, reading: requests parsed, answers queued by their latency. */
#include "http_conn.h"
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the answer queue: each request answered in order, once its latency has passed ---- */

static void arm_timer(struct conn *c);
static void resume(struct conn *c);
static void on_alloc(uv_handle_t *h, size_t want, uv_buf_t *b);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

/* Back-pressure: no more requests are read while this many answers wait. */
static bool full(const struct conn *c) { return c->q_len + c->writing >= MAX_QUEUED; }

static void flush_due(struct conn *c)
{
	uint64_t now = uv_now(&c->srv->loop);
	while (c->q_len && !c->closing && c->due[c->q_head] <= now) {
		unsigned i = c->q_head;
		c->q_head = (c->q_head + 1) % MAX_QUEUED;
		c->q_len--;
		bool last = c->close_after[i] || (c->eof && c->q_len == 0);
		sim_http__send_answer(c, c->head_only[i], last);
	}
	if (!c->closing)
		arm_timer(c);
	resume(c);
}

static void on_due(uv_timer_t *t)
{
	flush_due(t->data);
}

static void arm_timer(struct conn *c)
{
	if (!c->q_len || uv_is_active((uv_handle_t *)&c->timer))
		return;
	uint64_t now = uv_now(&c->srv->loop), due = c->due[c->q_head];
	if (uv_timer_start(&c->timer, on_due, due > now ? due - now : 0, 0) < 0)
		sim_http__conn_close(c); /* the answers could never leave */
}

/* ---- ?latency-ms=N: picked out of the target as it streams in ------------------------- */

enum { Q_PATH, Q_KEY, Q_VALUE, Q_OTHER, Q_END };
static const char lat_key[] = "latency-ms";
#define LAT_KEY_LEN (sizeof lat_key - 1)
#define Q_KEY_MISMATCH 0xff

/* A parameter's key has ended (at '=' or '&' or the target's end): was it ours? */
static bool key_is_ours(struct conn *c)
{
	if (c->q_key != LAT_KEY_LEN)
		return false;
	if (c->lat_seen < 255)
		c->lat_seen++;
	c->lat_len = 0;
	c->lat_long = false;
	return true;
}

static void scan_target(struct conn *c, const char *at, size_t n)
{
	for (size_t i = 0; i < n && c->q_state != Q_END; i++) {
		char ch = at[i];
		if (ch == '#') { /* a fragment, never meant for the server: the query ends */
			if (c->q_state == Q_KEY)
				key_is_ours(c);
			c->q_state = Q_END;
			break;
		}
		switch (c->q_state) {
		case Q_PATH:
			if (ch == '?')
				c->q_state = Q_KEY, c->q_key = 0;
			break;
		case Q_KEY:
			if (ch == '&' || ch == '=') {
				bool ours = key_is_ours(c);
				c->q_key = 0;
				c->q_state = ch == '&' ? Q_KEY : ours ? Q_VALUE : Q_OTHER;
			} else if (c->q_key < LAT_KEY_LEN && ch == lat_key[c->q_key]) {
				c->q_key++;
			} else {
				c->q_key = Q_KEY_MISMATCH;
			}
			break;
		case Q_VALUE:
			if (ch == '&')
				c->q_state = Q_KEY, c->q_key = 0;
			else if (c->lat_len < sizeof c->lat - 1)
				c->lat[c->lat_len++] = ch;
			else
				c->lat_long = true;
			break;
		case Q_OTHER:
			if (ch == '&')
				c->q_state = Q_KEY, c->q_key = 0;
			break;
		}
	}
}

/* This request's latency in ms: the server's, or its ?latency-ms=N, which must be a whole
 * number in range as on the command line (the same parser). -1 with the reason in why. */
static int64_t request_latency(struct conn *c, char *why, size_t n)
{
	if (c->q_state == Q_KEY)
		key_is_ours(c); /* "?latency-ms" at the very end, without a value */
	if (!c->lat_seen)
		return (int64_t)c->srv->latency_ms;
	if (c->lat_seen > 1) {
		snprintf(why, n, "?latency-ms is given %s times: give it once", c->lat_seen < 255 ? "several" : "many");
		return -1;
	}
	c->lat[c->lat_len] = 0;
	/* The value as sent, cut short and with anything unprintable as '?': it goes back in
	 * a text/plain body. */
	char shown[sizeof c->lat];
	for (unsigned i = 0; i <= c->lat_len; i++)
		shown[i] = c->lat[i] && (c->lat[i] < ' ' || c->lat[i] > '~') ? '?' : c->lat[i];
	uint64_t v;
	const char *bad = c->lat_long ? "is too long" : sim_parse_u64(c->lat, 0, SIM_HTTP_MAX_LATENCY_MS, &v);
	if (bad) {
		snprintf(why, n, "?latency-ms='%s%s' %s: give a whole number of milliseconds from 0 to %u", shown,
		         c->lat_long ? "..." : "", bad, SIM_HTTP_MAX_LATENCY_MS);
		return -1;
	}
	return (int64_t)v;
}

/* ---- parsing requests ---------------------------------------------------------------- */

static int on_message_begin(http_parser *p)
{
	struct conn *c = p->data;
	c->in_request = true;
	c->req_start = uv_now(&c->srv->loop);
	c->q_state = Q_PATH;
	c->q_key = 0;
	c->lat_seen = 0;
	c->lat_len = 0;
	c->lat_long = false;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	scan_target(p->data, at, n);
	return 0;
}

/* The parser stops here, so parse() counts the header section's bytes up to this point
 * exactly, before the request is answered. */
static int on_headers_complete(http_parser *p)
{
	struct conn *c = p->data;
	http_parser_pause(p, 1);
	c->in_head = false;
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct conn *c = p->data;
	c->in_request = false;
	c->in_head = true; /* what follows (CRLFs, the next request) is header until its end */
	c->header_bytes = 0;
	/* The parser stops after every request: the bytes after it are parse()'s to count. */
	http_parser_pause(p, 1);
	if (p->method != HTTP_GET && p->method != HTTP_HEAD) {
		sim_http__send_error(c, 405, NULL);
		return -1;
	}
	char why[200];
	int64_t lat = request_latency(c, why, sizeof why);
	if (lat < 0) {
		sim_http__send_error(c, 400, why);
		return -1;
	}
	if (c->q_len == MAX_QUEUED) { /* back-pressure stops the parser before this: a bug */
		sim_http__conn_close(c);
		return -1;
	}
	uint64_t now = uv_now(&c->srv->loop), due = now + (uint64_t)lat;
	/* Answers leave in order: a later request with a shorter latency waits its turn. */
	if (c->q_len) {
		unsigned last = (c->q_head + c->q_len - 1) % MAX_QUEUED;
		if (due < c->due[last])
			due = c->due[last];
	}
	unsigned i = (c->q_head + c->q_len) % MAX_QUEUED;
	c->due[i] = due;
	c->head_only[i] = p->method == HTTP_HEAD;
	c->close_after[i] = !http_should_keep_alive(p);
	c->q_len++;
	if (c->close_after[i])
		c->done = true; /* nothing after a Connection: close request is read */
	if (due <= now && c->q_len == 1 && !uv_is_active((uv_handle_t *)&c->timer))
		flush_due(c); /* no latency: answer now, from the read callback, without a timer */
	else
		arm_timer(c);
	if (!c->done && !c->closing && full(c))
		c->held = true;
	return 0;
}

static http_parser_settings parser_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_headers_complete = on_headers_complete,
	.on_message_complete = on_message_complete,
};

/* Bytes read but not parsed, because back-pressure holds the connection: kept (at most one
 * read's worth, the size of the server's read buffer) until answers drain. */
static void keep(struct conn *c, const char *buf, size_t n)
{
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (n == 0)
		return;
	c->kept = malloc(n);
	if (!c->kept) {
		sim_http__conn_close(c);
		return;
	}
	memcpy(c->kept, buf, n);
	c->kept_len = n;
}

/* Parse n bytes of requests: every request is answered or queued, the header sections are
 * counted (all their bytes: request line, names, values, separators, CRLFs), and what
 * back-pressure leaves unparsed is kept. */
static void parse(struct conn *c, const char *buf, size_t n)
{
	c->parsing = true;
	size_t off = 0;
	while (off < n) {
		bool head = c->in_head;
		size_t used = http_parser_execute(&c->parser, &parser_settings, buf + off, n - off);
		off += used;
		if (c->closing || c->erroring)
			break;
		enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
		if (head) {
			/* Stopped at the end of the headers, the parser has not yet taken the last
			 * LF: it is the section's too. */
			c->header_bytes += (uint32_t)used + (e == HPE_PAUSED && !c->in_head);
			if (c->header_bytes > SIM_HTTP_MAX_HEADER_BYTES) {
				sim_http__send_error(c, 431, NULL);
				break;
			}
		}
		if (e == HPE_PAUSED) {
			if (c->done)
				break; /* the rest is dropped: see on_read */
			if (c->held) {
				keep(c, buf + off, n - off);
				break;
			}
			http_parser_pause(&c->parser, 0);
			continue;
		}
		if (e != HPE_OK || used == 0) {
			sim_http__send_error(c, e == HPE_HEADER_OVERFLOW ? 431 : 400, NULL);
			break;
		}
	}
	c->parsing = false;
	resume(c); /* answers may have left while it parsed */
}

/* Answers have left: a connection held by back-pressure parses what it kept, then reads on. */
static void resume(struct conn *c)
{
	if (!c->held || c->parsing || c->closing || c->erroring || full(c))
		return;
	c->held = false;
	http_parser_pause(&c->parser, 0);
	char *kept = c->kept;
	size_t n = c->kept_len;
	c->kept = NULL;
	c->kept_len = 0;
	if (kept)
		parse(c, kept, n);
	free(kept);
	if (!c->held && !c->closing && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
		sim_http__conn_close(c);
}

void sim_http__conn_drained(struct conn *c)
{
	resume(c);
}

static void on_alloc(uv_handle_t *h, size_t want, uv_buf_t *b)
{
	(void)want;
	struct server *srv = ((struct conn *)h->data)->srv;
	*b = uv_buf_init(srv->read_buf, sizeof srv->read_buf);
}

/* The client's end is closed (n = UV_EOF) or broken. The answer being written still goes to
 * a client that only shut down its sending side, and the connection closes after it. Anything
 * else means the client is gone: the answers still waiting on their latency (nginx logs this
 * as 499), a lingering error, a request cut short, a reset. */
static void on_read_end(struct conn *c, ssize_t n)
{
	uv_stream_t *s = (uv_stream_t *)&c->tcp;
	if (n == UV_EOF && !c->in_request && !c->q_len && !c->erroring && uv_stream_get_write_queue_size(s) > 0) {
		c->eof = true;
		uv_read_stop(s);
	} else {
		sim_http__conn_close(c);
	}
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	if (n == 0 || c->closing)
		return;
	if (n < 0) {
		on_read_end(c, n);
		return;
	}
	/* After an error answer, or a request that said Connection: close, bytes are only read
	 * to see the client go: dropped. */
	if (c->erroring || c->done)
		return;
	c->last_active = uv_now(&c->srv->loop);
	parse(c, b->base, (size_t)n);
}

/* A connection's handles, on the server's list; NULL if they could not be made. */
static struct conn *conn_new(struct server *srv)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->srv = srv;
	if (uv_tcp_init(&c->srv->loop, &c->tcp) < 0) {
		free(c);
		return NULL;
	}
	c->tcp.data = c->timer.data = c;
	if (uv_timer_init(&c->srv->loop, &c->timer) < 0) {
		c->open_handles = 1;
		uv_close((uv_handle_t *)&c->tcp, sim_http__on_handle_closed);
		return NULL;
	}
	c->open_handles = 2;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	return c;
}

/* Its socket open: read and answer requests from now on. */
static int conn_start(struct conn *c)
{
	/* Only an optimisation (and refused on a socketpair): its failure changes nothing. */
	(void)uv_tcp_nodelay(&c->tcp, 1);
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	c->in_head = true;
	c->last_active = uv_now(&c->srv->loop);
	int e = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (e < 0)
		sim_http__conn_close(c);
	return e;
}

void sim_http__on_connection(uv_stream_t *l, int status)
{
	struct server *srv = l->data;
	if (status < 0)
		return; /* out of descriptors (libuv sheds the connection); keep serving the rest */
	struct conn *c = conn_new(srv);
	if (!c)
		return;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0) {
		sim_http__conn_close(c);
		return;
	}
	conn_start(c);
}

int sim_http__conn_adopt(struct server *srv, int fd)
{
	struct conn *c = conn_new(srv);
	if (!c)
		return -ENOMEM;
	int e = uv_tcp_open(&c->tcp, fd);
	if (e < 0) {
		sim_http__conn_close(c);
		return e;
	}
	return conn_start(c);
}
