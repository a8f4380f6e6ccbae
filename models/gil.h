/* SPDX-License-Identifier: MIT */
/* gil.h: an emulation of CPython's global interpreter lock, for threadpool --gil. */
#ifndef SIMUL_GIL_H
#define SIMUL_GIL_H

#include "model.h"

/* Before the threads start: 0 or -errno. One GIL per process, as in CPython. */
int sim_gil_init(void);
void sim_gil_destroy(void);
/* The ops a thread sets to compute under the GIL: sleep and socket waits as the blocking
 * binding (they never hold it), compute taken under it, tick the hand-over point. */
const struct sim_ops *sim_gil_ops(void);
/* Forced hand-overs so far: a holder gave the lock up because a waiter asked for it. */
unsigned long sim_gil_switches(void);

#endif
