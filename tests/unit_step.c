/* SPDX-License-Identifier: MIT */
/* unit_step.c: eventloop-callbacks driven with test steps: each operation's result, time-outs, misuse, a server that writes and closes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Steps record what they were given; the tests assert afterwards. */
#define MAXLOG 16
struct obs {
	enum sim_op_kind done[MAXLOG];
	ssize_t result[MAXLOG];
	char data[64];
	size_t got;
	double at[MAXLOG];
	int n;
};
static struct obs obs[8];
static struct sockaddr_in srv_addr, closed_addr;
static char wcfg[1];

static int run_steps(uint32_t tasks, sim_step_fn step, struct sim_result **rs_out)
{
	struct sim_run run = { .step = step, .step_state = sizeof(int), .cfg = wcfg,
	                       .model = &sim_model_eventloop_callbacks, .tasks = tasks, .cores = 2 };
	struct sim_result *rs = calloc(tasks, sizeof *rs);
	assert_non_null(rs);
	char err[256] = "";
	memset(obs, 0, sizeof obs);
	sim_clock_start();
	int rc = sim_model_eventloop_callbacks.run(&run, rs, err, sizeof err);
	*rs_out = rs;
	return rc;
}

/* Log the step's input; its state counts the calls. */
static int log_in(uint32_t i, void *state, const struct sim_step_in *in)
{
	struct obs *o = &obs[i];
	if (o->n < MAXLOG) {
		o->done[o->n] = in->done;
		o->result[o->n] = in->result;
		o->at[o->n] = sim_now();
		o->n++;
	}
	if (in->done == SIM_OP_READ && in->result > 0 && o->got + (size_t)in->result < sizeof o->data) {
		memcpy(o->data + o->got, in->data, (size_t)in->result);
		o->got += (size_t)in->result;
	}
	return (*(int *)state)++;
}

static void op(struct sim_op *next, enum sim_op_kind k, int tmo)
{
	*next = (struct sim_op){ .kind = k, .timeout_ms = tmo };
}

/* Task 0: misuse (no connection; connect twice). Task 1: a refused connect. Task 2: sleeps.
 * Task 3: connects, writes, waits for an answer nobody sends (time-out), then finds the
 * connection closed. */
static void misuse_step(const struct sim_run *run, uint32_t i, void *state, const struct sim_step_in *in,
                        struct sim_op *next, struct sim_result *out)
{
	(void)run;
	(void)out;
	int k = log_in(i, state, in);
	static const char ping[] = "ping";
	op(next, SIM_OP_DONE, 0);
	if (i == 0) {
		enum sim_op_kind seq[] = { SIM_OP_WRITE, SIM_OP_READ, SIM_OP_CLOSE, SIM_OP_CONNECT, SIM_OP_CONNECT, SIM_OP_CLOSE };
		if (k < 6) {
			op(next, seq[k], 0);
			next->buf = ping;
			next->len = 4;
			next->addr = (const struct sockaddr *)&srv_addr;
			next->addrlen = sizeof srv_addr;
		}
	} else if (i == 1 && k == 0) {
		op(next, SIM_OP_CONNECT, 1000);
		next->addr = (const struct sockaddr *)&closed_addr;
		next->addrlen = sizeof closed_addr;
	} else if (i == 2 && k < 2) {
		op(next, SIM_OP_SLEEP, 0);
		next->ms = k == 0 ? 30 : 0;
	} else if (i == 3 && k < 4) {
		enum sim_op_kind seq[] = { SIM_OP_CONNECT, SIM_OP_WRITE, SIM_OP_READ, SIM_OP_WRITE };
		op(next, seq[k], 50);
		next->addr = (const struct sockaddr *)&srv_addr;
		next->addrlen = sizeof srv_addr;
		next->buf = ping;
		next->len = 4;
	}
}

static int listen_on(struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof *a;
	assert_int_equal(bind(fd, (struct sockaddr *)a, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &len), 0);
	return fd;
}

