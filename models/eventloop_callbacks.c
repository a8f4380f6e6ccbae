/* SPDX-License-Identifier: MIT */
/* eventloop_callbacks.c: every task plain libuv callbacks on one loop, no coroutines: the floor under eventloop. */
#include "model.h"
#include "uvcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* A slot runs one task at a time (all of them at once, or --limit), as the eventloop's do,
 * but holds no stack: a task in flight is its timer and the body's step state, which
 * follows it in memory, and nothing else. The timer's data says which task the slot runs:
 * (task << 1) | 1, or while the task has a connection, that connection (which holds the
 * task): no word per slot for what most tasks never open. */
struct slot {
	uv_timer_t timer;   /* the sleep, or the time-out of a connect, write or read */
};

/* A task's connection: allocated by CONNECT, freed once libuv has closed it. */
struct conn {
	uv_tcp_t tcp;
	uint32_t task;
	union {
		uv_connect_t connect;
		uv_write_t write;
	} req;
	uv_buf_t wbuf;
	struct slot *slot;      /* NULL once closing: the callbacks of a cancelled request are dropped */
	enum sim_op_kind busy;  /* the operation in progress on it, SIM_OP_DONE when none */
	bool reading;           /* uv_read_start is in effect */
};

struct cb {
	uv_loop_t loop;
	const struct sim_run *run;
	struct sim_result *results;
	char *slots;
	size_t stride;          /* a slot and its step state */
	uint32_t nslots, next, finished;
	/* One read buffer for every connection: a step consumes what it is given before the
	 * callback returns, so no task in flight needs a buffer of its own. */
	char rbuf[65536];
};

#define PENDING 1 /* start_op: the operation is under way, its callback will drive the task */

static struct cb *cb_of(uv_handle_t *h) { return (struct cb *)((char *)h->loop - offsetof(struct cb, loop)); }
static struct slot *slot_at(struct cb *cb, uint32_t k) { return (struct slot *)(cb->slots + (size_t)k * cb->stride); }
static uint32_t slot_id(struct cb *cb, struct slot *s) { return (uint32_t)(((char *)s - cb->slots) / cb->stride); }
static struct conn *conn_of(struct slot *s)
{
	uintptr_t d = (uintptr_t)s->timer.data;
	return d & 1 ? NULL : (struct conn *)d;
}
static uint32_t task_of(struct slot *s)
{
	uintptr_t d = (uintptr_t)s->timer.data;
	return d & 1 ? (uint32_t)(d >> 1) : ((struct conn *)d)->task;
}
static void set_task(struct slot *s, uint32_t i) { s->timer.data = (void *)(((uintptr_t)i << 1) | 1); }

static void on_conn_closed(uv_handle_t *h) { free(h->data); }

