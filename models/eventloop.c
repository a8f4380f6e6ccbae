/* SPDX-License-Identifier: MIT */
/* eventloop.c: every task a stackful coroutine on one libuv loop, one thread (the documents' asyncio). */
#include "eventloop.h"
#include "coro.h"
#include "stackpool.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* A slot runs one task at a time, like a permit of asyncio.Semaphore: when its coroutine
 * finishes, the next task starts in the same slot as a new coroutine on a pooled stack.
 * There are sim_run_concurrency() slots: every task at once, or --limit of them. */
struct el;

struct slot {
	struct sim_coro co;
	uv_timer_t timer;   /* sim_sleep, and the time-out of wait_fd */
	uv_poll_t *poll;    /* the wait_fd in progress, if any */
	struct el *el;
	uint32_t id, task;
	int status;         /* what woke the coroutine: 0, -ETIMEDOUT, or a libuv error */
};

struct el {
	uv_loop_t loop;
	const struct sim_run *run;
	struct sim_result *results;
	struct sim_coro main; /* the loop's own context, on the thread's stack */
	struct sim_stackpool pool;
	struct slot *slots;
	uint32_t nslots, next, finished;
};

/* The coroutine running now; NULL while the loop itself runs. */
static _Thread_local struct slot *running;

static void task_main(void *arg)
{
	struct slot *s = arg;
	sim_task_run(s->el->run, s->task, s->id, &s->el->results[s->task]);
}

/* Start the next task in slot s, as a new coroutine. 0, or -ENOMEM (the task failed). */
static int start_task(struct el *el, struct slot *s)
{
	s->task = el->next++;
	void *stack = sim_stackpool_get(&el->pool);
	int e = stack ? sim_coro_make(&s->co, stack, el->pool.stack_size, task_main, s) : -ENOMEM;
	if (e < 0) {
		if (stack)
			sim_stackpool_put(&el->pool, stack);
		struct sim_result *r = &el->results[s->task];
		r->status = e;
		snprintf(r->err, sizeof r->err, "no coroutine stack for the task: lower --stack-kib or use --limit");
		el->finished++;
		s->co.done = true; /* nothing to switch to */
	}
	return e;
}

/* Run slot s's coroutine until it yields. Called from the loop's context only (the first
 * start and libuv callbacks), so switches never nest. A finished coroutine's stack goes
 * back to the pool and the slot takes the next task at once. */
static void resume(struct slot *s)
{
	struct el *el = s->el;
	for (;;) {
		running = s;
		sim_coro_switch(&el->main, &s->co);
		running = NULL;
		if (!s->co.done)
			return;
		sim_coro_destroy(&s->co);
		sim_stackpool_put(&el->pool, s->co.stack);
		el->finished++;
		while (el->next < el->run->tasks)
			if (start_task(el, s) == 0)
				break;
		if (s->co.done)
			return; /* no task left for this slot */
	}
}

/* Back to the loop until a callback resumes us. sim_trace reads sim_cur, which whatever
 * ran in between has changed. */
static void yield(struct slot *s)
{
	sim_coro_switch(&s->co, &s->el->main);
	sim_cur.task = s->task;
	sim_cur.worker = s->id;
}

static void on_poll_closed(uv_handle_t *h) { free(h); }

/* Stopping the poll handle takes the descriptor out of epoll before the task resumes, so
 * the task may close it, and the next wait may watch it again, at once. */
static void end_poll(struct slot *s)
{
	if (s->poll) {
		uv_close((uv_handle_t *)s->poll, on_poll_closed);
		s->poll = NULL;
	}
}

