/* SPDX-License-Identifier: MIT */
/* runtime.h: what a task body may call (and nothing else that blocks), and the result it fills. */
#ifndef SIMUL_RUNTIME_H
#define SIMUL_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Wait ms milliseconds without using the CPU. 0 or -errno. */
int sim_sleep(uint64_t ms);

/* Sockets. Descriptors are always non-blocking; a call that would block waits through the
 * model (poll() for the blocking models, a libuv poll handle and a coroutine yield for the
 * event loop). timeout_ms <= 0 means no time-out. All return >= 0 or -errno
 * (-ETIMEDOUT when the time-out fired). */
int sim_connect(const struct sockaddr *addr, socklen_t len, int timeout_ms);
ssize_t sim_read(int fd, void *buf, size_t len, int timeout_ms);   /* 0 = peer closed */
ssize_t sim_write(int fd, const void *buf, size_t len, int timeout_ms); /* writes all of it */
int sim_close(int fd);

/* CPU work: run fn(arg) under the model's rules for computation (on the calling thread for
 * most models, the event loop's included; under the global lock with --gil; on a pool
 * thread while the task waits under eventloop-offload, so arg must not live on the task's
 * stack: a suspended coroutine's stack may be elsewhere).
 * Long computations call sim_tick() every few tens of microseconds: that is where the
 * GIL emulation hands the lock over, as CPython's eval loop does. */
typedef void (*sim_compute_fn)(void *arg);
void sim_compute(sim_compute_fn fn, void *arg);
void sim_tick(void);

/* Seconds since the run started (monotonic), and raw monotonic seconds. */
double sim_now(void);
double sim_mono_s(void);

/* Record one phase of the current task for --trace (no-op without it). */
void sim_trace(const char *phase, double start_s, double end_s);

/* Tokens: hand-offs between the tasks of a run, through the model's own way of waiting (a
 * futex for threads and processes, the loop for coroutines). Token k is a flag: pass sets
 * it and wakes whoever waits on it; wait sleeps until it is set, then clears it. One task
 * at a time waits on a token, and a token is passed at most once before it is taken. The
 * table exists from sim_tokens_open (in a workload's set-up: it must be mapped before the
 * tasks start, to be shared with forked workers) to sim_tokens_close. All return 0 or
 * -errno: -EINVAL no such token, -EBUSY passed twice (or a second waiter), -ENOTSUP a model
 * that cannot wait on one. */
int sim_tokens_open(uint32_t n);
void sim_tokens_close(void);
int sim_token_wait(uint32_t k);
int sim_token_pass(uint32_t k);
/* Pass token `pass` and wait for `wait`, in one step: a model with coroutines may switch
 * straight to pass's waiter instead of through its loop; the others pass, then wait. */
int sim_token_handoff(uint32_t pass, uint32_t wait);

/* ---- A task's result: plain old data, so it can cross a pipe or shared memory. ------- */

#define SIM_HIST_BUCKETS 256 /* log-linear, 8 per octave, from 1 us: see sim_hist_add */

struct sim_hist {
	uint32_t b[SIM_HIST_BUCKETS];
};

/* Small, because a run keeps one per task (a million of them at scale): the latencies and
 * the failure's message go to the run's tally (model.h), not here; times are floats (a
 * float's 24 bits keep 0.1 us at 1 s from the start, 4 ms at 12 h): 40 bytes a task, where
 * doubles and 64-bit counts took 56, more than eventloop-callbacks' whole slot above the
 * libuv floor's. */
struct sim_result {
	int32_t status;     /* 0, or -errno / a workload's negative code */
	uint32_t worker;    /* which worker (thread, process, coroutine slot) ran it */
	float start_s;      /* when it began, seconds from the run's start (sim_now) */
	float took_s;       /* how long it ran, start to end */
	uint64_t value;     /* workload-defined (sumsq: the partial sum) */
	union {             /* workload-defined, one or the other: */
		uint64_t bytes; /* body bytes received (fetch, mixed) */
		uint64_t steps; /* chess: the master's LCG steps (its work, checked against the end state) */
	};
	uint32_t count;     /* workload-defined (sleeps done, requests done, moves made) */
	float max_lat_s;    /* longest single operation (fetch: request latency) */
};

/* Fail a task: its status and a one-line message (the first failure is kept). The run
 * fails, quoting the message of the lowest-numbered task that failed. */
void sim_result_fail(struct sim_result *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One operation of the current task took this long: into the run's latency histogram
 * (the workloads' p50/p99 fields read it). */
void sim_lat_add(double seconds);

void sim_hist_add(struct sim_hist *h, double seconds);
void sim_hist_merge(struct sim_hist *into, const struct sim_hist *from);
/* The q-quantile (0..1) in seconds, from bucket upper bounds; 0 when empty. */
double sim_hist_quantile(const struct sim_hist *h, double q);

#endif
