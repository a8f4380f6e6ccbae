/* SPDX-License-Identifier: MIT */
/* copystack.c: a few run stacks for many coroutines; frames copied to the heap when another needs the stack, back on the way in. */
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
static void san_poison(const struct sim_runstack *r) { ASAN_POISON_MEMORY_REGION(r->lo, r->top - r->lo); }
static void san_unpoison(const struct sim_runstack *r) { ASAN_UNPOISON_MEMORY_REGION(r->lo, r->top - r->lo); }
static void san_save(void *into, const char *sp, size_t len) { raw_copy(into, shadow_of(sp), shadow_len(len)); }
static void san_restore(const struct sim_runstack *r, const char *sp, const void *from, size_t len)
{
	ASAN_UNPOISON_MEMORY_REGION(r->lo, sp - r->lo);
	raw_copy(shadow_of(sp), from, shadow_len(len));
}
/* Every switch out copies: the shadow of a stack left in place would be stale. */
#define CS_LAZY 0
#else
#define raw_copy memcpy
static size_t shadow_len(size_t len)
{
	(void)len;
	return 0;
}
static void san_init(void) {}
static void san_poison(const struct sim_runstack *r) { (void)r; }
static void san_unpoison(const struct sim_runstack *r) { (void)r; }
static void san_save(void *into, const char *sp, size_t len) { (void)into, (void)sp, (void)len; }
static void san_restore(const struct sim_runstack *r, const char *sp, const void *from, size_t len)
{
	(void)r, (void)sp, (void)from, (void)len;
}
/* A coroutine switched out leaves its frames in place until its run stack is wanted. */
#define CS_LAZY 1
#endif

/* Buffers grow in steps of 16 bytes, malloc's own: a suspended task keeps its frames and
 * malloc's header, and no more (a coroutine whose depth at a switch varies reallocates). */
#define SAVE_STEP 16u

size_t sim_copystack_cost(size_t len)
{
	size_t need = len + shadow_len(len);
	return (need + 8 + 15) / 16 * 16; /* malloc's chunk: the bytes and its 8-byte header, to 16 */
}

