/* SPDX-License-Identifier: MIT */
/* cost.c: pinning, the bare primitives' floors, and the token ping-pong the cost workloads and chess measure with. */
#include "cost.h"
#include "calibrate.h"
#include "coro.h"
#include "stackpool.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const sim_cost_prim_name[] = { "a function call", "a coroutine", "a thread", "a process" };

static int pin_lowest(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return -errno;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			return sched_setaffinity(0, sizeof set, &set) < 0 ? -errno : c;
		}
	return -ESRCH;
}

int sim_cost_pin(bool pin, int *cpu, char *err, size_t errlen)
{
	*cpu = -1;
	if (pin && (*cpu = pin_lowest()) < 0) {
		snprintf(err, errlen, "cannot pin the run to one CPU: %s", strerror(-*cpu));
		return -EPERM;
	}
	return 0;
}

enum sim_cost_prim sim_cost_prim_of(const struct sim_run *run)
{
	unsigned caps = run->model->caps;
	if (caps & SIM_CAP_STACK)
		return SIM_PRIM_CORO;
	if (caps & SIM_CAP_THREADS)
		return SIM_PRIM_THREAD;
	if (caps & SIM_CAP_PROCESSES)
		return SIM_PRIM_PROCESS;
	return SIM_PRIM_CALL;
}

/* ---- the floors of creating a task ------------------------------------------------------ */

static void *empty_thread(void *arg) { return arg; }

static double thread_once(void *arg)
{
	(void)arg;
	pthread_t t;
	double t0 = sim_mono_s();
	if (pthread_create(&t, NULL, empty_thread, NULL) != 0)
		return NAN;
	pthread_join(t, NULL);
	return sim_mono_s() - t0;
}

static double fork_once(void *arg)
{
	(void)arg;
	double t0 = sim_mono_s();
	int slot;
	pid_t pid = sim_child_fork(&slot);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return NAN;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return NAN;
	sim_child_forget(slot);
	return sim_mono_s() - t0;
}

/* Batches: one coroutine or call is shorter than the clock's own cost of a read. */
#define CORO_BATCH 1000
#define CALL_BATCH 100000

struct coro_floor {
	struct sim_stackpool pool;
	struct sim_coro main, co;
	unsigned ran;
};

static void empty_coro(void *arg) { ((struct coro_floor *)arg)->ran++; }

static double coro_once(void *arg)
{
	struct coro_floor *f = arg;
	double t0 = sim_mono_s();
	for (int i = 0; i < CORO_BATCH; i++) {
		void *stack = sim_stackpool_get(&f->pool);
		if (!stack || sim_coro_make(&f->co, stack, f->pool.stack_size, empty_coro, f) < 0)
			return NAN;
		sim_coro_switch(&f->main, &f->co);
		sim_coro_destroy(&f->co);
		sim_stackpool_put(&f->pool, stack);
	}
	return (sim_mono_s() - t0) / CORO_BATCH;
}

static void empty_call(uint32_t *n) { ++*n; }

static double call_once(void *arg)
{
	(void)arg;
	void (*volatile fn)(uint32_t *) = empty_call; /* a call the compiler cannot inline away */
	uint32_t n = 0;
	double t0 = sim_mono_s();
	for (int i = 0; i < CALL_BATCH; i++)
		fn(&n);
	return n == CALL_BATCH ? (sim_mono_s() - t0) / CALL_BATCH : NAN;
}

double sim_cost_spawn_floor(enum sim_cost_prim p, unsigned k)
{
	switch (p) {
	case SIM_PRIM_THREAD: return sim_calibrate(SIM_CAL_MEDIAN, k, thread_once, NULL);
	case SIM_PRIM_PROCESS: return sim_calibrate(SIM_CAL_MEDIAN, k, fork_once, NULL);
	case SIM_PRIM_CORO: {
		struct coro_floor f = { .ran = 0 };
		if (sim_stackpool_init(&f.pool, (size_t)SIM_STACK_KIB_DEFAULT * 1024) < 0)
			return NAN;
		sim_coro_thread(&f.main);
		double s = sim_calibrate(SIM_CAL_MEDIAN, k, coro_once, &f);
		sim_stackpool_fini(&f.pool);
		return s;
	}
	case SIM_PRIM_CALL: break;
	}
	return sim_calibrate(SIM_CAL_MEDIAN, k, call_once, NULL);
}

/* ---- hand-offs ------------------------------------------------------------------------- */

struct pp {
	unsigned rounds;
	int cpu[2]; /* the measuring side's and the answering side's, or -1: free */
	bool processes;
};

