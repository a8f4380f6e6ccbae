/* SPDX-License-Identifier: MIT */
/* fetch_step.c: the fetch workload's body as steps, for a model of plain callbacks: the same GETs and checks. */
#include "fetch.h"

#include <errno.h>

/* The GET for the task's next request, on its open connection. */
static void send_next(const struct fetch_cfg *c, const struct fetch_state *st, struct sim_fetch_step *s,
                      struct sim_op *next, const struct sim_result *out)
{
	bool last = out->count + 1 == c->requests;
	s->tr = sim_now();
	s->o = (struct sim_fetch_outcome){ 0 };
	sim_http_resp_init(&s->o.resp, st->max_body);
	*next = (struct sim_op){ .kind = SIM_OP_WRITE, .timeout_ms = (int)c->io_timeout_ms,
	                         .buf = last ? st->req.close : st->req.keep,
	                         .len = last ? st->req.close_len : st->req.keep_len };
}

/* A connection for the next request: the first, or after the server closed the last. */
static void connect_next(const struct fetch_cfg *c, const struct fetch_state *st, struct sim_fetch_step *s,
                         struct sim_op *next)
{
	s->t = sim_now();
	*next = (struct sim_op){ .kind = SIM_OP_CONNECT, .timeout_ms = (int)c->io_timeout_ms,
	                         .addr = (const struct sockaddr *)&st->addr, .addrlen = st->addrlen };
}

/* The next read of the response: each wait within --io-timeout-ms, the whole response within
 * --response-timeout-ms from its GET (s->tr), as the blocking body does. */
static bool read_next(const struct fetch_cfg *c, const struct fetch_state *st, struct sim_fetch_step *s,
                      struct sim_op *next, struct sim_result *out)
{
	int tmo = (int)c->io_timeout_ms;
	double left_s = st->response_ms / 1000.0 - (sim_now() - s->tr);
	int left = left_s > 0 ? (int)(left_s * 1000.0) + 1 : 0;
	if (left == 0) {
		sim_fetch__io_error(&s->o, -ETIMEDOUT, false, true);
		sim_fetch__get_failed(st, &s->o, tmo, out);
		return false;
	}
	s->cut = left < tmo;
	*next = (struct sim_op){ .kind = SIM_OP_READ, .timeout_ms = s->cut ? left : tmo };
	return true;
}

/* Bytes of the response (or the peer's close, n = 0): read on, or the response is counted
 * and the task moves to its next request. */
static void received(const struct fetch_cfg *c, const struct fetch_state *st, struct sim_fetch_step *s,
                     const struct sim_step_in *in, struct sim_op *next, struct sim_result *out)
{
	int tmo = (int)c->io_timeout_ms;
	int e = in->result < 0 ? sim_fetch__io_error(&s->o, in->result, false, s->cut)
	                       : sim_fetch__feed(&s->o, in->data, (size_t)in->result);
	if (e < 0) {
		sim_fetch__get_failed(st, &s->o, tmo, out);
		return;
	}
	if (e == 0) {
		read_next(c, st, s, next, out);
		return;
	}
	if (!sim_fetch__count(st, &s->o.resp, s->tr, true, out) || out->count == c->requests)
		return;
	if (!s->o.resp.keep_alive) {
		next->kind = SIM_OP_CLOSE;
		return;
	}
	send_next(c, st, s, next, out);
}

void sim_fetch__step(const struct sim_run *run, uint32_t i, void *state, const struct sim_step_in *in,
                     struct sim_op *next, struct sim_result *out)
{
	const struct fetch_cfg *c = run->cfg;
	const struct fetch_state *st = run->state;
	struct sim_fetch_step *s = state;
	(void)i;
	next->kind = SIM_OP_DONE; /* unless the task goes on */
	switch (in->done) {
	case SIM_OP_DONE: /* the first step */
		if (st->resolve_err[0])
			sim_result_fail(out, -EHOSTUNREACH, "%s", st->resolve_err);
		else
			connect_next(c, st, s, next);
		return;
	case SIM_OP_CONNECT:
		if (in->result < 0) {
			sim_fetch__connect_failed(st, (int)in->result, (int)c->io_timeout_ms, out);
			return;
		}
		sim_trace("connect", s->t, sim_now());
		send_next(c, st, s, next, out);
		return;
	case SIM_OP_WRITE:
		if (in->result < 0) {
			sim_fetch__io_error(&s->o, in->result, true, false);
			sim_fetch__get_failed(st, &s->o, (int)c->io_timeout_ms, out);
			return;
		}
		read_next(c, st, s, next, out);
		return;
	case SIM_OP_READ:
		received(c, st, s, in, next, out);
		return;
	case SIM_OP_CLOSE:
		connect_next(c, st, s, next);
		return;
	case SIM_OP_SLEEP:
		break;
	}
	sim_result_fail(out, -EINVAL, "fetch: a step after an operation it never asked for");
}
