/* SPDX-License-Identifier: MIT */
/* chess_run.c: this run's prediction: which story the model plays, the moves, the machine's costs measured before the run. */
#include "calibrate.h"
#include "chess.h"
#include "cost.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const chess_story_name[] = { "synchronous", "asynchronous", "clones", "gil" };

enum chess_story chess_story_of(const struct sim_run *run)
{
	if (run->model->serial)
		return ST_SYNC;
	if (run->gil)
		return ST_GIL;
	return run->model->parallel ? ST_CLONES : ST_ASYNC;
}

void chess_moves_of(const struct chess_cfg *c, struct chess_moves *mv)
{
	mv->m_s = c->master_s * c->scale;
	mv->o_asked_ms = c->opponent_s * c->scale * 1000.0;
	mv->o_ms = (uint64_t)llround(mv->o_asked_ms);
}

/* The prediction for this run's model, with the moves in p in any unit, `unit` wall seconds
 * each (1, or the scale for exhibition seconds): time slices and costs are wall time.
 * cores = 0 means "enough cores": one per clone. */
static void predict_with(const struct sim_run *run, const struct chess_params *pp, double unit, uint32_t cores,
                         const struct chess_costs *k, const double *starts, struct chess_pred *out)
{
	memset(out, 0, sizeof *out);
	uint32_t w = sim_run_concurrency(run);
	out->workers = w;
	/* The closed forms and the bounds take the opponents' mean lateness as part of their
	 * move; the simulation draws it move by move. */
	struct chess_params p1 = *pp, *p = &p1;
	p1.o += k->late_s / unit;
	struct chess_sched s = { .workers = w, .cores = 1, .slice = 0, .late = k->late_s / unit };
	struct chess_params g = *pp;
	const struct chess_params *sp = pp;
	switch (chess_story_of(run)) {
	case ST_SYNC:
		out->t = chess_sync(p);
		out->cores = 1;
		break;
	case ST_ASYNC:
		out->cores = 1;
		if (w >= p->opponents) {
			out->t = chess_async(p);
			break;
		}
		out->err = chess_simulate(sp, &s, &out->t); /* --limit: fewer tables open at once */
		break;
	case ST_GIL:
		/* Only one thread computes at a time, so the clones share one core, handed over
		 * every 5 ms of computing: round-robin with a 5 ms slice. Each move also waits
		 * for the lock's hand-over: the next thread is asleep on a condition variable and
		 * must be woken and scheduled, a wake-up like a timer's, so each move costs the
		 * timers' lateness on top (measured: 0.15 to 0.2 ms a move here). */
		if (w > 1) {
			p1.m += k->late_s / unit;
			g.m += k->late_s / unit;
			sp = &g;
		}
		s.slice = SIM_GIL_INTERVAL_MS / 1000.0 / unit;
		out->cores = 1;
		chess_clone_bounds(p, w, 1, &out->lo, &out->hi);
		out->err = chess_simulate(sp, &s, &out->t);
		break;
	case ST_CLONES:
		s.cores = out->cores = cores ? cores : w;
		s.slice = CHESS_SLICE_S / unit;
		s.wake = k->wake_s / unit;
		s.cswitch = k->switch_s / unit;
		s.create = k->create_s / unit;
		s.starts = starts;
		/* The bounds with every cost in the move: a woken clone's answer comes later, and
		 * a shared core spends a switch on each move it runs; the last clone starts w - 1
		 * creations late, and plays its games after that. */
		p1.o += s.wake;
		if (w > s.cores)
			p1.m += s.cswitch;
		chess_clone_bounds(p, w, s.cores, &out->lo, &out->hi);
		double late_start = (w - 1) * s.create, games = ceil((double)p->opponents / w);
		out->hi += late_start;
		out->lo = fmax(out->lo, late_start + games * p->pairs * (p->m + p->o));
		out->err = chess_simulate(sp, &s, &out->t);
		break;
	}
	out->slice = s.slice * unit;
	if (chess_story_of(run) == ST_SYNC || chess_story_of(run) == ST_ASYNC)
		out->lo = out->hi = out->t;
}

static void predict_here(const struct sim_run *run, const struct chess_costs *costs, const double *starts,
                         struct chess_pred *out)
{
	const struct chess_cfg *c = run->cfg;
	struct chess_moves mv;
	chess_moves_of(c, &mv);
	struct chess_params p = { (uint32_t)c->opponents, (uint32_t)c->pairs, mv.m_s, (double)mv.o_ms / 1000.0 };
	predict_with(run, &p, 1.0, run->cores, costs, starts, out);
}

