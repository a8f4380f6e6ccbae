/* SPDX-License-Identifier: MIT */
/* chess.c: the simultaneous exhibition of Vexs, “Why asyncio?” (2021) (Judit Polgár, 24 tables), played under each model (C4): options, checks, set-up. */
#include "chess.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const struct sim_option chess_options[] = {
	{ .name = "opponents", .kind = SIM_OPT_U64, .offset = offsetof(struct chess_cfg, opponents), .def = "24",
	  .min = 1, .max = 1000000, .help = "tables, one game each (the tasks)" },
	{ .name = "pairs", .kind = SIM_OPT_U64, .offset = offsetof(struct chess_cfg, pairs), .def = "30",
	  .min = 1, .max = 1000000, .help = "move pairs per game" },
	{ .name = "master-s", .kind = SIM_OPT_DOUBLE, .offset = offsetof(struct chess_cfg, master_s), .def = "5",
	  .min = 0, .max = 86400, .help = "exhibition seconds the master thinks per move (CPU work)" },
	{ .name = "opponent-s", .kind = SIM_OPT_DOUBLE, .offset = offsetof(struct chess_cfg, opponent_s), .def = "55",
	  .min = 0, .max = 86400, .help = "exhibition seconds an opponent thinks per move (a wait)" },
	{ .name = "scale", .kind = SIM_OPT_DOUBLE, .offset = offsetof(struct chess_cfg, scale), .def = "0.0002",
	  .min = 0, .max = 1, .help = "wall seconds per exhibition second" },
	{ 0 },
};

/* The smallest moves the run can honour. An opponent's move is a timer, and timers count
 * whole milliseconds (sim_sleep, libuv): at 10 ms the rounding is at most 5%. The
 * master's move is CPU time checked every few microseconds: at 0.1 ms that is under 5%. */
#define MIN_OPPONENT_MS 10.0
#define MIN_MASTER_MS 0.1

/* The smallest scale that gives a move of at least `least` units, rounded up to three
 * significant digits so the suggestion works when typed back in. */
static double least_scale(double least, double per_s)
{
	double s = least / per_s;
	double mag = pow(10.0, floor(log10(s)) - 2);
	return ceil(s / mag - 1e-9) * mag;
}

static int chess_check(struct sim_run *run, char *err, size_t errlen)
{
	const struct chess_cfg *c = run->cfg;
	const struct {
		const char *flag;
		double v;
	} pos[] = { { "master-s", c->master_s }, { "opponent-s", c->opponent_s }, { "scale", c->scale } };
	for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
		if (!(pos[i].v > 0)) {
			snprintf(err, errlen, "--%s %g: a move takes time: give a number above 0", pos[i].flag, pos[i].v);
			return -EINVAL;
		}
	if (run->tasks_given && run->tasks != c->opponents) {
		snprintf(err, errlen, "--tasks %u disagrees with --opponents %llu: a task is one game, so "
		         "give --opponents alone", run->tasks, (unsigned long long)c->opponents);
		return -EINVAL;
	}
	if (c->opponents * c->pairs > CHESS_MAX_MOVES) {
		snprintf(err, errlen, "--opponents %llu × --pairs %llu is more than %llu move pairs: use fewer",
		         (unsigned long long)c->opponents, (unsigned long long)c->pairs, CHESS_MAX_MOVES);
		return -E2BIG;
	}
	run->tasks = (uint32_t)c->opponents;

	struct chess_moves mv;
	chess_moves_of(c, &mv);
	if (mv.o_asked_ms < MIN_OPPONENT_MS) {
		snprintf(err, errlen, "--scale %g makes an opponent's move %.3g ms, shorter than the %.0f ms "
		         "the millisecond timers honour within 5%%: use --scale %g or more",
		         c->scale, mv.o_asked_ms, MIN_OPPONENT_MS, least_scale(MIN_OPPONENT_MS, c->opponent_s * 1000));
		return -EINVAL;
	}
	if (mv.m_s * 1000 < MIN_MASTER_MS) {
		snprintf(err, errlen, "--scale %g makes the master's move %.3g ms of CPU, shorter than the "
		         "%.1f ms this workload can time within 5%%: use --scale %g or more",
		         c->scale, mv.m_s * 1000, MIN_MASTER_MS, least_scale(MIN_MASTER_MS, c->master_s * 1000));
		return -EINVAL;
	}
	if (run->timeout_s > 0) {
		struct chess_pred p;
		chess_predict_run(run, &(struct chess_costs){ 0 }, &p);
		if (p.t > run->timeout_s) {
			snprintf(err, errlen, "the run is predicted to take %.2f s, more than --timeout %g: raise "
			         "--timeout, or lower --scale, --pairs or --opponents", p.t, run->timeout_s);
			return -EINVAL;
		}
	}
	return 0;
}

static int chess_setup(struct sim_run *run, char *err, size_t errlen)
{
	struct chess_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (chess_measure_costs(run, &st->costs) < 0) {
		snprintf(err, errlen, "cannot measure a wake-up and a switch between two %s: out of them",
		         run->model->caps & SIM_CAP_PROCESSES ? "processes" : "threads");
		free(st);
		return -EAGAIN;
	}
	run->state = st;
	return 0;
}

static void chess_teardown(struct sim_run *run)
{
	free(run->state);
	run->state = NULL;
}

static double chess_predict(const struct sim_run *run) { return chess_state_of(run)->now.t; }

const struct sim_workload sim_workload_chess = {
	.name = "chess",
	.summary = "the chess exhibition of Vexs, “Why asyncio?” (2021; C4): sequential = synchronous, eventloop = asynchronous, "
	           "threadpool/multiprocess --workers 0 = a clone per table",
	.usage = "The master (Judit Polgar) plays --opponents games of --pairs move pairs; her move is\n"
	         "real CPU work (--master-s), each opponent's a wait (--opponent-s), both times --scale.\n"
	         "How the models play it:\n"
	         "  sequential                synchronous: one game at a time (12 h in the document)\n"
	         "  eventloop                 asynchronous: one master moving from table to table (1 h)\n"
	         "  threadpool --workers 0,   a clone of the master per table (30 min with a core each;\n"
	         "  multiprocess --workers 0  on fewer cores, between a CPU and a lock-step bound)\n"
	         "  threadpool, multiprocess  a pool of W clones, each playing whole games in turn\n"
	         "  threadpool --gil          clones that take turns to think, as Python threads do\n"
	         "--tasks is the number of opponents; an opponent's move must be at least 10 ms of wall\n"
	         "time (timers count whole ms) and the master's at least 0.1 ms. --cores C predicts for\n"
	         "a machine with C cores. Text output gives exhibition hours, predicted and measured.",
	.default_tasks = 24,
	.cfg_size = sizeof(struct chess_cfg),
	.options = chess_options,
	.check = chess_check,
	.setup = chess_setup,
	.task = chess_task,
	.verify = chess_verify,
	.predict = chess_predict,
	.fields = chess_fields,
	.text = chess_text,
	.teardown = chess_teardown,
};
