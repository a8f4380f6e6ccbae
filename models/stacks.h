/* SPDX-License-Identifier: MIT */
/* stacks.h: where a model's coroutines run: a few copied run stacks, or a guarded stack each (--stack copy|guarded). */
#ifndef SIMUL_STACKS_H
#define SIMUL_STACKS_H

#include "copystack.h"
#include "model.h"
#include "stackpool.h"

/* One interface over both, so the event loop does not care which: make a coroutine, run it
 * from the loop's context until it switches back, drop one that will never finish. */
struct sim_stacks {
	enum sim_stack_kind kind;
	size_t size;                /* the run stack's, or each task's */
	struct sim_copystack copy;  /* SIM_STACK_COPY */
	struct sim_stackpool pool;  /* SIM_STACK_GUARDED */
	struct sim_coro *current;   /* the coroutine that ran last */
	char overflow[200];         /* the one line a stack overflow ends the run with */
};

/* size bytes of stack (--stack-kib); guarded stacks for n coroutines alive at once are
 * mapped now, so running out fails here and never half-way. 0, or -errno with the one-line
 * reason and its fix in err. */
int sim_stacks_init(struct sim_stacks *st, enum sim_stack_kind kind, size_t size, uint64_t n, char *err,
                    size_t errlen);
void sim_stacks_fini(struct sim_stacks *st);

/* co will run fn(arg). 0, -ENOMEM or -EINVAL. */
int sim_stacks_make(struct sim_stacks *st, struct sim_coro *co, sim_coro_fn fn, void *arg);

/* From via (the loop's context), run co until a coroutine switches back to via: co, or the
 * last one handed to (st->current). One that finished has its stack released and its
 * sanitizer state destroyed. 0, or -ENOMEM / -EOVERFLOW: st->current could not be copied
 * out and is lost (sim_stacks_drop it); the run must fail. (An overflow never gets here: it
 * faults on a guard page, which sim_stacks_guard_arm turns into st->overflow.) */
static inline int sim_stacks_run(struct sim_stacks *st, struct sim_coro *via, struct sim_coro *co);

/* Inside co: continue with to (switched out). Guarded stacks switch straight there; on the
 * copied stack the switch goes through via, which copies. */
static inline void sim_stacks_handoff(struct sim_stacks *st, struct sim_coro *co, struct sim_coro *to);

/* A coroutine that will never run again (or never ran): its stack and state released. */
void sim_stacks_drop(struct sim_stacks *st, struct sim_coro *co);

/* addr lies on a guard page below one of the stacks. Async-signal-safe. */
bool sim_stacks_in_guard(const struct sim_stacks *st, const void *addr);

/* About how many bytes a coroutine switched out costs, beside its own struct: the estimate
 * a run is refused with when --tasks would not fit in memory. */
size_t sim_stacks_cost(enum sim_stack_kind kind, size_t size);

/* Both kinds, for `simul list`: how each is made here. */
const char *sim_stacks_describe(void);

/* While armed, a fault on a guard page of st's stacks ends the run with st->overflow
 * instead of a bare SIGSEGV: a SIGSEGV/SIGBUS handler on an alternate signal stack, for the
 * calling thread (the loop's). Any other fault goes to the handler there was before.
 * 0 or -errno. */
int sim_stacks_guard_arm(const struct sim_stacks *st);
void sim_stacks_guard_disarm(void);

/* Inline, so that the switch back lands in the loop's frame (copystack.h says why). */
static inline int sim_stacks_run(struct sim_stacks *st, struct sim_coro *via, struct sim_coro *co)
{
	if (st->kind == SIM_STACK_COPY) {
		int e = sim_copystack_run(&st->copy, via, co);
		st->current = st->copy.current;
		if (e == 0 && st->current->done)
			sim_coro_destroy(st->current); /* its buffer is already freed */
		return e;
	}
	st->current = co;
	sim_coro_switch(via, co);
	co = st->current;
	if (co->done)
		sim_stacks_drop(st, co);
	return 0;
}

static inline void sim_stacks_handoff(struct sim_stacks *st, struct sim_coro *co, struct sim_coro *to)
{
	if (st->kind == SIM_STACK_COPY) {
		sim_copystack_handoff(&st->copy, co, to);
		return;
	}
	st->current = to;
	sim_coro_switch(co, to);
}

#endif
