/* SPDX-License-Identifier: MIT */
/* eventloop.c: placeholder until the model lands. */
#include "model.h"

#include <errno.h>
#include <stdio.h>

static uint32_t eventloop_default_workers(void) { return 0; }

static int eventloop_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	(void)run;
	(void)results;
	snprintf(err, errlen, "the eventloop model is not built yet");
	return -ENOSYS;
}

const struct sim_model sim_model_eventloop = {
	.name = "eventloop",
	.summary = "not built yet",
	.default_workers = eventloop_default_workers,
	.run = eventloop_run,
};
