/* SPDX-License-Identifier: MIT */
/* sumsq.c: the documents' CPU-bound sum(i*i for i in range(n)), split over the tasks (claim C5). */
#include "calibrate.h"
#include "sumsq.h"
#include "workload.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

struct sumsq_cfg {
	uint64_t n;
};

struct sumsq_state {
	double s_per_elem; /* one core's speed, calibrated before the timed region */
};

static const struct sim_option sumsq_options[] = {
	{ .name = "n", .kind = SIM_OPT_U64, .offset = offsetof(struct sumsq_cfg, n), .def = "10000000",
	  .min = 1, .max = 1e15, .help = "elements: the sum of i*i for i in [0, n)" },
	{ 0 },
};

struct span {
	uint64_t a, b, sum;
};

#define CHUNK 65536 /* elements between sim_tick() calls: tens of microseconds */

/* The loop must stay a loop: clang -O2 replaces a plain sum of i*i by its closed form, and
 * both compilers vectorise it. The empty asm makes i opaque each time round, so neither can
 * see the induction; it emits no instruction. A test checks that time grows with n. */
static void sumsq_kernel(void *arg)
{
	struct span *sp = arg;
	uint64_t s = 0;
	for (uint64_t lo = sp->a; lo < sp->b;) {
		uint64_t hi = sp->b - lo > CHUNK ? lo + CHUNK : sp->b;
		for (uint64_t i = lo; i < hi; i++) {
			__asm__("" : "+r"(i));
			s += i * i;
		}
		lo = hi;
		sim_tick();
	}
	sp->sum = s;
}

/* sum_{i<n} i^2 = (n-1)·n·(2n-1)/6, exactly, modulo 2^64: divide the 2 and the 3 out of the
 * factors that hold them before multiplying, so nothing overflows before the wrap. */
uint64_t sumsq_closed_form(uint64_t n)
{
	if (n < 2)
		return 0;
	uint64_t a = n - 1, b = n, c = 2 * n - 1; /* c wraps only past 2^63, and 2n-1 is odd */
	if (a % 2 == 0)
		a /= 2;
	else
		b /= 2;
	if (a % 3 == 0)
		a /= 3;
	else if (b % 3 == 0)
		b /= 3;
	else
		c /= 3; /* one of three consecutive-ish residues n-1, n, 2n-1 is divisible by 3 */
	return a * b * c;
}

static void span_of(const struct sim_run *run, uint32_t i, struct span *sp)
{
	const struct sumsq_cfg *c = run->cfg;
	/* Even split with the remainder spread: task i gets [i*n/N, (i+1)*n/N). */
	unsigned __int128 n = c->n;
	sp->a = (uint64_t)(n * i / run->tasks);
	sp->b = (uint64_t)(n * (i + 1) / run->tasks);
	sp->sum = 0;
}

#define CAL_ELEMS (1u << 21)

static double kernel_seconds(void *arg)
{
	(void)arg;
	struct span sp = { 1000, 1000 + CAL_ELEMS, 0 };
	double t = sim_mono_s();
	sumsq_kernel(&sp);
	return sim_mono_s() - t;
}

static int sumsq_setup(struct sim_run *run, char *err, size_t errlen)
{
	struct sumsq_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* The median of nine short runs, about 10 ms in all. */
	st->s_per_elem = sim_calibrate(SIM_CAL_MEDIAN, 9, kernel_seconds, NULL) / (double)CAL_ELEMS;
	run->state = st;
	return 0;
}

static void sumsq_teardown(struct sim_run *run) { free(run->state); }

static void sumsq_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	/* Off the stack: a model may compute on another thread while the task waits (runtime.h). */
	struct span *sp = malloc(sizeof *sp);
	if (!sp) {
		sim_result_fail(out, -ENOMEM, "out of memory");
		return;
	}
	span_of(run, i, sp);
	double t = sim_now();
	sim_compute(sumsq_kernel, sp);
	sim_trace("compute", t, sim_now());
	out->value = sp->sum;
	out->count = sp->b - sp->a;
	free(sp);
}

static bool sumsq_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct sumsq_cfg *c = run->cfg;
	uint64_t sum = 0, elems = 0;
	for (uint32_t i = 0; i < run->tasks; i++) {
		sum += rs[i].value;
		elems += rs[i].count;
	}
	uint64_t want = sumsq_closed_form(c->n);
	if (elems != c->n || sum != want) {
		snprintf(why, n, "sum of squares over %llu elements is %llu, the closed form says %llu",
		         (unsigned long long)elems, (unsigned long long)sum, (unsigned long long)want);
		return false;
	}
	return true;
}

/* The work is n elements at one core's calibrated speed, spread over the usable parallelism:
 * the cores the model can use at once (1 for sequential, eventloop and --gil), no more than
 * the tasks in flight. Uneven shares are ignored: the figure is a floor. */
static double sumsq_predict(const struct sim_run *run)
{
	const struct sumsq_cfg *c = run->cfg;
	const struct sumsq_state *st = run->state;
	double par = 1;
	if (run->model->parallel && !run->gil) {
		par = sim_run_concurrency(run);
		if (par > run->cores)
			par = run->cores;
	}
	return (double)c->n * st->s_per_elem / par;
}

static void sumsq_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct sumsq_cfg *c = run->cfg;
	const struct sumsq_state *st = run->state;
	sim_field_add(out, "n", false, "%llu", (unsigned long long)c->n);
	sim_field_add(out, "ns_per_elem", false, "%.4f", st->s_per_elem * 1e9);
	if (!rs)
		return;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < run->tasks; i++)
		sum += rs[i].value;
	sim_field_add(out, "sum", false, "%llu", (unsigned long long)sum);
}

const struct sim_workload sim_workload_sumsq = {
	.name = "sumsq",
	.summary = "sum of i*i over --n elements split over the tasks: pure CPU (C5)",
	.default_tasks = 2,
	.cfg_size = sizeof(struct sumsq_cfg),
	.options = sumsq_options,
	.setup = sumsq_setup,
	.task = sumsq_task,
	.verify = sumsq_verify,
	.predict = sumsq_predict,
	.fields = sumsq_fields,
	.teardown = sumsq_teardown,
};
