/* SPDX-License-Identifier: MIT */
/* unit_chess.c: the chess exhibition's predictions: closed forms, the documents' figures, bounds, simulation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "chess_predict.h"

/* Vexs, “Why asyncio?” (2021): 24 opponents, 5 s and 55 s moves, 30 pairs. */
static const struct chess_params judit = { 24, 30, 5, 55 };

static void near(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want))
		fail_msg("got %g, want %g within %g%%", got, want, rel * 100);
}

static void sync_is_twelve_hours(void **s)
{
	(void)s;
	assert_true(chess_sync(&judit) == 43200.0); /* (55 + 5) · 30 · 24 s = 12 h */
	struct chess_params p = { 3, 2, 1, 4 };
	assert_true(chess_sync(&p) == 30.0);
}

static void async_is_one_hour(void **s)
{
	(void)s;
	/* She never waits (24·5 >= 60): 24·30·5 + the last opponent's 55 s; the documents
	 * round the 55 s away: "just 1 hour". */
	assert_true(chess_async(&judit) == 3655.0);
	near(chess_async(&judit) / 3600, 1.0, 0.02);
	/* Two tables: she waits for table 0 every round. */
	struct chess_params two = { 2, 30, 5, 55 };
	assert_true(chess_async(&two) == 30 * 60 + 5);
	/* One table is a synchronous game. */
	struct chess_params one = { 1, 30, 5, 55 };
	assert_true(chess_async(&one) == chess_sync(&one));
}

static void clone_per_table_is_thirty_minutes(void **s)
{
	(void)s;
	double lo, hi, t;
	chess_clone_bounds(&judit, 24, 24, &lo, &hi);
	assert_true(lo == 1800.0 && hi == 1800.0);
	struct chess_sched enough = { .workers = 24, .cores = 24, .slice = 10 };
	assert_int_equal(chess_simulate(&judit, &enough, &t), 0);
	near(t, 1800.0, 1e-9);
	/* A pool of 6 clones with a core each: 4 games in a row each. */
	struct chess_sched six = { .workers = 6, .cores = 6, .slice = 10 };
	assert_int_equal(chess_simulate(&judit, &six, &t), 0);
	near(t, 4 * 1800.0, 1e-9);
}

static void bounds_match_the_issue(void **s)
{
	(void)s;
	double lo, hi;
	chess_clone_bounds(&judit, 0, 2, &lo, &hi);
	assert_true(lo == 1800.0 && hi == 3450.0);
	struct chess_params ten = { 24, 10, 5, 55 };
	chess_clone_bounds(&ten, 0, 2, &lo, &hi);
	assert_true(lo == 600.0 && hi == 1150.0);
	/* A pool of 2 on 2 cores: 12 games each, back to back, nothing shared. */
	chess_clone_bounds(&judit, 2, 2, &lo, &hi);
	assert_true(lo == 12 * 1800.0 && hi == 12 * 1800.0);
}

/* One worker is the synchronous master; one core without a slice is the event loop. */
static void simulation_meets_the_closed_forms(void **s)
{
	(void)s;
	const struct chess_params ps[] = {
		{ 24, 30, 5, 55 }, { 2, 30, 5, 55 }, { 6, 4, 20, 5 }, { 1, 7, 3, 3 }, { 50, 3, 1, 100 },
	};
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		double t;
		struct chess_sched one = { .workers = 1, .cores = 1, .slice = 0 };
		assert_int_equal(chess_simulate(&ps[i], &one, &t), 0);
		near(t, chess_sync(&ps[i]), 1e-9);
		struct chess_sched loop = { .workers = 0, .cores = 1, .slice = 0 };
		assert_int_equal(chess_simulate(&ps[i], &loop, &t), 0);
		near(t, chess_async(&ps[i]), 1e-9);
	}
}

/* The simulation stays inside its two bounds over a grid of shapes. */
static void simulation_inside_the_bounds(void **s)
{
	(void)s;
	const uint32_t opp[] = { 3, 6, 24, 50 }, cores[] = { 1, 2, 4 }, workers[] = { 0, 4 };
	const double mo[][2] = { { 1, 11 }, { 5, 55 }, { 20, 5 }, { 3, 3 } };
	const double slices[] = { 0.5, 2, 3 }, lates[] = { 0, 0.3 };
	for (size_t a = 0; a < 4; a++)
		for (size_t b = 0; b < 3; b++)
			for (size_t c = 0; c < 4; c++)
				for (size_t d = 0; d < 3; d++)
					for (size_t e = 0; e < 2; e++)
						for (size_t f = 0; f < 2; f++) {
							struct chess_params p = { opp[a], 10, mo[c][0], mo[c][1] };
							struct chess_sched sc = { .workers = workers[f], .cores = cores[b], .slice = slices[d], .late = lates[e] };
							double t, lo, hi;
							assert_int_equal(chess_simulate(&p, &sc, &t), 0);
							/* The bounds with the lateness's mean in the move; draws
							 * vary around it, so a little slack either side. */
							p.o += lates[e];
							chess_clone_bounds(&p, workers[f], cores[b], &lo, &hi);
							if (t < lo * 0.97 || t > hi * 1.03)
								fail_msg("O=%u C=%u m=%g o=%g slice=%g late=%g W=%u: %g outside [%g, %g]",
								         opp[a], cores[b], mo[c][0], mo[c][1], slices[d], lates[e],
								         workers[f], t, lo, hi);
						}
}

