/* SPDX-License-Identifier: MIT */
/* fetch.c: placeholder until the workload lands. */
#include "workload.h"

static const struct sim_option fetch_options[] = { { 0 } };

static int fetch_check(struct sim_run *run, char *err, size_t errlen)
{
	(void)run;
	snprintf(err, errlen, "the fetch workload is not built yet");
	return -1;
}

static void fetch_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)i;
	(void)out;
}

static bool fetch_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	(void)run;
	(void)rs;
	(void)why;
	(void)n;
	return false;
}

static double fetch_predict(const struct sim_run *run)
{
	(void)run;
	return 0;
}

const struct sim_workload sim_workload_fetch = {
	.name = "fetch",
	.summary = "not built yet",
	.default_tasks = 1,
	.options = fetch_options,
	.check = fetch_check,
	.task = fetch_task,
	.verify = fetch_verify,
	.predict = fetch_predict,
};
