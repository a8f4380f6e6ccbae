/* SPDX-License-Identifier: MIT */
/* copystack.c: one run stack for many coroutines; frames copied to the heap on the way out, back on the way in. */
#include "copystack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(CS_ASAN)
#define CS_ASAN 1
#endif

/* What ASan needs beside the bytes. Its shadow memory says, per 8 bytes, which stack bytes
 * are redzones between locals. Frames that are copied out and back in at the same
 * addresses must get their shadow back too, or a coroutine resumed where another's
 * redzones lay would be reported for touching its own locals: so the shadow of the saved
 * part is saved with it (an eighth more), and restored exactly. While no coroutine runs,
 * the whole run stack is poisoned: a libuv callback, or the kernel through an intercepted
 * call, touching a suspended coroutine's stack is then an ASan report, not a silent write
 * into whoever runs there next. It cannot be poisoned below a running coroutine's stack
 * pointer: uninstrumented code (libuv, libc) puts its locals there and hands them to
 * intercepted calls (clock_gettime) that ASan checks.
 *
 * The fiber interfaces need nothing new: every coroutine announces the same stack bounds
 * to ASan (the run stack), and TSan's fiber switches synchronise (flags 0), which orders
 * the loop's copies before and after the coroutine's own accesses to the same addresses.
 * ASan's fake stacks (detect_stack_use_after_return=1) would keep locals off the run stack
 * and hide such bugs: the tests run without them, ASan's default. */
#ifdef CS_ASAN
#include <sanitizer/asan_interface.h>

static size_t shadow_scale, shadow_offset;

static unsigned char *shadow_of(const void *p)
{
	return (unsigned char *)(((uintptr_t)p >> shadow_scale) + shadow_offset);
}

/* Poisoned redzones are copied on purpose, and shadow memory is not ASan's to check:
 * a loop ASan does not instrument, volatile so that it is not turned into a memcpy call
 * (which ASan intercepts and checks). */
__attribute__((no_sanitize_address)) static void raw_copy(void *d, const void *s, size_t n)
{
	volatile unsigned char *dd = d;
	const volatile unsigned char *ss = s;
	while (n--)
		*dd++ = *ss++;
}

static size_t shadow_len(size_t len) { return len >> shadow_scale; }
static void san_init(void) { __asan_get_shadow_mapping(&shadow_scale, &shadow_offset); }
static void san_poison(const struct sim_copystack *cs) { ASAN_POISON_MEMORY_REGION(cs->lo, cs->top - cs->lo); }
static void san_unpoison(const struct sim_copystack *cs) { ASAN_UNPOISON_MEMORY_REGION(cs->lo, cs->top - cs->lo); }
static void san_save(void *into, const char *sp, size_t len) { raw_copy(into, shadow_of(sp), shadow_len(len)); }
static void san_restore(const struct sim_copystack *cs, const char *sp, const void *from, size_t len)
{
	ASAN_UNPOISON_MEMORY_REGION(cs->lo, sp - cs->lo);
	raw_copy(shadow_of(sp), from, shadow_len(len));
}
#else
#define raw_copy memcpy
static size_t shadow_len(size_t len)
{
	(void)len;
	return 0;
}
static void san_init(void) {}
static void san_poison(const struct sim_copystack *cs) { (void)cs; }
static void san_unpoison(const struct sim_copystack *cs) { (void)cs; }
static void san_save(void *into, const char *sp, size_t len) { (void)into, (void)sp, (void)len; }
static void san_restore(const struct sim_copystack *cs, const char *sp, const void *from, size_t len)
{
	(void)cs, (void)sp, (void)from, (void)len;
}
#endif

/* Buffers grow in steps of 16 bytes, malloc's own: a suspended task keeps its frames and
 * malloc's header, and no more (a coroutine whose depth at a switch varies reallocates). */
#define SAVE_STEP 16u

size_t sim_copystack_cost(size_t len)
{
	size_t need = len + shadow_len(len);
	return (need + 8 + 15) / 16 * 16; /* malloc's chunk: the bytes and its 8-byte header, to 16 */
}