static int pin_thread(int cpu)
{
	if (cpu < 0)
		return 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* The answering side: token 1 in, token 0 back. */
static int answer(unsigned rounds)
{
	for (unsigned r = 0; r < rounds; r++) {
		int e = sim_token_futex_wait(1);
		if (e == 0)
			e = sim_token_futex_pass(0);
		if (e < 0)
			return e;
	}
	return 0;
}

static void *answer_thread(void *arg)
{
	const struct pp *p = arg;
	if (pin_thread(p->cpu[1]) < 0 || answer(p->rounds + 1) < 0)
		return arg; /* non-NULL: failed */
	return NULL;
}

/* The other side, started: a thread, or a forked process (registered, so a signal to the
 * parent kills it too). */
struct peer {
	pthread_t t;
	pid_t pid;
	int slot;
};

static bool peer_start(const struct pp *p, struct peer *x)
{
	if (!p->processes)
		return pthread_create(&x->t, NULL, answer_thread, (void *)p) == 0;
	x->pid = sim_child_fork(&x->slot);
	if (x->pid == 0)
		_exit(pin_thread(p->cpu[1]) < 0 || answer(p->rounds + 1) < 0 ? 1 : 0);
	return x->pid > 0;
}

/* true if the other side finished every round. */
static bool peer_end(const struct pp *p, struct peer *x, bool ok)
{
	if (!p->processes) {
		void *r = NULL;
		pthread_join(x->t, &r); /* a failed pass is not possible with two valid tokens */
		return r == NULL;
	}
	int st = 0;
	if (!ok)
		kill(x->pid, SIGKILL);
	while (waitpid(x->pid, &st, 0) < 0 && errno == EINTR)
		;
	sim_child_forget(x->slot);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static double pingpong_once(void *arg)
{
	const struct pp *p = arg;
	if (sim_tokens_open(2) < 0)
		return NAN;
	struct peer x;
	double s = NAN;
	if (peer_start(p, &x)) {
		/* The first round waits for the other side to start: it is not timed. */
		bool ok = sim_token_futex_pass(1) == 0 && sim_token_futex_wait(0) == 0;
		double t0 = sim_mono_s();
		for (unsigned r = 0; ok && r < p->rounds; r++)
			ok = sim_token_futex_pass(1) == 0 && sim_token_futex_wait(0) == 0;
		double t = sim_mono_s() - t0;
		if (peer_end(p, &x, ok) && ok)
			s = t / (2.0 * p->rounds);
	}
	sim_tokens_close();
	return s;
}

double sim_cost_pingpong(bool processes, enum sim_cost_place where, unsigned rounds, unsigned k)
{
	struct pp p = { .rounds = rounds ? rounds : 1, .cpu = { -1, -1 }, .processes = processes };
	cpu_set_t old;
	if (pthread_getaffinity_np(pthread_self(), sizeof old, &old) != 0)
		return NAN;
	if (where != SIM_COST_FREE) {
		int n = 0;
		for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
			if (CPU_ISSET(c, &old))
				p.cpu[n++] = c;
		if (n == 1 || where == SIM_COST_SAME_CPU)
			p.cpu[1] = p.cpu[0];
	}
	/* The measuring side is the calling thread: it moves for the samples, and back. */
	if (pin_thread(p.cpu[0]) < 0)
		return NAN;
	double s = sim_calibrate(SIM_CAL_MEDIAN, k, pingpong_once, &p);
	if (where != SIM_COST_FREE)
		pthread_setaffinity_np(pthread_self(), sizeof old, &old);
	return s;
}

#define SWITCH_BATCH 10000

struct sw {
	struct sim_coro main, co;
	bool stop;
};

static void bouncer(void *arg)
{
	struct sw *w = arg;
	while (!w->stop)
		sim_coro_switch(&w->co, &w->main);
}

static double coro_switch_once(void *arg)
{
	struct sw *w = arg;
	double t0 = sim_mono_s();
	for (int i = 0; i < SWITCH_BATCH; i++)
		sim_coro_switch(&w->main, &w->co);
	return (sim_mono_s() - t0) / (2.0 * SWITCH_BATCH);
}

double sim_cost_coro_switch(unsigned k)
{
	struct sim_stackpool pool;
	if (sim_stackpool_init(&pool, (size_t)SIM_STACK_KIB_DEFAULT * 1024) < 0)
		return NAN;
	struct sw w = { .stop = false };
	void *stack = sim_stackpool_get(&pool);
	double s = NAN;
	sim_coro_thread(&w.main);
	if (stack && sim_coro_make(&w.co, stack, pool.stack_size, bouncer, &w) == 0) {
		s = sim_calibrate(SIM_CAL_MEDIAN, k, coro_switch_once, &w);
		w.stop = true;
		sim_coro_switch(&w.main, &w.co); /* let it finish */
		sim_coro_destroy(&w.co);
	}
	if (stack)
		sim_stackpool_put(&pool, stack);
	sim_stackpool_fini(&pool);
	return s;
}
