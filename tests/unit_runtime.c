/* SPDX-License-Identifier: MIT */
/* unit_runtime.c: unit tests of the runtime pieces: closed form, histogram, numbers, option tables, calibration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "calibrate.h"
#include "model.h"
#include "options.h"
#include "runtime.h"
#include "sumsq.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t sumsq_loop(uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += i * i;
	return s;
}

static void closed_form_matches_loop(void **state)
{
	(void)state;
	for (uint64_t n = 0; n < 3000; n++)
		assert_int_equal(sumsq_closed_form(n), sumsq_loop(n));
	/* Past the 64-bit wrap: sum of squares below 10^7 is about 3.3e20 > 2^64. */
	assert_int_equal(sumsq_closed_form(10000000), sumsq_loop(10000000));
	assert_int_equal(sumsq_closed_form(10000001), sumsq_loop(10000001));
	assert_int_equal(sumsq_closed_form(10000002), sumsq_loop(10000002));
}

static void hist_quantiles(void **state)
{
	(void)state;
	struct sim_hist h = { 0 };
	assert_true(sim_hist_quantile(&h, 0.5) == 0);
	for (int i = 1; i <= 100; i++)
		sim_hist_add(&h, i * 1e-3); /* 1 ms .. 100 ms */
	double p50 = sim_hist_quantile(&h, 0.5), p99 = sim_hist_quantile(&h, 0.99);
	/* Buckets are an eighth of an octave wide: within 10% above the true value. */
	assert_true(p50 >= 0.050 && p50 <= 0.050 * 1.1);
	assert_true(p99 >= 0.099 && p99 <= 0.099 * 1.1);
	assert_true(sim_hist_quantile(&h, 1.0) >= 0.100);
	struct sim_hist h2 = { 0 };
	sim_hist_add(&h2, 5.0);
	sim_hist_merge(&h, &h2);
	assert_true(sim_hist_quantile(&h, 1.0) >= 5.0 && sim_hist_quantile(&h, 1.0) < 5.5);
}

/* ---- the run's tally: every model brings each task's latencies and the lowest-numbered
 * failure's message back, across threads and forked processes --------------------------- */

#define TALLY_TASKS 20

static void tally_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	sim_lat_add((double)(i + 1) * 1e-3);
	if (i == 7)
		sim_sleep(1); /* with a pool, task 7 is likely to fail later than 5: order does not matter */
	if (i == 5 || i == 7 || i == 19)
		sim_result_fail(out, -EIO, "task %u failed on purpose", i);
	out->count = 1;
}

static void tally_in(const struct sim_model *m, uint32_t workers)
{
	struct sim_tally t = { 0 };
	static char cfg[1];
	struct sim_run run = { .task = tally_task, .cfg = cfg, .model = m, .tasks = TALLY_TASKS, .workers = workers,
	                       .stack_kib = 64, .cores = 2, .tally = &t };
	struct sim_result rs[TALLY_TASKS] = { 0 };
	char err[256] = "";
	sim_clock_start();
	assert_int_equal(m->run(&run, rs, err, sizeof err), 0);
	uint64_t n = 0;
	for (int b = 0; b < SIM_HIST_BUCKETS; b++)
		n += t.lat.b[b];
	printf("  %s --workers %u: %llu latencies, p100 %.4f s; message of task %u: %s\n", m->name, workers,
	       (unsigned long long)n, sim_hist_quantile(&t.lat, 1.0), t.err_task, t.err);
	assert_int_equal(n, TALLY_TASKS);
	assert_true(sim_hist_quantile(&t.lat, 1.0) >= 0.020 && sim_hist_quantile(&t.lat, 0.0) < 0.0011);
	assert_int_equal(t.err_task, 5);
	assert_int_equal(t.err_status, -EIO);
	assert_string_equal(t.err, "task 5 failed on purpose");
	for (uint32_t i = 0; i < TALLY_TASKS; i++)
		assert_int_equal(rs[i].status, i == 5 || i == 7 || i == 19 ? -EIO : 0);
}

static void tally_crosses_every_model(void **state)
{
	(void)state;
	tally_in(&sim_model_sequential, 0);
	tally_in(&sim_model_threadpool, 3);
	tally_in(&sim_model_threadpool, 0);
	tally_in(&sim_model_multiprocess, 2);
	tally_in(&sim_model_multiprocess, 0);
	tally_in(&sim_model_eventloop, 0);
	/* A merge keeps the lowest-numbered task's message, whichever came first. */
	struct sim_tally a = { .err_task = 9, .err_status = -EIO, .err = "nine" }, b = { .err_task = 4, .err_status = -EPIPE, .err = "four" };
	sim_tally_merge(&a, &b);
	assert_string_equal(a.err, "four");
	struct sim_tally none = { 0 };
	sim_tally_merge(&a, &none);
	assert_int_equal(a.err_task, 4);
	assert_int_equal(a.err_status, -EPIPE);
}

