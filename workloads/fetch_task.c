/* SPDX-License-Identifier: MIT */
/* fetch_task.c: the fetch workload's task body: GETs over keep-alive, each response checked. */
#include "fetch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- the task body: plain blocking code over the runtime interface --------------------- */

struct outcome {
	int err;            /* 0 or -errno */
	const char *why;    /* what failed, a static string */
	bool say_errno;     /* follow why with strerror(err) */
	bool malformed;     /* why is the parser's complaint */
	bool deadline;      /* the response deadline, not one wait, ran out */
	struct sim_http_resp resp;
};

/* Milliseconds left until `until` (sim_mono_s), at least 0. */
static int left_ms(double until)
{
	double left = (until - sim_mono_s()) * 1000.0;
	return left > 0 ? (int)left + 1 : 0;
}

/* One GET on fd, its response read to the end, all of it within the response deadline and
 * each wait within tmo. 0, or -errno with o->why. */
static int get_once(const struct fetch_state *st, int fd, const char *req, size_t req_len, int tmo,
                    struct outcome *o)
{
	double until = sim_mono_s() + st->response_ms / 1000.0;
	int left = left_ms(until), t = tmo < left ? tmo : left;
	ssize_t w = sim_write(fd, req, req_len, t);
	if (w < 0) {
		o->why = w != -ETIMEDOUT ? "sending the request"
		         : t < tmo     ? "the request could not be sent within --response-timeout-ms"
		                       : "the request could not be sent within --io-timeout-ms";
		o->say_errno = w != -ETIMEDOUT;
		o->deadline = w == -ETIMEDOUT && t < tmo;
		return o->err = (int)w;
	}
	sim_http_resp_init(&o->resp, st->max_body);
	/* Small enough for a coroutine's 64 KiB stack beside everything else on it. */
	char buf[8192];
	for (;;) {
		left = left_ms(until);
		t = tmo < left ? tmo : left;
		ssize_t n = t > 0 ? sim_read(fd, buf, sizeof buf, t) : -ETIMEDOUT;
		if (n < 0) {
			o->deadline = n == -ETIMEDOUT && t < tmo;
			o->why = n != -ETIMEDOUT ? "reading the response"
			         : o->deadline  ? "the response did not complete within --response-timeout-ms"
			                        : "no answer within --io-timeout-ms";
			o->say_errno = n != -ETIMEDOUT;
			return o->err = (int)n;
		}
		size_t used;
		int e = sim_http_resp_feed(&o->resp, buf, (size_t)n, &used, &o->why);
		if (e == -EFBIG)
			o->why = "the body is longer than --max-body-bytes";
		if (e < 0) {
			o->malformed = e == -EPROTO;
			return o->err = e;
		}
		if (e == 1) {
			if (used < (size_t)n) {
				o->why = "bytes after the end of the response (malformed)";
				return o->err = -EPROTO;
			}
			return 0;
		}
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
				if (fd == -ETIMEDOUT)
					sim_result_fail(out, fd, "connect to %s: no answer within --io-timeout-ms %d",
					                st->url.authority, tmo);
				else
					sim_result_fail(out, fd, "connect to %s: %s", st->url.authority, strerror(-fd));
				return;
			}
			if (trace)
				sim_trace("connect", t, sim_now());
		}
		bool last = r + 1 == reqs;
		double tr = sim_now();
		struct outcome o = { 0 };
		if (get_once(st, fd, last ? rq->close : rq->keep, last ? rq->close_len : rq->keep_len, tmo, &o) < 0) {
			char detail[64] = "";
			if (o.say_errno)
				snprintf(detail, sizeof detail, ": %s", strerror(-o.err));
			else if (o.err == -ETIMEDOUT)
				snprintf(detail, sizeof detail, " %d", o.deadline ? st->response_ms : tmo);
			else if (o.err == -EFBIG)
				snprintf(detail, sizeof detail, " %llu", (unsigned long long)st->max_body);
			sim_result_fail(out, o.err, "GET %s: %s%s%s", st->url_text, o.malformed ? "malformed response: " : "",
			                o.why, detail);
			break;
		}
		if (o.resp.status != 200) {
			sim_result_fail(out, -EPROTO, "GET %s: status %u, want 200", st->url_text, o.resp.status);
			break;
		}
		if (st->expect_known && o.resp.body != st->expect) {
			sim_result_fail(out, -EPROTO, "GET %s: a body of %llu bytes, want %llu", st->url_text,
			                (unsigned long long)o.resp.body, (unsigned long long)st->expect);
			break;
		}
		if (r == 0)
			out->value = o.resp.body;
		else if (o.resp.body != out->value) {
			sim_result_fail(out, -EPROTO, "GET %s: a body of %llu bytes after one of %llu", st->url_text,
			                (unsigned long long)o.resp.body, (unsigned long long)out->value);
			break;
		}
		double end = sim_now(), lat = end - tr;
		if (trace)
			sim_trace("request", tr, end);
		sim_lat_add(lat);
		if (lat > out->max_lat_s)
			out->max_lat_s = lat;
		out->count++;
		out->bytes += o.resp.body;
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
