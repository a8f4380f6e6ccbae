/* SPDX-License-Identifier: MIT */
/* fetch_task.c: the fetch workload's task body: GETs over keep-alive, each response checked. */
#include "fetch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- what both forms of the body share: errors, the response, its checks --------------- */

int sim_fetch__io_error(struct sim_fetch_outcome *o, ssize_t n, bool writing, bool deadline)
{
	o->deadline = n == -ETIMEDOUT && deadline;
	if (writing)
		o->why = n != -ETIMEDOUT ? "sending the request"
		         : o->deadline  ? "the request could not be sent within --response-timeout-ms"
		                        : "the request could not be sent within --io-timeout-ms";
	else
		o->why = n != -ETIMEDOUT ? "reading the response"
		         : o->deadline  ? "the response did not complete within --response-timeout-ms"
		                        : "no answer within --io-timeout-ms";
	o->say_errno = n != -ETIMEDOUT;
	return o->err = (int)n;
}

int sim_fetch__feed(struct sim_fetch_outcome *o, const char *buf, size_t n)
{
	size_t used;
	int e = sim_http_resp_feed(&o->resp, buf, n, &used, &o->why);
	if (e == -EFBIG)
		o->why = "the body is longer than --max-body-bytes";
	if (e < 0) {
		o->malformed = e == -EPROTO && !o->resp.switched;
		return o->err = e;
	}
	if (e == 1 && used < n) {
		o->why = "bytes after the end of the response (malformed)";
		return o->err = -EPROTO;
	}
	return e;
}

void sim_fetch__connect_failed(const struct fetch_state *st, int e, int tmo, struct sim_result *out)
{
	if (e == -ETIMEDOUT)
		sim_result_fail(out, e, "connect to %s: no answer within --io-timeout-ms %d", st->url.authority, tmo);
	else
		sim_result_fail(out, e, "connect to %s: %s", st->url.authority, strerror(-e));
}

void sim_fetch__get_failed(const struct fetch_state *st, const struct sim_fetch_outcome *o, int tmo,
                           struct sim_result *out)
{
	char detail[64] = "";
	if (o->say_errno)
		snprintf(detail, sizeof detail, ": %s", strerror(-o->err));
	else if (o->err == -ETIMEDOUT)
		snprintf(detail, sizeof detail, " %d", o->deadline ? st->response_ms : tmo);
	else if (o->err == -EFBIG)
		snprintf(detail, sizeof detail, " %llu", (unsigned long long)st->max_body);
	sim_result_fail(out, o->err, "GET %s: %s%s%s", st->url_text, o->malformed ? "malformed response: " : "", o->why,
	                detail);
}

bool sim_fetch__count(const struct fetch_state *st, const struct sim_http_resp *resp, double tr, bool trace,
                      struct sim_result *out)
{
	if (resp->status != 200) {
		sim_result_fail(out, -EPROTO, "GET %s: status %u, want 200", st->url_text, resp->status);
		return false;
	}
	if (st->expect_known && resp->body != st->expect) {
		sim_result_fail(out, -EPROTO, "GET %s: a body of %llu bytes, want %llu", st->url_text,
		                (unsigned long long)resp->body, (unsigned long long)st->expect);
		return false;
	}
	if (out->count == 0)
		out->value = resp->body;
	else if (resp->body != out->value) {
		sim_result_fail(out, -EPROTO, "GET %s: a body of %llu bytes after one of %llu", st->url_text,
		                (unsigned long long)resp->body, (unsigned long long)out->value);
		return false;
	}
	double end = sim_now(), lat = end - tr;
	if (trace)
		sim_trace("request", tr, end);
	sim_lat_add(lat);
	if (lat > out->max_lat_s)
		out->max_lat_s = lat;
	out->count++;
	out->bytes += resp->body;
	return true;
}

/* ---- the task body: plain blocking code over the runtime interface --------------------- */

/* Milliseconds left until `until` (sim_mono_s), at least 0. */
static int left_ms(double until)
{
	double left = (until - sim_mono_s()) * 1000.0;
	return left > 0 ? (int)left + 1 : 0;
}

/* One GET on fd, its response read to the end, all of it within the response deadline and
 * each wait within tmo. 0, or -errno with o->why. */
static int get_once(const struct fetch_state *st, int fd, const char *req, size_t req_len, int tmo,
                    struct sim_fetch_outcome *o)
{
	double until = sim_mono_s() + st->response_ms / 1000.0;
	int left = left_ms(until), t = tmo < left ? tmo : left;
	ssize_t w = sim_write(fd, req, req_len, t);
	if (w < 0)
		return sim_fetch__io_error(o, w, true, t < tmo);
	sim_http_resp_init(&o->resp, st->max_body);
	/* Small enough for a coroutine's 64 KiB stack beside everything else on it. */
	char buf[8192];
	for (;;) {
		left = left_ms(until);
		t = tmo < left ? tmo : left;
		ssize_t n = t > 0 ? sim_read(fd, buf, sizeof buf, t) : -ETIMEDOUT;
		if (n < 0)
			return sim_fetch__io_error(o, n, false, t < tmo);
		int e = sim_fetch__feed(o, buf, (size_t)n);
		if (e != 0)
			return e < 0 ? e : 0;
	}
}

/* R requests over one connection (a new one whenever the server closes it), each checked.
 * The first failure ends the task: later requests would only repeat it, or wait out
 * another time-out each. */
void sim_fetch__requests(const struct fetch_state *st, const struct fetch_req *rq, uint64_t reqs, int tmo,
                         bool trace, struct sim_result *out)
{
	int fd = -1;
	for (uint64_t r = 0; r < reqs; r++) {
		double t = sim_now();
		if (fd < 0) {
			fd = sim_connect((const struct sockaddr *)&st->addr, st->addrlen, tmo);
			if (fd < 0) {
				sim_fetch__connect_failed(st, fd, tmo, out);
				return;
			}
			if (trace)
				sim_trace("connect", t, sim_now());
		}
		bool last = r + 1 == reqs;
		double tr = sim_now();
		struct sim_fetch_outcome o = { 0 };
		if (get_once(st, fd, last ? rq->close : rq->keep, last ? rq->close_len : rq->keep_len, tmo, &o) < 0) {
			sim_fetch__get_failed(st, &o, tmo, out);
			break;
		}
		if (!sim_fetch__count(st, &o.resp, tr, trace, out))
			break;
		if (!o.resp.keep_alive) {
			sim_close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		sim_close(fd);
}

void sim_fetch__task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	const struct fetch_cfg *c = run->cfg;
	const struct fetch_state *st = run->state;
	(void)i;
	if (st->resolve_err[0]) {
		sim_result_fail(out, -EHOSTUNREACH, "%s", st->resolve_err);
		return;
	}
	sim_fetch__requests(st, &st->req, c->requests, (int)c->io_timeout_ms, true, out);
}