void chess_predict_run(const struct sim_run *run, const struct chess_costs *costs, struct chess_pred *out)
{
	predict_here(run, costs, NULL, out);
}

/* The clones' prediction again, each clone starting when this run saw it start (its first
 * game's start time): what the play itself should have taken, the run's own start-up
 * given. Making a clone beside running ones costs more than the idle measurement before
 * the run says (a busy core, the address space's locks), and a short exhibition is mostly
 * start-up. -1 where the story has no clones or the starts cannot be read. */
double chess_replay_run(const struct sim_run *run, const struct sim_result *rs, double *last_start)
{
	const struct chess_state *st = chess_state_of(run);
	uint32_t w = st->now.workers;
	if (chess_story_of(run) != ST_CLONES || w == 0)
		return -1;
	double *starts = malloc(w * sizeof *starts);
	if (!starts)
		return -1;
	for (uint32_t k = 0; k < w; k++)
		starts[k] = INFINITY;
	for (uint32_t i = 0; i < run->tasks; i++)
		if (rs[i].worker < w && rs[i].start_s < starts[rs[i].worker])
			starts[rs[i].worker] = rs[i].start_s;
	*last_start = 0;
	for (uint32_t k = 0; k < w; k++)
		*last_start = fmax(*last_start, starts[k]);
	struct chess_pred out;
	predict_here(run, &st->costs, starts, &out); /* a worker never seen: refused as not finite */
	free(starts);
	return out.err == 0 ? out.t : -1;
}

/* The documents' figure: the same model in exhibition seconds, unrounded, an ideal machine,
 * enough cores. */
static void predict_docs(const struct sim_run *run, struct chess_pred *out)
{
	const struct chess_cfg *c = run->cfg;
	struct chess_params p = { (uint32_t)c->opponents, (uint32_t)c->pairs, c->master_s, c->opponent_s };
	predict_with(run, &p, c->scale, 0, &(struct chess_costs){ 0 }, NULL, out);
}

const struct chess_state *chess_state_of(const struct sim_run *run)
{
	struct chess_state *st = run->state;
	if (!st->have) {
		chess_predict_run(run, &st->costs, &st->now);
		struct chess_costs late_only = { .late_s = st->costs.late_s }; /* as before the costs counted */
		chess_predict_run(run, &late_only, &st->ideal);
		predict_docs(run, &st->docs);
		st->have = true;
	}
	return st;
}

/* ---- the machine's costs, measured before the run ------------------------------------- */

/* One 2 ms sleep: how much later than asked it ended. */
static double one_lateness(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 2000000 };
	double t = sim_mono_s();
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	double late = sim_mono_s() - t - 0.002;
	return late > 0 ? late : 0;
}

/* Round trips per sample of a hand-off, and samples: about 20 ms in all. */
#define HANDOFF_ROUNDS 40
#define HANDOFF_SAMPLES 5
#define CREATE_SAMPLES 7

/* How late a sleep wakes on this machine, on average: a machine fact, like sumsq's core
 * speed. Sixteen 2 ms sleeps (about 35 ms, before the timed region); the two latest are
 * dropped, so one stray stall of the shared machine does not set the figure. The clones
 * also pay what the switch workload measures, with the same token hand-off between two
 * threads or processes as the model's: a wake-up of one on the other core, and a switch
 * between two on one core. */
int chess_measure_costs(const struct sim_run *run, struct chess_costs *out)
{
	memset(out, 0, sizeof *out);
	out->late_s = sim_calibrate(SIM_CAL_TRIMMED_MEAN, 16, one_lateness, NULL);
	if (chess_story_of(run) != ST_CLONES)
		return 0;
	enum sim_cost_prim prim = sim_cost_prim_of(run);
	bool procs = prim == SIM_PRIM_PROCESS;
	out->wake_s = sim_cost_pingpong(procs, SIM_COST_SPREAD, HANDOFF_ROUNDS, HANDOFF_SAMPLES);
	out->switch_s = sim_cost_pingpong(procs, SIM_COST_SAME_CPU, HANDOFF_ROUNDS, HANDOFF_SAMPLES);
	/* The spawn workload's floor: making, starting and reaping one (a little more than the
	 * making alone, which is what delays the next clone). */
	out->create_s = sim_cost_spawn_floor(prim, CREATE_SAMPLES);
	return isfinite(out->wake_s) && isfinite(out->switch_s) && isfinite(out->create_s) ? 0 : -EAGAIN;
}
