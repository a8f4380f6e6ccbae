/* SPDX-License-Identifier: MIT */
/* copystack.h: coroutines that take turns on one run stack, each one's frames copied out while it is switched out (libaco's "copy stack"). */
#ifndef SIMUL_COPYSTACK_H
#define SIMUL_COPYSTACK_H

#include "coro.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One run stack, with a guard page below it, shared by any number of coroutines, one
 * running at a time. A coroutine that switches out leaves the used part of the stack (from
 * its saved stack pointer to the top) in a heap buffer of its own, sized to fit, grown when
 * it needs more and kept across switches; it is copied back before the coroutine runs
 * again. So a suspended coroutine costs its live frames, not a stack of its own.
 *
 * The price: while a coroutine is switched out its stack addresses belong to whoever runs
 * next, so nothing may point into them: the libuv handles and requests it waits on, and
 * any buffer a callback or the kernel fills, live outside its stack (a buffer read() fills
 * after the wait returns is fine: the stack is back by then). Under ASan the whole run stack
 * is poisoned whenever no coroutine runs, so a callback that touches a suspended
 * coroutine's stack is reported (tests/unit_copystack.c proves it).
 *
 * Every switch into or out of these coroutines goes through one context that is not on the
 * run stack (the event loop's own, `via` below), which does the copying. */
struct sim_copystack {
	char *map;                 /* the mapping: the guard page, then the stack */
	size_t map_len;
	char *lo, *top;            /* the stack */
	struct sim_coro *resident; /* a new coroutine whose first frame is on the stack, not yet run */
	struct sim_coro *via;      /* the context sim_copystack_run was called from */
	struct sim_coro *next;     /* set by sim_copystack_handoff: the coroutine to run next */
	struct sim_coro *current;  /* the coroutine that ran last */
	size_t saved_max;          /* the most one coroutine has had saved at once, in bytes */
};

/* A run stack of size bytes (rounded up to pages) with its guard page. 0 or -errno. */
int sim_copystack_init(struct sim_copystack *cs, size_t size);
void sim_copystack_fini(struct sim_copystack *cs);

/* Prepare co to run fn(arg) on the run stack (sim_coro_make's contract). 0, -EINVAL or
 * -ENOMEM (another new coroutine's first frame could not be saved). */
int sim_copystack_make(struct sim_copystack *cs, struct sim_coro *co, sim_coro_fn fn, void *arg);

/* sim_copystack_run's halves, which do the copying, apart from the switch between them:
 * the run is inlined into its caller (the loop), so that a coroutine switching back lands
 * in the loop's own frame. Each return that follows a switch is mispredicted (the CPU's
 * return stack holds the other context's calls), and a loop that returned up through two
 * more frames per switch paid about 20 ns a hand-off for them. enter: check that via is
 * off the run stack, bring co's frames in. leave: co has switched back; copy it out (or
 * free a finished one's buffer), then bring in the coroutine it handed to, *co, or NULL. */
int sim_copystack_enter(struct sim_copystack *cs, struct sim_coro *via, struct sim_coro *co);
int sim_copystack_leave(struct sim_copystack *cs, struct sim_coro **co);

/* From via, a context not on the run stack, run co until it switches back (or, after
 * sim_copystack_handoff, until the last one handed to switches back: cs->current). Its
 * frames are copied in before and out after; a finished coroutine's buffer is freed.
 * 0; -ENOMEM when a buffer could not grow, or -EOVERFLOW when the saved stack pointer lies
 * outside the stack: cs->current is then lost (drop it) and the run must fail. */
static inline int sim_copystack_run(struct sim_copystack *cs, struct sim_coro *via, struct sim_coro *co)
{
	int e = sim_copystack_enter(cs, via, co);
	while (e == 0 && co) {
		sim_coro_switch(via, co);
		e = sim_copystack_leave(cs, &co);
	}
	return e;
}

/* Inside co (running): continue with to, which is switched out; the context in
 * sim_copystack_run does the copying in between. Returns when something runs co again. */
static inline void sim_copystack_handoff(struct sim_copystack *cs, struct sim_coro *co, struct sim_coro *to)
{
	cs->next = to;
	sim_coro_switch(co, cs->via);
}

/* A switched-out coroutine that will never run again: its buffer freed. */
void sim_copystack_drop(struct sim_copystack *cs, struct sim_coro *co);

/* addr lies on the guard page below the run stack. Async-signal-safe. */
bool sim_copystack_in_guard(const struct sim_copystack *cs, const void *addr);

/* The heap bytes a coroutine with len bytes of frames keeps while switched out (its buffer
 * as allocated, ASan's saved shadow included). */
size_t sim_copystack_cost(size_t len);

#endif
