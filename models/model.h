/* SPDX-License-Identifier: MIT */
/* model.h: what a model implements: the run it executes, the hooks it binds, the registry. */
#ifndef SIMUL_MODEL_H
#define SIMUL_MODEL_H

#include "runtime.h"
#include "step.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

/* ---- The run every model executes. ------------------------------------------------- */

struct sim_run;

/* The task body: task i of the run, into *out. A model calls it through sim_task_run and
 * knows nothing else of what it runs: cfg and state below are the body's, opaque here. */
typedef void (*sim_task_fn)(const struct sim_run *run, uint32_t i, struct sim_result *out);

#define SIM_STACK_KIB_DEFAULT 64 /* plenty for the workloads here: big buffers stay off the stack */

/* How a model with SIM_CAP_STACK gives its coroutines stacks (--stack; stacks.h). */
enum sim_stack_kind {
	SIM_STACK_COPY,    /* two run stacks; a suspended task's frames copied out to fit (the default) */
	SIM_STACK_GUARDED, /* a stack of --stack-kib each, with a guard page below it */
};
extern const char *const sim_stack_names[]; /* "copy", "guarded", NULL: in that order */

/* What a run's tasks report beside their own results: every operation's latency, and the
 * message of the lowest-numbered task that failed with one. Plain data, so it can live in
 * memory shared with forked workers; a worker thread or process fills its own, and the
 * model merges them into the run's. */
struct sim_tally {
	struct sim_hist lat;
	uint32_t err_task;  /* which task err is about, when err_status != 0 */
	int32_t err_status;
	char err[120];
};
/* The tally this thread's task bodies report into (sim_lat_add, sim_result_fail); NULL:
 * latencies and messages are dropped (statuses stay in the results). */
void sim_tally_bind(struct sim_tally *t);
void sim_tally_merge(struct sim_tally *into, const struct sim_tally *from);

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
	enum sim_stack_kind stack; /* models with SIM_CAP_STACK: copy (the run stack) or guarded */
	uint32_t cores;        /* cores the predictions assume (default: this machine's) */
	double timeout_s;      /* 0 = none */
	struct sim_tally *tally; /* where the run's latencies and first message go (NULL: nowhere) */
	double wall_s;         /* the model's whole run, once it has run (0 before, and for predict) */
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
	/* Tokens (runtime.h); NULL: -ENOTSUP. handoff NULL: pass, then wait. */
	int (*token_wait)(uint32_t k);
	int (*token_pass)(uint32_t k);
	int (*token_handoff)(uint32_t pass, uint32_t wait);
	/* Optional: the model's own socket operations (io_uring's), runtime.h's contract; NULL,
	 * or SIM_OPS_GENERIC returned: a non-blocking call, and wait_fd when it would block. */
	int (*connect)(int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms);
	ssize_t (*read)(int fd, void *buf, size_t len, int timeout_ms);
	ssize_t (*write)(int fd, const void *buf, size_t len, int timeout_ms);
};
#define SIM_OPS_GENERIC (-0x10000)
void sim_set_ops(const struct sim_ops *ops);
extern const struct sim_ops sim_blocking_ops; /* nanosleep, poll(), run here, futex tokens */

/* A token of the run's table (models/tokens.c), in memory shared with forked workers. The
 * state is the blocking binding's futex word; a model of its own may use it as a flag (0
 * empty, 1 passed) and keep in `waiter` who waits, in its own terms (a coroutine). */
struct sim_token {
	_Atomic uint32_t state;
	void *waiter;
};
#define SIM_TOKEN_EMPTY 0u
#define SIM_TOKEN_PASSED 1u
#define SIM_TOKEN_SLEEPER 2u /* empty, and a thread sleeps on the futex */
/* NULL: no such token, or no table. Inline: a coroutine's hand-off looks up two a switch. */
extern struct sim_token *sim_tokens_table;
extern uint32_t sim_tokens_count;
static inline struct sim_token *sim_token_at(uint32_t k) { return k < sim_tokens_count ? &sim_tokens_table[k] : NULL; }
int sim_token_futex_wait(uint32_t k);
int sim_token_futex_pass(uint32_t k);

/* What a model supports, declared by the model itself. The options that apply to it follow
 * from these (struct sim_option's `applies`), so nothing needs to ask which model it is. */
enum sim_cap {
	SIM_CAP_THREADS = 1u << 0,   /* its workers are threads: --workers W, a pool (0: one per task) */
	SIM_CAP_PROCESSES = 1u << 1, /* its workers are processes: --workers as above */
	SIM_CAP_GIL = 1u << 2,       /* --gil: a global lock held while computing, as CPython's */
	SIM_CAP_STACK = 1u << 3,     /* --stack-kib: tasks run on stacks the model makes */
	SIM_CAP_OFFLOAD = 1u << 4,   /* CPU work leaves the loop for a pool (UV_THREADPOOL_SIZE) */
	SIM_CAP_STEP = 1u << 5,      /* runs a body's callback form (run->step), not run->task */
};
#define SIM_CAP_POOL (SIM_CAP_THREADS | SIM_CAP_PROCESSES)

