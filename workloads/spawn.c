/* SPDX-License-Identifier: MIT */
/* spawn.c: what a task costs to have: N empty tasks created, started and finished under the model (claim C7). */
#include "cost.h"
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct spawn_cfg {
	bool pin;
};

static const struct sim_option spawn_options[] = {
	{ .name = "pin", .kind = SIM_OPT_FLAG, .offset = offsetof(struct spawn_cfg, pin),
	  .help = "run on one CPU (the first this process may use), as taskset -c would" },
	{ 0 },
};

struct spawn_state {
	int cpu;               /* pinned to it, or -1 */
	enum sim_cost_prim prim;
	double floor_s;        /* the bare primitive, measured in the set-up */
};

/* Samples of the floor: a thread or a process each, a coroutine or a call in batches. */
#define FLOOR_SAMPLES 15

static int spawn_setup(struct sim_run *run, char *err, size_t errlen)
{
	const struct spawn_cfg *c = run->cfg;
	struct spawn_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (sim_cost_pin(c->pin, &st->cpu, err, errlen) < 0) {
		free(st);
		return -EPERM;
	}
	st->prim = sim_cost_prim_of(run);
	st->floor_s = sim_cost_spawn_floor(st->prim, FLOOR_SAMPLES);
	if (!isfinite(st->floor_s)) {
		snprintf(err, errlen, "cannot measure the floor of %s: out of threads, processes or memory",
		         sim_cost_prim_name[st->prim]);
		free(st);
		return -EAGAIN;
	}
	run->state = st;
	return 0;
}

static void spawn_teardown(struct sim_run *run)
{
	free(run->state);
	run->state = NULL;
}

/* Empty: what is measured is the model's making, starting, ending and reaping of it. */
static void spawn_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	(void)run;
	(void)i;
	out->count = 1;
}

static bool spawn_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	for (uint32_t i = 0; i < run->tasks; i++)
		if (rs[i].count != 1) {
			snprintf(why, n, "task %u did not run", i);
			return false;
		}
	return true;
}

/* Threads or processes the model makes: one per task, or its pool. */
static uint32_t made_of(const struct sim_run *run, const struct spawn_state *st)
{
	bool pool = st->prim == SIM_PRIM_THREAD || st->prim == SIM_PRIM_PROCESS;
	return pool && run->workers > 0 && run->workers < run->tasks ? run->workers : run->tasks;
}

/* Every task made with the bare primitive and nothing else: the model's overhead is what
 * the run takes above this. */
static double spawn_predict(const struct sim_run *run)
{
	const struct spawn_state *st = run->state;
	return made_of(run, st) * st->floor_s;
}

static void spawn_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct spawn_state *st = run->state;
	sim_field_add(out, "pinned", false, "%s", st->cpu >= 0 ? "true" : "false");
	sim_field_add(out, "cpu", false, "%d", st->cpu);
	sim_field_add(out, "primitive", true, "%s", sim_cost_prim_name[st->prim]);
	sim_field_add(out, "made", false, "%u", made_of(run, st));
	sim_field_add(out, "floor_ns", false, "%.1f", st->floor_s * 1e9);
	if (!rs)
		return;
	/* The whole run over N: making, starting, finishing and reaping each task, and the
	 * model's own set-up (its tables, a pool of stacks) spread over the N. */
	sim_field_add(out, "spawn_ns", false, "%.1f", run->wall_s / run->tasks * 1e9);
}

static void spawn_text(const struct sim_run *run, const struct sim_result *rs, double wall_s, double predicted_s,
                       FILE *out)
{
	(void)predicted_s;
	const struct spawn_state *st = run->state;
	fprintf(out, "  %u tasks, %s each%s; the bare primitive alone: %.1f ns\n", run->tasks,
	        sim_cost_prim_name[st->prim], st->cpu >= 0 ? ", pinned to one CPU" : "", st->floor_s * 1e9);
	if (rs && wall_s >= 0)
		fprintf(out, "  %.1f ns per task: the whole run over N (make, start, finish, reap)\n",
		        wall_s / run->tasks * 1e9);
}

const struct sim_workload sim_workload_spawn = {
	.name = "spawn",
	.summary = "N empty tasks made, started and finished: what a task costs under each model (C7)",
	.usage = "Each task does nothing: the run's wall time over N (spawn_ns) is the cost of a thread\n"
	         "(pthread_create + join), a process (fork + exit + wait) or a coroutine (made on a pooled\n"
	         "stack, switched to, finished), with the model's set-up spread over N. The prediction is\n"
	         "N times the bare primitive, measured before the run (floor_ns). --pin runs on one CPU.",
	.default_tasks = 1000,
	.cfg_size = sizeof(struct spawn_cfg),
	.options = spawn_options,
	.setup = spawn_setup,
	.task = spawn_task,
	.verify = spawn_verify,
	.predict = spawn_predict,
	.fields = spawn_fields,
	.text = spawn_text,
	.teardown = spawn_teardown,
};
