/* SPDX-License-Identifier: MIT */
/* unit_eventloop.c: the coroutine models (eventloop, eventloop-uring) driven with test task bodies: sockets, time-outs, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#endif

/* Task bodies run on coroutine stacks: they record, the tests assert afterwards (cmocka
 * leaves a failed test by longjmp, which must not start on a coroutine's stack). */

static char wcfg[1];
static enum sim_stack_kind kind; /* each group of tests runs with one, then the other */
static const struct sim_model *model; /* and under each coroutine model: the core on each backend */

static struct sim_result *run_model(uint32_t tasks, uint32_t limit,
                                    void (*task)(const struct sim_run *, uint32_t, struct sim_result *),
                                    int *rc, char *err, size_t errlen)
{
	struct sim_run run = {
		.task = task,
		.cfg = wcfg,
		.model = model,
		.tasks = tasks,
		.limit = limit,
		.stack_kib = 64,
		.stack = kind,
		.cores = 2,
	};
	struct sim_result *rs = calloc(tasks, sizeof *rs);
	assert_non_null(rs);
	err[0] = 0;
	sim_clock_start();
	*rc = model->run(&run, rs, err, errlen);
	return rs;
}

/* ---- sockets: a reader waits for a writer, a lone reader times out, a connect -------- */

static int pair_a[2], pair_b[2], listener, rst_client, rst_server;
static struct sockaddr_in listen_addr;

struct sock_obs {
	double waited_s, start_s, end_s;
	long got, timed_out, connect_fd;
	char buf[8];
	uint32_t cur_task, cur_worker; /* sim_cur after the waits */
};
static struct sock_obs obs[6];

static void socket_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	struct sock_obs *o = &obs[i];
	double t = sim_now();
	switch (i) {
	case 0: /* writes after the reader has had to wait */
		sim_sleep(60);
		o->got = sim_write(pair_a[0], "hello", 5, 1000);
		break;
	case 1: /* reads what task 0 writes: waits through the loop, not the thread */
		o->got = sim_read(pair_a[1], o->buf, 5, 5000);
		break;
	case 2: /* nobody writes: the time-out fires */
		o->timed_out = sim_read(pair_b[1], o->buf, 1, 50);
		break;
	case 3: { /* a loopback connect, accepted by the kernel's backlog */
		int fd = sim_connect((const struct sockaddr *)&listen_addr, sizeof listen_addr, 2000);
		o->connect_fd = fd;
		if (fd >= 0) {
			sim_write(fd, "x", 1, 1000);
			sim_close(fd);
		}
		break;
	}
	case 4: { /* resets the connection task 5 reads from */
		sim_sleep(30);
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(rst_server, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		o->got = close(rst_server);
		break;
	}
	case 5: /* a reset wakes the reader, and the read names it (libuv says EBADF) */
		o->got = sim_read(rst_client, o->buf, 1, 5000);
		break;
	}
	o->end_s = sim_now();
	o->start_s = t;
	o->waited_s = o->end_s - t;
	o->cur_task = sim_cur.task;
	o->cur_worker = sim_cur.worker;
	out->count = 1;
}

static void waits_on_sockets(void **state)
{
	(void)state;
	memset(obs, 0, sizeof obs);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair_a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair_b), 0);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(listener >= 0);
	listen_addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(listener, (struct sockaddr *)&listen_addr, sizeof listen_addr), 0);
	socklen_t len = sizeof listen_addr;
	assert_int_equal(getsockname(listener, (struct sockaddr *)&listen_addr, &len), 0);
	assert_int_equal(listen(listener, 8), 0);

	struct sockaddr_in srv = listen_addr;
	rst_client = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(rst_client, (struct sockaddr *)&srv, sizeof srv), 0);
	rst_server = accept(listener, NULL, NULL);
	assert_true(rst_server >= 0);
	assert_int_equal(fcntl(rst_client, F_SETFL, O_NONBLOCK), 0);

	int rc;
	char err[256];
	struct sim_result *rs = run_model(6, 0, socket_task, &rc, err, sizeof err);
	assert_int_equal(rc, 0);

	assert_int_equal(obs[0].got, 5);
	assert_int_equal(obs[1].got, 5);
	assert_memory_equal(obs[1].buf, "hello", 5);
	/* It really waited for the writer: its read ended after the writer's sleep, counted from
	 * the writer's start (the reader starts a little later, much later under TSan). */
	assert_true(obs[1].end_s - obs[0].start_s >= 0.055);
	assert_int_equal(obs[2].timed_out, -ETIMEDOUT);
	assert_true(obs[2].waited_s >= 0.045);
	assert_true(obs[3].connect_fd >= 0);
	assert_int_equal(obs[4].got, 0);
	assert_int_equal(obs[5].got, -ECONNRESET);
	close(rst_client);
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(rs[i].count, 1);
		assert_int_equal(obs[i].cur_task, i); /* sim_cur came back with the coroutine */
		/* A task that never waits (the loopback connect can) frees its slot at once for
		 * the next task, so slots are not task numbers; sim_cur must match the slot. */
		assert_int_equal(obs[i].cur_worker, rs[i].worker);
		assert_true(rs[i].worker <= i);
	}
	int c = accept(listener, NULL, NULL);
	assert_true(c >= 0);
	char x = 0;
	assert_int_equal(read(c, &x, 1), 1);
	assert_int_equal(x, 'x');
	close(c);
	close(listener);
	close(pair_a[0]);
	close(pair_a[1]);
	close(pair_b[0]);
	close(pair_b[1]);
	free(rs);
}

