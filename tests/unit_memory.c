/* SPDX-License-Identifier: MIT */
/* unit_memory.c: a run's memory counted once: private pages read, the live workers' peak over time, the method named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model.h"
#include "coro.h"
#include "stacks.h"
#include "workermem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void test_private_pages_grow_with_what_is_touched(void **state)
{
	(void)state;
	long long before = sim_mem_private_kib();
	if (before < 0)
		skip(); /* no /proc/self/smaps_rollup: a kernel before 4.14 */
	size_t n = 8u << 20;
	char *p = malloc(n);
	assert_non_null(p);
	memset(p, 1, n);
	long long after = sim_mem_private_kib();
	assert_true(after - before >= 7 * 1024);
	free(p);
}

/* Workers alive over [born, ended] with their figures: the peak is of those alive at once. */
static void test_peak_of_the_live_workers(void **state)
{
	(void)state;
	struct sim_workermem_slot slot[3] = {
		{ 0.0, 1.0, 100 + 1 }, { 0.5, 2.0, 200 + 1 }, { 1.5, 3.0, 300 + 1 },
	};
	struct sim_workermem m;
	sim_workermem_init(&m, slot, 3);
	sim_workermem_report(&m);
	/* None reaped yet: one process, its own RSS. */
	uint64_t kib;
	assert_string_equal(sim_run_memory(1000, &kib), "rss-peak");
	assert_int_equal(kib, 1000);
	struct rusage ru = { .ru_maxrss = 5000 };
	sim_child_reaped(&ru);
	assert_string_equal(sim_run_memory(1000, &kib), "rss+uss");
	assert_int_equal(kib, 1000 + 200 + 300); /* at 1.5 to 2.0 s; the first had ended at 1.0 */
}

/* Past SIM_WORKERMEM_SAMPLE workers, a sample reads its figure and the rest are charged its mean. */
static void test_a_sample_stands_for_the_rest(void **state)
{
	(void)state;
	enum { N = 200 };
	struct sim_workermem_slot *slot = calloc(N, sizeof *slot);
	assert_non_null(slot);
	struct sim_workermem m;
	sim_workermem_init(&m, slot, N);
	assert_true(m.stride > 1);
	for (uint32_t id = 0; id < N; id++) {
		slot[id].born_s = 0.001 * id;
		slot[id].ended_s = 10.0;
		if (id % m.stride == 0)
			slot[id].priv = (id % 2 ? 30 : 10) + 1;
	}
	sim_workermem_report(&m);
	uint64_t kib;
	assert_string_equal(sim_run_memory(0, &kib), "rss+uss");
	assert_true(kib >= 10 * N && kib <= 30 * N);
	/* One of the sample could not read its own: the method says so, and falls back. */
	slot[0].priv = -1;
	sim_workermem_report(&m);
	assert_string_equal(sim_run_memory(0, &kib), "rss-sum");
	assert_int_equal(kib, 5000); /* the reaped child's peak RSS, from the test before */
	free(slot);
}

/* Every model of stackful coroutines, today's and any added later, is costed per task in
 * flight by the one up-front check, with or without a task_bytes of its own. */
static void test_every_coroutine_model_is_costed(void **state)
{
	(void)state;
	int seen = 0;
	for (const struct sim_model *const *m = sim_models; *m; m++) {
		if (!((*m)->caps & SIM_CAP_STACK))
			continue;
		seen++;
		for (int k = 0; k < 2; k++) {
			struct sim_run run = { .model = *m, .tasks = 1000, .stack_kib = 64,
			                       .stack = k ? SIM_STACK_GUARDED : SIM_STACK_COPY };
			size_t floor = sizeof(struct sim_coro) + sim_stacks_cost(run.stack, 64 * 1024);
			if (sim_run_task_bytes(&run) < floor)
				fail_msg("%s, stack %d: %zu bytes per task, below its coroutine and stack (%zu)", (*m)->name, k,
				         sim_run_task_bytes(&run), floor);
			/* A run far beyond any machine's memory is refused, with the estimate. */
			run.tasks = 100000000;
			run.stack_kib = 65536;
			char err[300] = "";
			if (k == 1) {
				assert_int_equal(sim_run_memory_check(&run, err, sizeof err), -ENOMEM);
				assert_non_null(strstr(err, "would need about"));
			}
		}
	}
	assert_true(seen >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_pages_grow_with_what_is_touched),
		cmocka_unit_test(test_peak_of_the_live_workers),
		cmocka_unit_test(test_a_sample_stands_for_the_rest),
		cmocka_unit_test(test_every_coroutine_model_is_costed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