static void on_timer(uv_timer_t *t)
{
	struct slot *s = t->data;
	if (s->poll) {
		s->status = -ETIMEDOUT;
		end_poll(s);
	}
	resume(s);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	(void)events; /* readable, writable or hung up: the next read or write says which */
	struct slot *s = p->data;
	/* libuv reports POLLERR (a connection reset, a refused connect) as UV_EBADF. Like
	 * poll() in the blocking models, call that ready: the read, write or SO_ERROR that
	 * follows names the real error (ECONNRESET, ECONNREFUSED), or EBADF if it was one. */
	s->status = status < 0 && status != UV_EBADF ? status : 0;
	uv_timer_stop(&s->timer);
	end_poll(s);
	resume(s);
}

static int el_sleep(uint64_t ms)
{
	struct slot *s = running;
	if (!s)
		return sim_blocking_ops.sleep_ms(ms);
	/* libuv's timers count whole milliseconds of the loop's cached clock: one armed while
	 * that clock lags can fire early. Refresh the clock first, and should the timer still
	 * fire before the deadline, wait for what is left: nanosleep never returns early
	 * either. (Aiming at the first whole loop millisecond after the deadline instead
	 * oversleeps by a millisecond on average: epoll_wait already waits the full ms from
	 * the true now.) sim_sleep(0) lets the other tasks run once. */
	uv_loop_t *loop = &s->el->loop;
	uint64_t deadline = uv_hrtime() + ms * 1000000u, left = ms;
	for (;;) {
		uv_update_time(loop); /* stale after a long compute, or a long start-up */
		int e = uv_timer_start(&s->timer, on_timer, left, 0);
		if (e < 0)
			return e;
		yield(s);
		uint64_t now = uv_hrtime();
		if (ms == 0 || now >= deadline)
			return 0;
		left = (deadline - now + 999999u) / 1000000u;
	}
}

static int el_wait_fd(int fd, short events, int timeout_ms)
{
	struct slot *s = running;
	if (!s)
		return sim_blocking_ops.wait_fd(fd, events, timeout_ms);
	/* A handle per wait, freed once libuv has closed it: a handle kept across waits would
	 * outlive the task's close() of its descriptor, and closing it later would take a
	 * reused descriptor number out of epoll under another task. */
	uv_poll_t *p = malloc(sizeof *p);
	if (!p)
		return -ENOMEM;
	int e = uv_poll_init(&s->el->loop, p, fd);
	if (e < 0) {
		free(p);
		return e;
	}
	p->data = s;
	s->poll = p;
	int uvev = ((events & POLLIN) ? UV_READABLE : 0) | ((events & POLLOUT) ? UV_WRITABLE : 0);
	e = uv_poll_start(p, uvev, on_poll);
	if (e == 0 && timeout_ms > 0) {
		uv_update_time(&s->el->loop);
		e = uv_timer_start(&s->timer, on_timer, (uint64_t)timeout_ms, 0);
	}
	if (e < 0) {
		end_poll(s);
		return e;
	}
	s->status = 0;
	yield(s);
	return s->status;
}

/* CPU work runs right here on the loop's thread and blocks every other task until it is
 * done: exactly what the documents warn about (claims C5, C6). */
static void el_compute(sim_compute_fn fn, void *arg) { fn(arg); }

static const struct sim_ops el_ops = {
	.sleep_ms = el_sleep,
	.wait_fd = el_wait_fd,
	.compute = el_compute,
	.tick = NULL,
};

static void on_timer_closed(uv_handle_t *h) { (void)h; }

/* ---- the seam for models built on this loop (eventloop.h) ---------------------------- */

struct sim_el_task *sim_eventloop_self(uv_loop_t **loop)
{
	if (running && loop)
		*loop = &running->el->loop;
	return (struct sim_el_task *)running;
}

void sim_eventloop_park(struct sim_el_task *t) { yield((struct slot *)t); }
void sim_eventloop_wake(struct sim_el_task *t) { resume((struct slot *)t); }

bool sim_eventloop_on_stack(const struct sim_el_task *t, const void *p)
{
	const struct sim_coro *co = &((const struct slot *)t)->co;
	const char *lo = co->stack, *q = p;
	return q >= lo && q < lo + co->stack_size;
}

