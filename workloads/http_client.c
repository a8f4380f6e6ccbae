/* SPDX-License-Identifier: MIT */
/* http_client.c: URLs, GET requests and response parsing for fetch, over Debian's http-parser. */
#include "http_client.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int sim_url_parse(const char *text, struct sim_url *u, char *err, size_t errlen)
{
	struct http_parser_url pu;
	memset(u, 0, sizeof *u);
	http_parser_url_init(&pu);
	size_t len = strlen(text);
	if (len == 0 || http_parser_parse_url(text, len, 0, &pu) != 0 || !(pu.field_set & (1 << UF_HOST))) {
		snprintf(err, errlen, "--url '%s' is not a URL: give one like http://127.0.0.1:8080/path", text);
		return -EINVAL;
	}
	const __typeof__(pu.field_data[0]) *f = pu.field_data;
	if (!(pu.field_set & (1 << UF_SCHEMA)) || f[UF_SCHEMA].len != 4 ||
	    strncasecmp(text + f[UF_SCHEMA].off, "http", 4) != 0) {
		snprintf(err, errlen, "--url '%s': only http:// URLs are supported (no https, no other schemes)", text);
		return -EINVAL;
	}
	if (pu.field_set & (1 << UF_USERINFO)) {
		snprintf(err, errlen, "--url '%s': user:password@ is not supported: drop it", text);
		return -EINVAL;
	}
	if (f[UF_HOST].len == 0 || f[UF_HOST].len >= sizeof u->host) {
		snprintf(err, errlen, "--url '%s': the host is empty or too long", text);
		return -EINVAL;
	}
	memcpy(u->host, text + f[UF_HOST].off, f[UF_HOST].len);
	if (pu.field_set & (1 << UF_PORT)) {
		if (pu.port == 0) {
			snprintf(err, errlen, "--url '%s': port 0 cannot be fetched: give the server's port", text);
			return -EINVAL;
		}
		u->port = pu.port;
	} else {
		u->port = 80;
	}
	snprintf(u->port_text, sizeof u->port_text, "%u", u->port);
	bool v6 = strchr(u->host, ':') != NULL;
	if (pu.field_set & (1 << UF_PORT))
		snprintf(u->authority, sizeof u->authority, "%s%s%s:%u", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port);
	else
		snprintf(u->authority, sizeof u->authority, "%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
	/* The request target runs from the path to the end of the query; a fragment is the
	 * client's business and never sent. */
	size_t from = 0, to = 0;
	if (pu.field_set & (1 << UF_PATH)) {
		from = f[UF_PATH].off;
		to = from + f[UF_PATH].len;
	}
	if (pu.field_set & (1 << UF_QUERY)) {
		if (!from)
			from = f[UF_QUERY].off - 1;
		to = f[UF_QUERY].off + f[UF_QUERY].len;
	}
	int n;
	if (to > from)
		n = snprintf(u->target, sizeof u->target, "%s%.*s", text[from] == '/' ? "" : "/",
		             (int)(to - from), text + from);
	else
		n = snprintf(u->target, sizeof u->target, "/");
	if (n < 0 || (size_t)n >= sizeof u->target) {
		snprintf(err, errlen, "--url: the path is longer than %zu bytes: shorten it", sizeof u->target - 1);
		return -EINVAL;
	}
	for (const char *c = u->target; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			snprintf(err, errlen, "--url '%s': the path holds a space or control character: percent-encode it", text);
			return -EINVAL;
		}
	return 0;
}

int sim_http_request(const struct sim_url *u, bool close, char *buf, size_t len)
{
	int n = snprintf(buf, len, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: simul\r\nAccept: */*\r\n%s\r\n",
	                 u->target, u->authority, close ? "Connection: close\r\n" : "");
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* ---- responses ----------------------------------------------------------------------- */

static int on_message_begin(http_parser *p)
{
	((struct sim_http_resp *)p->data)->begun++;
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct sim_http_resp *r = p->data;
	r->status = p->status_code;
	/* 101 would hand the connection to another protocol: not an answer to a GET of ours. */
	if (r->status == 101) {
		r->switched = true;
		return -1;
	}
	/* An interim answer (100 Continue, 103 Early Hints, ...; RFC 9110 15.2) has no body,
	 * whatever its headers say: 1 tells the parser so. The final answer follows it. */
	if (r->status / 100 == 1)
		return 1;
	/* A Content-Length over the cap fails at once, not after the bytes. (http_parser says
	 * ULLONG_MAX when there is none.) */
	if (r->max_body && p->content_length != ULLONG_MAX && p->content_length > r->max_body) {
		r->too_big = true;
		return -1;
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	(void)at;
	struct sim_http_resp *r = p->data;
	r->body += n;
	if (r->max_body && r->body > r->max_body) {
		r->too_big = true;
		return -1;
	}
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct sim_http_resp *r = p->data;
	if (r->status / 100 == 1) { /* interim: skipped, and the parser reads on */
		r->interim++;
		r->status = 0;
		return 0;
	}
	r->complete = true;
	r->keep_alive = http_should_keep_alive(p);
	/* Stop here: whatever follows is not this response's. */
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings resp_settings = {
	.on_message_begin = on_message_begin,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void sim_http_resp_init(struct sim_http_resp *r, uint64_t max_body)
{
	memset(r, 0, sizeof *r);
	http_parser_init(&r->p, HTTP_RESPONSE);
	r->p.data = r;
	r->max_body = max_body;
}

int sim_http_resp_feed(struct sim_http_resp *r, const char *buf, size_t n, size_t *used,
                       const char **why)
{
	*used = 0;
	if (r->complete)
		return 1;
	if (n == 0) {
		if (!r->started) {
			*why = "the server closed the connection without answering";
			return -ECONNRESET;
		}
		http_parser_execute(&r->p, &resp_settings, NULL, 0);
		if (r->complete)
			return 1;
		*why = r->interim && r->interim == r->begun
		               ? "the server closed the connection after an interim 1xx answer, before the final one"
		               : "the server closed the connection mid-response (truncated)";
		return -ECONNRESET;
	}
	r->started = true;
	size_t got = http_parser_execute(&r->p, &resp_settings, buf, n);
	if (r->complete) {
		*used = got;
		return 1;
	}
	if (r->too_big) {
		*why = "the body is longer than the cap";
		return -EFBIG;
	}
	if (r->switched) {
		*why = "status 101 Switching Protocols: fetch speaks HTTP/1.1 only";
		return -EPROTO;
	}
	enum http_errno e = HTTP_PARSER_ERRNO(&r->p);
	if (e != HPE_OK) {
		*why = http_errno_description(e);
		return -EPROTO;
	}
	*used = n;
	return 0;
}
