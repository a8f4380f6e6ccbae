/* SPDX-License-Identifier: MIT */
/* stackpool.c: coroutine stacks carved from a few large mappings, reused LIFO. */
#include "stackpool.h"
#include "machine.h"

#include <errno.h>
#include <stdatomic.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(POOL_ASAN)
#define POOL_ASAN 1
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct sim_stackslab {
	struct sim_stackslab *next;
	void *base;
	size_t len;
};

/* A slab is at most this big (and holds at most SLAB_STACKS): a handful of mmap calls
 * for a run of any size, and no single mapping so large that it fails for its own sake. */
#define SLAB_BYTES (16u << 20)
#define SLAB_STACKS 1024u

/* A guard page below each stack turns an overflow into a SIGSEGV instead of a silent write
 * into the neighbouring stack. Two ways to make one:
 *
 * - madvise(MADV_GUARD_INSTALL) (Linux 6.13+) marks the page in the page tables: about a
 *   microsecond, no new memory map, so every stack gets one.
 * - mprotect(PROT_NONE), everywhere else, splits the slab's one mapping into two per stack
 *   ([guard][stack] ...), costs ~5 us plus as much again in munmap, and vm.max_map_count
 *   (65530 by default) caps the maps of the whole process, libc and libuv included. So at
 *   most max_map_count/4 stacks can be guarded (half the limit at most), and the pool makes
 *   no more: a stack without a guard would let an overflow write silently into its
 *   neighbour's top. More coroutines than that at once take the copied stack instead
 *   (copystack.h), which needs one guard whatever their number. */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

/* 1: MADV_GUARD_INSTALL works here, 0: it does not, -1: not probed yet. */
static atomic_int madv_guard = -1;

static bool madv_guard_works(size_t page)
{
	int m = atomic_load(&madv_guard);
	if (m >= 0)
		return m;
	m = 0;
	void *a = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a != MAP_FAILED) {
		m = madvise(a, page, MADV_GUARD_INSTALL) == 0;
		munmap(a, 2 * page);
	}
	atomic_store(&madv_guard, m);
	return m;
}

static uint32_t guard_budget(void)
{
	long long max = sim_max_map_count();
	if (max <= 0)
		max = 65530; /* the kernel's default */
	return (uint32_t)(max / 4);
}

int sim_stackpool_init(struct sim_stackpool *p, size_t stack_size)
{
	*p = (struct sim_stackpool){ 0 };
	long page = sysconf(_SC_PAGESIZE);
	p->page = page > 0 ? (size_t)page : 4096;
	if (stack_size == 0 || stack_size > ((size_t)1 << 40))
		return -EINVAL;
	p->stack_size = (stack_size + p->page - 1) / p->page * p->page;
	size_t stride = p->stack_size + p->page;
	size_t per = SLAB_BYTES / stride;
	p->per_slab = per < 1 ? 1 : per > SLAB_STACKS ? SLAB_STACKS : (uint32_t)per;
	p->madv_guard = madv_guard_works(p->page);
	p->guard_budget = p->madv_guard ? UINT32_MAX : guard_budget();
	return 0;
}

static int map_slab(struct sim_stackpool *p, uint32_t count)
{
	size_t stride = p->stack_size + p->page;
	size_t len = stride * count;
	struct sim_stackslab *slab = malloc(sizeof *slab);
	if (!slab)
		return -ENOMEM;
	void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED) {
		int e = errno;
		free(slab);
		return -e;
	}
	/* Room for every stack the pool owns, so put() never needs to grow it. */
	if (p->stacks + count > p->free_cap) {
		uint64_t cap = p->free_cap ? p->free_cap : 64;
		while (cap < p->stacks + count)
			cap *= 2;
		void **f = realloc(p->free, cap * sizeof *f);
		if (!f) {
			munmap(base, len);
			free(slab);
			return -ENOMEM;
		}
		p->free = f;
		p->free_cap = cap;
	}
	/* Small pages only: with transparent huge pages a coroutine's first touch could fault
	 * in 2 MiB, a hundred stacks' worth, and the memory per task would depend on luck. */
	madvise(base, len, MADV_NOHUGEPAGE);
	slab->base = base;
	slab->len = len;
	slab->next = p->slabs;
	p->slabs = slab;
	/* Pushed highest first, so stacks are handed out in address order. */
	for (uint32_t i = count; i-- > 0;) {
		char *guard = (char *)base + (size_t)i * stride;
		p->free[p->nfree++] = guard + p->page;
	}
	for (uint32_t i = 0; i < count; i++) {
		char *guard = (char *)base + (size_t)i * stride;
		if (p->madv_guard && madvise(guard, p->page, MADV_GUARD_INSTALL) == 0) {
			p->guarded++;
			continue;
		}
		/* ENOMEM here is the map-count limit after all (other mappings grew). */
		if (p->guard_budget == 0 || mprotect(guard, p->page, PROT_NONE) < 0) {
			p->guard_budget = 0;
			p->guarded -= i;
			p->nfree -= count;
			p->slabs = slab->next;
			munmap(base, len);
			free(slab);
			return -EMLINK;
		}
		p->guard_budget--;
		p->guarded++;
	}
	p->stacks += count;
	return 0;
}

uint64_t sim_stackpool_guard_limit(const struct sim_stackpool *p)
{
	return p->madv_guard ? UINT64_MAX : p->guarded + p->guard_budget;
}

int sim_stackpool_reserve(struct sim_stackpool *p, uint64_t n)
{
	if (n > sim_stackpool_guard_limit(p))
		return -EMLINK;
	while (p->stacks < n) {
		uint64_t want = n - p->stacks;
		int e = map_slab(p, want < p->per_slab ? (uint32_t)want : p->per_slab);
		if (e < 0)
			return e;
	}
	return 0;
}

void *sim_stackpool_get(struct sim_stackpool *p)
{
	if (p->nfree == 0 && sim_stackpool_reserve(p, p->stacks + p->per_slab) < 0)
		return NULL;
	return p->free[--p->nfree];
}

void sim_stackpool_put(struct sim_stackpool *p, void *stack) { p->free[p->nfree++] = stack; }

void sim_stackpool_fini(struct sim_stackpool *p)
{
	while (p->slabs) {
		struct sim_stackslab *s = p->slabs;
		p->slabs = s->next;
#ifdef POOL_ASAN
		/* A finished coroutine's last frames stay poisoned (it never returned from them): the
		 * next mapping at these addresses, a kernel's ring say, must not inherit them. */
		ASAN_UNPOISON_MEMORY_REGION(s->base, s->len);
#endif
		munmap(s->base, s->len);
		free(s);
	}
	free(p->free);
	*p = (struct sim_stackpool){ 0 };
}

bool sim_stackpool_in_guard(const struct sim_stackpool *p, const void *addr)
{
	uintptr_t a = (uintptr_t)addr, stride = p->stack_size + p->page;
	for (const struct sim_stackslab *s = p->slabs; s; s = s->next) {
		uintptr_t base = (uintptr_t)s->base;
		if (a >= base && a < base + s->len)
			return (a - base) % stride < p->page;
	}
	return false;
}

void sim_stackpool__no_madv_guard(void) { atomic_store(&madv_guard, 0); }

const char *sim_stackpool_guards(void)
{
	static char line[96];
	long page = sysconf(_SC_PAGESIZE);
	if (madv_guard_works(page > 0 ? (size_t)page : 4096))
		return "a guard page under each (MADV_GUARD_INSTALL)";
	snprintf(line, sizeof line, "a guard page under each, %u at most (mprotect; vm.max_map_count/4)",
	         guard_budget());
	return line;
}
