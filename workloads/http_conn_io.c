/* SPDX-License-Identifier: MIT */
/* http_conn_io.c: a connection of the HTTP server, writing: answers sent, errors answered and lingered on, closed. */
#include "http_conn.h"

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

void sim_http__on_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->open_handles == 0) {
		free(c->kept);
		free(c);
	}
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
	uv_close((uv_handle_t *)&c->tcp, sim_http__on_handle_closed);
	uv_close((uv_handle_t *)&c->timer, sim_http__on_handle_closed);
}

/* ---- writing ------------------------------------------------------------------------- */

struct wreq {
	uv_write_t w;
	struct conn *c;
	bool close_after;
	bool answer; /* one of conn_send's, counted in c->writing */
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
	if (r->answer)
		c->writing--;
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
	else
		sim_http__conn_drained(c);
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
	r->answer = true;
	/* The buffers are the server's prebuilt ones, alive for its whole life: libuv keeps
	 * pointers to them until on_written. */
	if (uv_write(&r->w, (uv_stream_t *)&c->tcp, bufs, nbufs, on_written) < 0) {
		free(r);
		sim_http__conn_close(c);
		return;
	}
	c->writing++;
}

void sim_http__send_error(struct conn *c, int code, const char *why)
{
	char body[320], text[512];
	int b = snprintf(body, sizeof body, "%s%s%s\n", status_line(code), why ? ": " : "", why ? why : "");
	if (b < 0 || (size_t)b >= sizeof body)
		b = snprintf(body, sizeof body, "%s\n", status_line(code));
	int n = snprintf(text, sizeof text,
	                 "HTTP/1.1 %s\r\nServer: simul\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
	                 status_line(code), b, body);
	struct wreq *r = malloc(sizeof *r + (size_t)n);
	if (!r) {
		sim_http__conn_close(c);
		return;
	}
	memcpy(r->buf, text, (size_t)n);
	r->c = c;
	r->close_after = true;
	r->answer = false;
	uv_buf_t out = uv_buf_init(r->buf, (unsigned)n);
	/* The answers still waiting on their latency are dropped: nothing follows an error.
	 * Reading goes on (what comes is dropped) until the linger after it ends. */
	c->erroring = true;
	c->q_len = 0;
	uv_timer_stop(&c->timer);
	c->last_active = uv_now(&c->srv->loop); /* the answer gets a full idle period to leave */
	if (uv_write(&r->w, (uv_stream_t *)&c->tcp, &out, 1, on_written) < 0) {
		free(r);
		sim_http__conn_close(c);
	}
}

void sim_http__send_answer(struct conn *c, bool head_only, bool close_after)
{
	uv_buf_t b[2];
	b[0] = close_after ? uv_buf_init(c->srv->hdr_close, (unsigned)c->srv->hdr_close_len)
	                   : uv_buf_init(c->srv->hdr_keep, (unsigned)c->srv->hdr_keep_len);
	b[1] = uv_buf_init(c->srv->body, (unsigned)c->srv->body_len);
	conn_send(c, b, head_only || c->srv->body_len == 0 ? 1 : 2, close_after);
}
