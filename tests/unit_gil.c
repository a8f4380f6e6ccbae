/* SPDX-License-Identifier: MIT */
/* unit_gil.c: the GIL emulation: one thread computes at a time, and the lock changes hands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gil.h"

#include <pthread.h>
#include <stdatomic.h>

#define THREADS 3
#define CHUNKS 4000

static atomic_int inside;       /* threads between two ticks right now: never more than 1 */
static atomic_int overlaps;
static _Atomic uint32_t order[THREADS * CHUNKS]; /* who ran each chunk, in order */
static atomic_uint norder;

static volatile uint64_t sink; /* keeps the work from being optimised away */

static void chunk_work(void)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < 20000; i++) {
		__asm__("" : "+r"(i)); /* no closed form, no vectorising: see sumsq.c */
		s += i * i;
	}
	sink = s;
}

struct arg {
	uint32_t id;
};

static void compute(void *p)
{
	struct arg *a = p;
	for (int c = 0; c < CHUNKS; c++) {
		if (atomic_fetch_add(&inside, 1) != 0)
			atomic_fetch_add(&overlaps, 1);
		chunk_work();
		order[atomic_fetch_add(&norder, 1)] = a->id;
		atomic_fetch_sub(&inside, 1);
		sim_tick();
	}
}

static void *thread(void *p)
{
	sim_set_ops(sim_gil_ops());
	sim_compute(compute, p);
	return NULL;
}

static void one_at_a_time_and_turn_about(void **state)
{
	(void)state;
	assert_int_equal(sim_gil_init(), 0);
	pthread_t t[THREADS];
	struct arg a[THREADS];
	for (uint32_t i = 0; i < THREADS; i++) {
		a[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, thread, &a[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	/* Mutual exclusion: no chunk of one thread ran while another's did. */
	assert_int_equal(atomic_load(&overlaps), 0);
	assert_int_equal(atomic_load(&norder), THREADS * CHUNKS);
	/* The lock changed hands: a waiter asked, the holder let go at a tick. Without the
	 * hand-over each thread would run all its chunks in one stretch, and the first to
	 * finish would do so before the others had started: here every thread runs in the
	 * first half of the order. (Each run is hundreds of ms, many 5 ms intervals.) */
	assert_true(sim_gil_switches() >= 2);
	bool seen[THREADS] = { 0 };
	for (uint32_t i = 0; i < THREADS * CHUNKS / 2; i++)
		seen[order[i]] = true;
	for (int i = 0; i < THREADS; i++)
		assert_true(seen[i]);
	sim_gil_destroy();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_at_a_time_and_turn_about),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
