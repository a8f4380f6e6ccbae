/* SPDX-License-Identifier: MIT */
/* workermem.h: the most private memory a run's live worker processes held at once (see model.h, sim_run_memory). */
#ifndef SIMUL_WORKERMEM_H
#define SIMUL_WORKERMEM_H

#include <stdbool.h>
#include <stdint.h>

/* A worker's figure is known only once it ends, so it is charged that figure from its fork
 * to its end (conservative: its final size for its whole life), and the peak is the largest
 * sum over the workers alive at any instant. Reading /proc/self/smaps_rollup costs a worker
 * tens of microseconds, a fifth of a fork, so past SIM_WORKERMEM_SAMPLE workers only that
 * many, spread evenly, read theirs, and the others are charged the mean of what they read. */
#define SIM_WORKERMEM_SAMPLE 64

/* One per worker, in memory the workers share. */
struct sim_workermem_slot {
	double born_s, ended_s; /* sim_now() at its fork (the parent's) and at its end (its own) */
	int64_t priv;           /* its private memory, KiB + 1; 0 = not read, -1 = unknown */
};

struct sim_workermem {
	struct sim_workermem_slot *slot;
	uint32_t n, stride;
};

/* slot: room for n in memory the workers share (zeroed). */
void sim_workermem_init(struct sim_workermem *m, struct sim_workermem_slot *slot, uint32_t n);
/* In the parent, just before worker id is forked. */
void sim_workermem_born(struct sim_workermem *m, uint32_t id);
/* In worker id, as it ends: when it ended, and its private memory if it is one of the sample. */
void sim_workermem_child(const struct sim_workermem *m, uint32_t id);
/* After every worker has ended: the peak, to the run's memory (sim_children_private_peak). */
void sim_workermem_report(const struct sim_workermem *m);

#endif
