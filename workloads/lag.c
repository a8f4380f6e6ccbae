/* SPDX-License-Identifier: MIT */
/* lag.c: one task ticks every --tick-ms and measures how late it wakes while the others block on CPU work (claim C6). */
#include "burn.h"
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct lag_cfg {
	double tick_ms, block_ms, duration_s;
	uint64_t rest_ms;
};

#define F(field) offsetof(struct lag_cfg, field)
static const struct sim_option lag_options[] = {
	{ .name = "tick-ms", .kind = SIM_OPT_DOUBLE, .offset = F(tick_ms), .def = "10", .min = 1, .max = 60000,
	  .arg = "T", .noun = "whole milliseconds", .help = "the ticker (task 0) sleeps T ms at a time and notes how late it woke" },
	{ .name = "block-ms", .kind = SIM_OPT_DOUBLE, .offset = F(block_ms), .def = "100", .min = 0, .max = 600000,
	  .arg = "B", .noun = "milliseconds", .help = "each other task computes B ms of CPU time (through sim_compute) ..." },
	{ .name = "rest-ms", .kind = SIM_OPT_U64, .offset = F(rest_ms), .def = "50", .min = 0, .max = 600000,
	  .arg = "R", .help = "... then sleeps R ms, and again, until the duration is over" },
	{ .name = "duration-s", .kind = SIM_OPT_DOUBLE, .offset = F(duration_s), .def = "2", .min = 0.01, .max = 3600,
	  .arg = "D", .noun = "seconds", .help = "how long the ticker ticks and the others block" },
	{ 0 },
};
#undef F

static const char lag_usage[] =
	"--tasks counts every task: task 0 is the ticker, tasks 1..N-1 block (N >= 2; default 2).\n"
	"Lateness = how much longer than T a sleep of the ticker lasted. On one event loop a wake that\n"
	"falls inside a block waits for its end (Vexs, \"Why asyncio?\": code that does not yield blocks\n"
	"every other task); where the blocks run elsewhere (threads, processes, an executor) the ticker\n"
	"wakes on time. Every block is checked against the sum of squares' closed form.";

static int lag_check(struct sim_run *run, char *err, size_t errlen)
{
	const struct lag_cfg *c = run->cfg;
	if (c->tick_ms < 1 || c->tick_ms != floor(c->tick_ms)) {
		snprintf(err, errlen, "--tick-ms %g: timers here count whole milliseconds (libuv's): give 1 or more, "
		         "whole", c->tick_ms);
		return -EINVAL;
	}
	if (c->tick_ms / 1000 > c->duration_s) {
		snprintf(err, errlen, "--tick-ms %g is longer than --duration-s %g: the ticker would never wake in "
		         "time; give a shorter tick or a longer duration", c->tick_ms, c->duration_s);
		return -EINVAL;
	}
	if (c->block_ms > 0 && c->block_ms < SIM_BURN_MIN_MS) {
		snprintf(err, errlen, "--block-ms %g is below the %g ms of CPU time a block resolves here: give 0 or "
		         "at least %g", c->block_ms, SIM_BURN_MIN_MS, SIM_BURN_MIN_MS);
		return -EINVAL;
	}
	if (c->block_ms == 0 && (run->model->caps & SIM_CAP_OFFLOAD)) {
		snprintf(err, errlen, "--block-ms 0 under %s: there is no CPU work to hand to the pool, so nothing "
		         "would be measured; give --block-ms %g or more", run->model->name, SIM_BURN_MIN_MS);
		return -EINVAL;
	}
	if (run->tasks < 2) {
		snprintf(err, errlen, "lag needs --tasks 2 or more: task 0 ticks, the others block");
		return -EINVAL;
	}
	return 0;
}

/* Task 0: sleep T, note the excess, until the duration is over. lat: the lateness of every
 * wake; max_lat_s: the worst, exactly; count: the wakes. */
static void tick(const struct lag_cfg *c, struct sim_result *out)
{
	uint64_t ms = (uint64_t)c->tick_ms;
	double t0 = sim_now();
	while (sim_now() - t0 < c->duration_s) {
		double t = sim_now();
		int e = sim_sleep(ms);
		if (e < 0) {
			sim_result_fail(out, e, "the ticker's sleep failed: %s", strerror(-e));
			return;
		}
		double now = sim_now(), late = now - t - (double)ms / 1000;
		if (late < 0)
			late = 0; /* a timer never fires early; a clock read a hair apart can say it did */
		sim_trace("tick", t, now);
		sim_lat_add(late); /* only the ticker reports into the run's latencies */
		if (late > out->max_lat_s)
			out->max_lat_s = late;
		out->count++;
	}
}

/* Tasks 1..N-1: block B ms of CPU time, rest R ms, until the duration is over. value (in
 * microseconds, summed) and max_lat_s: how long each block lasted by the wall clock of the
 * thread that ran it; count: blocks; bytes: elements summed. */
