/* SPDX-License-Identifier: MIT */
/* stackpool.h: coroutine stacks carved from a few large mappings, reused LIFO. */
#ifndef SIMUL_STACKPOOL_H
#define SIMUL_STACKPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_stackslab;

struct sim_stackpool {
	size_t stack_size;      /* usable bytes per stack, a multiple of the page size */
	size_t page;
	uint32_t per_slab;      /* stacks per mapping */
	bool madv_guard;        /* guards are page-table markers, not mprotected maps */
	uint32_t guard_budget;  /* stacks that may still get a guard page (mprotect) */
	uint64_t stacks;        /* stacks carved so far */
	uint64_t guarded;       /* of which with a guard page below them */
	void **free;            /* LIFO of free stacks: the last one freed is warm in cache */
	uint64_t nfree, free_cap;
	struct sim_stackslab *slabs;
};

/* An empty pool of stacks of stack_size bytes (rounded up to pages). 0 or -EINVAL. */
int sim_stackpool_init(struct sim_stackpool *p, size_t stack_size);
/* Make sure at least n stacks exist (free or in use), mapping slabs as needed. 0, -ENOMEM
 * (or another -errno from mmap), or -EMLINK: more than sim_stackpool_guard_limit(). */
int sim_stackpool_reserve(struct sim_stackpool *p, uint64_t n);
/* How many stacks can have a guard page here: every stack never lacks one, so the pool
 * makes no more than this (UINT64_MAX with MADV_GUARD_INSTALL). */
uint64_t sim_stackpool_guard_limit(const struct sim_stackpool *p);
/* A stack's lowest address (its size is p->stack_size); grows the pool by a slab when
 * none is free. NULL when the memory ran out. */
void *sim_stackpool_get(struct sim_stackpool *p);
void sim_stackpool_put(struct sim_stackpool *p, void *stack);
/* Unmap everything. Every stack must be back (or no longer used). */
void sim_stackpool_fini(struct sim_stackpool *p);

/* addr lies on the guard page of one of the pool's stacks. Async-signal-safe, as long as
 * the pool is not growing meanwhile (it grows on the loop's context, never in a coroutine). */
bool sim_stackpool_in_guard(const struct sim_stackpool *p, const void *addr);

/* How this machine guards stacks, for `simul list`. */
const char *sim_stackpool_guards(void);
/* Tests only: use the mprotect guards even where MADV_GUARD_INSTALL works. */
void sim_stackpool__no_madv_guard(void);

#endif
