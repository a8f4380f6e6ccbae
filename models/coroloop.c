/* SPDX-License-Identifier: MIT */
/* coroloop.c: the coroutine core: slots, creation, resume and sim_cl_yield, the ready queue, the timers, the tokens, the loop. */
#include "coroloop_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local struct sim_coroloop *sim_cl_cur;
_Thread_local struct slot *sim_cl_running;

/* ---- the ready queue and the free list (links are slot numbers plus one) ----------------- */

void sim_cl_ready(struct sim_coroloop *L, struct slot *s)
{
	uint32_t k = sim_cl_id(L, s) + 1;
	s->link = 0;
	s->co.user = W_NONE;
	if (L->ready_tail)
		L->slots[L->ready_tail - 1].link = k;
	else
		L->ready_head = k;
	L->ready_tail = k;
	L->nready++;
}

static struct slot *ready_pop(struct sim_coroloop *L)
{
	struct slot *s = &L->slots[L->ready_head - 1];
	L->ready_head = s->link;
	if (!L->ready_head)
		L->ready_tail = 0;
	L->nready--;
	return s;
}

static struct slot *slot_take(struct sim_coroloop *L)
{
	struct slot *s;
	if (L->free) {
		s = &L->slots[L->free - 1];
		L->free = s->link;
	} else {
		s = &L->slots[L->used++];
	}
	L->inflight++;
	return s;
}

static void slot_give(struct sim_coroloop *L, struct slot *s)
{
	s->link = L->free;
	L->free = sim_cl_id(L, s) + 1;
	L->inflight--;
}

/* ---- the timers: a binary heap of deadlines (sleeps of one length arrive in order, so a
 * push rarely moves; 16 bytes a timer, in one array) ----------------------------------------- */

static void heap_set(struct sim_coroloop *L, uint32_t i, struct timer t)
{
	L->heap[i] = t;
	L->slots[t.slot].heap_at = i + 1;
}

static void heap_up(struct sim_coroloop *L, uint32_t i, struct timer t)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (L->heap[p].at <= t.at)
			break;
		heap_set(L, i, L->heap[p]);
		i = p;
	}
	heap_set(L, i, t);
}

static void heap_down(struct sim_coroloop *L, uint32_t i, struct timer t)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= L->nheap)
			break;
		if (c + 1 < L->nheap && L->heap[c + 1].at < L->heap[c].at)
			c++;
		if (t.at <= L->heap[c].at)
			break;
		heap_set(L, i, L->heap[c]);
		i = c;
	}
	heap_set(L, i, t);
}

/* The heap has room for every slot: a slot has one timer at most. */
void sim_cl_timer_start(struct sim_coroloop *L, struct slot *s, uint64_t at)
{
	heap_up(L, L->nheap++, (struct timer){ .at = at, .slot = sim_cl_id(L, s) });
}

static void timer_stop(struct sim_coroloop *L, struct slot *s)
{
	uint32_t i = s->heap_at - 1;
	s->heap_at = 0;
	struct timer last = L->heap[--L->nheap];
	if (i == L->nheap)
		return;
	if (i > 0 && last.at < L->heap[(i - 1) / 2].at)
		heap_up(L, i, last);
	else
		heap_down(L, i, last);
}

/* Every timer due by now: its slot is ready (a wait's time-out ends the wait first). */
static void timers_expire(struct sim_coroloop *L, uint64_t now)
{
	while (L->nheap && L->heap[0].at <= now) {
		struct slot *s = &L->slots[L->heap[0].slot];
		timer_stop(L, s);
		s->status = 0;
		if (s->co.user == W_IO) {
			L->be->cancel(L->bes, sim_cl_id(L, s));
			L->io_waiting--;
			s->status = -ETIMEDOUT;
		}
		sim_cl_ready(L, s);
	}
}

/* ---- sim_cl_running a coroutine ------------------------------------------------------------------- */

/* sim_task_run's halves, so that a waiting task keeps one frame fewer. */
static void task_main(void *arg)
{
	struct slot *s = arg;
	struct sim_coroloop *L = sim_cl_cur;
	struct sim_result *out = &L->results[s->task];
	sim_task_begin(s->task, sim_cl_id(L, s), out);
	L->run->task(L->run, s->task, out);
	sim_task_end(out);
	s->co.caller = &L->main; /* a finished coroutine goes back to the loop, whoever switched to it last */
}

