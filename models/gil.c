/* SPDX-License-Identifier: MIT */
/* gil.c: CPython's GIL (Python/ceval_gil.h), rebuilt: one lock for computing, a 5 ms switch interval. */
#include "gil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

/* As in CPython: a thread that wants the lock waits on `cond` for one interval at a time;
 * if the interval passes with the same holder (no switch happened meanwhile), it sets
 * drop_request. The holder polls drop_request at each sim_tick() (CPython's eval breaker),
 * releases, and with FORCE_SWITCHING waits on `switched` until another thread has taken
 * the lock, so it cannot win it straight back and the threads alternate. Nobody spins: a
 * waiter sleeps on a condition variable, the holder reads one atomic per tick. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;     /* the lock was released */
	pthread_cond_t switched; /* a thread took the lock */
	bool locked;
	unsigned waiting;
	unsigned long switch_number; /* times the lock was taken */
	atomic_bool drop_request;
	atomic_ulong forced;         /* forced hand-overs, for tests and curiosity */
	bool ready;
} gil = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += ms * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec += ts->tv_nsec / 1000000000L;
		ts->tv_nsec %= 1000000000L;
	}
}

static void take_gil(void)
{
	pthread_mutex_lock(&gil.mu);
	if (gil.locked) {
		gil.waiting++;
		while (gil.locked) {
			unsigned long seen = gil.switch_number;
			struct timespec ts;
			deadline_in(&ts, SIM_GIL_INTERVAL_MS);
			int r = pthread_cond_timedwait(&gil.cond, &gil.mu, &ts);
			/* A whole interval without the holder changing: ask it to let go. */
			if (r == ETIMEDOUT && gil.locked && gil.switch_number == seen)
				atomic_store_explicit(&gil.drop_request, true, memory_order_relaxed);
		}
		gil.waiting--;
	}
	gil.locked = true;
	gil.switch_number++;
	/* Whoever asked, the request is met: the new holder starts a fresh interval. */
	atomic_store_explicit(&gil.drop_request, false, memory_order_relaxed);
	pthread_cond_signal(&gil.switched);
	pthread_mutex_unlock(&gil.mu);
}

static void drop_gil(bool forced)
{
	pthread_mutex_lock(&gil.mu);
	gil.locked = false;
	pthread_cond_signal(&gil.cond);
	if (forced) {
		atomic_fetch_add_explicit(&gil.forced, 1, memory_order_relaxed);
		/* FORCE_SWITCHING: do not come back for the lock before a waiter has had it.
		 * Waiters leave only by taking it, so this wait ends. */
		unsigned long n = gil.switch_number;
		while (gil.switch_number == n && gil.waiting > 0)
			pthread_cond_wait(&gil.switched, &gil.mu);
	}
	pthread_mutex_unlock(&gil.mu);
}

static void gil_compute(sim_compute_fn fn, void *arg)
{
	take_gil();
	fn(arg);
	drop_gil(atomic_load_explicit(&gil.drop_request, memory_order_relaxed));
}

static void gil_tick(void)
{
	if (!atomic_load_explicit(&gil.drop_request, memory_order_relaxed))
		return;
	drop_gil(true);
	take_gil();
}

static struct sim_ops gil_ops;

int sim_gil_init(void)
{
	if (gil.ready)
		return 0;
	pthread_condattr_t a;
	int e = pthread_condattr_init(&a);
	if (e)
		return -e;
	/* Intervals on the monotonic clock, like everything else measured here. */
	e = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!e)
		e = pthread_cond_init(&gil.cond, &a);
	if (!e && (e = pthread_cond_init(&gil.switched, &a)) != 0)
		pthread_cond_destroy(&gil.cond);
	pthread_condattr_destroy(&a);
	if (e)
		return -e;
	gil.locked = false;
	gil.waiting = 0;
	gil.switch_number = 0;
	atomic_store(&gil.drop_request, false);
	atomic_store(&gil.forced, 0);
	gil_ops = sim_blocking_ops;
	gil_ops.compute = gil_compute;
	gil_ops.tick = gil_tick;
	gil.ready = true;
	return 0;
}

void sim_gil_destroy(void)
{
	if (!gil.ready)
		return;
	pthread_cond_destroy(&gil.cond);
	pthread_cond_destroy(&gil.switched);
	gil.ready = false;
}

const struct sim_ops *sim_gil_ops(void) { return &gil_ops; }

unsigned long sim_gil_switches(void) { return atomic_load(&gil.forced); }
