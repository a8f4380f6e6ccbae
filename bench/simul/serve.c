/* SPDX-License-Identifier: MIT */
/* serve.c: `simul serve`, the loopback HTTP/1.1 server fetch talks to: one libuv loop, injected latency. */
#include "cli.h"
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <http_parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>


#define MAX_HEADER_BYTES 8192 /* request line + headers; more is answered 431 and closed */
#define MAX_QUEUED 32         /* pipelined requests awaiting their delayed answers */
#define MAX_BODY (256u << 20)

struct server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_signal_t sigint, sigterm;
	uv_timer_t sweep;
	uint64_t latency_ms, idle_ms;
	/* The response is built once: header + body point at these for every request, so a
	 * response costs one writev and no copies. */
	char *hdr_keep, *hdr_close;
	size_t hdr_keep_len, hdr_close_len;
	char *body;
	size_t body_len;
	struct conn *conns; /* every open connection, for the idle sweep and the shutdown */
	bool stopping;
};

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* the injected latency of the answer at the head of the queue */
	http_parser parser;
	struct conn *prev, *next;
	uint64_t last_active; /* uv_now() of the last byte read, queued or seen to drain */
	size_t swept_wq;      /* the write queue's size at the last sweep */
	uint64_t due[MAX_QUEUED]; /* when each queued answer may go out (uv_now() ms) */
	bool head_only[MAX_QUEUED];
	bool close_after[MAX_QUEUED];
	unsigned q_head, q_len;
	uint32_t header_bytes;
	int64_t req_latency; /* ?latency-ms=N on this request, or -1 */
	char url[256];
	size_t url_len;
	bool in_request; /* bytes of a request seen, answer not yet queued */
	bool closing, eof;
	bool erroring; /* an error answer is on its way; the connection closes after it */
	int open_handles;
};

static struct server S;

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

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		S.conns = c->next;
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

static void on_written(uv_write_t *w, int status)
{
	struct wreq *r = (struct wreq *)w;
	struct conn *c = r->c;
	bool close_after = r->close_after;
	free(r);
	if (c->closing)
		return;
	/* A client that reset mid-response lands here: drop it, serve the others. */
	if (status < 0 || close_after ||
	    (c->eof && !c->q_len && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0))
		conn_close(c);
}

/* Send bufs: uv_try_write first (the common case, no allocation), the rest queued. */
static void conn_send(struct conn *c, uv_buf_t *bufs, unsigned nbufs, bool close_after)
{
	c->last_active = uv_now(S.loop);
	size_t total = 0;
	for (unsigned i = 0; i < nbufs; i++)
		total += bufs[i].len;
	int n = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0
	                ? uv_try_write((uv_stream_t *)&c->tcp, bufs, nbufs)
	                : UV_EAGAIN;
	if (n == UV_EAGAIN)
		n = 0;
	if (n < 0) {
		conn_close(c);
		return;
	}
	if ((size_t)n == total) {
		if (close_after)
			conn_close(c);
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
		conn_close(c);
		return;
	}
	r->c = c;
	r->close_after = close_after;
	/* The buffers are the server's prebuilt ones, alive for its whole life: libuv keeps
	 * pointers to them until on_written. */
	if (uv_write(&r->w, (uv_stream_t *)&c->tcp, bufs, nbufs, on_written) < 0) {
		free(r);
		conn_close(c);
	}
}

