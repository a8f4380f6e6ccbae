/* SPDX-License-Identifier: MIT */
/* chess_predict.h: the chess exhibition's predictions: closed forms, bounds, a scheduler simulation. */
#ifndef SIMUL_CHESS_PREDICT_H
#define SIMUL_CHESS_PREDICT_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "chess_predict.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include <stdint.h>

/* One exhibition: O games of P move pairs; a pair is the master's move (m seconds of CPU)
 * then the opponent's (o seconds of waiting). Any time unit works if used throughout. */
struct chess_params {
	uint32_t opponents; /* O: games, one per table */
	uint32_t pairs;     /* P */
	double m, o;
};

/* Synchronous: one game after another, O·P·(m + o). Exact. */
double chess_sync(const struct chess_params *p);

/* Asynchronous: one master visiting the tables in turn, never preempted, every table open
 * at once: max(P·(m + o) + (O - 1)·m, O·P·m + o). Exact for that order. */
double chess_async(const struct chess_params *p);

/* W clones (workers; W >= O is a clone per table) on C cores: the CPU bound below and the
 * lock-step bound above, as the derivation in chess_predict.c says. */
void chess_clone_bounds(const struct chess_params *p, uint32_t workers, uint32_t cores, double *lo,
                        double *hi);

/* The scheduler the simulation plays: W workers pull games in order from one queue and
 * each plays its game to the end; C cores run the ready workers round-robin for at most
 * `slice` of CPU each (0: run each move to its end, the event loop). An opponent's move
 * lasts o plus a lateness drawn from an exponential of mean `late` (0: none), as timers
 * wake late, plus `wake`, the cost of waking its worker; the draws are seeded, so one set
 * of parameters gives one answer. Where the workers outnumber the cores, a core also
 * spends `cswitch` each time it takes a worker: the context switch. The workers are made
 * one after another, `create` apart. */
struct chess_sched {
	uint32_t workers;
	uint32_t cores;
	double slice;
	double late;      /* mean of an exponential lateness added to each opponent's move */
	double wake;      /* added to each opponent's move (0: none) */
	double cswitch;   /* a core's time to take a worker, when the cores are shared (0: none) */
	double create;    /* making a worker: worker i starts its first game i of these after worker 0 */
	/* NULL, or when each worker first ran, as a run measured it (its results' start times):
	 * the replay of a run's own start-up, no creator then, and `create` unused. */
	const double *starts;
};

/* The round-robin time slice the clone predictions use, in seconds; see chess_predict.c. */
#define CHESS_SLICE_S 0.002

/* Moves beyond which the simulation is refused: it is O(moves · log W). */
#define CHESS_MAX_MOVES 20000000ull

/* Simulate the exhibition; *total is when the last game ends. 0, or -EINVAL for
 * parameters out of range (no workers, no cores, a negative time), -ENOMEM. */
int chess_simulate(const struct chess_params *p, const struct chess_sched *s, double *total);

#endif
