/* SPDX-License-Identifier: MIT */
/* mixed.c: the shape of a web handler: each task GETs from our server (latency L), then computes C ms (claim C9's map). */
#include "burn.h"
#include "fetch.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct mixed_cfg {
	double latency_ms, cpu_ms;
	uint64_t bytes, io_timeout_ms;
};

/* The fetch workload's own set-up starts the server, resolves it and calibrates the cost of
 * a request: mixed borrows it whole, through a fetch run of its own, rather than keep a
 * second client. */
struct mixed_state {
	struct fetch_cfg fcfg;
	struct sim_run frun;
};

#define F(field) offsetof(struct mixed_cfg, field)
static const struct sim_option mixed_options[] = {
	{ .name = "latency-ms", .kind = SIM_OPT_DOUBLE, .offset = F(latency_ms), .def = "10", .min = 0,
	  .max = SIM_HTTP_MAX_LATENCY_MS, .arg = "L", .noun = "milliseconds",
	  .help = "our server's delay before it answers (0: the loopback round trip alone)" },
	{ .name = "cpu-ms", .kind = SIM_OPT_DOUBLE, .offset = F(cpu_ms), .def = "1", .min = 0, .max = 60000,
	  .arg = "C", .noun = "milliseconds", .help = "CPU time spent after the answer (the thread's CPU clock)" },
	{ .name = "bytes", .kind = SIM_OPT_U64, .offset = F(bytes), .def = "1024", .min = 0, .max = SIM_HTTP_MAX_BODY,
	  .arg = "B", .help = "the answer's body size" },
	{ .name = "io-timeout-ms", .kind = SIM_OPT_U64, .offset = F(io_timeout_ms), .def = "30000", .min = 1,
	  .max = 3600000, .arg = "T", .help = "a connect, send or read waiting longer fails the task" },
	{ 0 },
};
#undef F

static const char mixed_usage[] =
	"Each task: one GET from our own server (the one fetch starts) that answers after L ms, then\n"
	"C ms of CPU time through sim_compute (the sum of squares until the thread's CPU clock has\n"
	"advanced C ms; checked by its closed form).\n"
	"Prediction: sequential N(L+c+C); a pool of W max(ceil(N/W)(L+c+C), L+c+N·C/min(W,cores));\n"
	"eventloop L+N(c+C); eventloop-offload L+N·c+N·C/min(N,cores); c: a request's calibrated cost.";

static int mixed_check(struct sim_run *run, char *err, size_t errlen)
{
	const struct mixed_cfg *c = run->cfg;
	if (c->latency_ms != floor(c->latency_ms)) {
		snprintf(err, errlen, "--latency-ms %g: the server's timers count whole milliseconds: give 0 (the "
		         "loopback round trip alone, c_ms in the record) or a whole number", c->latency_ms);
		return -EINVAL;
	}
	if (c->cpu_ms > 0 && c->cpu_ms < SIM_BURN_MIN_MS) {
		snprintf(err, errlen, "--cpu-ms %g is below the %g ms of CPU work a run resolves here: give 0 or at "
		         "least %g", c->cpu_ms, SIM_BURN_MIN_MS, SIM_BURN_MIN_MS);
		return -EINVAL;
	}
	return 0;
}

static void mixed_teardown(struct sim_run *run)
{
	struct mixed_state *st = run->state;
	if (!st)
		return;
	sim_workload_fetch.teardown(&st->frun);
	free(st);
	run->state = NULL;
}

static int mixed_setup(struct sim_run *run, char *err, size_t errlen)
{
	const struct mixed_cfg *c = run->cfg;
	struct mixed_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* fetch's own defaults for whatever mixed does not set (a response's deadline, the body
	 * cap), so an option fetch gains applies here too. */
	if (sim_options_defaults(sim_workload_fetch.options, &st->fcfg, err, errlen) < 0) {
		free(st);
		return -EINVAL;
	}
	st->fcfg.requests = 1;
	st->fcfg.latency_ms = (struct sim_maybe){ (uint64_t)c->latency_ms, true };
	st->fcfg.bytes = (struct sim_maybe){ c->bytes, true };
	st->fcfg.io_timeout_ms = c->io_timeout_ms;
	st->frun = *run;
	st->frun.cfg = &st->fcfg;
	st->frun.state = NULL;
	int e = sim_workload_fetch.setup(&st->frun, err, errlen);
	if (e < 0) {
		free(st);
		return e;
	}
	run->state = st;
	return 0;
}

