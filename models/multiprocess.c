/* SPDX-License-Identifier: MIT */
/* multiprocess.c: placeholder until the model lands. */
#include "model.h"

#include <errno.h>
#include <stdio.h>

static uint32_t multiprocess_default_workers(void) { return 0; }

static int multiprocess_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	(void)run;
	(void)results;
	snprintf(err, errlen, "the multiprocess model is not built yet");
	return -ENOSYS;
}

const struct sim_model sim_model_multiprocess = {
	.name = "multiprocess",
	.summary = "not built yet",
	.pool = true,
	.default_workers = multiprocess_default_workers,
	.run = multiprocess_run,
};