static int eventloop_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	return sim_eventloop_run(run, results, err, errlen, NULL);
}

int sim_eventloop_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen,
                      void (*compute)(sim_compute_fn fn, void *arg))
{
	struct sim_ops ops = el_ops;
	if (compute)
		ops.compute = compute;
	struct el *el = calloc(1, sizeof *el);
	if (!el) {
		snprintf(err, errlen, "out of memory for the event loop: use fewer --tasks");
		return -ENOMEM;
	}
	el->run = run;
	el->results = results;
	el->nslots = sim_run_concurrency(run);
	int rc = uv_loop_init(&el->loop);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start a libuv loop: %s: raise ulimit -n", uv_strerror(rc));
		free(el);
		return rc;
	}
	el->slots = calloc(el->nslots, sizeof *el->slots);
	/* Every stack the run can need is mapped before the first task starts, so running out
	 * fails the run here, cleanly, and never half-way with coroutines suspended. */
	rc = !el->slots ? -ENOMEM : sim_stackpool_init(&el->pool, (size_t)run->stack_kib * 1024);
	if (rc == 0)
		rc = sim_stackpool_reserve(&el->pool, el->nslots);
	if (rc < 0) {
		snprintf(err, errlen,
		         "cannot map %u coroutine stacks of %u KiB (%s): lower --stack-kib, or use --limit "
		         "or fewer --tasks",
		         el->nslots, run->stack_kib, strerror(-rc));
		goto out;
	}

	for (uint32_t i = 0; i < el->nslots; i++) {
		struct slot *s = &el->slots[i];
		s->el = el;
		s->id = i;
		uv_timer_init(&el->loop, &s->timer);
		s->timer.data = s;
	}
	sim_coro_thread(&el->main);
	sim_set_ops(&ops);
	/* Each coroutine runs to its first wait; the loop then runs until no timer or poll
	 * handle is left, which is when every task has finished. */
	for (uint32_t i = 0; i < el->nslots && el->next < run->tasks; i++) {
		struct slot *s = &el->slots[i];
		s->co.done = true;
		if (start_task(el, s) == 0)
			resume(s);
	}
	uv_run(&el->loop, UV_RUN_DEFAULT);
	sim_set_ops(&sim_blocking_ops);
	if (el->finished != run->tasks) {
		/* Cannot happen with the runtime's own waits; a guard against a hang all the same. */
		snprintf(err, errlen, "%u of %u tasks never finished: they waited on nothing the loop watches",
		         run->tasks - el->finished, run->tasks);
		rc = -EDEADLK;
	}
	for (uint32_t i = 0; i < el->nslots; i++) {
		if (!el->slots[i].co.done)
			sim_coro_destroy(&el->slots[i].co);
		uv_close((uv_handle_t *)&el->slots[i].timer, on_timer_closed);
	}
out:
	/* Run the close callbacks, so the loop owns nothing when it is closed. */
	uv_run(&el->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&el->loop) < 0 && rc == 0) {
		snprintf(err, errlen, "the event loop still had open handles at the end");
		rc = -EBUSY;
	}
	sim_stackpool_fini(&el->pool);
	free(el->slots);
	free(el);
	return rc;
}

static const char *eventloop_detail(void)
{
	static char line[300];
	snprintf(line, sizeof line, "switch: %s; stacks: %u KiB (--stack-kib) from a slab pool, %s",
	         sim_coro_impl(), SIM_STACK_KIB_DEFAULT, sim_stackpool_guards());
	return line;
}

const struct sim_model sim_model_eventloop = {
	.name = "eventloop",
	.summary = "stackful coroutines on one libuv loop, one thread (the documents' asyncio)",
	.caps = SIM_CAP_STACK,
	.serial = false,
	.parallel = false,
	.run = eventloop_run,
	.detail = eventloop_detail,
};
