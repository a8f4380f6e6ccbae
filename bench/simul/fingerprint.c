/* SPDX-License-Identifier: MIT */
/* fingerprint.c: `simul fingerprint`: what the machine's primitives cost right now, each in a few milliseconds (the harness records it at a run's start and end). */
#include "commands.h"
#include "calibrate.h"
#include "cli.h"
#include "cost.h"
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

struct fp_opts {
	unsigned format; /* 0 text, 1 json */
	const char *watch;
	double every_s;
	bool help;
};

static const char *const fp_formats[] = { "text", "json", NULL };
static const struct sim_option fp_options[] = {
	{ .name = "format", .kind = SIM_OPT_CHOICE, .offset = offsetof(struct fp_opts, format), .def = "text",
	  .choices = fp_formats, .arg = "F", .help = "text, or json: one object, for scripts" },
	{ .name = "watch", .kind = SIM_OPT_STR, .offset = offsetof(struct fp_opts, watch), .arg = "FILE",
	  .help = "sample the CPU loop alone into FILE until stopped (SIGTERM, SIGINT, or its parent's end)" },
	{ .name = "every", .kind = SIM_OPT_DOUBLE, .offset = offsetof(struct fp_opts, every_s), .def = "0.1", .min = 0.01,
	  .max = 60, .arg = "S", .help = "--watch: seconds between samples" },
	{ .name = "help", .kind = SIM_OPT_FLAG, .offset = offsetof(struct fp_opts, help), .help = "this text" },
	{ 0 },
};

/* ---- the primitives workloads/cost.c does not already measure ---------------------------- */

#define CPU_ELEMS (1u << 20)

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* sumsq's loop (workloads/sumsq.c), timed by clock: the empty asm keeps it a loop under both
 * compilers. */
static double cpu_loop_by(double (*clock)(void))
{
	uint64_t s = 0;
	double t0 = clock();
	for (uint64_t i = 0; i < CPU_ELEMS; i++) {
		__asm__("" : "+r"(i));
		s += i * i;
	}
	double t = clock() - t0;
	__asm__ volatile("" ::"r"(s));
	return t;
}

static double cpu_once(void *arg)
{
	(void)arg;
	return cpu_loop_by(sim_mono_s);
}

#define FAULT_PAGES 256

static double fault_once(void *arg)
{
	(void)arg;
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)page * FAULT_PAGES;
	double t0 = sim_mono_s();
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NAN;
	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1; /* each write the first touch of its page: one minor fault */
	munmap((void *)p, len);
	return (sim_mono_s() - t0) / FAULT_PAGES;
}

#define LOOP_TURNS 2000

struct turns {
	uv_loop_t loop;
	uv_idle_t idle;
	unsigned left;
};

/* An active idle handle makes every turn poll with a zero timeout: the turn is the loop's own
 * bookkeeping and one epoll_wait, what the eventloop model pays per wake-up. */
static void on_idle(uv_idle_t *h)
{
	struct turns *t = h->data;
	if (--t->left == 0)
		uv_idle_stop(h);
}

static double turn_once(void *arg)
{
	struct turns *t = arg;
	t->left = LOOP_TURNS;
	if (uv_idle_start(&t->idle, on_idle) < 0)
		return NAN;
	double t0 = sim_mono_s();
	uv_run(&t->loop, UV_RUN_DEFAULT);
	return t->left == 0 ? (sim_mono_s() - t0) / LOOP_TURNS : NAN;
}

static double loop_turn(unsigned k)
{
	struct turns t;
	if (uv_loop_init(&t.loop) < 0)
		return NAN;
	uv_idle_init(&t.loop, &t.idle);
	t.idle.data = &t;
	double s = sim_calibrate(SIM_CAL_MEDIAN, k, turn_once, &t);
	uv_close((uv_handle_t *)&t.idle, NULL);
	uv_run(&t.loop, UV_RUN_DEFAULT);
	uv_loop_close(&t.loop);
	return s;
}

/* ---- --watch: the CPU's speed through a run ----------------------------------------------- */

static volatile sig_atomic_t watch_stop;

static void on_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* This machine's CPU speed flips between two states about 2x apart, for tens to hundreds of
 * milliseconds at a time, so a fingerprint at a run's two ends cannot say what the CPU did in
 * between; one loop every S seconds can (0.4 ms a sample: 0.4% of a core at 0.1 s). Each
 * sample is timed in this thread's CPU time, so that a preemption by the benchmark it watches
 * is not taken for a slow CPU. A line is one short write: a kill leaves whole lines. */
static int watch(const char *path, double every_s)
{
	FILE *f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "simul fingerprint: cannot write --watch %s (%s): give a file in a writable folder\n", path,
		        strerror(errno));
		return SIM_EXIT_USAGE;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop; /* no SA_RESTART: the sleep below ends at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* It watches for the script that started it and must not outlive it, however that ends. */
	pid_t parent = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		watch_stop = 1;
	if (ftell(f) == 0)
		fprintf(f, "# simul fingerprint --watch: unix time (s), cpu_loop_ns (one loop, this thread's CPU time); "
		           "every %g s\n",
		        every_s);
	int rc = 0;
	while (!watch_stop) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		double ns = cpu_loop_by(thread_cpu_s) * 1e9;
		if (fprintf(f, "%lld.%03ld %.0f\n", (long long)now.tv_sec, now.tv_nsec / 1000000, ns) < 0) {
			fprintf(stderr, "simul fingerprint: cannot write --watch %s (%s): is the disk full?\n", path,
			        strerror(errno));
			rc = 1;
			break;
		}
		struct timespec left = { (time_t)every_s, (long)((every_s - floor(every_s)) * 1e9) };
		while (!watch_stop && nanosleep(&left, &left) < 0 && errno == EINTR)
			;
	}
	return fclose(f) == 0 ? rc : 1;
}