/* ---- --limit: never more tasks in flight than slots ----------------------------------- */

static int in_flight, max_in_flight;
static uint32_t wrong_cur;

static void limited_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	if (++in_flight > max_in_flight)
		max_in_flight = in_flight;
	for (int r = 0; r < 3; r++) {
		sim_sleep(1 + (i * 7 + (uint32_t)r) % 5);
		if (sim_cur.task != i || sim_cur.worker != out->worker)
			wrong_cur++;
	}
	in_flight--;
	out->count = 1;
}

static void limit_bounds_tasks_in_flight(void **state)
{
	(void)state;
	in_flight = max_in_flight = 0;
	wrong_cur = 0;
	int rc;
	char err[256];
	struct sim_result *rs = run_model(200, 7, limited_task, &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(max_in_flight, 7);
	assert_int_equal(in_flight, 0);
	assert_int_equal(wrong_cur, 0);
	for (uint32_t i = 0; i < 200; i++) {
		assert_int_equal(rs[i].count, 1);
		assert_true(rs[i].worker < 7);
	}
	free(rs);

	/* No limit: every task at once, one slot each. */
	in_flight = max_in_flight = 0;
	rs = run_model(300, 0, limited_task, &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(max_in_flight, 300);
	assert_int_equal(wrong_cur, 0);
	free(rs);
}

/* ---- compute blocks the loop: a sleeper wakes late ------------------------------------ */

static double sleeper_slept;

static void spin(void *arg)
{
	double until = sim_mono_s() + *(double *)arg;
	while (sim_mono_s() < until)
		;
}

static void blocking_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	if (i == 0) {
		sim_sleep(5);
		double d = 0.2;
		sim_compute(spin, &d);
	} else {
		double t = sim_now();
		sim_sleep(20);
		sleeper_slept = sim_now() - t;
	}
	out->count = 1;
}

static void compute_blocks_the_loop(void **state)
{
	(void)state;
	int rc;
	char err[256];
	struct sim_result *rs = run_model(2, 0, blocking_task, &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	/* Asked for 20 ms, got the 200 ms the loop spent computing: a lower bound, so it holds
	 * on a slow machine too. */
	assert_true(sleeper_slept >= 0.19);
	free(rs);
}

/* ---- running out of address space fails the run with a message, before any task ----- */

static int ran_tasks;
static void counting_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)i;
	ran_tasks++;
	sim_sleep(1);
	out->count = 1;
}

/* In a child limited to the address space it has and 128 MiB more. */
static bool limit_address_space(void)
{
	long vm_kib = 0;
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmSize: %ld", &vm_kib) == 1)
			break;
	if (f)
		fclose(f);
	struct rlimit rl = { .rlim_cur = (rlim_t)(vm_kib + 128 * 1024) * 1024 };
	rl.rlim_max = rl.rlim_cur;
	return vm_kib > 0 && setrlimit(RLIMIT_AS, &rl) == 0;
}

/* 16 KiB of frames at the wait: what 10000 of them keep on the copied stack is 160 MiB. */
static void __attribute__((noinline)) touch(volatile char *p, size_t n)
{
	for (size_t k = 0; k < n; k += 64)
		p[k] = (char)k;
}

static void __attribute__((noinline)) deep_sleep(int depth)
{
	volatile char pad[1024]; /* all of it, through a pointer: a compiler may not shrink it */
	touch(pad, sizeof pad);
	if (depth > 0)
		deep_sleep(depth - 1);
	else
		sim_sleep(1);
	touch(pad, sizeof pad);
}

