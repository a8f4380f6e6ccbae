/* SPDX-License-Identifier: MIT */
/* http_server.c: the HTTP server's loop: listen on loopback, sweep idle connections, stop on a signal. */
#include "http_conn.h"
#include "machine.h"
#include "model.h"
#include "uvcheck.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Connections idle for idle_ms are dropped: a half-sent request gets 408 first, as does one
 * still not whole header_ms after its first byte (a client sending a byte at a time is
 * never idle). One sweep over the list every quarter period costs less than a timer per
 * connection reset on every read. Connections waiting on our own answer are not idle; one
 * whose answer sits unread (the write queue did not drain since the last sweep) is, so a
 * client that never reads cannot hold its connection and the queued body forever. */
static void on_sweep(uv_timer_t *t)
{
	struct server *srv = t->data;
	uint64_t now = uv_now(&srv->loop);
	for (struct conn *c = srv->conns, *next; c; c = next) {
		next = c->next;
		size_t wq = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
		if (wq < c->swept_wq)
			c->last_active = now; /* a slow reader, not a stalled one */
		c->swept_wq = wq;
		if (c->in_request && !c->erroring && wq == 0 && now - c->req_start >= srv->header_ms) {
			sim_http__send_error(c, 408, NULL);
			continue;
		}
		if (c->q_len || now - c->last_active < srv->idle_ms)
			continue;
		if (c->in_request && !c->erroring && wq == 0)
			sim_http__send_error(c, 408, NULL);
		else
			sim_http__conn_close(c);
	}
}

static void on_walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void on_stop_signal(uv_signal_t *s, int sig)
{
	(void)sig;
	struct server *srv = s->data;
	if (srv->stopping)
		return;
	srv->stopping = true;
	while (srv->conns)
		sim_http__conn_close(srv->conns);
	uv_walk(&srv->loop, on_walk_close, NULL);
}

static int build_response(const struct server *srv, char **out, size_t *len, bool close)
{
	char h[256];
	int n = snprintf(h, sizeof h,
	                 "HTTP/1.1 200 OK\r\nServer: simul\r\nContent-Type: application/octet-stream\r\n"
	                 "Content-Length: %zu\r\n%s\r\n",
	                 srv->body_len, close ? "Connection: close\r\n" : "");
	*out = malloc((size_t)n);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, h, (size_t)n);
	*len = (size_t)n;
	return 0;
}

/* The answer every GET gets, built once. */
static int build_answers(struct server *srv, const struct sim_http_config *cfg, char *err, size_t errlen)
{
	srv->body_len = (size_t)cfg->bytes;
	srv->body = malloc(srv->body_len ? srv->body_len : 1);
	if (!srv->body || build_response(srv, &srv->hdr_keep, &srv->hdr_keep_len, false) < 0 ||
	    build_response(srv, &srv->hdr_close, &srv->hdr_close_len, true) < 0) {
		snprintf(err, errlen, "out of memory for a %zu-byte body", srv->body_len);
		return -ENOMEM;
	}
	for (size_t i = 0; i < srv->body_len; i++)
		srv->body[i] = (char)('a' + i % 26);
	return 0;
}

/* Bind and listen on 127.0.0.1:port; the port it got. */
static int listen_on(struct server *srv, uint16_t port, uint16_t *bound_port, char *err, size_t errlen)
{
	struct sockaddr_in addr;
	int e = uv_ip4_addr("127.0.0.1", port, &addr);
	if (e == 0)
		e = uv_tcp_init(&srv->loop, &srv->listener);
	srv->listener.data = srv;
	if (e == 0)
		e = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0);
	/* The kernel caps the backlog at net.core.somaxconn; ask for all of it, so a burst of
	 * thousands of connects queues rather than waits for SYN retransmits. */
	if (e == 0)
		e = uv_listen((uv_stream_t *)&srv->listener, 65535, sim_http__on_connection);
	if (e < 0) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1:%u: %s", port, uv_strerror(e));
		return e;
	}
	struct sockaddr_storage bound;
	int blen = sizeof bound;
	if ((e = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &blen)) < 0) {
		snprintf(err, errlen, "cannot read the port listened on: %s", uv_strerror(e));
		return e;
	}
	*bound_port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return 0;
}

