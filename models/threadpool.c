/* SPDX-License-Identifier: MIT */
/* threadpool.c: W pthreads pull tasks from a shared counter, or one thread per task; --gil. */
#include "gil.h"
#include "model.h"
#include "machine.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pool {
	const struct sim_run *run;
	struct sim_result *results;
	const struct sim_ops *ops;
	bool per_task;          /* --workers 0: thread i runs task i and exits */
	atomic_uint next;       /* pool: the next task to take */
	atomic_bool stop;       /* pool: thread creation failed, take no more tasks */
	/* Threads report here when they end, so the creator can join one and start the next
	 * while at most `cap` are alive (--limit with a thread per task). */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint32_t *ended;
	uint32_t nended;
};

struct targ {
	struct pool *p;
	uint32_t id;
};

static void *worker(void *arg)
{
	struct targ *t = arg;
	struct pool *p = t->p;
	sim_set_ops(p->ops);
	/* This thread's own tally, merged into the run's as it ends: no lock per latency. */
	struct sim_tally tally = { 0 };
	sim_tally_bind(&tally);
	if (p->per_task) {
		sim_task_run(p->run, t->id, t->id, &p->results[t->id]);
	} else {
		while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
			unsigned i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
			if (i >= p->run->tasks)
				break;
			sim_task_run(p->run, i, t->id, &p->results[i]);
		}
	}
	sim_tally_bind(NULL);
	pthread_mutex_lock(&p->mu);
	if (p->run->tally)
		sim_tally_merge(p->run->tally, &tally);
	p->ended[p->nended++] = t->id;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Join one thread that has ended (waiting for one if none has). */
static void join_one(struct pool *p, pthread_t *tids)
{
	pthread_mutex_lock(&p->mu);
	while (p->nended == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	uint32_t id = p->ended[--p->nended];
	pthread_mutex_unlock(&p->mu);
	pthread_join(tids[id], NULL);
}

static uint32_t threadpool_default_workers(void)
{
	/* Python's ThreadPoolExecutor: min(32, os.cpu_count() + 4). */
	uint32_t w = sim_cores() + 4;
	return w < 32 ? w : 32;
}

static int threadpool_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	struct pool p = { .run = run, .results = results, .per_task = run->workers == 0 };
	uint32_t cap = sim_run_concurrency(run);       /* threads alive at once, at most */
	uint32_t nthreads = p.per_task ? run->tasks : cap; /* threads made over the run */
	int ret = 0;

	if (run->gil) {
		int e = sim_gil_init();
		if (e < 0) {
			snprintf(err, errlen, "cannot set up the GIL: %s", strerror(-e));
			return e;
		}
		p.ops = sim_gil_ops();
	} else {
		p.ops = &sim_blocking_ops;
	}
	pthread_t *tids = calloc(nthreads, sizeof *tids);
	struct targ *args = calloc(nthreads, sizeof *args);
	p.ended = calloc(nthreads, sizeof *p.ended);
	pthread_attr_t attr;
	bool attr_ok = pthread_attr_init(&attr) == 0;
	if (!tids || !args || !p.ended || !attr_ok) {
		snprintf(err, errlen, "out of memory for %u threads: use --workers W or --limit L", nthreads);
		ret = -ENOMEM;
		goto out;
	}
	/* glibc's default stack is 8 MiB (ulimit -s). A task body needs a few KiB, and with a
	 * thread per task 30000 default stacks reserve 240 GiB of address space, which strict
	 * overcommit or ulimit -v refuse long before pid_max. 256 KiB leaves room for the
	 * sanitizers' bigger frames, and the count of threads is bounded by the kernel's thread
	 * limits, not by memory: what claim C11 is about. */
	pthread_attr_setstacksize(&attr, SIM_THREAD_STACK);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);

	uint32_t made = 0, alive = 0;
	int e = 0;
	for (; made < nthreads; made++) {
		if (alive == cap) {
			join_one(&p, tids);
			alive--;
		}
		args[made] = (struct targ){ .p = &p, .id = made };
		e = pthread_create(&tids[made], &attr, worker, &args[made]);
		if (e)
			break;
		alive++;
	}
	if (e) {
		/* The threads already running cannot be stopped, and waiting for their tasks would
		 * report the failure only when they end (a day, with a day's sleep): the run ends
		 * here, at once. */
		sim_spawn_failed(true, made, nthreads, e, err, errlen);
		if (alive > 0)
			sim_fatal_exit(err);
		atomic_store(&p.stop, true);
		ret = -e;
	}
	while (alive > 0) {
		join_one(&p, tids);
		alive--;
	}
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
out:
	if (attr_ok)
		pthread_attr_destroy(&attr);
	if (run->gil)
		sim_gil_destroy();
	free(p.ended);
	free(args);
	free(tids);
	return ret;
}

const struct sim_model sim_model_threadpool = {
	.name = "threadpool",
	.summary = "W pthreads pull tasks from a queue (--workers 0: a thread per task; --gil: CPython's GIL)",
	.family = "threads",
	.caps = SIM_CAP_THREADS | SIM_CAP_GIL,
	.serial = false,
	.parallel = true,
	.default_workers = threadpool_default_workers,
	.default_workers_rule = "min(32, cores+4)",
	.run = threadpool_run,
};