static void close_conn(struct slot *s)
{
	struct conn *c = conn_of(s);
	if (!c)
		return;
	if (c->busy != SIM_OP_DONE)
		uv_timer_stop(&s->timer);
	c->slot = NULL;
	set_task(s, c->task);
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void drive(struct cb *cb, struct slot *s, enum sim_op_kind done, ssize_t result, const char *data);

static void on_timer(uv_timer_t *t)
{
	struct slot *s = (struct slot *)t;
	struct cb *cb = cb_of((uv_handle_t *)t);
	struct conn *c = conn_of(s);
	if (c && c->busy != SIM_OP_DONE) {
		/* A connect or write cannot be taken back: the time-out closes the connection. */
		enum sim_op_kind op = c->busy;
		close_conn(s);
		drive(cb, s, op, -ETIMEDOUT, NULL);
		return;
	}
	drive(cb, s, SIM_OP_SLEEP, 0, NULL);
}

/* The end of the connection's operation op, with its result, back to the task. */
static void conn_done(struct conn *c, enum sim_op_kind op, ssize_t result, const char *data)
{
	struct slot *s = c->slot;
	if (!s || c->busy != op)
		return; /* closed meanwhile (a time-out): the task has moved on */
	c->busy = SIM_OP_DONE;
	uv_timer_stop(&s->timer);
	drive(cb_of((uv_handle_t *)&c->tcp), s, op, result, data);
}

static void on_connect(uv_connect_t *req, int status) { conn_done(req->handle->data, SIM_OP_CONNECT, status, NULL); }

static void on_write(uv_write_t *req, int status)
{
	struct conn *c = req->handle->data;
	conn_done(c, SIM_OP_WRITE, status < 0 ? status : (ssize_t)c->wbuf.len, NULL);
}

static void on_alloc(uv_handle_t *h, size_t want, uv_buf_t *buf)
{
	(void)want;
	struct cb *cb = cb_of(h);
	*buf = uv_buf_init(cb->rbuf, sizeof cb->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = st->data;
	if (n == 0)
		return; /* nothing after all (EAGAIN) */
	if (n < 0) {
		uv_read_stop(st); /* EOF or an error: libuv reads no further */
		c->reading = false;
	}
	conn_done(c, SIM_OP_READ, n == UV_EOF ? 0 : n, n > 0 ? buf->base : NULL);
}

static int arm_timeout(struct cb *cb, struct slot *s, int timeout_ms)
{
	if (timeout_ms <= 0)
		return 0;
	uv_update_time(&cb->loop);
	return uv_timer_start(&s->timer, on_timer, (uint64_t)timeout_ms, 0);
}

static int start_connect(struct cb *cb, struct slot *s, const struct sim_op *op)
{
	if (conn_of(s))
		return -EISCONN;
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	int e = uv_tcp_init(&cb->loop, &c->tcp);
	if (e < 0) {
		free(c);
		return e;
	}
	c->tcp.data = c;
	c->slot = s;
	c->task = task_of(s);
	s->timer.data = c;
	e = uv_tcp_connect(&c->req.connect, &c->tcp, op->addr, on_connect);
	if (e < 0) {
		close_conn(s);
		return e;
	}
	c->busy = SIM_OP_CONNECT;
	return arm_timeout(cb, s, op->timeout_ms);
}

static int start_io(struct cb *cb, struct slot *s, const struct sim_op *op)
{
	struct conn *c = conn_of(s);
	if (!c)
		return -ENOTCONN;
	int e;
	if (op->kind == SIM_OP_WRITE) {
		c->wbuf = uv_buf_init((char *)op->buf, (unsigned)op->len);
		e = uv_write(&c->req.write, (uv_stream_t *)&c->tcp, &c->wbuf, 1, on_write);
	} else {
		e = c->reading ? 0 : uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
		c->reading = e == 0;
	}
	if (e < 0)
		return e;
	c->busy = op->kind;
	return arm_timeout(cb, s, op->timeout_ms);
}

/* Start what the step asked for: PENDING, or the operation's result at once (an error, or
 * CLOSE's 0), which goes straight back to the step. */
static int start_op(struct cb *cb, struct slot *s, const struct sim_op *op)
{
	int e;
	struct conn *c = conn_of(s);
	/* Bytes that arrive while the task does something else wait in the socket. */
	if (c && c->reading && op->kind != SIM_OP_READ) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	switch (op->kind) {
	case SIM_OP_SLEEP:
		/* libuv counts whole milliseconds of the loop's clock, truncated: a timer for ms can
		 * fire up to 1 ms before ms have passed. One more millisecond never ends early, and
		 * keeps no deadline per task to check it against. The clock is refreshed first:
		 * it is stale after a long start-up or step. */
		uv_update_time(&cb->loop);
		e = uv_timer_start(&s->timer, on_timer, op->ms ? op->ms + 1 : 0, 0);
		return e < 0 ? e : PENDING;
	case SIM_OP_CONNECT:
		e = start_connect(cb, s, op);
		return e < 0 ? e : PENDING;
	case SIM_OP_WRITE:
	case SIM_OP_READ:
		e = start_io(cb, s, op);
		return e < 0 ? e : PENDING;
	case SIM_OP_CLOSE:
		close_conn(s);
		return 0;
	case SIM_OP_DONE:
		break;
	}
	return -EINVAL;
}

/* Slot s's task ended: its result is complete. The slot takes the next task, if any: true. */
static bool next_task(struct cb *cb, struct slot *s)
{
	close_conn(s);
	sim_task_end(&cb->results[task_of(s)]);
	cb->finished++;
	if (cb->next >= cb->run->tasks)
		return false;
	uint32_t i = cb->next++;
	set_task(s, i);
	memset(s + 1, 0, cb->stride - sizeof *s);
	sim_task_begin(i, slot_id(cb, s), &cb->results[i]);
	return true;
}

/* Step slot s's task with what its last operation gave, and start what it asks for next,
 * until an operation is under way or no task is left for the slot. */
static void drive(struct cb *cb, struct slot *s, enum sim_op_kind done, ssize_t result, const char *data)
{
	for (;;) {
		uint32_t i = task_of(s);
		sim_cur.task = i;
		sim_cur.worker = slot_id(cb, s);
		struct sim_step_in in = { .done = done, .result = result, .data = data };
		struct sim_op op = { .kind = SIM_OP_DONE };
		cb->run->step(cb->run, i, s + 1, &in, &op, &cb->results[i]);
		data = NULL;
		if (op.kind == SIM_OP_DONE) {
			if (!next_task(cb, s))
				return;
			done = SIM_OP_DONE;
			result = 0;
			continue;
		}
		int e = start_op(cb, s, &op);
		if (e == PENDING)
			return;
		done = op.kind;
		result = e;
	}
}

static void on_timer_closed(uv_handle_t *h) { (void)h; }

static int finish(struct cb *cb, int rc, char *err, size_t errlen)
{
	for (uint32_t k = 0; k < cb->nslots; k++) {
		close_conn(slot_at(cb, k));
		uv_close((uv_handle_t *)&slot_at(cb, k)->timer, on_timer_closed);
	}
	uv_run(&cb->loop, UV_RUN_DEFAULT); /* the close callbacks */
	if (uv_loop_close(&cb->loop) < 0 && rc == 0) {
		snprintf(err, errlen, "the event loop still had open handles at the end");
		rc = -EBUSY;
	}
	return rc;
}

static int callbacks_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	if (!run->step) {
		snprintf(err, errlen, "this workload has no callback form: use --model eventloop");
		return -EINVAL;
	}
	struct cb *cb = calloc(1, sizeof *cb);
	if (!cb) {
		snprintf(err, errlen, "out of memory for the event loop: use fewer --tasks");
		return -ENOMEM;
	}
	cb->run = run;
	cb->results = results;
	cb->nslots = sim_run_concurrency(run);
	cb->stride = sizeof(struct slot) + ((run->step_state + 7) & ~(size_t)7);
	cb->slots = calloc(cb->nslots, cb->stride);
	char why[160] = "";
	int rc = cb->slots ? sim_uv_loop_init(&cb->loop, why, sizeof why) : -ENOMEM;
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory for %u tasks in flight: use --limit or fewer --tasks", cb->nslots);
		else
			snprintf(err, errlen, "%s", why);
		free(cb->slots);
		free(cb);
		return rc;
	}
	/* Each slot's timer made and its first task's first step run in one pass: a million
	 * slots are 160 MB, and a second pass over them meets none in the cache. The loop then
	 * runs until no timer or connection is active, which is when every task has finished. */
	sim_tally_bind(run->tally);
	for (uint32_t k = 0; k < cb->nslots; k++) {
		struct slot *s = slot_at(cb, k);
		uv_timer_init(&cb->loop, &s->timer);
		if (cb->next >= run->tasks)
			continue; /* finish() closes every slot's timer */
		uint32_t i = cb->next++;
		set_task(s, i);
		sim_task_begin(i, k, &results[i]);
		drive(cb, s, SIM_OP_DONE, 0, NULL);
	}
	sim_tally_bind(run->tally);
	uv_run(&cb->loop, UV_RUN_DEFAULT);
	sim_tally_bind(NULL);
	rc = 0;
	if (cb->finished != run->tasks) {
		snprintf(err, errlen, "%u of %u tasks never finished: a step waited on nothing the loop watches",
		         run->tasks - cb->finished, run->tasks);
		rc = -EDEADLK;
	}
	rc = finish(cb, rc, err, errlen);
	free(cb->slots);
	free(cb);
	return rc;
}

static const char *callbacks_detail(void)
{
	static char line[200];
	snprintf(line, sizeof line, "a task in flight: its libuv timer (%zu bytes) and its step's state; no stack",
	         sizeof(struct slot));
	return line;
}

const struct sim_model sim_model_eventloop_callbacks = {
	.name = "eventloop-callbacks",
	.summary = "every task plain libuv callbacks on one loop, one thread, no coroutines: eventloop's floor",
	.family = "loop-callbacks",
	.caps = SIM_CAP_STEP,
	.serial = false,
	.parallel = false,
	.run = callbacks_run,
	.detail = callbacks_detail,
};