static void send_error(struct conn *c, int code)
{
	char text[256];
	int n = snprintf(text, sizeof text,
	                 "HTTP/1.1 %s\r\nServer: simul\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
	                 status_line(code), strlen(status_line(code)) + 1, status_line(code));
	struct wreq *r = malloc(sizeof *r + (size_t)n);
	if (!r) {
		conn_close(c);
		return;
	}
	memcpy(r->buf, text, (size_t)n);
	r->c = c;
	r->close_after = true;
	uv_buf_t b = uv_buf_init(r->buf, (unsigned)n);
	c->erroring = true;
	c->last_active = uv_now(S.loop); /* the answer gets a full idle period to leave */
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (uv_write(&r->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
		free(r);
		conn_close(c);
	}
}

static void send_answer(struct conn *c, bool head_only, bool close_after)
{
	uv_buf_t b[2];
	b[0] = close_after ? uv_buf_init(S.hdr_close, (unsigned)S.hdr_close_len)
	                   : uv_buf_init(S.hdr_keep, (unsigned)S.hdr_keep_len);
	b[1] = uv_buf_init(S.body, (unsigned)S.body_len);
	conn_send(c, b, head_only || S.body_len == 0 ? 1 : 2, close_after);
}

/* ---- the answer queue: each request answered in order, once its latency has passed ---- */

static void arm_timer(struct conn *c);

static void flush_due(struct conn *c)
{
	uint64_t now = uv_now(S.loop);
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
	uint64_t now = uv_now(S.loop), due = c->due[c->q_head];
	uv_timer_start(&c->timer, on_due, due > now ? due - now : 0, 0);
}

/* ---- parsing requests ---------------------------------------------------------------- */

static int on_message_begin(http_parser *p)
{
	struct conn *c = p->data;
	c->in_request = true;
	c->header_bytes = 0;
	c->url_len = 0;
	c->req_latency = -1;
	return 0;
}

static int count_header(struct conn *c, size_t n)
{
	c->header_bytes += (uint32_t)n;
	return c->header_bytes > MAX_HEADER_BYTES ? -1 : 0;
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
			if (end != k + 12 && v <= 3600000)
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
	uint64_t now = uv_now(S.loop), due = now + (lat >= 0 ? (uint64_t)lat : S.latency_ms);
	/* Answers leave in order: a later request with a shorter latency waits its turn. */
	if (c->q_len) {
		unsigned last = (c->q_head + c->q_len - 1) % MAX_QUEUED;
		if (due < c->due[last])
			due = c->due[last];
	}
	unsigned i = (c->q_head + c->q_len) % MAX_QUEUED;
	bool bad_method = p->method != HTTP_GET && p->method != HTTP_HEAD;
	if (bad_method) {
		send_error(c, 405);
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

/* One read buffer for the whole loop: the parser consumes every byte inside on_read, so no
 * connection needs a buffer of its own (10,000 idle connections cost no read memory). */
static char read_buf[65536];

static void on_alloc(uv_handle_t *h, size_t want, uv_buf_t *b)
{
	(void)h;
	(void)want;
	*b = uv_buf_init(read_buf, sizeof read_buf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	if (n == 0 || c->closing || c->erroring)
		return;
	if (n < 0) {
		/* EOF after a whole request: answer what is queued, then close. Otherwise (reset,
		 * or EOF mid-request) there is nobody to answer. */
		if (n == UV_EOF && !c->in_request &&
		    (c->q_len || uv_stream_get_write_queue_size(s) > 0)) {
			c->eof = true;
			uv_read_stop(s);
		} else {
			conn_close(c);
		}
		return;
	}
	c->last_active = uv_now(S.loop);
	size_t used = http_parser_execute(&c->parser, &parser_settings, b->base, (size_t)n);
	if (c->closing || c->erroring)
		return;
	enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
	if (e == HPE_PAUSED) {
		uv_read_stop(s); /* the request said Connection: close */
		return;
	}
	if (e != HPE_OK || used != (size_t)n) {
		/* on_message_complete fails only on a full answer queue (its 405 set erroring). */
		if (c->header_bytes > MAX_HEADER_BYTES || e == HPE_HEADER_OVERFLOW)
			send_error(c, 431);
		else if (e == HPE_CB_message_complete)
			conn_close(c);
		else
			send_error(c, 400);
	}
}

static void on_connection(uv_stream_t *l, int status)
{
	if (status < 0)
		return; /* out of descriptors (libuv sheds the connection); keep serving the rest */
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return;
	if (uv_tcp_init(S.loop, &c->tcp) < 0) {
		free(c);
		return;
	}
	uv_timer_init(S.loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->open_handles = 2;
	c->next = S.conns;
	if (S.conns)
		S.conns->prev = c;
	S.conns = c;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	c->last_active = uv_now(S.loop);
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
		conn_close(c);
}

/* Connections idle for --idle-ms are dropped: a half-sent request gets 408 first. One
 * sweep over the list every quarter period costs less than a timer per connection reset
 * on every read. Connections waiting on our own answer are not idle; one whose answer sits
 * unread (the write queue did not drain since the last sweep) is, so a client that never
 * reads cannot hold its connection and the queued body forever. */
static void on_sweep(uv_timer_t *t)
{
	(void)t;
	uint64_t now = uv_now(S.loop);
	for (struct conn *c = S.conns, *next; c; c = next) {
		next = c->next;
		size_t wq = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
		if (wq < c->swept_wq)
			c->last_active = now; /* a slow reader, not a stalled one */
		c->swept_wq = wq;
		if (c->q_len || now - c->last_active < S.idle_ms)
			continue;
		if (c->in_request && !c->erroring && wq == 0)
			send_error(c, 408);
		else
			conn_close(c);
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
	(void)s;
	(void)sig;
	if (S.stopping)
		return;
	S.stopping = true;
	while (S.conns)
		conn_close(S.conns);
	uv_walk(S.loop, on_walk_close, NULL);
}

/* ---- command line -------------------------------------------------------------------- */

static void serve_usage(FILE *out)
{
	fprintf(out,
	        "usage: simul serve [--port P] [--latency-ms L] [--bytes B] [--idle-ms I]\n\n"
	        "An HTTP/1.1 server on 127.0.0.1, one libuv loop, for the fetch workload and for wrk.\n"
	        "Every GET is answered 200 with B bytes after L ms (a timer, never a blocked loop);\n"
	        "a request's ?latency-ms=N overrides L for that request. Keep-alive and Connection:\n"
	        "close are honoured; garbage is answered 400, headers over %d bytes 431, and a\n"
	        "request left half-sent for I ms 408; each such connection is then closed.\n\n"
	        "  --port P        TCP port; 0 picks a free one (default 8080)\n"
	        "  --latency-ms L  delay before every response (default 0)\n"
	        "  --bytes B       response body size (default 1024, at most %u)\n"
	        "  --idle-ms I     close connections idle this long (default 10000)\n"
	        "  --help          this text\n\n"
	        "Its first line on stdout is the address it serves, http://127.0.0.1:PORT/, printed once\n"
	        "it accepts. SIGINT or SIGTERM stop it (exit 0). Exit 2 for a wrong command line, 1 if\n"
	        "it cannot listen.\n",
	        MAX_HEADER_BYTES, MAX_BODY);
}

_Noreturn static void serve_bad(const char *fmt, const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "simul serve: ");
	fprintf(stderr, fmt, opt, val, why);
	fprintf(stderr, "\nusage: simul serve [--port P] [--latency-ms L] [--bytes B] [--idle-ms I]; "
	                "'simul serve --help' says more\n");
	exit(SIM_EXIT_USAGE);
}

static uint64_t serve_num(const char *opt, const char *val, double min, double max)
{
	uint64_t v;
	const char *why = sim_parse_u64(val, min, max, &v);
	if (why) {
		char fmt[128];
		snprintf(fmt, sizeof fmt, "--%%s '%%s' %%s: give a whole number from %.0f to %.0f", min, max);
		serve_bad(fmt, opt, val, why);
	}
	return v;
}

static int build_response(char **out, size_t *len, bool close)
{
	char h[256];
	int n = snprintf(h, sizeof h,
	                 "HTTP/1.1 200 OK\r\nServer: simul\r\nContent-Type: application/octet-stream\r\n"
	                 "Content-Length: %zu\r\n%s\r\n",
	                 S.body_len, close ? "Connection: close\r\n" : "");
	*out = malloc((size_t)n);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, h, (size_t)n);
	*len = (size_t)n;
	return 0;
}

int sim_cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, 0, 'p' },
		{ "latency-ms", required_argument, 0, 'l' },
		{ "bytes", required_argument, 0, 'b' },
		{ "idle-ms", required_argument, 0, 'i' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	uint64_t port = 8080, bytes = 1024;
	memset(&S, 0, sizeof S);
	S.idle_ms = 10000;
	int ch;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': port = serve_num("port", optarg, 0, 65535); break;
		case 'l': S.latency_ms = serve_num("latency-ms", optarg, 0, 3600000); break;
		case 'b': bytes = serve_num("bytes", optarg, 0, MAX_BODY); break;
		case 'i': S.idle_ms = serve_num("idle-ms", optarg, 1, 86400000); break;
		case 'h': serve_usage(stdout); return 0;
		case ':': serve_bad("%s needs a value%s%s", argv[optind - 1], "", "");
		default: serve_bad("unknown option '%s'%s%s", argv[optind - 1], "", "");
		}
	}
	if (optind < argc)
		serve_bad("unexpected argument '%s'%s%s", argv[optind], "", "");

	signal(SIGPIPE, SIG_IGN);
	/* Every connection is a descriptor: take all the kernel allows (ulimit -n's hard limit). */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	S.body_len = (size_t)bytes;
	S.body = malloc(S.body_len ? S.body_len : 1);
	if (!S.body || build_response(&S.hdr_keep, &S.hdr_keep_len, false) < 0 ||
	    build_response(&S.hdr_close, &S.hdr_close_len, true) < 0) {
		fprintf(stderr, "simul serve: out of memory for a %zu-byte body: use a smaller --bytes\n", S.body_len);
		return 1;
	}
	for (size_t i = 0; i < S.body_len; i++)
		S.body[i] = (char)('a' + i % 26);

	S.loop = uv_default_loop();
	struct sockaddr_in addr;
	uv_ip4_addr("127.0.0.1", (int)port, &addr);
	int e = uv_tcp_init(S.loop, &S.listener);
	if (e == 0)
		e = uv_tcp_bind(&S.listener, (const struct sockaddr *)&addr, 0);
	/* The kernel caps the backlog at net.core.somaxconn; ask for all of it, so a burst of
	 * thousands of connects queues rather than waits for SYN retransmits. */
	if (e == 0)
		e = uv_listen((uv_stream_t *)&S.listener, 65535, on_connection);
	if (e < 0) {
		fprintf(stderr, "simul serve: cannot listen on 127.0.0.1:%llu: %s: %s\n",
		        (unsigned long long)port, uv_strerror(e),
		        e == UV_EADDRINUSE ? "choose another --port, or 0 for a free one" : "check the port");
		return 1;
	}
	struct sockaddr_storage bound;
	int blen = sizeof bound;
	uv_tcp_getsockname(&S.listener, (struct sockaddr *)&bound, &blen);
	printf("http://127.0.0.1:%u/\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
	fflush(stdout);

	uv_signal_init(S.loop, &S.sigint);
	uv_signal_init(S.loop, &S.sigterm);
	uv_signal_start(&S.sigint, on_stop_signal, SIGINT);
	uv_signal_start(&S.sigterm, on_stop_signal, SIGTERM);
	uv_timer_init(S.loop, &S.sweep);
	uint64_t every = S.idle_ms / 4 ? S.idle_ms / 4 : 1;
	uv_timer_start(&S.sweep, on_sweep, every, every);

	uv_run(S.loop, UV_RUN_DEFAULT);
	uv_loop_close(S.loop);
	free(S.body);
	free(S.hdr_keep);
	free(S.hdr_close);
	return 0;
}
