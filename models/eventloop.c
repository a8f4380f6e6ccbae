/* SPDX-License-Identifier: MIT */
/* eventloop.c: every task a stackful coroutine on one libuv loop, one thread (the documents' asyncio). */
#include "eventloop.h"

#include <stdint.h>

int sim_eventloop_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen,
                      void (*compute)(sim_compute_fn fn, void *arg))
{
	return sim_coroloop_run(run, results, &sim_backend_uv, compute, err, errlen);
}

/* A task is its slot's number plus one: NULL stays "no task". */
struct sim_el_task *sim_eventloop_self(uv_loop_t **loop)
{
	void *be;
	uint32_t slot = sim_coro_self(&be);
	if (slot == UINT32_MAX)
		return NULL;
	if (loop)
		*loop = sim_eventloop_uv(be);
	return (struct sim_el_task *)(uintptr_t)((uintptr_t)slot + 1);
}

void sim_eventloop_park(struct sim_el_task *t)
{
	(void)t;
	sim_coro_park();
}

void sim_eventloop_wake(struct sim_el_task *t) { sim_coro_wake(sim_coro_loop(), (uint32_t)((uintptr_t)t - 1), 0); }

bool sim_eventloop_on_stack(const struct sim_el_task *t, const void *p)
{
	(void)t;
	return sim_coro_on_stack(p);
}

static int eventloop_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	return sim_eventloop_run(run, results, err, errlen, NULL);
}

static const char *eventloop_detail(void) { return sim_coroloop_detail(&sim_backend_uv); }

const struct sim_model sim_model_eventloop = {
	.name = "eventloop",
	.summary = "stackful coroutines on one libuv loop, one thread (the documents' asyncio)",
	.family = "loop",
	.caps = SIM_CAP_STACK,
	.serial = false,
	.parallel = false,
	.run = eventloop_run,
	.detail = eventloop_detail,
};
