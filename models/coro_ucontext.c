/* SPDX-License-Identifier: MIT */
/* coro_ucontext.c: the portable coroutine switch: makecontext/swapcontext from glibc. */
#include "coro.h"

#include <stdint.h>
#include <ucontext.h>

/* The reference the assembly switch is measured against. swapcontext saves the signal mask
 * too, a sigprocmask(2) system call each way, so every switch enters the kernel. */

static _Thread_local ucontext_t thread_uc;

void *sim_coro__thread_ctx(void) { return &thread_uc; }

/* getcontext only fills uc here for makecontext, which replaces where it resumes; nothing
 * ever returns to this call a second time. Out of line, so that the compiler's returns-twice
 * caution does not spread to sim_coro__make's locals. */
static __attribute__((noinline)) int fill_context(ucontext_t *uc) { return getcontext(uc); }

struct start {
	void (*entry)(void *);
	void *arg;
};

/* makecontext passes int arguments only: a pointer travels as two halves. */
static void trampoline(unsigned hi, unsigned lo)
{
	struct start *s = (struct start *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
	s->entry(s->arg); /* never returns: the coroutine layer switches away for good */
}

/* The ucontext_t (about 1 KiB) and the start record live at the top of the coroutine's own
 * stack, so a coroutine costs no allocation beside its stack. */
void *sim_coro__make(void *stack, size_t size, void (*entry)(void *), void *arg)
{
	uintptr_t lo = (uintptr_t)stack, top = lo + size;
	uintptr_t ucp = (top - sizeof(ucontext_t)) & ~(uintptr_t)63;
	uintptr_t sp = (ucp - sizeof(struct start)) & ~(uintptr_t)63;
	if (top < lo || sp < lo + 1024)
		return NULL;
	ucontext_t *uc = (ucontext_t *)ucp;
	struct start *s = (struct start *)sp;
	s->entry = entry;
	s->arg = arg;
	if (fill_context(uc) < 0)
		return NULL;
	uc->uc_stack.ss_sp = stack;
	uc->uc_stack.ss_size = sp - lo;
	uc->uc_link = NULL;
	makecontext(uc, (void (*)(void))trampoline, 2, (unsigned)((uintptr_t)s >> 32), (unsigned)(uintptr_t)s);
	return uc;
}

void sim_coro__switch(void **from, void *to)
{
	swapcontext((ucontext_t *)*from, (const ucontext_t *)to);
	__asm__ volatile("" ::: "memory"); /* not a tail call: see sim_coro_switch */
}

/* swapcontext saves the stack pointer the context resumes with in its registers. */
void *sim_coro__sp(const void *ctx)
{
	const ucontext_t *uc = ctx;
#if defined(__x86_64__)
	return (void *)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	return (void *)uc->uc_mcontext.sp;
#else
	(void)uc;
	return NULL;
#endif
}

const char *sim_coro_impl(void) { return "ucontext (glibc swapcontext: a sigprocmask system call per switch)"; }
