/* SPDX-License-Identifier: MIT */
/* coroloop_core.h: the coroutine core's own parts, shared by coroloop.c (the slots, timers and loop) and coroloop_ops.c (the runtime's hooks). */
#ifndef SIMUL_COROLOOP_CORE_H
#define SIMUL_COROLOOP_CORE_H

#include "coroloop.h"
#include "coro.h"
#include "stacks.h"

#include <stdint.h>
#include <time.h>

/* A slot runs one task at a time, like a permit of asyncio.Semaphore. Slots are taken as
 * tasks start and given back as they finish (the last one given back is taken first), so a
 * run of empty tasks uses one, and a slot's memory is touched only once a task needs it:
 * the array is as long as the run's concurrency, but calloc's untouched pages cost
 * nothing. A slot is what a suspended task costs beside its saved frames and its result:
 * its coroutine and four words. Everything a wait leaves behind is here, in the timer heap
 * or in the backend, never on the task's stack. */
enum wait { W_NONE, W_TIMER, W_IO, W_TOKEN }; /* in co.user */

struct slot {
	struct sim_coro co;
	uint32_t task;
	int32_t status;   /* what ended the wait: 0, a byte count, -ETIMEDOUT, -errno */
	uint32_t heap_at; /* its place in the timer heap, plus one; 0: no timer */
	uint32_t link;    /* the next slot in the ready queue or the free list, plus one */
};

struct timer {
	uint64_t at; /* ns, CLOCK_MONOTONIC */
	uint32_t slot;
};

struct sim_coroloop {
	const struct sim_run *run;
	struct sim_result *results;
	const struct sim_backend *be;
	void *bes;               /* the backend's state */
	struct sim_coro main;    /* the loop's own context, on the thread's stack */
	struct sim_stacks stacks;
	struct slot *slots;
	uint32_t nslots, used, free, inflight;
	uint32_t next, finished;
	uint32_t ready_head, ready_tail, nready;
	uint32_t io_waiting;     /* waits the backend will end (poll must be called) */
	struct timer *heap;
	uint32_t nheap;
	int failed;              /* a coroutine could not be switched out, or poll failed */
};

extern _Thread_local struct sim_coroloop *sim_cl_cur;
extern _Thread_local struct slot *sim_cl_running; /* NULL while the loop itself runs */

static inline uint64_t sim_cl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint32_t sim_cl_id(const struct sim_coroloop *L, const struct slot *s) { return (uint32_t)(s - L->slots); }

/* Back to the loop until the slot is woken. sim_trace reads sim_cur, which whatever ran in
 * between has changed. */
static inline void sim_cl_yield(struct slot *s)
{
	struct sim_coroloop *L = sim_cl_cur;
	sim_coro_switch(&s->co, &L->main);
	sim_cur.task = s->task;
	sim_cur.worker = sim_cl_id(L, s);
}

/* The slot is ready: it runs on the loop's next turn (asyncio's call_soon). */
void sim_cl_ready(struct sim_coroloop *L, struct slot *s);
/* s's timer ends at `at` (sim_cl_now_ns): the heap has room for one per slot. */
void sim_cl_timer_start(struct sim_coroloop *L, struct slot *s, uint64_t at);
/* Park s until its timer is due, or until the backend ends its wait (the status it gave). */
int sim_cl_wait_timer(struct slot *s);
int sim_cl_wait_io(struct slot *s);
/* The runtime's hooks (coroloop_ops.c), and the socket hooks for a backend with its own. */
extern const struct sim_ops sim_cl_ops;
void sim_cl_bind_sockets(struct sim_ops *ops);

#endif