static void block(const struct lag_cfg *c, struct sim_result *out)
{
	struct sim_burn *b = malloc(sizeof *b); /* off the stack: runtime.h */
	if (!b) {
		sim_result_fail(out, -ENOMEM, "out of memory");
		return;
	}
	double t0 = sim_now();
	while (sim_now() - t0 < c->duration_s) {
		if (c->block_ms > 0) {
			*b = (struct sim_burn){ .cpu_s = c->block_ms / 1000 };
			double t = sim_now();
			sim_compute(sim_burn_fn, b);
			sim_trace("block", t, sim_now());
			if (!sim_burn_ok(b)) {
				sim_result_fail(out, -EIO, "block %llu: the sum of squares over %llu elements is wrong",
				                (unsigned long long)out->count, (unsigned long long)b->done);
				break;
			}
			out->value += (uint64_t)(b->wall_s * 1e6);
			if (b->wall_s > out->max_lat_s)
				out->max_lat_s = b->wall_s;
			out->bytes += b->done;
		}
		out->count++;
		int e = sim_sleep(c->rest_ms);
		if (e < 0) {
			sim_result_fail(out, e, "a rest between blocks failed: %s", strerror(-e));
			break;
		}
	}
	free(b);
}

static void lag_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	if (i == 0)
		tick(run->cfg, out);
	else
		block(run->cfg, out);
}

static bool lag_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct lag_cfg *c = run->cfg;
	if (rs[0].count == 0) {
		snprintf(why, n, "the ticker never woke");
		return false;
	}
	for (uint32_t i = 1; i < run->tasks; i++)
		if (rs[i].count == 0 || (c->block_ms > 0 && rs[i].bytes == 0)) {
			snprintf(why, n, "task %u never blocked", i);
			return false;
		}
	return true;
}

/* Each task runs for the duration, and a block begun just before its end runs over by up
 * to B: D + B for every task in flight at once, in waves where the model has fewer slots. */
static double lag_predict(const struct sim_run *run)
{
	const struct lag_cfg *c = run->cfg;
	double waves = ceil((double)run->tasks / (double)sim_run_concurrency(run));
	return waves * (c->duration_s + c->block_ms / 1000);
}

/* The worst lateness the model should show: on one thread that runs the blocks itself, a
 * wake waits out the blocks in its way (B for one blocker, up to (N-1)·B when the blocks
 * queue back to back); where the ticker never waits for them, the timer's own millisecond. */
static double late_max_pred_ms(const struct sim_run *run)
{
	const struct lag_cfg *c = run->cfg;
	if (sim_run_concurrency(run) == 1)
		return 1;
	if (!run->model->parallel)
		return c->block_ms * (run->tasks - 1) + 1;
	return 1;
}

static void lag_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct lag_cfg *c = run->cfg;
	sim_field_add(out, "tick_ms", false, "%g", c->tick_ms);
	sim_field_add(out, "block_ms", false, "%g", c->block_ms);
	sim_field_add(out, "rest_ms", false, "%llu", (unsigned long long)c->rest_ms);
	sim_field_add(out, "duration_s", false, "%g", c->duration_s);
	sim_field_add(out, "blockers", false, "%u", run->tasks - 1);
	sim_field_add(out, "late_max_pred_ms", false, "%g", late_max_pred_ms(run));
	if (!rs)
		return;
	const struct sim_result *t = &rs[0];
	double max = t->max_lat_s;
	sim_field_add(out, "ticks", false, "%llu", (unsigned long long)t->count);
	/* A bucket's upper bound can lie above the worst wake seen: the max is exact. */
	sim_field_add(out, "late_p50_ms", false, "%.3f", fmin(sim_hist_quantile(&run->tally->lat, 0.50), max) * 1e3);
	sim_field_add(out, "late_p99_ms", false, "%.3f", fmin(sim_hist_quantile(&run->tally->lat, 0.99), max) * 1e3);
	sim_field_add(out, "late_max_ms", false, "%.3f", max * 1e3);
	uint64_t blocks = 0, block_us = 0;
	double bmax = 0;
	for (uint32_t i = 1; i < run->tasks; i++) {
		block_us += rs[i].value;
		blocks += rs[i].count;
		bmax = fmax(bmax, rs[i].max_lat_s);
	}
	sim_field_add(out, "blocks", false, "%llu", (unsigned long long)blocks);
	sim_field_add(out, "block_mean_ms", false, "%.3f", blocks ? (double)block_us / 1e3 / (double)blocks : 0.0);
	sim_field_add(out, "block_max_ms", false, "%.3f", bmax * 1e3);
}

const struct sim_workload sim_workload_lag = {
	.name = "lag",
	.summary = "a ticker notes how late it wakes while the other tasks block on CPU work (C6)",
	.usage = lag_usage,
	.default_tasks = 2,
	.cfg_size = sizeof(struct lag_cfg),
	.options = lag_options,
	.check = lag_check,
	.task = lag_task,
	.verify = lag_verify,
	.predict = lag_predict,
	.fields = lag_fields,
};
