/* SPDX-License-Identifier: MIT */
/* copystack.h: coroutines that take turns on a few run stacks, each one's frames copied out when another needs its stack (libaco's "copy stack"). */
#ifndef SIMUL_COPYSTACK_H
#define SIMUL_COPYSTACK_H

#include "coro.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A few run stacks (SIM_COPYSTACKS), each with a guard page below it, shared by any number
 * of coroutines, each coroutine on one of them (taken in turn as it is made), one running at
 * a time. A coroutine's frames stay where they are when it switches out, until another
 * coroutine of its run stack needs the stack: then the used part (from its saved stack
 * pointer to the top) goes into a heap buffer of its own, sized to fit, grown when it needs
 * more and kept across switches, and is copied back before it runs again. So a suspended
 * coroutine costs its live frames, not a stack of its own; and two coroutines that hand
 * over to each other (a token's ping-pong) sit on two run stacks and copy nothing at all,
 * as libaco's several share stacks do.
 *
 * The price: while a coroutine is switched out its stack addresses belong to whoever runs
 * next on its run stack, so nothing may point into them: the libuv handles and requests it
 * waits on, and any buffer a callback or the kernel fills, live outside its stack (a buffer
 * read() fills after the wait returns is fine: the stack is back by then). Under ASan there
 * is one run stack, every switch out copies, and the whole run stack is poisoned whenever
 * no coroutine runs, so a callback that touches a suspended coroutine's stack is reported
 * (tests/unit_copystack.c proves it).
 *
 * Every switch into a coroutine whose frames are not in place goes through one context that
 * is not on a run stack (the event loop's own, `via` below), which does the copying; a
 * hand-off to one whose frames are in place, on another run stack, switches straight there. */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_COPYSTACKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_COPYSTACKS 1
#endif
#endif
#ifndef SIM_COPYSTACKS
#define SIM_COPYSTACKS 2
#endif

struct sim_runstack {
	char *map;                 /* the mapping: the guard page, then the stack */
	size_t map_len;
	char *lo, *top;            /* the stack */
	struct sim_coro *owner;    /* whose frames are on it: a new one not yet run, the running one,
	                            * or one switched out and not yet copied; NULL: nobody's */
};

struct sim_copystack {
	struct sim_runstack rs[SIM_COPYSTACKS];
	uint32_t n, turn;          /* run stacks in use; the one the next coroutine is made on */
	struct sim_coro *via;      /* the context sim_copystack_run was called from */
	struct sim_coro *next;     /* set by sim_copystack_handoff: the coroutine to run next */
	struct sim_coro *current;  /* the coroutine that ran last */
	size_t saved_max;          /* the most one coroutine has had saved at once, in bytes */
};

/* SIM_COPYSTACKS run stacks (n of them with _n, 1 to SIM_COPYSTACKS) of size bytes each,
 * rounded up to pages, with their guard pages. 0 or -errno. */
int sim_copystack_init(struct sim_copystack *cs, size_t size);
int sim_copystack_init_n(struct sim_copystack *cs, size_t size, uint32_t n);
void sim_copystack_fini(struct sim_copystack *cs);

/* Prepare co to run fn(arg) on the next run stack in turn (sim_coro_make's contract). 0,
 * -EINVAL or -ENOMEM (the frames there could not be saved). */
int sim_copystack_make(struct sim_copystack *cs, struct sim_coro *co, sim_coro_fn fn, void *arg);

/* sim_copystack_run's halves, which do the copying, apart from the switch between them:
 * the run is inlined into its caller (the loop), so that a coroutine switching back lands
 * in the loop's own frame. Each return that follows a switch is mispredicted (the CPU's
 * return stack holds the other context's calls), and a loop that returned up through two
 * more frames per switch paid about 20 ns a hand-off for them. enter: check that via is
 * off the run stack, bring co's frames in. leave: co has switched back; copy it out (or
 * free a finished one's buffer; cs->current is the one that came back), then bring in the
 * coroutine it handed to, *co, or NULL. */
int sim_copystack_enter(struct sim_copystack *cs, struct sim_coro *via, struct sim_coro *co);
/* co's frames are on its run stack now (it owns it): it can be switched to as it is. */
static inline bool sim_copystack_in_place(const struct sim_copystack *cs, const struct sim_coro *co)
{
	for (uint32_t k = 0; k < cs->n; k++)
		if (cs->rs[k].lo == co->stack)
			return cs->rs[k].owner == co;
	return false;
}
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

/* Inside co (running): continue with to, which is switched out: straight there when its
 * frames are in place on another run stack; otherwise through the context in
 * sim_copystack_run, which does the copying in between. Returns when something runs co
 * again. */
static inline void sim_copystack_handoff(struct sim_copystack *cs, struct sim_coro *co, struct sim_coro *to)
{
	if (to->stack != co->stack && sim_copystack_in_place(cs, to)) {
		to->caller = cs->via;
		cs->current = to;
		sim_coro_switch(co, to);
		return;
	}
	cs->next = to;
	sim_coro_switch(co, cs->via);
}

/* A switched-out coroutine that will never run again: its buffer freed. */
void sim_copystack_drop(struct sim_copystack *cs, struct sim_coro *co);

/* addr lies on the guard page below a run stack. Async-signal-safe. */
bool sim_copystack_in_guard(const struct sim_copystack *cs, const void *addr);
/* addr lies on a run stack: memory that another coroutine's frames may overwrite. */
bool sim_copystack_contains(const struct sim_copystack *cs, const void *addr);

/* The heap bytes a coroutine with len bytes of frames keeps while switched out (its buffer
 * as allocated, ASan's saved shadow included). */
size_t sim_copystack_cost(size_t len);

#endif
