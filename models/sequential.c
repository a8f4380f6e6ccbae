/* SPDX-License-Identifier: MIT */
/* sequential.c: the baseline model: every task on the main thread, one after another. */
#include "model.h"

static int sequential_run(const struct sim_run *run, struct sim_result *results, char *err,
                          size_t errlen)
{
	(void)err;
	(void)errlen;
	sim_set_ops(&sim_blocking_ops);
	sim_tally_bind(run->tally);
	for (uint32_t i = 0; i < run->tasks; i++)
		sim_task_run(run, i, 0, &results[i]);
	sim_tally_bind(NULL);
	return 0;
}

const struct sim_model sim_model_sequential = {
	.name = "sequential",
	.summary = "one task after another on the main thread (the documents' synchronous code)",
	.family = "sequential",
	.serial = true,
	.parallel = false,
	.run = sequential_run,
};
