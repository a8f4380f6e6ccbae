/* SPDX-License-Identifier: MIT */
/* unit_offload.c: eventloop-offload driven with test task bodies: CPU work leaves the loop, the loop stays responsive, the pool's threads are counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Task bodies record, the tests assert afterwards (cmocka leaves a failed test by longjmp,
 * which must not start on a coroutine's stack). */

static char wcfg[1];

static int run_offload(uint32_t tasks, void (*task)(const struct sim_run *, uint32_t, struct sim_result *),
                       struct sim_result **rs, char *err, size_t errlen)
{
	struct sim_run run = {
		.task = task,
		.cfg = wcfg,
		.model = &sim_model_eventloop_offload,
		.tasks = tasks,
		.stack_kib = 64,
		.cores = 2,
	};
	*rs = calloc(tasks, sizeof **rs);
	assert_non_null(*rs);
	err[0] = 0;
	sim_clock_start();
	return sim_model_eventloop_offload.run(&run, *rs, err, errlen);
}

static double fact(const char *name)
{
	struct sim_fact f[4];
	int n = sim_model_eventloop_offload.facts(f, 4);
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return f[i].value;
	return -1;
}

/* ---- a block goes to the pool: the loop's thread is elsewhere, a sleeper wakes on time -- */

struct spin {
	double s;
	pthread_t ran_on;
	_Atomic int done;
};

static void spin(void *arg)
{
	struct spin *sp = arg;
	sp->ran_on = pthread_self();
	double until = sim_mono_s() + sp->s;
	while (sim_mono_s() < until)
		;
	atomic_store(&sp->done, 1);
}

static pthread_t loop_thread;
static struct spin *spun;
static double worst_late;
static int ticks, spin_done_when_resumed;

static void block_and_tick_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	if (i == 0) {
		loop_thread = pthread_self();
		sim_sleep(5);
		spun->s = 0.2;
		sim_compute(spin, spun);
		spin_done_when_resumed = atomic_load(&spun->done);
	} else {
		for (int k = 0; k < 20; k++) {
			double t = sim_now();
			sim_sleep(10);
			double late = sim_now() - t - 0.010;
			if (late > worst_late)
				worst_late = late;
			ticks++;
		}
	}
	out->count = 1;
}

static void compute_leaves_the_loop(void **state)
{
	(void)state;
	spun = calloc(1, sizeof *spun);
	assert_non_null(spun);
	struct sim_result *rs;
	char err[256];
	int rc = run_offload(2, block_and_tick_task, &rs, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(rs[0].count, 1);
	assert_int_equal(ticks, 20);
	assert_true(spin_done_when_resumed);               /* the task waited for its work */
	assert_false(pthread_equal(spun->ran_on, loop_thread)); /* which ran on another thread */
	/* The sleeper's 10 ms wakes kept time through the 200 ms block: on the loop one of them
	 * would have been about 190 ms late. Generous: a busy machine delays a thread too. */
	assert_true(worst_late < 0.1);
	assert_int_equal(fact("pool_threads"), 1);
	assert_true(fact("pool_size") >= 1);
	free(spun);
	free(rs);
}

/* ---- many computations at once spread over the pool's threads ------------------------- */

static struct spin spins[8];

static void many_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	spins[i].s = 0.03;
	sim_compute(spin, &spins[i]); /* static storage: off every stack */
	out->count = atomic_load(&spins[i].done);
}

static void pool_threads_are_counted(void **state)
{
	(void)state;
	struct sim_result *rs;
	char err[256];
	memset(spins, 0, sizeof spins);
	int rc = run_offload(8, many_task, &rs, err, sizeof err);
	assert_int_equal(rc, 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rs[i].count, 1);
	/* Eight 30 ms computations queued at once: every thread of the pool takes some, and no
	 * thread counts twice in the same run. */
	double n = fact("pool_threads"), size = fact("pool_size");
	assert_true(n >= 2 && n <= size);
	free(rs);
	/* A second run counts afresh, though libuv keeps the same threads. */
	memset(spins, 0, sizeof spins);
	rc = run_offload(1, many_task, &rs, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(fact("pool_threads"), 1);
	free(rs);
}

/* ---- an argument on the task's own stack is refused, loudly ----------------------------- */

static void stack_arg_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)i;
	struct spin local = { .s = 0.001 };
	sim_compute(spin, &local);
	out->count = 1;
}

static void stack_argument_fails_the_run(void **state)
{
	(void)state;
	struct sim_result *rs;
	char err[256];
	int rc = run_offload(2, stack_arg_task, &rs, err, sizeof err);
	assert_int_equal(rc, -EFAULT);
	assert_non_null(strstr(err, "stack"));
	assert_null(strchr(err, '\n'));
	free(rs);
}

/* ---- UV_THREADPOOL_SIZE that libuv would bend is refused ------------------------------- */

static void bad_pool_size_fails_the_run(void **state)
{
	(void)state;
	struct sim_result *rs;
	char err[256];
	const char *old = getenv("UV_THREADPOOL_SIZE");
	char keep[64] = "";
	if (old)
		snprintf(keep, sizeof keep, "%s", old);
	setenv("UV_THREADPOOL_SIZE", "four", 1);
	int rc = run_offload(1, many_task, &rs, err, sizeof err);
	if (old)
		setenv("UV_THREADPOOL_SIZE", keep, 1);
	else
		unsetenv("UV_THREADPOOL_SIZE");
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "UV_THREADPOOL_SIZE='four'"));
	assert_non_null(strstr(err, "1024"));
	free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compute_leaves_the_loop),
		cmocka_unit_test(pool_threads_are_counted),
		cmocka_unit_test(stack_argument_fails_the_run),
		cmocka_unit_test(bad_pool_size_fails_the_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
