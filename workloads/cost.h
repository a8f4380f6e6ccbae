/* SPDX-License-Identifier: MIT */
/* cost.h: what the cost workloads (spawn, switch) and chess's calibration share: pinning, the primitives' floors, a token ping-pong. */
#ifndef SIMUL_COST_H
#define SIMUL_COST_H

#if SIMUL_LAYER < 2 /* the layers: CMakeLists.txt */
#error "cost.h belongs to the workloads layer: a models/ file may not include it"
#endif

#include "model.h"

#include <stdbool.h>

/* With pin, pin this process, and every thread and process it makes from now on, to one
 * CPU: the lowest it may run on, into *cpu (-1 without pin). 0, or -EPERM with the one-line
 * reason in err. */
int sim_cost_pin(bool pin, int *cpu, char *err, size_t errlen);

/* The bare primitive a model builds its tasks from, as a workload sees it through the
 * model's capabilities: a thread or a process per task, a coroutine, or a plain call. */
enum sim_cost_prim { SIM_PRIM_CALL, SIM_PRIM_CORO, SIM_PRIM_THREAD, SIM_PRIM_PROCESS };
extern const char *const sim_cost_prim_name[]; /* "a function call", ... */
enum sim_cost_prim sim_cost_prim_of(const struct sim_run *run);

/* The floor of creating, starting and finishing one empty task with that primitive and no
 * model around it, in seconds: the median of k samples (pthread_create + pthread_join;
 * fork + _exit + waitpid; a coroutine made on a pooled stack, switched to, finished; a call
 * through a pointer). NAN if the primitive failed. */
double sim_cost_spawn_floor(enum sim_cost_prim p, unsigned k);

/* Where the two sides of a ping-pong run: where the scheduler puts them; both on one CPU
 * (each hand-off a switch on a shared core); each on a CPU of its own (each a wake-up of
 * the other core). CPUs are the lowest the caller may use; with one, SPREAD is SAME_CPU. */
enum sim_cost_place { SIM_COST_FREE, SIM_COST_SAME_CPU, SIM_COST_SPREAD };

/* Seconds per one-way hand-off between two tasks through the tokens (the futex binding),
 * over `rounds` round trips: two threads, or two processes. The median of k samples; NAN
 * on failure. Opens and closes a token table of its own; the caller's affinity is kept. */
double sim_cost_pingpong(bool processes, enum sim_cost_place where, unsigned rounds, unsigned k);

/* Seconds per one-way switch between two coroutines (the raw sim_coro_switch), median of k. */
double sim_cost_coro_switch(unsigned k);

#endif