/* ---- the list --------------------------------------------------------------------------- */

/* Each is the median of its samples (calibrate.h: this machine runs short bursts faster than
 * it sustains, and the runs the fingerprint explains are sustained). */
enum prim { CPU, FAULT, FORK, THREAD, FUTEX, CORO, TURN, NPRIM };
static const struct {
	const char *key, *what;
} prims[NPRIM] = {
	[CPU] = { "cpu_loop_ns", "a fixed CPU loop: 2^20 multiply-adds (sumsq's), one core" },
	[FAULT] = { "page_fault_ns", "first touch of an anonymous page (mmap'd, freed after 256)" },
	[FORK] = { "fork_ns", "fork + _exit + waitpid of an empty child" },
	[THREAD] = { "thread_ns", "pthread_create + pthread_join of an empty thread" },
	[FUTEX] = { "futex_ns", "one-way futex hand-off between two threads (token ping-pong)" },
	[CORO] = { "coro_switch_ns", "one-way coroutine switch (sim_coro_switch)" },
	[TURN] = { "loop_turn_ns", "one turn of a libuv loop (an idle handle, epoll_wait with no wait)" },
};

#define FP_USAGE "usage: simul fingerprint [--format text|json] | --watch FILE [--every S]\n"

static bool seen_every(const struct sim_option *opts, const bool *seen)
{
	for (int i = 0; opts[i].name; i++)
		if (seen[i] && strcmp(opts[i].name, "every") == 0)
			return true;
	return false;
}

static double measure(enum prim p)
{
	switch (p) {
	case CPU: return sim_calibrate(SIM_CAL_MEDIAN, 7, cpu_once, NULL);
	case FAULT: return sim_calibrate(SIM_CAL_MEDIAN, 7, fault_once, NULL);
	case FORK: return sim_cost_spawn_floor(SIM_PRIM_PROCESS, 9);
	case THREAD: return sim_cost_spawn_floor(SIM_PRIM_THREAD, 15);
	case FUTEX: return sim_cost_pingpong(false, SIM_COST_FREE, 200, 5);
	case CORO: return sim_cost_coro_switch(5);
	case TURN: return loop_turn(5);
	case NPRIM: break;
	}
	return NAN;
}

int sim_cmd_fingerprint(int argc, char **argv)
{
	struct fp_opts o = { 0 };
	const struct sim_optgroup g = { fp_options, &o };
	bool seen[SIM_OPTS_MAX];
	char err[256];
	if (sim_options_defaults(fp_options, &o, err, sizeof err) < 0 ||
	    sim_opts_parse(&g, 1, argc, argv, 1, seen, err, sizeof err) < 0) {
		fprintf(stderr, "simul fingerprint: ");
		sim_put_escaped(stderr, err);
		fprintf(stderr, "\n%s", FP_USAGE);
		return SIM_EXIT_USAGE;
	}
	if (o.help) {
		printf(FP_USAGE "What the primitives the models are made of cost on this machine now, in nanoseconds, each\n"
		       "the median of a few samples of a few milliseconds (well under a second in all). bench.sh\n"
		       "records it at a run's start and end (env.txt: fingerprint_start_KEY, fingerprint_end_KEY)\n"
		       "and make compare divides each point's ratio by its primitive's. Exit 1 if one failed.\n"
		       "With --watch FILE it samples the CPU loop alone every --every S seconds through a run, one\n"
		       "line each (unix time, ns), until stopped: bench.sh keeps raw/cpu_watch.txt so, and make\n"
		       "compare reads from it how far the CPU's speed swung within the run.\n\n");
		for (int p = 0; p < NPRIM; p++)
			printf("  %-16s %s\n", prims[p].key, prims[p].what);
		printf("\n");
		sim_opts_help(stdout, fp_options, NULL);
		return 0;
	}
	if (o.watch)
		return watch(o.watch, o.every_s);
	if (seen_every(fp_options, seen)) {
		fprintf(stderr, "simul fingerprint: --every is --watch's: give --watch FILE too, or leave --every out\n%s",
		        FP_USAGE);
		return SIM_EXIT_USAGE;
	}
	double v[NPRIM], t0 = sim_mono_s();
	for (int p = 0; p < NPRIM; p++)
		if (!(isfinite(v[p] = measure((enum prim)p) * 1e9) && v[p] > 0)) {
			fprintf(stderr, "simul fingerprint: cannot measure %s (%s): out of processes, threads or memory?\n",
			        prims[p].key, prims[p].what);
			return 1;
		}
	double took = sim_mono_s() - t0;
	if (o.format == 1) {
		printf("{\"primitives\":{");
		for (int p = 0; p < NPRIM; p++)
			printf("%s\"%s\":%.6g", p ? "," : "", prims[p].key, v[p]);
		printf("},\"took_s\":%.4f}\n", took);
	} else {
		for (int p = 0; p < NPRIM; p++)
			printf("%-16s %12.1f  %s\n", prims[p].key, v[p], prims[p].what);
		printf("took %.3f s\n", took);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