static void deep_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)i;
	ran_tasks++;
	deep_sleep(16);
	out->count = 1;
}

static void out_of_memory_fails_cleanly(void **state)
{
	(void)state;
#ifdef SANITIZED
	skip(); /* the sanitizers' shadow memory does not mix with an address-space limit */
#endif
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!limit_address_space())
			_exit(3);
		int rc, ok;
		char err[256];
		struct sim_result *rs;
		if (kind == SIM_STACK_GUARDED) {
			/* 10000 stacks of 64 KiB are 640 MiB: refused before any task runs. */
			rs = run_model(10000, 0, counting_task, &rc, err, sizeof err);
			ok = rc == -ENOMEM && ran_tasks == 0 && strstr(err, "--stack-kib") && strstr(err, "10000") &&
			     strstr(err, "64 KiB") && !strchr(err, '\n');
		} else {
			/* One run stack needs little; the frames the tasks leave behind run out instead,
			 * half-way: the run stops, fails with the reason, and leaves nothing open. */
			rs = run_model(10000, 0, deep_task, &rc, err, sizeof err);
			ok = rc == -ENOMEM && ran_tasks > 0 && ran_tasks < 10000 && strstr(err, "could not be saved") &&
			     strstr(err, "--limit") && !strchr(err, '\n');
		}
		if (!ok)
			fprintf(stderr, "rc %d, %d tasks ran, err '%s'\n", rc, ran_tasks, err);
		free(rs);
		_exit(ok ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- a task that overflows its stack ends the run with one line, never silently ------- */

static volatile int bottomless = 1;

static int __attribute__((noinline)) recurse(int depth)
{
	volatile char frame[512];
	frame[0] = (char)depth;
	if (!bottomless)
		return frame[0];
	return recurse(depth + 1) + frame[0]; /* not a tail call: every frame stays */
}

static void overflowing_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	sim_sleep(1 + i); /* a few others wait meanwhile */
	if (i == 2)
		out->value = (uint64_t)recurse(0);
	out->count = 1;
}

static void overflow_is_named(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		int rc;
		char err[256];
		run_model(5, 0, overflowing_task, &rc, err, sizeof err);
		_exit(0); /* must not get here */
	}
	close(fds[1]);
	char msg[4096] = "";
	size_t n = 0;
	ssize_t r;
	while (n < sizeof msg - 1 && (r = read(fds[0], msg + n, sizeof msg - 1 - n)) > 0)
		n += (size_t)r;
	msg[n] = 0;
	close(fds[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	printf("  overflow (--stack %s): status %d, stderr: %s", sim_stack_names[kind], st, msg);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_non_null(strstr(msg, "raise --stack-kib"));
	assert_non_null(strstr(msg, kind == SIM_STACK_COPY ? "--stack copy" : "--stack guarded"));
	assert_non_null(strstr(msg, "64 KiB"));
	assert_ptr_equal(strchr(msg, '\n'), msg + n - 1); /* one line */
}

static int with_copy(void **state)
{
	(void)state;
	kind = SIM_STACK_COPY;
	return 0;
}

static int with_guarded(void **state)
{
	(void)state;
	kind = SIM_STACK_GUARDED;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(waits_on_sockets),
		cmocka_unit_test(limit_bounds_tasks_in_flight),
		cmocka_unit_test(compute_blocks_the_loop),
		cmocka_unit_test(out_of_memory_fails_cleanly),
		cmocka_unit_test(overflow_is_named),
	};
	const struct sim_model *models[] = {
		&sim_model_eventloop,
#ifdef SIMUL_HAVE_URING
		&sim_model_eventloop_uring,
#endif
	};
	int failed = 0;
	for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
		model = models[m];
		char err[256];
		struct sim_run probe = { .model = model, .tasks = 1 };
		if (model->check && model->check(&probe, err, sizeof err) < 0) {
			printf("  %s skipped: %s\n", model->name, err);
			continue;
		}
		char copy[64], guarded[64];
		snprintf(copy, sizeof copy, "%s --stack copy", model->name);
		snprintf(guarded, sizeof guarded, "%s --stack guarded", model->name);
		failed += _cmocka_run_group_tests(copy, tests, sizeof tests / sizeof tests[0], with_copy, NULL);
		failed += _cmocka_run_group_tests(guarded, tests, sizeof tests / sizeof tests[0], with_guarded, NULL);
	}
	return failed;
}
