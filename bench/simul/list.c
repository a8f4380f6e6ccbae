/* SPDX-License-Identifier: MIT */
/* list.c: `simul list`: the one list of models and workloads (the X-macros'), for people or, as JSON, for scripts. */
#include "commands.h"
#include "cli.h"
#include "opts.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct list_opts {
	unsigned format; /* 0 text, 1 json */
	bool help;
};

static const char *const list_formats[] = { "text", "json", NULL };
static const struct sim_option list_options[] = {
	{ .name = "format", .kind = SIM_OPT_CHOICE, .offset = offsetof(struct list_opts, format), .def = "text",
	  .choices = list_formats, .arg = "F", .help = "text, or json: one object, for scripts" },
	{ .name = "help", .kind = SIM_OPT_FLAG, .offset = offsetof(struct list_opts, help), .help = "this text" },
	{ 0 },
};

static void json_str(const char *s) { sim_json_string(stdout, s); }

static const char *tf(bool b) { return b ? "true" : "false"; }

/* Whether a model runs a workload: one of plain callbacks only those with a callback form
 * (the rule `simul run` refuses by, bench/simul/cli.c), and the workload's own checks pass at
 * its defaults with a worker per task (switch needs two tasks at once: not sequential). */
static bool model_runs(const struct sim_model *m, const struct sim_workload *w)
{
	if ((m->caps & SIM_CAP_STEP) && !w->step)
		return false;
	if (!w->check)
		return true;
	void *cfg = calloc(1, w->cfg_size ? w->cfg_size : 1);
	char err[256];
	struct sim_run run = { .task = w->task, .step = w->step, .step_state = w->step_state, .cfg = cfg,
	                       .model = m, .tasks = w->default_tasks, .cores = sim_cores() };
	bool runs = cfg && sim_options_defaults(w->options, cfg, err, sizeof err) == 0 &&
	            w->check(&run, err, sizeof err) == 0;
	free(cfg);
	return runs;
}

/* The words a sweep selects models by (bench/harness/sweeps.py), each from what the model
 * declares (its serial and parallel flags, its SIM_CAP_*), none from its name. */
static void json_caps(const struct sim_model *m)
{
	const struct {
		const char *word;
		bool has;
	} words[] = {
		{ "serial", m->serial },
		{ "concurrent", !m->serial },
		/* every task its own thread, process or coroutine at once (a pool: --workers 0) */
		{ "per-task", !m->serial },
		{ "parallel", m->parallel },
		{ "pool", sim_model_pool(m) },
		{ "threads", (m->caps & SIM_CAP_THREADS) != 0 },
		{ "processes", (m->caps & SIM_CAP_PROCESSES) != 0 },
		{ "gil", (m->caps & SIM_CAP_GIL) != 0 },
		{ "coroutines", (m->caps & SIM_CAP_STACK) != 0 },
		{ "offload", (m->caps & SIM_CAP_OFFLOAD) != 0 },
		{ "callbacks", (m->caps & SIM_CAP_STEP) != 0 },
	};
	printf(",\"caps\":[");
	bool first = true;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (words[i].has) {
			printf("%s", first ? "" : ",");
			json_str(words[i].word);
			first = false;
		}
	printf("],\"workloads\":[");
	first = true;
	for (const struct sim_workload *const *w = sim_workloads; *w; w++)
		if (model_runs(m, *w)) {
			printf("%s", first ? "" : ",");
			json_str((*w)->name);
			first = false;
		}
	printf("]");
}

/* A model's object: what it is, its family, and what it supports (its SIM_CAP_* flags). */
static void json_model(const struct sim_model *m, bool first)
{
	printf("%s{\"name\":", first ? "" : ",");
	json_str(m->name);
	printf(",\"summary\":");
	json_str(m->summary);
	printf(",\"detail\":");
	json_str(m->detail ? m->detail() : "");
	printf(",\"family\":");
	json_str(m->family);
	const char *kind = m->caps & SIM_CAP_THREADS ? "threads" : m->caps & SIM_CAP_PROCESSES ? "processes" : "none";
	printf(",\"pool\":%s,\"serial\":%s,\"parallel\":%s,\"default_workers\":%u", tf(sim_model_pool(m)),
	       tf(m->serial), tf(m->parallel), m->default_workers ? m->default_workers() : 0);
	printf(",\"workers_kind\":\"%s\",\"gil\":%s,\"stack_kib\":%s,\"offload\":%s,\"callbacks\":%s", kind,
	       tf(m->caps & SIM_CAP_GIL), tf(m->caps & SIM_CAP_STACK), tf(m->caps & SIM_CAP_OFFLOAD),
	       tf(m->caps & SIM_CAP_STEP));
	json_caps(m);
	printf("}");
}

static int list_json(void)
{
	printf("{\"models\":[");
	for (const struct sim_model *const *m = sim_models; *m; m++)
		json_model(*m, m == sim_models);
	printf("],\"workloads\":[");
	for (const struct sim_workload *const *w = sim_workloads; *w; w++) {
		printf("%s{\"name\":", w == sim_workloads ? "" : ",");
		json_str((*w)->name);
		printf(",\"summary\":");
		json_str((*w)->summary);
		printf(",\"default_tasks\":%u,\"callback_form\":%s}", (*w)->default_tasks, tf((*w)->step != NULL));
	}
	printf("]}\n");
	return fflush(stdout) == 0 ? 0 : 1;
}

/* What a model of plain callbacks can run: the workloads that give a callback form. */
static void step_workloads(void)
{
	printf("  %-20s runs the workloads with a callback form:", "");
	for (const struct sim_workload *const *w = sim_workloads; *w; w++)
		if ((*w)->step)
			printf(" %s", (*w)->name);
	printf("\n");
}

static int list_text(void)
{
	printf("models:\n");
	for (const struct sim_model *const *m = sim_models; *m; m++) {
		printf("  %-20s %s\n", (*m)->name, (*m)->summary);
		if ((*m)->detail)
			printf("  %-20s %s\n", "", (*m)->detail());
		if ((*m)->caps & SIM_CAP_STEP)
			step_workloads();
	}
	printf("workloads:\n");
	for (const struct sim_workload *const *w = sim_workloads; *w; w++)
		printf("  %-20s %s\n", (*w)->name, (*w)->summary);
	return fflush(stdout) == 0 ? 0 : 1;
}

int sim_cmd_list(int argc, char **argv)
{
	struct list_opts o = { 0 };
	const struct sim_optgroup g = { list_options, &o };
	bool seen[SIM_OPTS_MAX];
	char err[256];
	if (sim_options_defaults(list_options, &o, err, sizeof err) < 0 ||
	    sim_opts_parse(&g, 1, argc, argv, 1, seen, err, sizeof err) < 0) {
		fprintf(stderr, "simul list: ");
		sim_put_escaped(stderr, err);
		fprintf(stderr, "\nusage: simul list [--format text|json]\n");
		return SIM_EXIT_USAGE;
	}
	if (o.help) {
		printf("usage: simul list [--format text|json]\nPrints the models and workloads, one line each.\n\n");
		sim_opts_help(stdout, list_options, NULL);
		return 0;
	}
	return o.format == 1 ? list_json() : list_text();
}