static void mixed_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	const struct mixed_cfg *c = run->cfg;
	const struct mixed_state *st = run->state;
	const struct fetch_state *fs = st->frun.state;
	(void)i;
	if (fs->resolve_err[0]) {
		sim_result_fail(out, -EHOSTUNREACH, "%s", fs->resolve_err);
		return;
	}
	sim_fetch__requests(fs, &fs->req, 1, (int)c->io_timeout_ms, true, out);
	out->value = 0; /* the body's length, checked; from here the CPU work's elements */
	if (out->status != 0 || c->cpu_ms == 0)
		return;
	struct sim_burn *b = malloc(sizeof *b); /* off the stack: runtime.h */
	if (!b) {
		sim_result_fail(out, -ENOMEM, "out of memory");
		return;
	}
	*b = (struct sim_burn){ .cpu_s = c->cpu_ms / 1000 };
	double t = sim_now();
	sim_compute(sim_burn_fn, b);
	sim_trace("compute", t, sim_now());
	if (!sim_burn_ok(b))
		sim_result_fail(out, -EIO, "the sum of squares over %llu elements is wrong", (unsigned long long)b->done);
	out->value = b->done;
	free(b);
}

static bool mixed_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct mixed_cfg *c = run->cfg;
	for (uint32_t i = 0; i < run->tasks; i++) {
		if (rs[i].count != 1 || rs[i].bytes != c->bytes) {
			snprintf(why, n, "task %u received %llu body bytes in %llu answers, want one of %llu", i,
			         (unsigned long long)rs[i].bytes, (unsigned long long)rs[i].count,
			         (unsigned long long)c->bytes);
			return false;
		}
		/* Each burn checked its own sum against the closed form; here, that it ran at all. */
		if ((c->cpu_ms > 0) != (rs[i].value > 0)) {
			snprintf(why, n, "task %u summed %llu elements for %g ms of CPU work", i,
			         (unsigned long long)rs[i].value, c->cpu_ms);
			return false;
		}
	}
	return true;
}

static double mixed_predict(const struct sim_run *run)
{
	const struct mixed_state *st = run->state;
	const struct fetch_state *fs = st->frun.state;
	double L = fs->latency_s, c = isnan(fs->c_s) ? 0 : fs->c_s, C = ((const struct mixed_cfg *)run->cfg)->cpu_ms / 1000;
	double N = run->tasks, conc = sim_run_concurrency(run), cores = run->cores;
	if (run->model->serial)
		return N * (L + c + C);
	if (sim_model_pool(run->model)) {
		double waves = ceil(N / conc);
		return fmax(waves * (L + c + C), L + c + N * C / fmin(conc, cores));
	}
	return L + N * c + N * C / (run->model->parallel ? fmin(N, cores) : 1);
}

static void mixed_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct mixed_cfg *c = run->cfg;
	const struct mixed_state *st = run->state;
	const struct fetch_state *fs = st->frun.state;
	sim_field_add(out, "latency_ms", false, "%g", c->latency_ms);
	sim_field_add(out, "cpu_ms", false, "%g", c->cpu_ms);
	sim_field_add(out, "bytes_per_response", false, "%llu", (unsigned long long)c->bytes);
	sim_field_add(out, "c_ms", false, "%.4f", isnan(fs->c_s) ? 0 : fs->c_s * 1000);
	if (!rs)
		return;
	double max = 0;
	uint64_t elems = 0;
	for (uint32_t i = 0; i < run->tasks; i++) {
		max = fmax(max, rs[i].max_lat_s);
		elems += rs[i].value;
	}
	/* Elements per CPU ms: how fast the cores ran the work (it changes from run to run). */
	if (c->cpu_ms > 0)
		sim_field_add(out, "elems_per_cpu_ms", false, "%.0f", (double)elems / run->tasks / c->cpu_ms);
	sim_field_add(out, "p50_s", false, "%.6f", fmin(sim_hist_quantile(&run->tally->lat, 0.50), max));
	sim_field_add(out, "max_s", false, "%.6f", max);
}

const struct sim_workload sim_workload_mixed = {
	.name = "mixed",
	.summary = "each task GETs from our server (--latency-ms) then computes (--cpu-ms): a web handler (C9)",
	.usage = mixed_usage,
	.default_tasks = 20,
	.cfg_size = sizeof(struct mixed_cfg),
	.options = mixed_options,
	.check = mixed_check,
	.setup = mixed_setup,
	.task = mixed_task,
	.verify = mixed_verify,
	.predict = mixed_predict,
	.fields = mixed_fields,
	.teardown = mixed_teardown,
};
