/* SPDX-License-Identifier: MIT */
/* chess.h: what the chess workload's files share: its options, the moves a run plays, the run's prediction and state. */
#ifndef SIMUL_CHESS_H
#define SIMUL_CHESS_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "chess.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include "chess_predict.h"
#include "workload.h"

struct chess_cfg {
	uint64_t opponents, pairs;
	double master_s, opponent_s, scale;
};

/* How each model plays the exhibition (chess_run.c). */
enum chess_story { ST_SYNC, ST_ASYNC, ST_CLONES, ST_GIL };
extern const char *const chess_story_name[];
enum chess_story chess_story_of(const struct sim_run *run);

/* The moves as the run plays them: the master's exactly, the opponent's rounded to the
 * whole milliseconds a timer takes. Predictions use these rounded values, and the text
 * output says when they differ from what was asked. */
struct chess_moves {
	double m_s;        /* master: CPU seconds */
	uint64_t o_ms;     /* opponent: timer milliseconds */
	double o_asked_ms; /* before rounding */
};
void chess_moves_of(const struct chess_cfg *c, struct chess_moves *mv);

/* What this machine charges, measured before the run (chess_run.c): a timer's lateness, a
 * wake-up of a thread on another core and a switch between two on one core (each move),
 * making a clone (each clone, one after another). */
struct chess_costs {
	double late_s, wake_s, switch_s, create_s;
};
int chess_measure_costs(const struct sim_run *run, struct chess_costs *out);

struct chess_pred {
	double t, lo, hi; /* prediction and its bounds (equal where the prediction is exact) */
	double slice;     /* the simulation's time slice, 0 where none was needed */
	uint32_t workers, cores;
	int err;
};

/* This run's prediction in wall seconds, from the moves it plays and the costs measured
 * (all zero: an ideal machine). */
void chess_predict_run(const struct sim_run *run, const struct chess_costs *costs, struct chess_pred *out);
/* The clones' prediction with each clone starting when the run saw it start (the latest such
 * start into *last_start); -1 for no clones. */
double chess_replay_run(const struct sim_run *run, const struct sim_result *rs, double *last_start);

struct chess_state {
	struct chess_costs costs;
	struct chess_pred now, docs, ideal; /* here; the documents' terms; here without switch costs */
	bool have;
};
const struct chess_state *chess_state_of(const struct sim_run *run);

/* The game (chess_game.c): the task body and its verification. */
void chess_task(const struct sim_run *run, uint32_t i, struct sim_result *out);
bool chess_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n);

/* The record and the text (chess_report.c). */
void chess_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out);
void chess_text(const struct sim_run *run, const struct sim_result *rs, double wall_s, double predicted_s,
                FILE *out);

#endif