/* The stop signals and the sweep. A handle that failed to start stays uninitialised and
 * out of the loop; those that did are closed with the listener. */
static int start_timers(struct server *srv, char *err, size_t errlen)
{
	srv->sigint.data = srv->sigterm.data = srv->sweep.data = srv;
	uint64_t least = srv->idle_ms < srv->header_ms ? srv->idle_ms : srv->header_ms;
	uint64_t every = least / 4 ? least / 4 : 1;
	/* A stop signal that came ignored stays ignored (sim_signal_catch's rule): no watcher. */
	int e = 0;
	if (!sim_signal_ignored(SIGINT) && (e = uv_signal_init(&srv->loop, &srv->sigint)) == 0)
		e = uv_signal_start(&srv->sigint, on_stop_signal, SIGINT);
	if (e == 0 && !sim_signal_ignored(SIGTERM) && (e = uv_signal_init(&srv->loop, &srv->sigterm)) == 0)
		e = uv_signal_start(&srv->sigterm, on_stop_signal, SIGTERM);
	if (e == 0 && (e = uv_timer_init(&srv->loop, &srv->sweep)) == 0)
		e = uv_timer_start(&srv->sweep, on_sweep, every, every);
	if (e < 0)
		snprintf(err, errlen, "cannot watch for signals or start the idle sweep: %s", uv_strerror(e));
	return e;
}

int sim_http__server_init(struct server *srv, const struct sim_http_config *cfg, char *err, size_t errlen)
{
	srv->latency_ms = cfg->latency_ms;
	srv->idle_ms = cfg->idle_ms ? cfg->idle_ms : SIM_HTTP_IDLE_MS_DEFAULT;
	srv->header_ms = cfg->header_ms ? cfg->header_ms : SIM_HTTP_HEADER_MS_DEFAULT;
	int e = build_answers(srv, cfg, err, errlen);
	if (e == 0)
		e = sim_uv_loop_init(&srv->loop, err, errlen);
	if (e < 0) {
		free(srv->body);
		free(srv->hdr_keep);
		free(srv->hdr_close);
	}
	return e;
}

void sim_http__server_fini(struct server *srv)
{
	while (srv->conns)
		sim_http__conn_close(srv->conns);
	uv_walk(&srv->loop, on_walk_close, NULL);
	uv_run(&srv->loop, UV_RUN_DEFAULT); /* the close callbacks, so the loop owns nothing */
	uv_loop_close(&srv->loop);
	free(srv->body);
	free(srv->hdr_keep);
	free(srv->hdr_close);
}

int sim_http_serve(const struct sim_http_config *cfg, void (*ready)(uint16_t port, void *arg), void *arg,
                   char *err, size_t errlen)
{
	if (cfg->bytes > SIM_HTTP_MAX_BODY || cfg->latency_ms > SIM_HTTP_MAX_LATENCY_MS) {
		snprintf(err, errlen, "a body of at most %u bytes and a latency of at most %u ms", SIM_HTTP_MAX_BODY,
		         SIM_HTTP_MAX_LATENCY_MS);
		return -EINVAL;
	}
	struct server *srv = calloc(1, sizeof *srv);
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	signal(SIGPIPE, SIG_IGN);
	sim_nofile_raise(); /* every connection is a descriptor */
	int e = sim_http__server_init(srv, cfg, err, errlen);
	if (e == 0) {
		uint16_t port = 0;
		if ((e = listen_on(srv, cfg->port, &port, err, errlen)) == 0 && (e = start_timers(srv, err, errlen)) == 0) {
			if (ready)
				ready(port, arg);
			uv_run(&srv->loop, UV_RUN_DEFAULT);
		}
		sim_http__server_fini(srv);
	}
	free(srv);
	return e;
}