/* The coroutine that could not be copied out (the stacks' current one) is lost: the run fails. */
static void fail_run(struct sim_coroloop *L, int e)
{
	struct slot *s = (struct slot *)(void *)((char *)L->stacks.current - offsetof(struct slot, co));
	sim_stacks_drop(&L->stacks, &s->co);
	s->co.done = true;
	L->failed = e;
}

/* Run slot s until it yields. From the loop's context only, so switches never nest. Inlined
 * into the loop, as the stacks' run is into it: a switch back lands in run_loop's frame. */
static inline __attribute__((always_inline)) void resume(struct sim_coroloop *L, struct slot *s)
{
	sim_cl_running = s;
	int e = sim_stacks_run(&L->stacks, &L->main, &s->co);
	s = sim_cl_running; /* a direct hand-off may have moved on to another */
	sim_cl_running = NULL;
	if (e < 0) {
		fail_run(L, e);
		return;
	}
	if (s->co.done) {
		L->finished++;
		slot_give(L, s);
	}
}

/* The next task, in a slot of its own, run to its first wait. */
static void start_task(struct sim_coroloop *L)
{
	struct slot *s = slot_take(L);
	s->task = L->next++;
	s->heap_at = 0;
	s->co.user = W_NONE;
	int e = sim_stacks_make(&L->stacks, &s->co, task_main, s);
	if (e < 0) {
		sim_cur.task = s->task;
		sim_result_fail(&L->results[s->task], e, "no coroutine stack for the task: lower --stack-kib or use --limit");
		L->finished++;
		s->co.done = true;
		slot_give(L, s);
		return;
	}
	resume(L, s);
}

void sim_coro_wake(struct sim_coroloop *L, uint32_t k, int status)
{
	struct slot *s = &L->slots[k];
	if (s->heap_at)
		timer_stop(L, s);
	L->io_waiting--;
	s->status = status;
	sim_cl_ready(L, s);
}

/* A sleep's timer is set: park until it is due. Apart, and called last, so that the sleep's
 * own frame is gone while the task waits: its frames are what a suspended task keeps. */
__attribute__((noinline)) int sim_cl_wait_timer(struct slot *s)
{
	s->co.user = W_TIMER;
	sim_cl_yield(s);
	return 0;
}

