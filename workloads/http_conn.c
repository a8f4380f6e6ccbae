/* SPDX-License-Identifier: MIT */
/* http_conn.c: one connection of the HTTP server: requests parsed, answers queued by their latency, written. */
#include "http_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *status_line(int code)
{
	switch (code) {
	case 400: return "400 Bad Request";
	case 405: return "405 Method Not Allowed";
	case 408: return "408 Request Timeout";
	case 431: return "431 Request Header Fields Too Large";
	default: return "500 Internal Server Error";
	}
}

/* ---- closing ------------------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->open_handles == 0)
		free(c);
}

void sim_http__conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

/* ---- writing ------------------------------------------------------------------------- */

struct wreq {
	uv_write_t w;
	struct conn *c;
	bool close_after;
	char buf[]; /* an error answer's text, when it is not the prebuilt response */
};

static void on_shutdown(uv_shutdown_t *r, int status)
{
	(void)r;
	(void)status; /* the linger ends at the client's EOF or its timer, whatever happened here */
}

static void on_linger_end(uv_timer_t *t) { sim_http__conn_close(t->data); }

/* After an error answer the client is often still sending (a header of megabytes): closing
 * with its bytes unread makes the kernel reset the connection, and a reset can destroy the
 * answer before the client reads it. So, as nginx's lingering close does: shut our side
 * down (the client reads the answer, then EOF), read and drop what still comes, and close
 * at the client's EOF or after SIM_HTTP_LINGER_MS. */
static void linger(struct conn *c)
{
	c->lingering = true;
	uv_timer_stop(&c->timer);
	if (uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp, on_shutdown) < 0 ||
	    uv_timer_start(&c->timer, on_linger_end, SIM_HTTP_LINGER_MS, 0) < 0)
		sim_http__conn_close(c);
}

static void on_written(uv_write_t *w, int status)
{
	struct wreq *r = (struct wreq *)w;
	struct conn *c = r->c;
	bool close_after = r->close_after;
	free(r);
	if (c->closing)
		return;
	if (status == 0 && close_after && c->erroring) {
		linger(c);
		return;
	}
	/* A client that reset mid-response lands here: drop it, serve the others. */
	if (status < 0 || close_after ||
	    (c->eof && !c->q_len && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0))
		sim_http__conn_close(c);
}

/* Send bufs: uv_try_write first (the common case, no allocation), the rest queued. */
static void conn_send(struct conn *c, uv_buf_t *bufs, unsigned nbufs, bool close_after)
{
	c->last_active = uv_now(&c->srv->loop);
	size_t total = 0;
	for (unsigned i = 0; i < nbufs; i++)
		total += bufs[i].len;
	int n = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0
	                ? uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs)
	                : UV_EAGAIN;
	if (n == UV_EAGAIN)
		n = 0;
	if (n < 0) {
		sim_http__conn_close(c);
		return;
	}
	if ((size_t)n == total) {
		if (close_after)
			sim_http__conn_close(c);
		return;
	}
	size_t skip = (size_t)n;
	while (nbufs && skip >= bufs[0].len) {
		skip -= bufs[0].len;
		bufs++;
		nbufs--;
	}
	bufs[0].base += skip;
	bufs[0].len -= skip;
	struct wreq *r = malloc(sizeof *r);
	if (!r) {
		sim_http__conn_close(c);
		return;
	}
	r->c = c;
	r->close_after = close_after;
	/* The buffers are the server's prebuilt ones, alive for its whole life: libuv keeps
	 * pointers to them until on_written. */
	if (uv_write(&r->w, (uv_stream_t *)&c->tcp, bufs, nbufs, on_written) < 0) {
		free(r);
		sim_http__conn_close(c);
	}
}

void sim_http__send_error(struct conn *c, int code)
{
	char text[256];
	int n = snprintf(text, sizeof text,
	                 "HTTP/1.1 %s\r\nServer: simul\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
	                 status_line(code), strlen(status_line(code)) + 1, status_line(code));
	struct wreq *r = malloc(sizeof *r + (size_t)n);
	if (!r) {
		sim_http__conn_close(c);
		return;
	}
	memcpy(r->buf, text, (size_t)n);
	r->c = c;
	r->close_after = true;
	uv_buf_t b = uv_buf_init(r->buf, (unsigned)n);
	/* The answers still waiting on their latency are dropped: nothing follows an error.
	 * Reading goes on (what comes is dropped) until the linger after it ends. */
	c->erroring = true;
	c->q_len = 0;
	uv_timer_stop(&c->timer);
	c->last_active = uv_now(&c->srv->loop); /* the answer gets a full idle period to leave */
	if (uv_write(&r->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
		free(r);
		sim_http__conn_close(c);
	}
}

static void send_answer(struct conn *c, bool head_only, bool close_after)
{
	uv_buf_t b[2];
	b[0] = close_after ? uv_buf_init(c->srv->hdr_close, (unsigned)c->srv->hdr_close_len)
	                   : uv_buf_init(c->srv->hdr_keep, (unsigned)c->srv->hdr_keep_len);
	b[1] = uv_buf_init(c->srv->body, (unsigned)c->srv->body_len);
	conn_send(c, b, head_only || c->srv->body_len == 0 ? 1 : 2, close_after);
}

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
		send_answer(c, c->head_only[i], last);
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
		uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
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
