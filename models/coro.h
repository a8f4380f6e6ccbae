/* SPDX-License-Identifier: MIT */
/* coro.h: stackful coroutines: one small interface over the switch the build picked. */
#ifndef SIMUL_CORO_H
#define SIMUL_CORO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*sim_coro_fn)(void *arg);

/* The sanitizers must hear of every switch (coro.c); only their builds keep their state. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SIM_CORO_SAN 1
#endif
#endif
#if (defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)) && !defined(SIM_CORO_SAN)
#define SIM_CORO_SAN 1
#endif

/* A coroutine, or the thread's own context (sim_coro_thread). Plain fields, so the event
 * loop can keep one per slot without another allocation, and few of them: a suspended task
 * keeps this beside its frames (48 bytes). Where to start (fn, arg) is written at the top
 * of its stack, which is all a new coroutine needs until it first runs. */
struct sim_coro {
	void *ctx;               /* the switch's saved state: a stack pointer, or a ucontext_t */
	void *stack;             /* lowest address of the stack (NULL for a thread) */
	struct sim_coro *caller; /* who switched in last (on a copied stack: the context that copies):
	                          * where control goes when fn returns */
	void *saved;             /* copystack.h: its frames while switched out */
	uint32_t stack_size;
	uint32_t saved_len;      /* copystack.h: bytes of its frames in `saved` */
	uint32_t saved_cap;
	bool done;               /* fn has returned; the stack may be reused */
	bool copied;             /* runs on a copied run stack (copystack.h): never switched to from its run stack */
	uint8_t user;            /* free for whoever embeds it (the loop: what its task waits on) */
#ifdef SIM_CORO_SAN
	void *san_fake_stack;    /* ASan's fake stack while switched out */
	void *san_fiber;         /* TSan's fiber */
#endif
};

/* Make *self stand for the calling thread's own context, to switch from and back to. */
void sim_coro_thread(struct sim_coro *self);

/* Prepare co to run fn(arg) on [stack, stack + size) when first switched to. When fn
 * returns, co->done is set and control goes back to co->caller for good. 0 or -EINVAL
 * (a stack too small to hold the first frame, or of 4 GiB or more). */
int sim_coro_make(struct sim_coro *co, void *stack, size_t size, sim_coro_fn fn, void *arg);

/* Save the running context into from, continue to. Returns when something switches back
 * to from. from must be the context running now. Inline where no sanitizer must hear of
 * it: a suspended task then keeps one frame fewer, and a switch costs one call less. */
void sim_coro__switch(void **from, void *to);
_Noreturn void sim_coro__direct_copied_switch(void);
#ifdef SIM_CORO_SAN
void sim_coro_switch(struct sim_coro *from, struct sim_coro *to);
#else
static inline void sim_coro_switch(struct sim_coro *from, struct sim_coro *to)
{
	/* Both on one copied run stack: to's frames would land on from's, which are running. */
	if (__builtin_expect(from->copied && to->copied && from->stack == to->stack, 0))
		sim_coro__direct_copied_switch();
	if (!to->copied)
		to->caller = from; /* a copied one returns to the context that copies (copystack.h) */
	sim_coro__switch(&from->ctx, to->ctx);
}
#endif

/* Release what the sanitizers keep for co once it is done (or never started). */
void sim_coro_destroy(struct sim_coro *co);

/* Which switch is built in: "x86-64 assembly", "ucontext", ... */
const char *sim_coro_impl(void);

/* ---- What each switch file (coro_x86_64.S, coro_ucontext.c) provides to coro.c. ------- */

/* The thread's own context: storage the switch saves into (NULL if it needs none). */
void *sim_coro__thread_ctx(void);
/* A context that, when switched to, calls entry(arg) on the given stack; entry never
 * returns. NULL if the stack is too small. */
void *sim_coro__make(void *stack, size_t size, void (*entry)(void *), void *arg);
/* The stack pointer a switched-out (or new) context resumes with: everything from there up
 * to the top of its stack is its state. NULL where the switch cannot tell (then all of it). */
void *sim_coro__sp(const void *ctx);

#endif
