/* SPDX-License-Identifier: MIT */
/* burn.h: CPU work of a given CPU time for lag and mixed: a sum of squares no compiler can fold, checked by its closed form. */
#ifndef SIMUL_BURN_H
#define SIMUL_BURN_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "burn.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include <stdbool.h>
#include <stdint.h>

/* The smallest CPU level a run takes, in ms: the CPU clock is read every few microseconds
 * (BURN_CHUNK elements), so at 0.1 ms a burn is right to a few percent (as chess's moves). */
#define SIM_BURN_MIN_MS 0.1

/* One piece of CPU work, passed to sim_compute. Give it heap memory: a model may run it on
 * another thread while the task waits (runtime.h). */
struct sim_burn {
	double cpu_s;     /* in: run until the thread's CPU clock has advanced this much */
	uint64_t done;    /* out: elements summed, i*i for i in [0, done) */
	uint64_t sum;     /* out: their sum, modulo 2^64 */
	double wall_s;    /* out: how long it lasted on the thread that ran it */
};

/* sim_compute's fn for a struct sim_burn. */
void sim_burn_fn(void *arg);

/* The work was done: some elements, and their sum is the closed form's. */
bool sim_burn_ok(const struct sim_burn *b);

#endif
