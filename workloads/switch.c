/* SPDX-License-Identifier: MIT */
/* switch.c: what a switch costs: two tasks hand a token back and forth through the model's own waiting (claim C8). */
#include "cost.h"
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct switch_cfg {
	uint64_t rounds;
	bool direct, pin;
};

static const struct sim_option switch_options[] = {
	{ .name = "rounds", .kind = SIM_OPT_U64, .offset = offsetof(struct switch_cfg, rounds), .def = "10000",
	  .min = 2, .max = 100000000, .arg = "R",
	  .help = "round trips: task 0 passes the token to task 1 and waits for it back (the first is not timed)" },
	{ .name = "direct", .kind = SIM_OPT_FLAG, .offset = offsetof(struct switch_cfg, direct),
	  .applies = SIM_CAP_STACK, .not_applies = "drop it: a thread or process always waits through the kernel",
	  .help = "hand the token over with a switch straight to the waiting coroutine, not a turn of the loop" },
	{ .name = "pin", .kind = SIM_OPT_FLAG, .offset = offsetof(struct switch_cfg, pin),
	  .help = "run on one CPU (the first this process may use), as taskset -c would" },
	{ 0 },
};

struct switch_state {
	int cpu;        /* pinned to it, or -1 */
	double floor_s; /* one hand-off with the bare mechanism, measured in the set-up */
	bool coro;      /* the model's tasks are coroutines */
	enum sim_cost_prim prim;
};

static const char *via_of(const struct sim_run *run, const struct switch_state *st)
{
	if (!st->coro)
		return "futex";
	return ((const struct switch_cfg *)run->cfg)->direct ? "direct" : "loop";
}

static int switch_check(struct sim_run *run, char *err, size_t errlen)
{
	if (run->tasks_given && run->tasks != 2) {
		snprintf(err, errlen, "--tasks %u: the token goes between two tasks: give --tasks 2 or leave it out",
		         run->tasks);
		return -EINVAL;
	}
	run->tasks = 2;
	if (sim_run_concurrency(run) < 2) {
		snprintf(err, errlen, "%s would run one task at a time%s, and the two tasks must run at once to "
		         "hand a token over: %s", run->model->name,
		         run->model->serial ? "" : run->limit == 1 ? " (--limit 1)" : " (--workers 1)",
		         run->model->serial ? "use threadpool, multiprocess or eventloop" : "allow two at once");
		return -EINVAL;
	}
	return 0;
}

/* Hand-offs in a floor sample (a thread's or a process's), and samples. */
#define FLOOR_ROUNDS 200
#define FLOOR_SAMPLES 5

static int switch_setup(struct sim_run *run, char *err, size_t errlen)
{
	const struct switch_cfg *c = run->cfg;
	struct switch_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (sim_cost_pin(c->pin, &st->cpu, err, errlen) < 0) {
		free(st);
		return -EPERM;
	}
	enum sim_cost_prim p = st->prim = sim_cost_prim_of(run);
	st->coro = p == SIM_PRIM_CORO;
	st->floor_s = st->coro ? sim_cost_coro_switch(FLOOR_SAMPLES)
	                       : sim_cost_pingpong(p == SIM_PRIM_PROCESS, SIM_COST_FREE, FLOOR_ROUNDS, FLOOR_SAMPLES);
	int e = isfinite(st->floor_s) ? sim_tokens_open(2) : -EAGAIN;
	if (e < 0) {
		snprintf(err, errlen, "cannot %s: %s", e == -EAGAIN ? "measure the bare hand-off" : "map the tokens",
		         strerror(-e));
		free(st);
		return e;
	}
	run->state = st;
	return 0;
}

static void switch_teardown(struct sim_run *run)
{
	sim_tokens_close();
	free(run->state);
	run->state = NULL;
}

/* Task 0 passes token 1 and waits for token 0; task 1 the other way round. Each counts the
 * tokens it received; task 0 times every round after the first, which waits for task 1 to
 * start, into value (nanoseconds). */
