/* SPDX-License-Identifier: MIT */
/* eventloop_uring.c: eventloop's coroutines on one io_uring instead of libuv: sleeps, connects, sends and receives as ring operations. */
#include "coroloop.h"

static int uring_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	return sim_coroloop_run(run, results, &sim_backend_uring, NULL, err, errlen);
}

static int uring_check(const struct sim_run *run, char *err, size_t errlen)
{
	return sim_backend_uring.check(run, err, errlen);
}

static const char *uring_detail(void) { return sim_coroloop_detail(&sim_backend_uring); }

const struct sim_model sim_model_eventloop_uring = {
	.name = "eventloop-uring",
	.summary = "eventloop's stackful coroutines on one io_uring, one thread: the waits are ring operations",
	.family = "loop",
	.caps = SIM_CAP_STACK,
	.serial = false,
	.parallel = false,
	.run = uring_run,
	.detail = uring_detail,
	.check = uring_check,
};
