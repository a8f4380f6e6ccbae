/* SPDX-License-Identifier: MIT */
/* unit_tokens.c: the runtime's tokens: the futex binding across threads and forked processes, the event loop's binding, bad use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model.h"

#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 2000

static int teardown(void **state)
{
	(void)state;
	sim_tokens_close();
	sim_set_ops(&sim_blocking_ops);
	return 0;
}

static void bad_use(void **state)
{
	(void)state;
	assert_int_equal(sim_tokens_open(0), -EINVAL);
	assert_int_equal(sim_token_wait(0), -EINVAL); /* no table */
	assert_int_equal(sim_tokens_open(2), 0);
	assert_null(sim_token_at(2));
	assert_int_equal(sim_token_pass(2), -EINVAL);
	assert_int_equal(sim_token_pass(1), 0);
	assert_int_equal(sim_token_pass(1), -EBUSY); /* a token is one hand-off */
	assert_int_equal(sim_token_wait(1), 0);       /* passed before the wait: no sleep */
	assert_int_equal(sim_token_pass(1), 0);       /* taken, so it may be passed again */
	/* A model that binds no tokens says so instead of blocking. */
	struct sim_ops none = sim_blocking_ops;
	none.token_wait = NULL;
	none.token_pass = NULL;
	sim_set_ops(&none);
	assert_int_equal(sim_token_wait(0), -ENOTSUP);
	assert_int_equal(sim_token_handoff(0, 1), -ENOTSUP);
}

/* The answering side: token 1 in, token 0 back; the count of what it received. */
static long answer(void)
{
	long got = 0;
	for (int r = 0; r < ROUNDS; r++) {
		if (sim_token_wait(1) < 0 || sim_token_pass(0) < 0)
			return -1;
		got++;
	}
	return got;
}

static void *answer_thread(void *arg)
{
	*(long *)arg = answer();
	return NULL;
}

static void serve(void)
{
	for (int r = 0; r < ROUNDS; r++) {
		assert_int_equal(sim_token_handoff(1, 0), 0); /* the blocking binding: pass, then wait */
	}
}

static void between_threads(void **state)
{
	(void)state;
	assert_int_equal(sim_tokens_open(2), 0);
	pthread_t t;
	long got = 0;
	assert_int_equal(pthread_create(&t, NULL, answer_thread, &got), 0);
	serve();
	pthread_join(t, NULL);
	assert_int_equal(got, ROUNDS);
	assert_int_equal(atomic_load(&sim_token_at(0)->state), SIM_TOKEN_EMPTY);
}

/* The table is mapped before the fork, as a workload's set-up maps it before the model's. */
static void between_processes(void **state)
{
	(void)state;
	assert_int_equal(sim_tokens_open(2), 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(answer() == ROUNDS ? 0 : 1);
	assert_true(pid > 0);
	serve();
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- the event loop: through the loop, straight from coroutine to coroutine ---------- */

static char wcfg[1];
static int order[3 * 8], norder;
static int handoff_rc[3];

static int run_loop(uint32_t tasks, sim_task_fn task, char *err, size_t n)
{
	struct sim_run run = { .task = task, .cfg = wcfg, .model = &sim_model_eventloop, .tasks = tasks,
		               .stack_kib = 64, .cores = 2 };
	struct sim_result *rs = calloc(tasks, sizeof *rs);
	assert_non_null(rs);
	sim_clock_start();
	int rc = sim_model_eventloop.run(&run, rs, err, n);
	free(rs);
	return rc;
}

/* Three tasks in a ring: i waits for token i and hands token i+1 on, eight times round. */
static void ring_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)out;
	int e = i == 0 ? 0 : sim_token_wait(i);
	for (int r = 0; e == 0 && r < 8; r++) {
		order[norder++] = (int)i;
		e = r == 7 ? sim_token_pass((i + 1) % 3) : sim_token_handoff((i + 1) % 3, i);
	}
	handoff_rc[i] = e;
}

static void eventloop_ring(void **state)
{
	(void)state;
	char err[200] = "";
	assert_int_equal(sim_tokens_open(3), 0);
	norder = 0;
	assert_int_equal(run_loop(3, ring_task, err, sizeof err), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(handoff_rc[i], 0);
	assert_int_equal(norder, 24);
	for (int k = 0; k < norder; k++)
		assert_int_equal(order[k], k % 3); /* the token went round in order */
}

/* Task 1 ends the moment it has been switched to directly: control goes back to the loop,
 * not to task 0, which still waits for its token. */
static int finished_first;
static void end_after_handoff(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)out;
	if (i == 0) {
		sim_sleep(5); /* task 1 waits by then, so the hand-off switches straight to it */
		handoff_rc[0] = sim_token_handoff(1, 0);
		handoff_rc[2] = finished_first;
	} else {
		handoff_rc[1] = sim_token_wait(1);
		if (handoff_rc[1] == 0)
			handoff_rc[1] = sim_token_pass(0);
		finished_first = 1;
	}
}

static void eventloop_ends_after_direct_switch(void **state)
{
	(void)state;
	char err[200] = "";
	assert_int_equal(sim_tokens_open(2), 0);
	finished_first = 0;
	assert_int_equal(run_loop(2, end_after_handoff, err, sizeof err), 0);
	assert_int_equal(handoff_rc[0], 0);
	assert_int_equal(handoff_rc[1], 0);
	assert_int_equal(handoff_rc[2], 1); /* task 0 resumed after task 1 had ended */
}

/* Two tasks both waiting on one token: the second is refused, not lost. */
static void two_waiters(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)out;
	if (i < 2)
		handoff_rc[i] = sim_token_wait(0);
	else
		handoff_rc[2] = sim_token_pass(0);
}

static void eventloop_one_waiter(void **state)
{
	(void)state;
	char err[200] = "";
	assert_int_equal(sim_tokens_open(1), 0);
	assert_int_equal(run_loop(3, two_waiters, err, sizeof err), 0);
	assert_int_equal(handoff_rc[0], 0);
	assert_int_equal(handoff_rc[1], -EBUSY);
	assert_int_equal(handoff_rc[2], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(bad_use, teardown),
		cmocka_unit_test_teardown(between_threads, teardown),
		cmocka_unit_test_teardown(between_processes, teardown),
		cmocka_unit_test_teardown(eventloop_ring, teardown),
		cmocka_unit_test_teardown(eventloop_ends_after_direct_switch, teardown),
		cmocka_unit_test_teardown(eventloop_one_waiter, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
