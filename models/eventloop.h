/* SPDX-License-Identifier: MIT */
/* eventloop.h: the coroutine core on libuv, and the seam a model built on it uses (eventloop_offload.c): the run with its own compute, a park and a wake. */
#ifndef SIMUL_EVENTLOOP_H
#define SIMUL_EVENTLOOP_H

#include "coroloop.h"

#include <uv.h>

/* The libuv backend's loop (coroloop_uv.c). */
uv_loop_t *sim_eventloop_uv(void *be);

/* The eventloop model's run, with compute bound to the given hook instead of running CPU
 * work on the loop (NULL: on the loop, the eventloop model itself). */
int sim_eventloop_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen,
                      void (*compute)(sim_compute_fn fn, void *arg));

/* A task's coroutine, as the hooks see it. */
struct sim_el_task;

/* Inside a task: its coroutine and the loop it runs on; NULL outside a coroutine. */
struct sim_el_task *sim_eventloop_self(uv_loop_t **loop);
/* Suspend the running task t until a libuv callback on its loop calls sim_eventloop_wake(t). */
void sim_eventloop_park(struct sim_el_task *t);
void sim_eventloop_wake(struct sim_el_task *t);
/* p lies on t's stack (where a suspended task's data may not stay put). */
bool sim_eventloop_on_stack(const struct sim_el_task *t, const void *p);

#endif
