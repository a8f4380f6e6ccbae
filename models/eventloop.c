/* SPDX-License-Identifier: MIT */
/* eventloop.c: every task a stackful coroutine on one libuv loop, one thread (the documents' asyncio). */
#include "eventloop.h"
#include "coro.h"
#include "stacks.h"
#include "machine.h"
#include "uvcheck.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* A slot runs one task at a time, like a permit of asyncio.Semaphore: when its coroutine
 * finishes, the next task starts in the same slot as a new coroutine (stacks.h: on the
 * copied run stack, or on a pooled stack of its own). There are sim_run_concurrency()
 * slots: every task at once, or --limit of them. A slot is what a suspended task costs
 * beside its saved frames, so it holds only what its waits need: everything a libuv
 * callback touches is here or on the heap, never on the coroutine's stack (which, copied,
 * is elsewhere while it waits). Its loop, and so its el, is the timer's; its number is its
 * place in el->slots. */
struct el;

struct slot {
	uv_timer_t timer;   /* sim_sleep, and the time-out of wait_fd */
	struct sim_coro co;
	uv_poll_t *poll;    /* the wait_fd in progress, if any */
	uint32_t task;
	int status;         /* what woke the coroutine: 0, -ETIMEDOUT, or a libuv error */
};

struct el {
	uv_loop_t loop;
	const struct sim_run *run;
	struct sim_result *results;
	struct sim_coro main; /* the loop's own context, on the thread's stack */
	struct sim_stacks stacks;
	struct slot *slots;
	uint32_t nslots, next, finished;
	int failed;           /* a coroutine could not be switched out: the run fails with it */
};

static struct el *el_of(const struct slot *s)
{
	return (struct el *)(void *)((char *)s->timer.loop - offsetof(struct el, loop));
}

static uint32_t slot_id(const struct slot *s) { return (uint32_t)(s - el_of(s)->slots); }

/* The coroutine running now; NULL while the loop itself runs. */
static _Thread_local struct slot *running;

static void task_main(void *arg)
{
	struct slot *s = arg;
	struct el *el = el_of(s);
	sim_task_run(el->run, s->task, slot_id(s), &el->results[s->task]);
	s->co.caller = &el->main; /* a finished coroutine goes back to the loop, whoever switched to it last */
}

/* Start the next task in slot s, as a new coroutine. 0, or -ENOMEM (the task failed). */
static int start_task(struct el *el, struct slot *s)
{
	s->task = el->next++;
	int e = sim_stacks_make(&el->stacks, &s->co, task_main, s);
	if (e < 0) {
		sim_cur.task = s->task;
		sim_result_fail(&el->results[s->task], e, "no coroutine stack for the task: lower --stack-kib or use --limit");
		el->finished++;
		s->co.done = true; /* nothing to switch to */
	}
	return e;
}

/* The coroutine that could not be copied out (the stacks' current one) is lost: stop the
 * loop, fail the run. */
static void fail_run(struct el *el, int e)
{
	struct slot *s = (struct slot *)(void *)((char *)el->stacks.current - offsetof(struct slot, co));
	sim_stacks_drop(&el->stacks, &s->co);
	s->co.done = true;
	el->failed = e;
	uv_stop(&el->loop);
}

/* Run slot s's coroutine until it yields. Called from the loop's context only (the first
 * start and libuv callbacks), so switches never nest. A finished coroutine's stack is
 * released and the slot takes the next task at once. */