static void switch_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	const struct switch_cfg *c = run->cfg;
	int e = 0;
	if (i == 0) {
		double t0 = 0;
		for (uint64_t r = 0; e == 0 && r < c->rounds; r++) {
			if (r == 1)
				t0 = sim_now();
			e = c->direct ? sim_token_handoff(1, 0) : sim_token_pass(1);
			if (e == 0 && !c->direct)
				e = sim_token_wait(0);
			out->count += e == 0;
		}
		out->value = (uint64_t)llround((sim_now() - t0) * 1e9);
	} else {
		e = sim_token_wait(1);
		out->count += e == 0;
		for (uint64_t r = 1; e == 0 && r < c->rounds; r++) {
			e = c->direct ? sim_token_handoff(0, 1) : sim_token_pass(0);
			if (e == 0 && !c->direct)
				e = sim_token_wait(1);
			out->count += e == 0;
		}
		if (e == 0)
			e = sim_token_pass(0);
	}
	if (e < 0)
		sim_result_fail(out, e, "task %u: a token hand-off failed: %s", i, strerror(-e));
}

static bool switch_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct switch_cfg *c = run->cfg;
	for (uint32_t i = 0; i < 2; i++)
		if (rs[i].count != c->rounds) {
			snprintf(why, n, "task %u received the token %llu times of %llu", i,
			         (unsigned long long)rs[i].count, (unsigned long long)c->rounds);
			return false;
		}
	if (rs[0].value == 0) {
		snprintf(why, n, "the rounds took no time at all: the clock did not move");
		return false;
	}
	return true;
}

/* Every hand-off at the bare mechanism's cost. */
static double switch_predict(const struct sim_run *run)
{
	const struct switch_state *st = run->state;
	return 2.0 * (double)((const struct switch_cfg *)run->cfg)->rounds * st->floor_s;
}

static double switch_ns(const struct sim_run *run, const struct sim_result *rs)
{
	return (double)rs[0].value / (2.0 * (double)(((const struct switch_cfg *)run->cfg)->rounds - 1));
}

static void switch_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct switch_state *st = run->state;
	sim_field_add(out, "rounds", false, "%llu", (unsigned long long)((const struct switch_cfg *)run->cfg)->rounds);
	sim_field_add(out, "primitive", true, "%s", sim_cost_prim_name[st->prim]);
	sim_field_add(out, "via", true, "%s", via_of(run, st));
	sim_field_add(out, "pinned", false, "%s", st->cpu >= 0 ? "true" : "false");
	sim_field_add(out, "cpu", false, "%d", st->cpu);
	sim_field_add(out, "floor_ns", false, "%.2f", st->floor_s * 1e9);
	if (rs)
		sim_field_add(out, "switch_ns", false, "%.2f", switch_ns(run, rs));
}

static void switch_text(const struct sim_run *run, const struct sim_result *rs, double wall_s, double predicted_s,
                        FILE *out)
{
	(void)wall_s;
	(void)predicted_s;
	const struct switch_state *st = run->state;
	static const char *const how[] = { "futex", "through a turn of the loop", "a direct coroutine switch" };
	const char *v = via_of(run, st);
	fprintf(out, "  hand-offs: %s%s; the bare mechanism: %.2f ns one way\n",
	        v[0] == 'f' ? how[0] : v[0] == 'l' ? how[1] : how[2], st->cpu >= 0 ? ", pinned to one CPU" : "",
	        st->floor_s * 1e9);
	if (rs)
		fprintf(out, "  %.2f ns per one-way switch (timed inside task 0, after the first round)\n",
		        switch_ns(run, rs));
}

const struct sim_workload sim_workload_switch = {
	.name = "switch",
	.summary = "two tasks hand a token back and forth: what a switch costs under each model (C8)",
	.usage = "Task 0 passes a token to task 1 and waits for it back, --rounds times, through the\n"
	         "model's own waiting: a futex for threads and processes (shared memory across fork),\n"
	         "a turn of the loop for the event loop's coroutines, or with --direct a switch straight\n"
	         "from coroutine to coroutine. switch_ns is per one-way hand-off; floor_ns the bare\n"
	         "mechanism, measured before the run. --pin runs on one CPU: no other core to wake.",
	.default_tasks = 2,
	.cfg_size = sizeof(struct switch_cfg),
	.options = switch_options,
	.check = switch_check,
	.setup = switch_setup,
	.task = switch_task,
	.verify = switch_verify,
	.predict = switch_predict,
	.fields = switch_fields,
	.text = switch_text,
	.teardown = switch_teardown,
};