int sim_copystack_init(struct sim_copystack *cs, size_t size)
{
	memset(cs, 0, sizeof *cs);
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;
	if (size == 0 || size > ((size_t)1 << 32) - page)
		return -EINVAL; /* saved lengths are 32 bits */
	size = (size + page - 1) / page * page;
	char *map = mmap(NULL, page + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	/* One guard for the one stack: an overflow faults (stackguard.c names --stack-kib). */
	if (mprotect(map, page, PROT_NONE) < 0) {
		int e = errno;
		munmap(map, page + size);
		return -e;
	}
	cs->map = map;
	cs->map_len = page + size;
	cs->lo = map + page;
	cs->top = cs->lo + size;
	san_init();
	san_poison(cs);
	return 0;
}

void sim_copystack_fini(struct sim_copystack *cs)
{
	if (cs->map) {
		san_unpoison(cs);
		munmap(cs->map, cs->map_len);
	}
	memset(cs, 0, sizeof *cs);
}

bool sim_copystack_in_guard(const struct sim_copystack *cs, const void *addr)
{
	const char *a = addr;
	return cs->map && a >= cs->map && a < cs->lo;
}

/* co has switched out: its frames, from its stack pointer to the top, into its buffer. */
static int save(struct sim_copystack *cs, struct sim_coro *co)
{
	char *sp = sim_coro__sp(co->ctx);
	if (!sp)
		sp = cs->lo; /* a switch that cannot say: all of it */
	if (sp < cs->lo || sp > cs->top)
		return -EOVERFLOW;
	size_t len = (size_t)(cs->top - sp), need = len + shadow_len(len);
	if (need > co->saved_cap) {
		size_t cap = (need + SAVE_STEP - 1) / SAVE_STEP * SAVE_STEP;
		free(co->saved);
		co->saved_cap = 0;
		if (!(co->saved = malloc(cap)))
			return -ENOMEM;
		co->saved_cap = (uint32_t)cap;
	}
	raw_copy(co->saved, sp, len);
	san_save((char *)co->saved + len, sp, len);
	co->saved_len = (uint32_t)len;
	if (len > cs->saved_max)
		cs->saved_max = len;
	san_poison(cs);
	return 0;
}

static void restore(struct sim_copystack *cs, struct sim_coro *co)
{
	size_t len = co->saved_len;
	char *sp = cs->top - len;
	raw_copy(sp, co->saved, len);
	san_restore(cs, sp, (char *)co->saved + len, len);
}

static void release(struct sim_copystack *cs, struct sim_coro *co)
{
	free(co->saved);
	co->saved = NULL;
	co->saved_len = co->saved_cap = 0;
	if (cs->resident == co)
		cs->resident = NULL;
	san_poison(cs);
}

int sim_copystack_make(struct sim_copystack *cs, struct sim_coro *co, sim_coro_fn fn, void *arg)
{
	/* A new coroutine's first frame is written straight onto the run stack and stays
	 * there until it first runs, which is at once in the event loop: nothing to copy. */
	if (cs->resident) {
		int e = save(cs, cs->resident);
		if (e < 0)
			return e;
		cs->resident = NULL;
	}
	int e = sim_coro_make(co, cs->lo, (size_t)(cs->top - cs->lo), fn, arg);
	if (e < 0)
		return e;
	co->copied = true;
	cs->resident = co;
	return 0;
}

/* A loud stop for a caller that is itself on the run stack: it would copy over itself. */
static _Noreturn __attribute__((cold, noinline)) void run_from_the_run_stack(void)
{
	static const char msg[] = "simul: internal error: sim_copystack_run called from a coroutine on the "
	                          "copied stack; call it from the loop's context\n";
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	abort();
}

static int bring_in(struct sim_copystack *cs, struct sim_coro *co)
{
	if (cs->resident == co) {
		cs->resident = NULL;
		return 0;
	}
	if (cs->resident) {
		cs->current = cs->resident;
		int e = save(cs, cs->resident);
		if (e < 0)
			return e;
		cs->resident = NULL;
	}
	restore(cs, co);
	return 0;
}

int sim_copystack_enter(struct sim_copystack *cs, struct sim_coro *via, struct sim_coro *co)
{
	const char *here = __builtin_frame_address(0);
	if (here >= cs->map && here < cs->top)
		run_from_the_run_stack();
	cs->via = via;
	int e = bring_in(cs, co);
	if (e == 0)
		cs->current = co;
	return e;
}

int sim_copystack_leave(struct sim_copystack *cs, struct sim_coro **co)
{
	struct sim_coro *c = *co;
	int e = 0;
	if (c->done)
		release(cs, c);
	else if ((e = save(cs, c)) < 0)
		return e;
	*co = c = cs->next;
	cs->next = NULL;
	if (c && (e = bring_in(cs, c)) == 0)
		cs->current = c;
	return e;
}

void sim_copystack_drop(struct sim_copystack *cs, struct sim_coro *co) { release(cs, co); }