static void resume(struct slot *s)
{
	struct el *el = el_of(s);
	for (;;) {
		running = s;
		int e = sim_stacks_run(&el->stacks, &el->main, &s->co);
		s = running; /* a direct hand-off (el_token_handoff) may have moved on to another */
		running = NULL;
		if (e < 0) {
			fail_run(el, e);
			return;
		}
		if (!s->co.done)
			return;
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
	sim_coro_switch(&s->co, &el_of(s)->main);
	sim_cur.task = s->task;
	sim_cur.worker = slot_id(s);
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
	uv_loop_t *loop = s->timer.loop;
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
	int e = uv_poll_init(s->timer.loop, p, fd);
	if (e < 0) {
		free(p);
		return e;
	}
	p->data = s;
	s->poll = p;
	int uvev = ((events & POLLIN) ? UV_READABLE : 0) | ((events & POLLOUT) ? UV_WRITABLE : 0);
	e = uv_poll_start(p, uvev, on_poll);
	if (e == 0 && timeout_ms > 0) {
		uv_update_time(s->timer.loop);
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

/* Tokens: a coroutine waits as it waits on a timer, by yielding; passing a token to one that
 * waits wakes it on the loop's next turn, through its own timer at 0 ms (asyncio's
 * call_soon). The hand-off instead switches from coroutine to coroutine, no loop between. */
static int el_token_wait(uint32_t k)
{
	struct slot *s = running;
	struct sim_token *t = sim_token_at(k);
	if (!s || !t)
		return !t ? -EINVAL : sim_blocking_ops.token_wait(k);
	for (;;) {
		if (atomic_load_explicit(&t->state, memory_order_relaxed) == SIM_TOKEN_PASSED) {
			atomic_store_explicit(&t->state, SIM_TOKEN_EMPTY, memory_order_relaxed);
			return 0;
		}
		if (t->waiter && t->waiter != s)
			return -EBUSY;
		t->waiter = s;
		yield(s);
	}
}

/* The token is set; its waiter, if any, is handed back (the hand-off runs it itself). One
 * thread owns every token here: plain loads and stores, no locked instruction. */
static int token_set(struct sim_token *t, struct slot **waiter)
{
	if (atomic_load_explicit(&t->state, memory_order_relaxed) != SIM_TOKEN_EMPTY)
		return -EBUSY;
	atomic_store_explicit(&t->state, SIM_TOKEN_PASSED, memory_order_relaxed);
	*waiter = t->waiter;
	t->waiter = NULL;
	return 0;
}

static int el_token_pass(uint32_t k)
{
	struct sim_token *t = sim_token_at(k);
	if (!running || !t)
		return !t ? -EINVAL : sim_blocking_ops.token_pass(k);
	struct slot *w;
	int e = token_set(t, &w);
	if (e == 0 && w)
		e = uv_timer_start(&w->timer, on_timer, 0, 0);
	return e;
}

static int el_token_handoff(uint32_t pass, uint32_t wait)
{
	struct slot *s = running, *w = NULL;
	struct sim_token *tp = sim_token_at(pass), *tw = sim_token_at(wait);
	if (!s || !tp || !tw || !tp->waiter || atomic_load_explicit(&tw->state, memory_order_relaxed) != SIM_TOKEN_EMPTY || tw->waiter) {
		int e = el_token_pass(pass);
		return e < 0 ? e : el_token_wait(wait);
	}
	int e = token_set(tp, &w);
	if (e < 0)
		return e;
	tw->waiter = s;
	running = w;
	sim_stacks_handoff(&el_of(s)->stacks, &s->co, &w->co);
	sim_cur.task = s->task;
	sim_cur.worker = slot_id(s);
	return el_token_wait(wait); /* passed to us by now: this takes it */
}

static const struct sim_ops el_ops = {
	.sleep_ms = el_sleep,
	.wait_fd = el_wait_fd,
	.compute = el_compute,
	.tick = NULL,
	.token_wait = el_token_wait,
	.token_pass = el_token_pass,
	.token_handoff = el_token_handoff,
};

static void on_timer_closed(uv_handle_t *h) { (void)h; }

/* ---- the seam for models built on this loop (eventloop.h) ---------------------------- */

struct sim_el_task *sim_eventloop_self(uv_loop_t **loop)
{
	if (running && loop)
		*loop = &el_of(running)->loop;
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
	char why[160], fix[160];
	int rc = sim_uv_loop_init(&el->loop, why, sizeof why);
	if (rc < 0) {
		sim_nofile_fix(0, fix, sizeof fix);
		snprintf(err, errlen, "%s: %s", why, rc == -EMFILE ? fix : "free some memory or descriptors");
		free(el);
		return rc;
	}
	el->slots = calloc(el->nslots, sizeof *el->slots);
	/* Every stack the run can need exists before the first task starts (the run stack, or
	 * a guarded stack per slot), so running out fails the run here, cleanly, and never
	 * half-way with coroutines suspended. */
	if (!el->slots) {
		snprintf(err, errlen, "out of memory for %u coroutine slots: use --limit or fewer --tasks", el->nslots);
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = sim_stacks_init(&el->stacks, run->stack, (size_t)run->stack_kib * 1024, el->nslots, err, errlen)) < 0)
		goto out;
	if ((rc = sim_stacks_guard_arm(&el->stacks)) < 0) {
		snprintf(err, errlen, "cannot set up the stack-overflow handler: %s", strerror(-rc));
		goto out;
	}

	for (uint32_t i = 0; i < el->nslots; i++) {
		struct slot *s = &el->slots[i];
		s->timer.data = s;
		s->co.done = true; /* no coroutine yet */
		if (rc == 0 && (rc = uv_timer_init(&el->loop, &s->timer)) < 0) {
			/* Cannot fail in libuv 1.44; checked all the same, and nothing has run yet. */
			snprintf(err, errlen, "cannot make the loop's timers: %s", uv_strerror(rc));
			el->nslots = i;
		}
	}
	if (rc < 0)
		goto closing;
	sim_coro_thread(&el->main);
	sim_set_ops(&ops);
	sim_tally_bind(run->tally);
	/* Each coroutine runs to its first wait; the loop then runs until no timer or poll
	 * handle is left, which is when every task has finished. */
	for (uint32_t i = 0; i < el->nslots && el->next < run->tasks && !el->failed; i++) {
		struct slot *s = &el->slots[i];
		s->co.done = true;
		if (start_task(el, s) == 0)
			resume(s);
	}
	if (!el->failed)
		uv_run(&el->loop, UV_RUN_DEFAULT);
	sim_tally_bind(NULL);
	sim_set_ops(&sim_blocking_ops);
	sim_stacks_guard_disarm();
	if (el->failed) {
		rc = el->failed;
		snprintf(err, errlen, "a suspended task's stack could not be saved (%s): %s", strerror(-rc),
		         rc == -ENOMEM ? "use --limit or fewer --tasks" : "the stack pointer left the run stack");
	} else if (el->finished != run->tasks) {
		/* Cannot happen with the runtime's own waits; a guard against a hang all the same. */
		snprintf(err, errlen, "%u of %u tasks never finished: they waited on nothing the loop watches",
		         run->tasks - el->finished, run->tasks);
		rc = -EDEADLK;
	}
closing:
	for (uint32_t i = 0; i < el->nslots; i++) {
		struct slot *s = &el->slots[i];
		if (!s->co.done)
			sim_stacks_drop(&el->stacks, &s->co);
		end_poll(s);
		uv_close((uv_handle_t *)&s->timer, on_timer_closed);
	}
out:
	/* Run the close callbacks, so the loop owns nothing when it is closed. */
	uv_run(&el->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&el->loop) < 0 && rc == 0) {
		snprintf(err, errlen, "the event loop still had open handles at the end");
		rc = -EBUSY;
	}
	sim_stacks_fini(&el->stacks);
	free(el->slots);
	free(el);
	return rc;
}

/* A slot, and the stack a suspended task keeps (stacks.h). */
static size_t eventloop_task_bytes(const struct sim_run *run)
{
	return sizeof(struct slot) + sim_stacks_cost(run->stack, (size_t)run->stack_kib * 1024);
}

static const char *eventloop_detail(void)
{
	static char line[600];
	snprintf(line, sizeof line, "switch: %s; %s", sim_coro_impl(), sim_stacks_describe());
	return line;
}

const struct sim_model sim_model_eventloop = {
	.name = "eventloop",
	.summary = "stackful coroutines on one libuv loop, one thread (the documents' asyncio)",
	.family = "loop",
	.caps = SIM_CAP_STACK,
	.serial = false,
	.parallel = false,
	.run = eventloop_run,
	.detail = eventloop_detail,
	.task_bytes = eventloop_task_bytes,
};