/* A wait the backend has started: park until it ends. */
__attribute__((noinline)) int sim_cl_wait_io(struct slot *s)
{
	sim_cl_cur->io_waiting++;
	s->co.user = W_IO;
	sim_cl_yield(s);
	return s->status;
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* Until every task has finished: start tasks while slots are free, run the ones ready at the
 * start of the turn (a task that passes a token to another runs it on the next turn, as
 * asyncio's call_soon), look at the backend when it has waits or nothing else is ready,
 * and end the timers that are due. */
static void run_loop(struct sim_coroloop *L)
{
	const uint32_t tasks = L->run->tasks;
	while (!L->failed) {
		while (L->next < tasks && L->inflight < L->nslots && !L->failed)
			start_task(L);
		for (uint32_t n = L->nready; n > 0 && !L->failed; n--)
			resume(L, ready_pop(L));
		if (L->failed || L->finished == tasks)
			return;
		int64_t timeout = -1;
		uint64_t now = 0;
		if (L->nready || (L->next < tasks && L->inflight < L->nslots))
			timeout = 0;
		else if (L->nheap) {
			now = sim_cl_now_ns();
			timeout = L->heap[0].at > now ? (int64_t)(L->heap[0].at - now) : 0;
		} else if (!L->io_waiting)
			return; /* waiting on tokens nobody will pass: run() names it */
		if (timeout != 0 || L->io_waiting) {
			int e = L->be->poll(L->bes, timeout);
			if (e < 0) {
				L->failed = e;
				return;
			}
			now = 0;
		}
		if (L->nheap)
			timers_expire(L, now && timeout == 0 ? now : sim_cl_now_ns());
	}
}

/* ---- for models built on a loop ------------------------------------------------------------ */

uint32_t sim_coro_self(void **be)
{
	if (!sim_cl_running)
		return UINT32_MAX;
	if (be)
		*be = sim_cl_cur->bes;
	return sim_cl_id(sim_cl_cur, sim_cl_running);
}

int sim_coro_park(void) { return sim_cl_running ? sim_cl_wait_io(sim_cl_running) : -EINVAL; }

bool sim_coro_on_stack(const void *p)
{
	const struct sim_coro *co = sim_cl_running ? &sim_cl_running->co : NULL;
	const char *lo = co ? co->stack : NULL, *q = p;
	return co && q >= lo && q < lo + co->stack_size;
}

struct sim_coroloop *sim_coro_loop(void) { return sim_cl_cur; }

/* ---- a run --------------------------------------------------------------------------------- */

/* Everything a run needs before its first task starts, in one place: the slots, the timer
 * heap, every stack the run can need (the run stack, or a guarded stack per slot: sim_cl_running
 * out fails the run here, cleanly, never half-way with coroutines suspended) and the
 * backend. 0, or -errno with one line in err. */
static int setup(struct sim_coroloop *L, char *err, size_t errlen)
{
	const struct sim_run *run = L->run;
	L->nslots = sim_run_concurrency(run);
	L->slots = calloc(L->nslots, sizeof *L->slots);
	L->heap = calloc(L->nslots, sizeof *L->heap);
	if (!L->slots || !L->heap) {
		snprintf(err, errlen, "out of memory for %u coroutine slots: use --limit or fewer --tasks", L->nslots);
		return -ENOMEM;
	}
	int rc = sim_stacks_init(&L->stacks, run->stack, (size_t)run->stack_kib * 1024, L->nslots, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = L->be->init(L->bes, L, L->nslots, err, errlen)) < 0)
		return rc;
	if ((rc = sim_stacks_guard_arm(&L->stacks)) < 0) {
		snprintf(err, errlen, "cannot set up the stack-overflow handler: %s", strerror(-rc));
		L->be->fini(L->bes);
	}
	return rc;
}

static int run_result(struct sim_coroloop *L, char *err, size_t errlen)
{
	int rc = L->failed;
	if (rc == -ENOMEM || rc == -EOVERFLOW)
		snprintf(err, errlen, "a suspended task's stack could not be saved (%s): %s", strerror(-rc),
		         rc == -ENOMEM ? "use --limit or fewer --tasks" : "the stack pointer left the run stack");
	else if (rc < 0)
		snprintf(err, errlen, "the %s loop failed: %s", L->be->name, strerror(-rc));
	else if (L->finished != L->run->tasks) {
		/* A task waits on a token nobody passes: a guard against a hang. */
		snprintf(err, errlen, "%u of %u tasks never finished: they waited on nothing the loop watches",
		         L->run->tasks - L->finished, L->run->tasks);
		rc = -EDEADLK;
	}
	return rc;
}

int sim_coroloop_run(const struct sim_run *run, struct sim_result *results, const struct sim_backend *be,
                     void (*compute)(sim_compute_fn fn, void *arg), char *err, size_t errlen)
{
	struct sim_coroloop *L = calloc(1, sizeof *L + be->size);
	if (!L) {
		snprintf(err, errlen, "out of memory for the event loop: use fewer --tasks");
		return -ENOMEM;
	}
	*L = (struct sim_coroloop){ .run = run, .results = results, .be = be, .bes = L + 1 };
	int rc = setup(L, err, errlen);
	if (rc == 0) {
		struct sim_ops ops = sim_cl_ops;
		if (compute)
			ops.compute = compute;
		if (be->connect) {
			sim_cl_bind_sockets(&ops);
		}
		struct sim_coroloop *outer = sim_cl_cur;
		sim_cl_cur = L;
		sim_coro_thread(&L->main);
		sim_set_ops(&ops);
		sim_tally_bind(run->tally);
		run_loop(L);
		sim_tally_bind(NULL);
		sim_set_ops(&sim_blocking_ops);
		sim_stacks_guard_disarm();
		rc = run_result(L, err, errlen);
		for (uint32_t i = 0; i < L->used; i++)
			if (!L->slots[i].co.done)
				sim_stacks_drop(&L->stacks, &L->slots[i].co);
		be->fini(L->bes);
		sim_cl_cur = outer;
	}
	sim_stacks_fini(&L->stacks);
	free(L->heap);
	free(L->slots);
	free(L);
	return rc;
}

size_t sim_coroloop_task_bytes(const struct sim_run *run)
{
	return sizeof(struct slot) + sizeof(struct timer) + sim_stacks_cost(run->stack, (size_t)run->stack_kib * 1024);
}

const char *sim_coroloop_detail(const struct sim_backend *be)
{
	static char line[700];
	snprintf(line, sizeof line, "loop: %s; switch: %s; %s", be->detail ? be->detail() : be->name, sim_coro_impl(),
	         sim_stacks_describe());
	return line;
}
