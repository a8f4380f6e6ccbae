/* SPDX-License-Identifier: MIT */
/* threadpool.c: placeholder until the model lands. */
#include "model.h"

#include <errno.h>
#include <stdio.h>

static uint32_t threadpool_default_workers(void) { return 0; }

static int threadpool_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	(void)run;
	(void)results;
	snprintf(err, errlen, "the threadpool model is not built yet");
	return -ENOSYS;
}

const struct sim_model sim_model_threadpool = {
	.name = "threadpool",
	.summary = "not built yet",
	.pool = true,
	.default_workers = threadpool_default_workers,
	.run = threadpool_run,
};
