/* SPDX-License-Identifier: MIT */
/* coro.c: the coroutine layer over the raw switch: entry, exit, and the sanitizers' view. */
#include "coro.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The sanitizers track one stack per thread; a coroutine switch moves the stack pointer
 * behind their back, so each switch is announced to them. Without this ASan reports
 * stack-buffer-overflows on the first switch and TSan loses its shadow call stack. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define CORO_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(CORO_ASAN)
#define CORO_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(CORO_TSAN)
#define CORO_TSAN 1
#endif

#ifdef CORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef CORO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* The context that switched to the one now running: ASan tells us its stack bounds only
 * on arrival, and a thread context learns its own bounds that way. */
static _Thread_local struct sim_coro *switched_from;

/* Always inlined: under TSan an instrumented function of its own would push its frame on
 * the fiber it leaves and pop it from the fiber it switched to, and underflow that one. */
#define SAN_INLINE static inline __attribute__((always_inline))

SAN_INLINE void san_leave(struct sim_coro *from, struct sim_coro *to, bool for_good)
{
	switched_from = from;
#ifdef CORO_ASAN
	/* NULL: the leaving coroutine never comes back, so ASan may free its fake stack. */
	__sanitizer_start_switch_fiber(for_good ? NULL : &from->san_fake_stack, to->stack, to->stack_size);
#else
	(void)for_good;
#endif
#ifdef CORO_TSAN
	__tsan_switch_to_fiber(to->san_fiber, 0);
#else
	(void)to;
#endif
}

SAN_INLINE void san_arrive(struct sim_coro *self)
{
#ifdef CORO_ASAN
	const void *bottom;
	size_t size;
	__sanitizer_finish_switch_fiber(self->san_fake_stack, &bottom, &size);
	struct sim_coro *from = switched_from;
	if (from && !from->stack) {
		from->stack = (void *)bottom;
		from->stack_size = (uint32_t)size;
	}
#else
	(void)self;
#endif
}

void sim_coro_thread(struct sim_coro *self)
{
	memset(self, 0, sizeof *self);
	self->ctx = sim_coro__thread_ctx();
#ifdef CORO_TSAN
	self->san_fiber = __tsan_get_current_fiber();
#endif
}

#ifdef CORO_TSAN
/* TSan's fibers cost milliseconds to create (each is a thread to it, with its own state
 * to zero), which made a 100,000-task run take minutes; finished coroutines' fibers are
 * kept per thread and reused. Coroutines on one thread run one after another, so sharing
 * a fiber hides no race. A forked child starts with none: its parent's fibers are threads
 * that TSan has forgotten there. */
enum { FIBER_CACHE = 1024 };
static _Thread_local struct {
	void *fiber[FIBER_CACHE];
	unsigned n;
	pid_t pid;
} fibers;

/* What the instrumentation calls at a function's return; coro_entry never returns. */
void __tsan_func_exit(void);

static void *fiber_get(void)
{
	if (fibers.pid != getpid())
		fibers.n = 0, fibers.pid = getpid();
	return fibers.n ? fibers.fiber[--fibers.n] : __tsan_create_fiber(0);
}

static void fiber_put(void *fiber)
{
	if (fibers.pid == getpid() && fibers.n < FIBER_CACHE)
		fibers.fiber[fibers.n++] = fiber;
	else
		__tsan_destroy_fiber(fiber);
}
#endif

/* Where a new coroutine starts: at the top of its stack, below it the switch's first frame. */
struct start {
	sim_coro_fn fn;
	void *arg;
};

static struct start *start_of(const struct sim_coro *co)
{
	uintptr_t top = ((uintptr_t)co->stack + co->stack_size) & ~(uintptr_t)15;
	return (struct start *)(top - sizeof(struct start));
}

static void coro_entry(void *arg)
{
	struct sim_coro *co = arg;
	san_arrive(co);
	struct start st = *start_of(co);
	st.fn(st.arg);
	co->done = true;
	struct sim_coro *to = co->caller;
#ifdef CORO_TSAN
	/* Pop this frame from the fiber's shadow call stack, which a reuse starts again. */
	__tsan_func_exit();
#endif
	san_leave(co, to, true);
	sim_coro__switch(&co->ctx, to->ctx);
	abort(); /* nothing switches back to a finished coroutine */
}

int sim_coro_make(struct sim_coro *co, void *stack, size_t size, sim_coro_fn fn, void *arg)
{
	memset(co, 0, sizeof *co);
	if (size > UINT32_MAX || size < 2 * sizeof(struct start))
		return -EINVAL;
	co->stack = stack;
	co->stack_size = (uint32_t)size;
#ifdef CORO_ASAN
	/* A reused stack may still carry the poisoned redzones of the frames the previous
	 * coroutine never returned from (its entry and last switch). */
	ASAN_UNPOISON_MEMORY_REGION(stack, size);
#endif
	struct start *st = start_of(co);
	*st = (struct start){ .fn = fn, .arg = arg };
	co->ctx = sim_coro__make(stack, (size_t)((char *)st - (char *)stack), coro_entry, co);
	if (!co->ctx)
		return -EINVAL;
#ifdef CORO_TSAN
	co->san_fiber = fiber_get();
#endif
	return 0;
}

_Noreturn __attribute__((cold, noinline)) void sim_coro__direct_copied_switch(void)
{
	static const char msg[] = "simul: internal error: a direct switch between two coroutines on one copied "
	                          "run stack; switch through the loop (sim_stacks_handoff)\n";
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	abort();
}

#ifdef SIM_CORO_SAN
void sim_coro_switch(struct sim_coro *from, struct sim_coro *to)
{
	if (__builtin_expect(from->copied && to->copied && from->stack == to->stack, 0))
		sim_coro__direct_copied_switch();
	if (!to->copied)
		to->caller = from; /* a copied one returns to the context that copies (copystack.h) */
	san_leave(from, to, false);
	sim_coro__switch(&from->ctx, to->ctx);
	/* Never a tail call: clang's TSan would pop its shadow call stack before the jump,
	 * when the current fiber is already `to`, and underflow a fresh coroutine's. */
	__asm__ volatile("" ::: "memory");
	san_arrive(from);
}
#endif

void sim_coro_destroy(struct sim_coro *co)
{
#ifdef CORO_TSAN
	if (co->san_fiber && co->stack)
		fiber_put(co->san_fiber);
#endif
#ifdef SIM_CORO_SAN
	co->san_fiber = NULL;
#else
	(void)co;
#endif
}
