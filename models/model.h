/* SPDX-License-Identifier: MIT */
/* model.h: what a model implements: the run it executes, the hooks it binds, the registry. */
#ifndef SIMUL_MODEL_H
#define SIMUL_MODEL_H

#include "runtime.h"
#include "step.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* ---- The run every model executes. ------------------------------------------------- */

struct sim_run;

/* The task body: task i of the run, into *out. A model calls it through sim_task_run and
 * knows nothing else of what it runs: cfg and state below are the body's, opaque here. */
typedef void (*sim_task_fn)(const struct sim_run *run, uint32_t i, struct sim_result *out);

#define SIM_STACK_KIB_DEFAULT 64 /* plenty for the workloads here: big buffers stay off the stack */

struct sim_run {
	sim_task_fn task;
	sim_step_fn step;      /* the body's callback form (step.h), or NULL: models with SIM_CAP_STEP run it */
	size_t step_state;     /* bytes of state a task in flight keeps for step */
	const void *cfg;       /* the task body's parsed options */
	void *state;           /* what the task body's set-up made (server address, ...) */
	const struct sim_model *model;
	uint32_t tasks;
	bool tasks_given;      /* --tasks was on the command line */
	uint32_t workers;      /* 0 = one thread/process per task; ignored where not a pool */
	uint32_t limit;        /* at most this many tasks in flight; 0 = no limit */
	bool gil;              /* models with SIM_CAP_GIL: emulate CPython's GIL */
	uint32_t stack_kib;    /* models with SIM_CAP_STACK: the tasks' stack size (SIM_STACK_KIB_DEFAULT) */
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

/* Run task i of the run into *out: sets start/end/worker and calls run->task. */
void sim_task_run(const struct sim_run *run, uint32_t i, uint32_t worker, struct sim_result *out);
/* The same in two halves, around a task that runs as steps (step.h). */
void sim_task_begin(uint32_t i, uint32_t worker, struct sim_result *out);
void sim_task_end(struct sim_result *out);

/* Where sim_trace writes: an O_APPEND descriptor, set before the run (-1: nowhere). */
void sim_trace_open(int fd);

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

/* What a model supports, declared by the model itself. The options that apply to it follow
 * from these (struct sim_option's `applies`), so nothing needs to ask which model it is. */
enum sim_cap {
	SIM_CAP_THREADS = 1u << 0,   /* its workers are threads: --workers W, a pool (0: one per task) */
	SIM_CAP_PROCESSES = 1u << 1, /* its workers are processes: --workers as above */
	SIM_CAP_GIL = 1u << 2,       /* --gil: a global lock held while computing, as CPython's */
	SIM_CAP_STACK = 1u << 3,     /* --stack-kib: tasks run on stacks the model makes */
	SIM_CAP_STEP = 1u << 4,      /* runs a body's callback form (run->step), not run->task */
};
#define SIM_CAP_POOL (SIM_CAP_THREADS | SIM_CAP_PROCESSES)

/* The interval at which a model with SIM_CAP_GIL hands the lock over, as CPython's
 * sys.getswitchinterval() (0.005 s): the emulation and the predictions read it here. */
#define SIM_GIL_INTERVAL_MS 5

struct sim_model {
	const char *name;
	const char *summary;   /* one line for `simul list` */
	unsigned caps;         /* SIM_CAP_* */
	bool serial;           /* runs one task at a time */
	bool parallel;         /* CPU work of different tasks can use different cores */
	/* Pools: the default size for this machine, and how it is chosen (for --help). */
	uint32_t (*default_workers)(void);
	const char *default_workers_rule;
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
	X(eventloop)      \
	X(eventloop_callbacks)

#define SIM_DECLARE_MODEL(n) extern const struct sim_model sim_model_##n;
SIM_MODELS(SIM_DECLARE_MODEL)
#undef SIM_DECLARE_MODEL

/* A pool: --workers applies, its workers are threads or processes. */
static inline bool sim_model_pool(const struct sim_model *m) { return (m->caps & SIM_CAP_POOL) != 0; }

extern const struct sim_model *const sim_models[];
const struct sim_model *sim_model_find(const char *name);

/* Tasks in flight at most under this run: 1, the pool size, or all, capped by --limit. */
uint32_t sim_run_concurrency(const struct sim_run *run);
uint32_t sim_cores(void);

/* ---- Child processes: the mechanism that makes sure a run leaves none behind. ------- */

/* Registered pids are SIGKILLed and reaped by sim_children_kill(), which whoever owns the
 * process's signal handlers calls (the simul command, on a signal or its timeout). */
int sim_child_register(pid_t pid);        /* a slot >= 0, or -ENOSPC */
void sim_child_forget(int slot);           /* after reaping it */
void sim_child_reaped(const struct rusage *ru); /* adds its peak RSS to the run's memory */
uint64_t sim_children_rss_kib(void);

/* ---- The run's memory, each page counted once. --------------------------------------- */

/* A page shared by several processes (the program, the libraries, what a worker inherits
 * and never writes) is one page of the machine's memory, but each process's own RSS counts
 * it: summing the children's RSS counted it once per process. So a model of processes
 * reports instead the most private memory its live workers held at once (pages no other
 * process maps: each worker reads its own with sim_mem_private_kib as it ends, or past 64
 * workers a sample of them does, workermem.h); the run's memory is then the parent's peak
 * RSS plus that. known is false if a worker could not read its figure. */
long long sim_mem_private_kib(void);       /* this process's private pages in KiB; -1 unknown */
void sim_children_private_peak(uint64_t kib, bool known);
/* The run's memory in KiB (self_kib: the parent's own peak RSS) and the method's name:
 * "rss-peak" (one process: its peak RSS counts each page once, threads share them),
 * "rss+uss" (the parent's peak RSS plus the workers' private memory at most at once), or
 * "rss-sum" (every process's peak RSS summed, when a worker's private memory is unknown). */
const char *sim_run_memory(uint64_t self_kib, uint64_t *kib);
void sim_children_kill(void);              /* SIGKILL and reap every registered child; async-signal-safe */
/* In a freshly forked child: default signal handlers, die with the parent. */
void sim_child_after_fork(pid_t parent);

#endif