static void test_results_and_misuse(void **state)
{
	(void)state;
	int lfd = listen_on(&srv_addr), cfd = listen_on(&closed_addr);
	assert_int_equal(listen(lfd, 16), 0);
	close(cfd); /* nobody listens there now */
	struct sim_result *rs;
	assert_int_equal(run_steps(4, misuse_step, &rs), 0);
	/* Task 0: WRITE and READ need a connection; CLOSE without one is fine; a second CONNECT is refused. */
	assert_int_equal(obs[0].result[1], -ENOTCONN);
	assert_int_equal(obs[0].result[2], -ENOTCONN);
	assert_int_equal(obs[0].done[3], SIM_OP_CLOSE);
	assert_int_equal(obs[0].result[3], 0);
	assert_int_equal(obs[0].result[4], 0);
	assert_int_equal(obs[0].result[5], -EISCONN);
	assert_int_equal(obs[1].done[1], SIM_OP_CONNECT);
	assert_int_equal(obs[1].result[1], -ECONNREFUSED);
	/* Task 2: a sleep of 30 ms is never short; a sleep of 0 comes back. */
	assert_int_equal(obs[2].done[1], SIM_OP_SLEEP);
	assert_true(obs[2].at[1] - obs[2].at[0] >= 0.030);
	assert_int_equal(obs[2].done[2], SIM_OP_SLEEP);
	/* Task 3: connected, 4 bytes written, the read timed out after 50 ms, and the time-out closed the connection. */
	assert_int_equal(obs[3].result[1], 0);
	assert_int_equal(obs[3].result[2], 4);
	assert_int_equal(obs[3].done[3], SIM_OP_READ);
	assert_int_equal(obs[3].result[3], -ETIMEDOUT);
	assert_true(obs[3].at[3] - obs[3].at[2] >= 0.045);
	assert_int_equal(obs[3].result[4], -ENOTCONN);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(rs[i].worker, i);
		assert_true(rs[i].took_s >= 0);
	}
	assert_true(rs[2].took_s >= 0.030);
	free(rs);
	close(lfd);
}

/* Each task connects to a server that answers "hello" and closes: read until the end. */
static void reader_step(const struct sim_run *run, uint32_t i, void *state, const struct sim_step_in *in,
                        struct sim_op *next, struct sim_result *out)
{
	(void)run;
	(void)out;
	int k = log_in(i, state, in);
	op(next, SIM_OP_DONE, 0);
	if (k == 0) {
		op(next, SIM_OP_CONNECT, 2000);
		next->addr = (const struct sockaddr *)&srv_addr;
		next->addrlen = sizeof srv_addr;
	} else if (in->result > 0 || in->done == SIM_OP_CONNECT) {
		op(next, SIM_OP_READ, 2000);
	}
}

static void test_reads_to_the_end(void **state)
{
	(void)state;
	int lfd = listen_on(&srv_addr);
	assert_int_equal(listen(lfd, 16), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int n = 0; n < 3; n++) {
			int c = accept(lfd, NULL, NULL);
			if (c < 0)
				_exit(1);
			/* Two writes apart, so that a task may see two reads. */
			(void)!write(c, "hel", 3);
			usleep(20000);
			(void)!write(c, "lo", 2);
			close(c);
		}
		_exit(0);
	}
	struct sim_result *rs;
	assert_int_equal(run_steps(3, reader_step, &rs), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(obs[i].got, 5);
		assert_memory_equal(obs[i].data, "hello", 5);
		/* The last step saw the peer's close: a READ of 0. */
		assert_int_equal(obs[i].done[obs[i].n - 1], SIM_OP_READ);
		assert_int_equal(obs[i].result[obs[i].n - 1], 0);
	}
	free(rs);
	close(lfd);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_and_misuse),
		cmocka_unit_test(test_reads_to_the_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
