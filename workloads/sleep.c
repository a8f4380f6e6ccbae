/* SPDX-License-Identifier: MIT */
/* sleep.c: the documents' asyncio.sleep: each task waits --ms, --rounds times (claims C1, C10). */
#include "workload.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

struct sleep_cfg {
	uint64_t ms;
	uint64_t rounds;
};

static const struct sim_option sleep_options[] = {
	{ .name = "ms", .kind = SIM_OPT_U64, .offset = offsetof(struct sleep_cfg, ms), .def = "1000",
	  .min = 0, .max = 86400000, .help = "milliseconds each sleep lasts" },
	{ .name = "rounds", .kind = SIM_OPT_U64, .offset = offsetof(struct sleep_cfg, rounds), .def = "1",
	  .min = 1, .max = 1000000, .help = "sleeps per task, one after another" },
	{ 0 },
};

/* A sleep that began at t has ended, with e: counted, or the task failed. */
static bool slept(double t, int e, struct sim_result *out)
{
	if (e < 0) {
		sim_result_fail(out, e, "sleep failed");
		return false;
	}
	double d = sim_now() - t;
	sim_trace("sleep", t, t + d);
	sim_lat_add(d);
	out->count++;
	return true;
}

static void sleep_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	const struct sleep_cfg *c = run->cfg;
	(void)i;
	for (uint64_t r = 0; r < c->rounds; r++) {
		double t = sim_now();
		if (!slept(t, sim_sleep(c->ms), out))
			return;
	}
}

/* The same as callbacks: a task in flight keeps only when its sleep began. */
struct sleep_state {
	double t;
};

static void sleep_step(const struct sim_run *run, uint32_t i, void *state, const struct sim_step_in *in,
                       struct sim_op *next, struct sim_result *out)
{
	const struct sleep_cfg *c = run->cfg;
	struct sleep_state *st = state;
	(void)i;
	next->kind = SIM_OP_DONE;
	if (in->done == SIM_OP_SLEEP && !slept(st->t, (int)in->result, out))
		return;
	if (out->count < c->rounds) {
		st->t = sim_now();
		next->kind = SIM_OP_SLEEP;
		next->ms = c->ms;
	}
}

static bool sleep_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct sleep_cfg *c = run->cfg;
	/* Every sleep completed, and none returned early (1 ms of slack for clock rounding). */
	double least = (double)(c->rounds * c->ms) / 1000.0 - 0.001;
	for (uint32_t i = 0; i < run->tasks; i++) {
		if (rs[i].count != c->rounds) {
			snprintf(why, n, "task %u completed %llu of %llu sleeps", i,
			         (unsigned long long)rs[i].count, (unsigned long long)c->rounds);
			return false;
		}
		if ((double)rs[i].took_s < least) {
			snprintf(why, n, "task %u slept %.4f s, less than the %.4f s asked", i,
			         (double)rs[i].took_s, least + 0.001);
			return false;
		}
	}
	return true;
}

/* N tasks in waves of the run's concurrency C (1, the pool, or the limit): ceil(N/C)·R·D. */
static double sleep_predict(const struct sim_run *run)
{
	const struct sleep_cfg *c = run->cfg;
	double waves = ceil((double)run->tasks / (double)sim_run_concurrency(run));
	return waves * (double)c->rounds * (double)c->ms / 1000.0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The most tasks in flight at once, from each task's start and end (an end first at a tie):
 * N tasks "completed" need not have been alive together, if making them outlasted a sleep.
 * 0 if there is no memory to count them. */
static uint32_t in_flight_max(const struct sim_result *rs, uint32_t n)
{
	double *starts = malloc(2 * (size_t)n * sizeof *starts), *ends = starts + n;
	if (!starts)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		starts[i] = rs[i].start_s;
		ends[i] = (double)rs[i].start_s + rs[i].took_s;
	}
	qsort(starts, n, sizeof *starts, by_value);
	qsort(ends, n, sizeof *ends, by_value);
	uint32_t live = 0, most = 0;
	for (uint32_t i = 0, j = 0; i < n;) {
		if (starts[i] < ends[j]) {
			i++;
			if (++live > most)
				most = live;
		} else {
			j++;
			live--;
		}
	}
	free(starts);
	return most;
}

static void sleep_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct sleep_cfg *c = run->cfg;
	sim_field_add(out, "ms", false, "%llu", (unsigned long long)c->ms);
	sim_field_add(out, "rounds", false, "%llu", (unsigned long long)c->rounds);
	if (!rs)
		return;
	/* How late sleeps woke: the scheduling overhead each model adds to a wait. */
	sim_field_add(out, "sleep_p99_s", false, "%.6f", sim_hist_quantile(&run->tally->lat, 0.99));
	sim_field_add(out, "in_flight_max", false, "%u", in_flight_max(rs, run->tasks));
}

const struct sim_workload sim_workload_sleep = {
	.name = "sleep",
	.summary = "each task sleeps --ms, --rounds times: pure waiting (C1, C10)",
	.default_tasks = 3,
	.cfg_size = sizeof(struct sleep_cfg),
	.options = sleep_options,
	.task = sleep_task,
	.step = sleep_step,
	.step_state = sizeof(struct sleep_state),
	.verify = sleep_verify,
	.predict = sleep_predict,
	.fields = sleep_fields,
};
