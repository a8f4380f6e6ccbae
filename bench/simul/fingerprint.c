/* SPDX-License-Identifier: MIT */
/* fingerprint.c: `simul fingerprint`: what the machine's primitives cost right now, each in a few milliseconds (the harness records it at a run's start and end). */
#include "commands.h"
#include "calibrate.h"
#include "cli.h"
#include "cost.h"
#include "opts.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uv.h>

struct fp_opts {
	unsigned format; /* 0 text, 1 json */
	bool help;
};

static const char *const fp_formats[] = { "text", "json", NULL };
static const struct sim_option fp_options[] = {
	{ .name = "format", .kind = SIM_OPT_CHOICE, .offset = offsetof(struct fp_opts, format), .def = "text",
	  .choices = fp_formats, .arg = "F", .help = "text, or json: one object, for scripts" },
	{ .name = "help", .kind = SIM_OPT_FLAG, .offset = offsetof(struct fp_opts, help), .help = "this text" },
	{ 0 },
};

/* ---- the primitives workloads/cost.c does not already measure ---------------------------- */

#define CPU_ELEMS (1u << 20)

/* sumsq's loop (workloads/sumsq.c): the empty asm keeps it a loop under both compilers. */
static double cpu_once(void *arg)
{
	(void)arg;
	uint64_t s = 0;
	double t0 = sim_mono_s();
	for (uint64_t i = 0; i < CPU_ELEMS; i++) {
		__asm__("" : "+r"(i));
		s += i * i;
	}
	double t = sim_mono_s() - t0;
	__asm__ volatile("" ::"r"(s));
	return t;
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
		fprintf(stderr, "\nusage: simul fingerprint [--format text|json]\n");
		return SIM_EXIT_USAGE;
	}
	if (o.help) {
		printf("usage: simul fingerprint [--format text|json]\n"
		       "What the primitives the models are made of cost on this machine now, in nanoseconds, each\n"
		       "the median of a few samples of a few milliseconds (well under a second in all). bench.sh\n"
		       "records it at a run's start and end (env.txt: fingerprint_start_KEY, fingerprint_end_KEY)\n"
		       "and make compare divides each point's ratio by its primitive's. Exit 1 if one failed.\n\n");
		for (int p = 0; p < NPRIM; p++)
			printf("  %-16s %s\n", prims[p].key, prims[p].what);
		printf("\n");
		sim_opts_help(stdout, fp_options, NULL);
		return 0;
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
