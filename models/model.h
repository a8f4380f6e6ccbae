/* SPDX-License-Identifier: MIT */
/* model.h: the runtime interface a task body calls, and the interface every model fills. */
#ifndef SIMUL_MODEL_H
#define SIMUL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

/* ---- What a task body may call (and nothing else that blocks). ---------------------- */

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
 * most models, the event loop's included; under the global lock with --gil).
 * Long computations call sim_tick() every few tens of microseconds: that is where the
 * GIL emulation hands the lock over, as CPython's eval loop does. */
typedef void (*sim_compute_fn)(void *arg);
void sim_compute(sim_compute_fn fn, void *arg);
void sim_tick(void);

/* Sort n doubles ascending, in place: the calibrations take a median or trim the tail. */
void sim_sort_doubles(double *v, size_t n);

/* Seconds since the run started (monotonic). */
double sim_now(void);

/* Record one phase of the current task for --trace (no-op without it). */
void sim_trace(const char *phase, double start_s, double end_s);
void sim_trace_open(int fd); /* an O_APPEND descriptor, set before the run */

/* ---- A task's result: plain old data, so it can cross a pipe or shared memory. ------- */

#define SIM_HIST_BUCKETS 256 /* log-linear, 8 per octave, from 1 us: see sim_hist_add */

struct sim_hist {
	uint32_t b[SIM_HIST_BUCKETS];
};

struct sim_result {
	int32_t status;     /* 0, or -errno / a workload's negative code; err says what */
	uint32_t worker;    /* which worker (thread, process, coroutine slot) ran it */
	double start_s, end_s;
	uint64_t value;     /* workload-defined (sumsq: the partial sum) */
	uint64_t count;     /* workload-defined (sleeps done, requests done, moves made) */
	uint64_t bytes;     /* body bytes received */
	uint64_t errors;    /* per-task errors counted (fetch) */
	double max_lat_s;   /* longest single operation (fetch: request latency) */
	struct sim_hist lat; /* per-operation latencies */
	char err[120];      /* first error, one line */
};

void sim_hist_add(struct sim_hist *h, double seconds);
void sim_hist_merge(struct sim_hist *into, const struct sim_hist *from);
/* The q-quantile (0..1) in seconds, from bucket upper bounds; 0 when empty. */
double sim_hist_quantile(const struct sim_hist *h, double q);

/* ---- The run every model executes. ------------------------------------------------- */

struct sim_workload;

#define SIM_STACK_KIB_DEFAULT 64 /* plenty for the workloads here: big buffers stay off the stack */

struct sim_run {
	const struct sim_workload *workload;
	const void *wcfg;      /* the workload's parsed options */
	void *wstate;          /* what the workload's setup made (server address, ...) */
	const struct sim_model *model;
	uint32_t tasks;
	bool tasks_given;      /* --tasks was on the command line */
	uint32_t workers;      /* 0 = one thread/process per task; ignored where not a pool */
	uint32_t limit;        /* at most this many tasks in flight; 0 = no limit */
	bool gil;              /* threadpool: emulate CPython's GIL */
	uint32_t stack_kib;    /* eventloop: coroutine stack size (SIM_STACK_KIB_DEFAULT) */
	uint32_t cores;        /* cores the predictions assume (default: this machine's) */
	double timeout_s;      /* 0 = none */
};

/* The task running on this thread now; the event loop swaps it as it switches coroutines. */
struct sim_task_ctx {
	uint32_t task, worker;
};
extern _Thread_local struct sim_task_ctx sim_cur;

/* Start of the run on the monotonic clock, set once before the timed region. */
void sim_clock_start(void);
double sim_mono_s(void); /* raw monotonic seconds */

/* Run task i of the run into *out: sets start/end/worker and calls the workload's body. */
void sim_task_run(const struct sim_run *run, uint32_t i, uint32_t worker, struct sim_result *out);

/* The hooks a model binds the runtime interface to. A model sets them with sim_set_ops()
 * in each thread or process that runs task bodies (thread-local). */
struct sim_ops {
	int (*sleep_ms)(uint64_t ms);
	int (*wait_fd)(int fd, short events, int timeout_ms); /* 0 ready, -ETIMEDOUT, -errno */
	void (*compute)(sim_compute_fn fn, void *arg);
	void (*tick)(void);
};
void sim_set_ops(const struct sim_ops *ops);
extern const struct sim_ops sim_blocking_ops; /* nanosleep, poll(), run here */

struct sim_model {
	const char *name;
	const char *summary;   /* one line for `simul list` */
	bool pool;             /* honours --workers */
	bool serial;           /* runs one task at a time */
	bool parallel;         /* CPU work of different tasks can use different cores */
	/* Default pool size for this machine (0 where not a pool). */
	uint32_t (*default_workers)(void);
	/* Run every task; results[i] for task i. 0, or -errno with a one-line reason in err. */
	int (*run)(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen);
	/* Optional: a line for `simul list` on how it is built (the eventloop's switch). */
	const char *(*detail)(void);
};

/* The models, one list: X(name). Each models/<name>.c defines sim_model_<name>. */
#define SIM_MODELS(X) \
	X(sequential)     \
	X(threadpool)     \
	X(multiprocess)   \
	X(eventloop)

#define SIM_DECLARE_MODEL(n) extern const struct sim_model sim_model_##n;
SIM_MODELS(SIM_DECLARE_MODEL)
#undef SIM_DECLARE_MODEL

extern const struct sim_model *const sim_models[];
const struct sim_model *sim_model_find(const char *name);

/* Tasks in flight at most under this run: 1, the pool size, or all, capped by --limit. */
uint32_t sim_run_concurrency(const struct sim_run *run);
uint32_t sim_cores(void);

/* Children the run must never leave behind: registered pids are SIGKILLed and reaped by the
 * timeout, SIGINT and SIGTERM handlers, and by sim_children_kill(). */
int sim_child_register(pid_t pid);        /* a slot >= 0, or -ENOSPC */
void sim_child_forget(int slot);           /* after reaping it */
void sim_child_reaped(const struct rusage *ru); /* adds its peak RSS to the run's memory */
uint64_t sim_children_rss_kib(void);
void sim_children_kill(void);              /* SIGKILL and reap every registered child */
/* In a freshly forked child: default signal handlers, die with the parent. */
void sim_child_after_fork(pid_t parent);
/* SIGINT/SIGTERM (and SIGALRM after timeout_s, if > 0) kill the children and exit with a
 * one-line message: 130/143 for a signal, 1 for the timeout. */
void sim_signals_install(double timeout_s);
/* A file the signal handlers unlink before exiting (a trace not yet complete), or NULL. */
void sim_signals_unlink_on_exit(const char *path);

#endif
