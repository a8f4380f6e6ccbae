/* SPDX-License-Identifier: MIT */
/* unit_switch.c: what a coroutine switch costs: the bare switch, on a stack of its own, and on the copied stack at several depths (prints ns; asserts only sanity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "copystack.h"
#include "stackpool.h"

#include <alloca.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#endif

/* Round trips per measurement (each two one-way switches), and measurements of each kind,
 * taken in turn (the CPU's speed changes from second to second here): the best of each is
 * reported, the machine being shared. Far fewer under the sanitizers, whose figures mean
 * nothing but whose paths are checked all the same. */
#ifdef SANITIZED
#define TRIPS 20000
#else
#define TRIPS 1000000
#endif
#define REPEATS 5

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the bare switch (coro_x86_64.S or swapcontext), no coroutine layer -------------- */

#ifndef SANITIZED /* the sanitizers must hear of every switch (coro.c), and this one is bare */

static void *raw_main, *raw_co;

static void raw_body(void *arg)
{
	(void)arg;
	for (;;)
		sim_coro__switch(&raw_co, raw_main);
}

static double bare_switch_ns(void *stack, size_t size)
{
	raw_main = sim_coro__thread_ctx(); /* where the thread's context is saved, as sim_coro_thread does */
	raw_co = sim_coro__make(stack, size, raw_body, NULL);
	assert_non_null(raw_co);
	double t = now_ns();
	for (int i = 0; i < TRIPS; i++)
		sim_coro__switch(&raw_main, raw_co);
	return (now_ns() - t) / (2.0 * TRIPS);
}

#endif

/* ---- sim_coro_switch, on a stack of its own (--stack guarded) ------------------------- */

struct pp {
	struct sim_coro main, co;
};

static void pp_body(void *arg)
{
	struct pp *p = arg;
	for (;;)
		sim_coro_switch(&p->co, &p->main);
}

static double own_stack_ns(void *stack, size_t size)
{
	struct pp p;
	sim_coro_thread(&p.main);
	assert_int_equal(sim_coro_make(&p.co, stack, size, pp_body, &p), 0);
	double t = now_ns();
	for (int i = 0; i < TRIPS; i++)
		sim_coro_switch(&p.main, &p.co);
	double per = (now_ns() - t) / (2.0 * TRIPS);
	sim_coro_destroy(&p.co);
	return per;
}

/* ---- the copied stack, frames of a given depth at the switch --------------------------- */

struct cp {
	struct sim_coro main, co;
	size_t depth;
};

static void cp_body(void *arg)
{
	struct cp *c = arg;
	volatile char *frames = alloca(c->depth); /* stands for the task's frames below the wait */
	frames[0] = frames[c->depth - 1] = 1;
	for (;;)
		sim_coro_switch(&c->co, &c->main);
}

/* Two coroutines on one run stack, run in turn: each run copies the other's frames out and
 * its own back in, as a task does that wakes where another slept. */
static double copied_ns(struct sim_copystack *cs, size_t depth, size_t *saved)
{
	struct cp c = { .depth = depth }, d = { .depth = depth };
	sim_coro_thread(&c.main);
	sim_coro_thread(&d.main);
	assert_int_equal(sim_copystack_make(cs, &c.co, cp_body, &c), 0);
	assert_int_equal(sim_copystack_run(cs, &c.main, &c.co), 0);
	assert_int_equal(sim_copystack_make(cs, &d.co, cp_body, &d), 0);
	assert_int_equal(sim_copystack_run(cs, &d.main, &d.co), 0);
	assert_int_equal(sim_copystack_run(cs, &c.main, &c.co), 0);
	*saved = d.co.saved_len;
	double t = now_ns();
	for (int i = 0; i < TRIPS / 8; i++) {
		sim_copystack_run(cs, &d.main, &d.co);
		sim_copystack_run(cs, &c.main, &c.co);
	}
	double per = (now_ns() - t) / (2.0 * 2 * (TRIPS / 8));
	sim_copystack_drop(cs, &c.co);
	sim_copystack_drop(cs, &d.co);
	sim_coro_destroy(&c.co);
	sim_coro_destroy(&d.co);
	return per;
}

static void switch_costs(void **state)
{
	(void)state;
	struct sim_stackpool pool;
	assert_int_equal(sim_stackpool_init(&pool, 64 * 1024), 0);
	void *stack = sim_stackpool_get(&pool);
	assert_non_null(stack);
	printf("  one-way switch, best of %d x %d round trips (%s):\n", REPEATS, TRIPS, sim_coro_impl());
	struct sim_copystack cs;
	assert_int_equal(sim_copystack_init_n(&cs, 64 * 1024, 1), 0);
	/* 304 bytes: what a sleeping task of the sleep workload leaves; 8.6 KiB: a fetch
	 * task in its read (an 8 KiB buffer on its stack). */
	const size_t depths[] = { 16, 256, 1024, 4096, 8704, 32768 };
	enum { NDEPTHS = sizeof depths / sizeof depths[0] };
	double own = INFINITY, copied[NDEPTHS];
#ifndef SANITIZED
	double bare = INFINITY;
#endif
	size_t saved[NDEPTHS];
	for (size_t k = 0; k < NDEPTHS; k++)
		copied[k] = INFINITY;
	for (int r = 0; r < REPEATS; r++) {
#ifndef SANITIZED
		bare = fmin(bare, bare_switch_ns(stack, pool.stack_size));
#endif
		own = fmin(own, own_stack_ns(stack, pool.stack_size));
		for (size_t k = 0; k < NDEPTHS; k++)
			copied[k] = fmin(copied[k], copied_ns(&cs, depths[k], &saved[k]));
	}
#ifndef SANITIZED
	printf("    bare switch (sim_coro__switch)         %6.1f ns\n", bare);
	assert_true(bare > 0 && isfinite(bare));
#endif
	printf("    own stack (--stack guarded)            %6.1f ns\n", own);
	assert_true(own > 0 && isfinite(own));
	for (size_t k = 0; k < NDEPTHS; k++) {
		printf("    copied stack, %5zu bytes saved          %6.1f ns (%.1f ns over its own stack)\n", saved[k],
		       copied[k], copied[k] - own);
		assert_true(copied[k] > 0 && isfinite(copied[k]));
		assert_true(saved[k] >= depths[k]);
	}
	sim_copystack_fini(&cs);
	sim_stackpool_put(&pool, stack);
	sim_stackpool_fini(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switch_costs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
