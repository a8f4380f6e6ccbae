/* SPDX-License-Identifier: MIT */
/* eventloop_offload.c: the eventloop whose CPU work runs on libuv's thread pool while the task waits (run_in_executor). */
#include "eventloop.h"
#include "options.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libuv reads UV_THREADPOOL_SIZE once, when the pool first starts, and takes atoi() of it
 * clamped to 1..1024 (src/threadpool.c): "abc" would silently mean one thread. The run
 * refuses what libuv would bend instead, and counts the threads that really ran work. */
#define POOL_DEFAULT 4
#define POOL_MAX 1024

/* One computation in flight. On the heap: the task's stack is no place for anything the
 * pool or the loop touches while the task is suspended (its stack may be elsewhere then). */
struct job {
	uv_work_t req;
	sim_compute_fn fn;
	void *arg;
	struct sim_el_task *waiter;
};

/* The pool threads outlive a run (libuv keeps them for the process): each run has its own
 * generation, and a thread counts once per generation, the first time it runs work. */
static atomic_uint generation;
static atomic_uint threads_seen;
static _Thread_local unsigned thread_generation;
/* A computation that could not be offloaded ran on the loop instead; the run then fails
 * saying why, rather than report figures of the other model. */
static atomic_int refused;
static uint32_t pool_size;

static void on_pool(uv_work_t *req)
{
	struct job *j = req->data;
	unsigned g = atomic_load_explicit(&generation, memory_order_relaxed);
	if (thread_generation != g) {
		thread_generation = g;
		atomic_fetch_add_explicit(&threads_seen, 1, memory_order_relaxed);
	}
	j->fn(j->arg);
}

static void on_done(uv_work_t *req, int status)
{
	(void)status; /* UV_ECANCELED only after uv_cancel(), which nothing calls */
	struct job *j = req->data;
	sim_eventloop_wake(j->waiter);
}

static void refuse(int why, sim_compute_fn fn, void *arg)
{
	int none = 0;
	atomic_compare_exchange_strong(&refused, &none, why);
	fn(arg);
}

static void offload_compute(sim_compute_fn fn, void *arg)
{
	uv_loop_t *loop = NULL;
	struct sim_el_task *t = sim_eventloop_self(&loop);
	if (!t) {
		fn(arg); /* not inside a task (set-up): nothing to keep responsive */
		return;
	}
	if (sim_eventloop_on_stack(t, arg)) {
		refuse(-EFAULT, fn, arg);
		return;
	}
	struct job *j = malloc(sizeof *j);
	if (!j) {
		refuse(-ENOMEM, fn, arg);
		return;
	}
	*j = (struct job){ .fn = fn, .arg = arg, .waiter = t };
	j->req.data = j;
	int e = uv_queue_work(loop, &j->req, on_pool, on_done);
	if (e < 0) {
		free(j);
		refuse(e, fn, arg);
		return;
	}
	sim_eventloop_park(t);
	free(j);
}

static int pool_size_of(uint32_t *n, char *err, size_t errlen)
{
	const char *v = getenv("UV_THREADPOOL_SIZE");
	uint64_t x = POOL_DEFAULT;
	const char *why = v ? sim_parse_u64(v, 1, POOL_MAX, &x) : NULL;
	if (why) {
		snprintf(err, errlen, "UV_THREADPOOL_SIZE='%s' %s: give a whole number from 1 to %d (libuv's most), or "
		         "unset it for libuv's %d", v, why, POOL_MAX, POOL_DEFAULT);
		return -EINVAL;
	}
	*n = (uint32_t)x;
	return 0;
}

static int offload_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	int e = pool_size_of(&pool_size, err, errlen);
	if (e < 0)
		return e;
	atomic_fetch_add(&generation, 1);
	atomic_store(&threads_seen, 0);
	atomic_store(&refused, 0);
	e = sim_eventloop_run(run, results, err, errlen, offload_compute);
	int why = atomic_load(&refused);
	if (e == 0 && why == -EFAULT) {
		snprintf(err, errlen, "a task passed sim_compute an argument on its own stack, which the pool cannot "
		         "reach while the task waits: the workload must keep it off the stack (runtime.h)");
		e = why;
	} else if (e == 0 && why) {
		snprintf(err, errlen, "could not hand CPU work to libuv's thread pool (%s): it ran on the loop, so "
		         "the figures would be eventloop's: free memory or lower --tasks", strerror(-why));
		e = why;
	}
	return e;
}

static int offload_facts(struct sim_fact *out, int max)
{
	int n = 0;
	if (n < max)
		out[n++] = (struct sim_fact){ "pool_size", pool_size };
	if (n < max)
		out[n++] = (struct sim_fact){ "pool_threads", atomic_load(&threads_seen) };
	return n;
}

static const char *offload_detail(void)
{
	static char line[200];
	const char *v = getenv("UV_THREADPOOL_SIZE");
	snprintf(line, sizeof line, "pool: libuv's, UV_THREADPOOL_SIZE=%s (libuv's default %d); the loop as "
	         "eventloop's", v ? v : "unset", POOL_DEFAULT);
	return line;
}

const struct sim_model sim_model_eventloop_offload = {
	.name = "eventloop-offload",
	.summary = "eventloop, CPU work on libuv's thread pool while the task waits (run_in_executor)",
	.family = "loop-offload",
	.caps = SIM_CAP_STACK | SIM_CAP_OFFLOAD,
	.serial = false,
	.parallel = true,
	.run = offload_run,
	.detail = offload_detail,
	.facts = offload_facts,
};