/* Threads on 2 cores, measured by the issue's throwaway program: 24 clones of 5/55 ms,
 * 30 pairs, 2160 ms; of 25/275 ms, 10 pairs, 4490 ms. */
static void simulation_matches_the_issue(void **s)
{
	(void)s;
	struct chess_params a = { 24, 30, 0.005, 0.055 }, b = { 24, 10, 0.025, 0.275 };
	struct chess_sched sc = { .workers = 0, .cores = 2, .slice = CHESS_SLICE_S };
	double t;
	assert_int_equal(chess_simulate(&a, &sc, &t), 0);
	near(t, 2.160, 0.10);
	assert_int_equal(chess_simulate(&b, &sc, &t), 0);
	near(t, 4.490, 0.10);
}

/* The wake-up lengthens every opponent's move; the switch costs a core time only when the
 * workers outnumber the cores; with both in the bounds the simulation stays inside them. */
static void simulation_costs(void **s)
{
	(void)s;
	struct chess_params p = { 24, 30, 0.001, 0.011 };
	double t, lo, hi;
	struct chess_sched own = { .workers = 0, .cores = 24, .slice = CHESS_SLICE_S, .wake = 0.0001, .cswitch = 0.001 };
	assert_int_equal(chess_simulate(&p, &own, &t), 0);
	near(t, 30 * (0.001 + 0.011 + 0.0001), 1e-9); /* a core each: no switch is paid */
	struct chess_sched shared = { .workers = 0, .cores = 2, .slice = CHESS_SLICE_S, .late = 0.0001, .wake = 0.00003,
		                      .cswitch = 0.00005 };
	assert_int_equal(chess_simulate(&p, &shared, &t), 0);
	double t0;
	struct chess_sched free_of_cost = { .workers = 0, .cores = 2, .slice = CHESS_SLICE_S, .late = 0.0001 };
	assert_int_equal(chess_simulate(&p, &free_of_cost, &t0), 0);
	assert_true(t > t0);
	struct chess_params folded = { 24, 30, 0.001 + 0.00005, 0.011 + 0.0001 + 0.00003 };
	chess_clone_bounds(&folded, 0, 2, &lo, &hi);
	assert_true(t >= lo * 0.97 && t <= hi * 1.03);
	/* Made one after another, each clone with a core of its own: the last starts 23 late. */
	struct chess_sched made = { .workers = 0, .cores = 25, .slice = CHESS_SLICE_S, .create = 0.0002 };
	assert_int_equal(chess_simulate(&p, &made, &t), 0);
	near(t, 23 * 0.0002 + 30 * 0.012, 1e-9);
	struct chess_sched neg = { .workers = 0, .cores = 2, .slice = CHESS_SLICE_S, .cswitch = -1 };
	assert_int_equal(chess_simulate(&p, &neg, &t), -EINVAL);
}

static void simulation_refuses_nonsense(void **s)
{
	(void)s;
	double t;
	struct chess_sched sc = { .workers = 0, .cores = 2, .slice = 0.002 };
	struct chess_params zero = { 0, 30, 5, 55 }, neg = { 24, 30, -1, 55 };
	assert_int_equal(chess_simulate(&zero, &sc, &t), -EINVAL);
	assert_int_equal(chess_simulate(&neg, &sc, &t), -EINVAL);
	struct chess_sched nocore = { .workers = 0, .cores = 0, .slice = 0.002 };
	assert_int_equal(chess_simulate(&judit, &nocore, &t), -EINVAL);
	struct chess_params huge = { 1000000, 1000000, 5, 55 };
	assert_int_equal(chess_simulate(&huge, &sc, &t), -E2BIG);
}

/* The workload's own record: the documents' figure at the defaults, for each model. */
static double documents_h(const char *model, const char *workers)
{
	char *argv[] = { "predict", "chess", "--model", (char *)model, "--workers", (char *)workers, NULL };
	int argc = workers ? 6 : 4;
	struct sim_cli cli;
	sim_cli_parse(&cli, argc, argv);
	struct sim_run *run = &cli.run;
	char err[200];
	assert_int_equal(cli.workload->setup(run, err, sizeof err), 0);
	assert_true(cli.workload->predict(run) > 0);
	struct sim_fields fs = { 0 };
	cli.workload->fields(run, NULL, &fs);
	double h = -1;
	for (int i = 0; i < fs.n; i++)
		if (strcmp(fs.f[i].name, "documents_h") == 0)
			h = atof(fs.f[i].value);
	cli.workload->teardown(run);
	free(cli.wcfg);
	return h;
}

static void documents_figures(void **s)
{
	(void)s;
	near(documents_h("sequential", NULL), 12.0, 1e-3);
	near(documents_h("eventloop", NULL), 1.0, 0.02);
	near(documents_h("threadpool", "0"), 0.5, 1e-3);
	near(documents_h("multiprocess", "0"), 0.5, 1e-3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sync_is_twelve_hours),
		cmocka_unit_test(async_is_one_hour),
		cmocka_unit_test(clone_per_table_is_thirty_minutes),
		cmocka_unit_test(bounds_match_the_issue),
		cmocka_unit_test(simulation_meets_the_closed_forms),
		cmocka_unit_test(simulation_inside_the_bounds),
		cmocka_unit_test(simulation_matches_the_issue),
		cmocka_unit_test(simulation_costs),
		cmocka_unit_test(simulation_refuses_nonsense),
		cmocka_unit_test(documents_figures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