/* The interval at which a model with SIM_CAP_GIL hands the lock over, as CPython's
 * sys.getswitchinterval() (0.005 s): the emulation and the predictions read it here. */
#define SIM_GIL_INTERVAL_MS 5

/* A figure a model reports about its run, beside the workload's own (a record column). */
struct sim_fact {
	const char *name;
	double value;
};

struct sim_model {
	const char *name;
	const char *summary;   /* one line for `simul list` */
	/* What kind of model it is, for the charts' colours and the reader: "sequential",
	 * "threads", "processes", "loop" (coroutines on an event loop), "loop-offload", "loop-callbacks".
	 * A new model of an existing family is drawn in that family's colour, with its own marker. */
	const char *family;
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
	/* Optional: about how many bytes of memory each task in flight costs under this run
	 * (its coroutine, stack, handles), beside its result: `simul run` refuses --tasks that
	 * would not fit in the memory available, before it starts. */
	size_t (*task_bytes)(const struct sim_run *run);
	/* Optional: what the last run() found about itself, for the record (eventloop-offload:
	 * the pool threads that ran work): how many facts it wrote into out, at most max. */
	int (*facts)(struct sim_fact *out, int max);
	/* Optional: whether this machine gives the model what it needs (io_uring may be
	 * disabled), asked before a run: 0, or -errno with one line naming the cause and what
	 * to use instead; the command then exits 2. */
	int (*check)(const struct sim_run *run, char *err, size_t errlen);
};

/* io_uring's model, where the build found liburing (CMakeLists.txt). */
#ifdef SIMUL_HAVE_URING
#define SIM_MODEL_URING(X) X(eventloop_uring)
#else
#define SIM_MODEL_URING(X)
#endif

/* The models, one list: X(name). Each models/<name>.c defines sim_model_<name>. */
#define SIM_MODELS(X) \
	X(sequential)     \
	X(threadpool)     \
	X(multiprocess)   \
	X(eventloop)      \
	X(eventloop_offload) \
	X(eventloop_callbacks) \
	SIM_MODEL_URING(X)

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

/* ---- Ending the run from where a model cannot return (fatal.c). --------------------- */

/* The command's part: the prefix of the one line (e.g. "simul: sleep under eventloop: ")
 * and an async-signal-safe clean-up (the unfinished trace), both set before the run. */
void sim_fatal_setup(const char *prefix, void (*cleanup)(void));
/* A failure the run cannot wait out: a stack overflow on a guard page (from a signal
 * handler), or a thread pool that cannot start its next thread while the others run tasks
 * nothing can stop. Kill and reap the children, clean up, write prefix + what + newline to
 * stderr, _exit(1). Async-signal-safe. */
_Noreturn void sim_fatal_exit(const char *what);

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
/* About how many bytes each task in flight costs under this run, beside its result: the
 * model's own figure (task_bytes) if it has one, else what any model of stackful coroutines
 * (SIM_CAP_STACK) pays per task (memory.c), else 0. */
size_t sim_run_task_bytes(const struct sim_run *run);
/* The up-front check that a run fits in the memory available: its results, and each task
 * in flight at sim_run_task_bytes. 0, or -ENOMEM with the estimate and what to use in err.
 * `simul run` calls it (bench/simul/cli.c, sim_cli_try) for every model before the run. */
int sim_run_memory_check(const struct sim_run *run, char *err, size_t errlen);
void sim_children_kill(void);              /* SIGKILL and reap every registered child; async-signal-safe */
/* Fork a child of the run: every fork() in the tree goes through here (tests/e2e_forks.sh
 * checks). The signals the run's handlers catch (INT, TERM, ALRM, HUP, QUIT) are blocked
 * across it, so the child never runs the parent's handler and a handler never misses a
 * child. In the child: 0, with default handlers (one that came ignored stays ignored),
 * SIGKILLed if the parent dies, and the caller's signal mask back. In the parent: the
 * child's pid, registered (*slot: for sim_child_forget, or -ENOSPC if the table is full),
 * or -errno if fork() failed. What stdio holds is the caller's to flush first. */
pid_t sim_child_fork(int *slot);

/* ---- Signals: one way to catch them. ------------------------------------------------ */

/* sig is ignored now: as the caller started us, before anything here caught it. */
bool sim_signal_ignored(int sig);
/* Catch sig with handler (every other signal blocked while it runs), unless it came ignored
 * (nohup's SIGHUP, a script's background job's SIGINT and SIGQUIT), which stays ignored.
 * true if caught. */
bool sim_signal_catch(int sig, void (*handler)(int));

#endif
