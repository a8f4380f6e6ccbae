/* SPDX-License-Identifier: MIT */
/* http_conn.c: one connection of the HTTP server, reading: requests parsed, answers queued by their latency. */
#include "http_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the answer queue: each request answered in order, once its latency has passed ---- */

static void arm_timer(struct conn *c);

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

/* ---- parsing requests ---------------------------------------------------------------- */

static int on_message_begin(http_parser *p)
{
	struct conn *c = p->data;
	c->in_request = true;
	c->req_start = uv_now(&c->srv->loop);
	c->header_bytes = 0;
	c->url_len = 0;
	c->req_latency = -1;
	return 0;
}

static int count_header(struct conn *c, size_t n)
{
	c->header_bytes += (uint32_t)n;
	return c->header_bytes > SIM_HTTP_MAX_HEADER_BYTES ? -1 : 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	struct conn *c = p->data;
	if (c->url_len + n < sizeof c->url) {
		memcpy(c->url + c->url_len, at, n);
		c->url_len += n;
	} else {
		c->url_len = sizeof c->url; /* too long to hold a query we honour: ignored */
	}
	return count_header(c, n);
}

static int on_header_piece(http_parser *p, const char *at, size_t n)
{
	(void)at;
	return count_header(p->data, n);
}

/* ?latency-ms=N overrides the server's latency for one request: fetch calibrates its
 * per-request cost against the very server it measures, with the latency taken out. */
static int64_t query_latency(struct conn *c)
{
	if (c->url_len >= sizeof c->url)
		return -1;
	c->url[c->url_len] = 0;
	const char *q = strchr(c->url, '?');
	for (const char *k = q; k; k = strchr(k + 1, '&')) {
		if (strncmp(k + 1, "latency-ms=", 11) == 0) {
			char *end;
			unsigned long long v = strtoull(k + 12, &end, 10);
			if (end != k + 12 && v <= SIM_HTTP_MAX_LATENCY_MS)
				return (int64_t)v;
		}
	}
	return -1;
}

static int on_message_complete(http_parser *p)
{
	struct conn *c = p->data;
	c->in_request = false;
	if (c->q_len == MAX_QUEUED)
		return -1; /* a client pipelining without reading: closed (see on_read) */
	int64_t lat = query_latency(c);
	uint64_t now = uv_now(&c->srv->loop), due = now + (lat >= 0 ? (uint64_t)lat : c->srv->latency_ms);
	/* Answers leave in order: a later request with a shorter latency waits its turn. */
	if (c->q_len) {
		unsigned last = (c->q_head + c->q_len - 1) % MAX_QUEUED;
		if (due < c->due[last])
			due = c->due[last];
	}
	unsigned i = (c->q_head + c->q_len) % MAX_QUEUED;
	bool bad_method = p->method != HTTP_GET && p->method != HTTP_HEAD;
	if (bad_method) {
		sim_http__send_error(c, 405);
		return -1;
	}
	c->due[i] = due;
	c->head_only[i] = p->method == HTTP_HEAD;
	c->close_after[i] = !http_should_keep_alive(p);
	c->q_len++;
	if (c->close_after[i])
		http_parser_pause(p, 1); /* nothing after a Connection: close request is read */
	if (due <= now && c->q_len == 1 && !uv_is_active((uv_handle_t *)&c->timer))
		flush_due(c); /* no latency: answer now, from the read callback, without a timer */
	else
		arm_timer(c);
	return 0;
}

static http_parser_settings parser_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_piece,
	.on_header_value = on_header_piece,
	.on_message_complete = on_message_complete,
};

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
	/* After an error answer, or a request that said Connection: close (the parser is paused
	 * there), bytes are only read to see the client go: dropped. */
	if (c->erroring || HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED)
		return;
	c->last_active = uv_now(&c->srv->loop);
	size_t used = http_parser_execute(&c->parser, &parser_settings, b->base, (size_t)n);
	if (c->closing || c->erroring)
		return;
	enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
	if (e == HPE_PAUSED)
		return; /* the request said Connection: close: answered, then closed */
	if (e != HPE_OK || used != (size_t)n) {
		/* on_message_complete fails only on a full answer queue (its 405 set erroring). */
		if (c->header_bytes > SIM_HTTP_MAX_HEADER_BYTES || e == HPE_HEADER_OVERFLOW)
			sim_http__send_error(c, 431);
		else if (e == HPE_CB_message_complete)
			sim_http__conn_close(c);
		else
			sim_http__send_error(c, 400);
	}
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
