/* SPDX-License-Identifier: MIT */
/* stacks.c: the two ways a coroutine gets a stack, behind one interface: the copied run stack, or a guarded stack of its own. */
#include "stacks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const sim_stack_names[] = { "copy", "guarded", NULL };

int sim_stacks_init(struct sim_stacks *st, enum sim_stack_kind kind, size_t size, uint64_t n, char *err,
                    size_t errlen)
{
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->size = size;
	snprintf(st->overflow, sizeof st->overflow,
	         "a task needed more than its %zu KiB of stack (--stack %s; it reached the guard page): raise "
	         "--stack-kib",
	         size / 1024, sim_stack_names[kind]);
	int e;
	if (kind == SIM_STACK_COPY) {
		if ((e = sim_copystack_init(&st->copy, size)) < 0)
			snprintf(err, errlen, "cannot map a run stack of %zu KiB (%s): lower --stack-kib", size / 1024,
			         strerror(-e));
		return e;
	}
	if ((e = sim_stackpool_init(&st->pool, size)) == 0 && (e = sim_stackpool_reserve(&st->pool, n)) == 0)
		return 0;
	if (e == -EMLINK)
		snprintf(err, errlen,
		         "%llu coroutine stacks at once, but only %llu can have a guard page here (mprotect, "
		         "vm.max_map_count/4; MADV_GUARD_INSTALL needs Linux 6.13): use --stack copy, or --limit below that",
		         (unsigned long long)n, (unsigned long long)sim_stackpool_guard_limit(&st->pool));
	else
		snprintf(err, errlen,
		         "cannot map %llu coroutine stacks of %zu KiB (%s): lower --stack-kib, use --stack copy, "
		         "--limit or fewer --tasks",
		         (unsigned long long)n, size / 1024, strerror(-e));
	return e;
}

void sim_stacks_fini(struct sim_stacks *st)
{
	if (st->kind == SIM_STACK_COPY)
		sim_copystack_fini(&st->copy);
	else
		sim_stackpool_fini(&st->pool);
}

int sim_stacks_make(struct sim_stacks *st, struct sim_coro *co, sim_coro_fn fn, void *arg)
{
	if (st->kind == SIM_STACK_COPY)
		return sim_copystack_make(&st->copy, co, fn, arg);
	void *stack = sim_stackpool_get(&st->pool);
	if (!stack)
		return -ENOMEM;
	int e = sim_coro_make(co, stack, st->pool.stack_size, fn, arg);
	if (e < 0) {
		sim_stackpool_put(&st->pool, stack);
		return e;
	}
	return 0;
}

static void release(struct sim_stacks *st, struct sim_coro *co)
{
	sim_coro_destroy(co);
	if (st->kind == SIM_STACK_COPY)
		sim_copystack_drop(&st->copy, co);
	else if (co->stack)
		sim_stackpool_put(&st->pool, co->stack);
	co->stack = NULL;
}

void sim_stacks_drop(struct sim_stacks *st, struct sim_coro *co) { release(st, co); }

bool sim_stacks_in_guard(const struct sim_stacks *st, const void *addr)
{
	return st->kind == SIM_STACK_COPY ? sim_copystack_in_guard(&st->copy, addr)
	                                  : sim_stackpool_in_guard(&st->pool, addr);
}

/* What a switched-out sleep's frames take on the copied stack, measured (the event loop's
 * wait, the runtime, the task body; 0.3 to 0.5 KiB without sanitizers), with room for a
 * task body a little deeper. A body with big locals costs more: this is an estimate. */
#define COPY_TYPICAL_FRAMES 768u

size_t sim_stacks_cost(enum sim_stack_kind kind, size_t size)
{
	if (kind == SIM_STACK_COPY)
		return sim_copystack_cost(COPY_TYPICAL_FRAMES);
	/* The page a coroutine touches at the top of its stack, the page-table entries of its
	 * stack and guard, and the kernel's share of each mapping: 5.4 KiB measured per task
	 * of a million (64 KiB stacks), of which the results and slots are counted apart. */
	size_t page = 4096, pages = (size + page - 1) / page + 1;
	return page + pages * 8 + 512;
}

const char *sim_stacks_describe(void)
{
	static char line[400];
	snprintf(line, sizeof line,
	         "stacks (--stack): copy, the default: %u run stack%s of %u KiB (--stack-kib) with a guard page, a "
	         "suspended task's frames copied to a buffer sized to fit when another needs its stack; guarded: %u KiB "
	         "each from a slab pool, %s",
	         SIM_COPYSTACKS, SIM_COPYSTACKS > 1 ? "s" : "", SIM_STACK_KIB_DEFAULT, SIM_STACK_KIB_DEFAULT,
	         sim_stackpool_guards());
	return line;
}
