/* SPDX-License-Identifier: MIT */
/* chess.c: placeholder until the workload lands. */
#include "workload.h"

static const struct sim_option chess_options[] = { { 0 } };

static int chess_check(struct sim_run *run, char *err, size_t errlen)
{
	(void)run;
	snprintf(err, errlen, "the chess workload is not built yet");
	return -1;
}

static void chess_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)i;
	(void)out;
}

static bool chess_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	(void)run;
	(void)rs;
	(void)why;
	(void)n;
	return false;
}

static double chess_predict(const struct sim_run *run)
{
	(void)run;
	return 0;
}

const struct sim_workload sim_workload_chess = {
	.name = "chess",
	.summary = "not built yet",
	.default_tasks = 1,
	.options = chess_options,
	.check = chess_check,
	.task = chess_task,
	.verify = chess_verify,
	.predict = chess_predict,
};