static int runstack_init(struct sim_runstack *r, size_t size, size_t page)
{
	char *map = mmap(NULL, page + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	/* One guard for each stack: an overflow faults (stackguard.c names --stack-kib). */
	if (mprotect(map, page, PROT_NONE) < 0) {
		int e = errno;
		munmap(map, page + size);
		return -e;
	}
	r->map = map;
	r->map_len = page + size;
	r->lo = map + page;
	r->top = r->lo + size;
	san_poison(r);
	return 0;
}

int sim_copystack_init_n(struct sim_copystack *cs, size_t size, uint32_t n)
{
	memset(cs, 0, sizeof *cs);
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;
	if (size == 0 || size > ((size_t)1 << 32) - page || n == 0 || n > SIM_COPYSTACKS)
		return -EINVAL; /* saved lengths are 32 bits */
	size = (size + page - 1) / page * page;
	san_init();
	for (; cs->n < n; cs->n++) {
		int e = runstack_init(&cs->rs[cs->n], size, page);
		if (e < 0) {
			sim_copystack_fini(cs);
			return e;
		}
	}
	return 0;
}

int sim_copystack_init(struct sim_copystack *cs, size_t size) { return sim_copystack_init_n(cs, size, SIM_COPYSTACKS); }

void sim_copystack_fini(struct sim_copystack *cs)
{
	for (uint32_t k = 0; k < cs->n; k++) {
		san_unpoison(&cs->rs[k]);
		munmap(cs->rs[k].map, cs->rs[k].map_len);
	}
	memset(cs, 0, sizeof *cs);
}

/* addr lies on a run stack's guard page (guard) or on the stack itself (!guard). */
static bool on_a_runstack(const struct sim_copystack *cs, const void *addr, bool guard)
{
	const char *a = addr;
	for (uint32_t k = 0; k < cs->n; k++)
		if (a >= (guard ? cs->rs[k].map : cs->rs[k].lo) && a < (guard ? cs->rs[k].lo : cs->rs[k].top))
			return true;
	return false;
}

bool sim_copystack_in_guard(const struct sim_copystack *cs, const void *addr) { return on_a_runstack(cs, addr, true); }
bool sim_copystack_contains(const struct sim_copystack *cs, const void *addr) { return on_a_runstack(cs, addr, false); }

static struct sim_runstack *runstack_of(struct sim_copystack *cs, const struct sim_coro *co)
{
	for (uint32_t k = 0; k + 1 < cs->n; k++)
		if (cs->rs[k].lo == co->stack)
			return &cs->rs[k];
	return &cs->rs[cs->n - 1];
}

/* co has switched out: its frames, from its stack pointer to the top, into its buffer. */
static int save(struct sim_copystack *cs, struct sim_runstack *r, struct sim_coro *co)
{
	char *sp = sim_coro__sp(co->ctx);
	if (!sp)
		sp = r->lo; /* a switch that cannot say: all of it */
	if (sp < r->lo || sp > r->top)
		return -EOVERFLOW;
	size_t len = (size_t)(r->top - sp), need = len + shadow_len(len);
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
	san_poison(r);
	return 0;
}

static void restore(struct sim_runstack *r, struct sim_coro *co)
{
	size_t len = co->saved_len;
	char *sp = r->top - len;
	raw_copy(sp, co->saved, len);
	san_restore(r, sp, (char *)co->saved + len, len);
}

/* r is wanted: its owner's frames go to the owner's buffer first. The owner is cs->current
 * meanwhile, so that a failure says whom it lost. */
static int evict(struct sim_copystack *cs, struct sim_runstack *r)
{
	if (!r->owner)
		return 0;
	cs->current = r->owner;
	int e = save(cs, r, r->owner);
	if (e == 0)
		r->owner = NULL;
	return e;
}

static void release(struct sim_copystack *cs, struct sim_coro *co)
{
	free(co->saved);
	co->saved = NULL;
	co->saved_len = co->saved_cap = 0;
	struct sim_runstack *r = co->stack ? runstack_of(cs, co) : NULL;
	if (r && r->owner == co)
		r->owner = NULL;
	if (r)
		san_poison(r);
}

int sim_copystack_make(struct sim_copystack *cs, struct sim_coro *co, sim_coro_fn fn, void *arg)
{
	/* A new coroutine's first frame is written straight onto its run stack and stays there
	 * until it first runs, which is at once in the event loop: nothing to copy. */
	struct sim_runstack *r = &cs->rs[cs->turn];
	int e = evict(cs, r);
	if (e < 0)
		return e;
	if ((e = sim_coro_make(co, r->lo, (size_t)(r->top - r->lo), fn, arg)) < 0)
		return e;
	cs->turn = (cs->turn + 1) % cs->n;
	co->copied = true;
	r->owner = co;
	return 0;
}

/* A loud stop for a caller that is itself on a run stack: it would copy over itself. */
static _Noreturn __attribute__((cold, noinline)) void run_from_the_run_stack(void)
{
	static const char msg[] = "simul: internal error: sim_copystack_run called from a coroutine on the "
	                          "copied stack; call it from the loop's context\n";
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	abort();
}

/* co's frames onto its run stack, unless they are there. */
static int bring_in(struct sim_copystack *cs, struct sim_coro *co)
{
	struct sim_runstack *r = runstack_of(cs, co);
	if (r->owner != co) {
		int e = evict(cs, r);
		if (e < 0)
			return e;
		restore(r, co);
		r->owner = co;
	}
	co->caller = cs->via;
	cs->current = co;
	return 0;
}

int sim_copystack_enter(struct sim_copystack *cs, struct sim_coro *via, struct sim_coro *co)
{
	if (sim_copystack_contains(cs, __builtin_frame_address(0)))
		run_from_the_run_stack();
	cs->via = via;
	return bring_in(cs, co);
}

int sim_copystack_leave(struct sim_copystack *cs, struct sim_coro **co)
{
	struct sim_coro *c = cs->current; /* the one that switched back: *co, or one it handed to */
	if (c->done) {
		release(cs, c);
	} else if (!CS_LAZY) {
		struct sim_runstack *r = runstack_of(cs, c);
		int e = save(cs, r, c);
		if (e < 0)
			return e;
		r->owner = NULL;
	}
	*co = c = cs->next;
	cs->next = NULL;
	return c ? bring_in(cs, c) : 0;
}

void sim_copystack_drop(struct sim_copystack *cs, struct sim_coro *co) { release(cs, co); }