static void numbers_are_strict(void **state)
{
	(void)state;
	uint64_t u;
	double d;
	assert_null(sim_parse_u64("42", 0, 100, &u));
	assert_int_equal(u, 42);
	assert_non_null(sim_parse_u64("-1", 0, 100, &u));
	assert_non_null(sim_parse_u64("+1", 0, 100, &u));
	assert_non_null(sim_parse_u64("1x", 0, 100, &u));
	assert_non_null(sim_parse_u64("", 0, 100, &u));
	assert_non_null(sim_parse_u64("101", 0, 100, &u));
	assert_non_null(sim_parse_u64("99999999999999999999999", 0, 1e30, &u));
	assert_null(sim_parse_double("0.25", 0, 1, &d));
	assert_true(d == 0.25);
	assert_non_null(sim_parse_double("nan", 0, 1, &d));
	assert_non_null(sim_parse_double("inf", 0, 1e300, &d));
	assert_non_null(sim_parse_double("1e999", 0, 1e300, &d));
	assert_non_null(sim_parse_double("-0.5", 0, 1, &d));
}

struct opts {
	struct sim_maybe lat;
	uint64_t n;
	unsigned fmt;
	bool flag;
};
static const char *const fmts[] = { "text", "csv", "json", NULL };
static const struct sim_option table[] = {
	{ .name = "lat", .kind = SIM_OPT_MAYBE, .offset = offsetof(struct opts, lat), .def = "50", .max = 100 },
	{ .name = "n", .kind = SIM_OPT_U64, .offset = offsetof(struct opts, n), .def = "7", .min = 1, .max = 10 },
	{ .name = "format", .kind = SIM_OPT_CHOICE, .offset = offsetof(struct opts, fmt), .def = "csv", .choices = fmts },
	{ .name = "flag", .kind = SIM_OPT_FLAG, .offset = offsetof(struct opts, flag) },
	{ 0 },
};

/* Defaults apply without counting as given; values replace them and are given, 0 included. */
static void option_tables(void **state)
{
	(void)state;
	struct opts o = { 0 };
	char err[200];
	assert_int_equal(sim_options_count(table), 4);
	assert_int_equal(sim_options_defaults(table, &o, err, sizeof err), 0);
	assert_int_equal(o.lat.value, 50);
	assert_false(o.lat.given);
	assert_int_equal(o.n, 7);
	assert_int_equal(o.fmt, 1);
	assert_false(o.flag);
	assert_int_equal(sim_option_set(&table[0], &o, "0", err, sizeof err), 0);
	assert_true(o.lat.given);
	assert_int_equal(o.lat.value, 0);
	assert_int_equal(sim_option_set(&table[1], &o, "11", err, sizeof err), -EINVAL);
	assert_string_equal(err, "--n '11' is too large: give a whole number from 1 to 10");
	assert_int_equal(o.n, 7);
	assert_int_equal(sim_option_set(&table[2], &o, "xml", err, sizeof err), -EINVAL);
	assert_string_equal(err, "--format 'xml' is unknown: use text, csv or json");
	assert_int_equal(sim_option_set(&table[2], &o, "json", err, sizeof err), 0);
	assert_int_equal(o.fmt, 2);
	assert_int_equal(sim_option_set(&table[3], &o, NULL, err, sizeof err), 0);
	assert_true(o.flag);
}

static double seq[16];
static unsigned nseq;
static double next_sample(void *arg)
{
	(void)arg;
	return seq[nseq++];
}

/* The median, or the mean without the largest eighth; a failed sample fails it all. */
static void calibration(void **state)
{
	(void)state;
	double a[] = { 5, 1, 3 };
	memcpy(seq, a, sizeof a);
	nseq = 0;
	assert_true(sim_calibrate(SIM_CAL_MEDIAN, 3, next_sample, NULL) == 3);
	for (int i = 0; i < 16; i++)
		seq[i] = i < 14 ? 1.0 : 1000.0; /* two stalls */
	nseq = 0;
	assert_true(sim_calibrate(SIM_CAL_TRIMMED_MEAN, 16, next_sample, NULL) == 1.0);
	assert_int_equal(nseq, 16);
	seq[0] = 2, seq[1] = NAN;
	nseq = 0;
	assert_true(isnan(sim_calibrate(SIM_CAL_MEDIAN, 3, next_sample, NULL)));
	assert_true(isnan(sim_calibrate(SIM_CAL_MEDIAN, 0, next_sample, NULL)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closed_form_matches_loop),
		cmocka_unit_test(hist_quantiles),
		cmocka_unit_test(tally_crosses_every_model),
		cmocka_unit_test(numbers_are_strict),
		cmocka_unit_test(option_tables),
		cmocka_unit_test(calibration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
