/* SPDX-License-Identifier: MIT */
/* cli.c: parse `simul run|predict WORKLOAD --model M ...`: the common options' one table, then the workload's. */
#include "cli.h"
#include "opts.h"
#include "machine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TASKS 1000000
#define STR_(x) #x
#define STR(x) STR_(x)

static void names(char *buf, size_t n, bool models)
{
	buf[0] = 0;
	size_t used = 0;
	if (models)
		for (const struct sim_model *const *m = sim_models; *m; m++)
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", (*m)->name);
	else
		for (const struct sim_workload *const *w = sim_workloads; *w; w++)
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", (*w)->name);
}

/* The workloads a model of plain callbacks (SIM_CAP_STEP) can run. */
static void callback_workloads(char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = 0;
	for (const struct sim_workload *const *w = sim_workloads; *w && used < n; w++)
		if ((*w)->step)
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", (*w)->name);
}

static void help_models(char *buf, size_t n, const void *ctx)
{
	(void)ctx;
	names(buf, n, true);
}

static void help_tasks(char *buf, size_t n, const void *ctx)
{
	snprintf(buf, n, "(default %u)", ((const struct sim_workload *)ctx)->default_tasks);
}

static void help_workers(char *buf, size_t n, const void *ctx)
{
	(void)ctx;
	size_t used = (size_t)snprintf(buf, n, "(default:");
	for (const struct sim_model *const *m = sim_models; *m && used < n; m++)
		if (sim_model_pool(*m))
			used += (size_t)snprintf(buf + used, n - used, "%s %s %s = %u", used > 9 ? "," : "", (*m)->name,
			                         (*m)->default_workers_rule, (*m)->default_workers());
	if (used < n)
		snprintf(buf + used, n - used, ")");
}

static void help_cores(char *buf, size_t n, const void *ctx)
{
	(void)ctx;
	snprintf(buf, n, "(default: this machine's, %u)", sim_cores());
}

static const char *const formats[] = { "text", "csv", "json", NULL };

#define C(field) offsetof(struct sim_common, field)
static const struct sim_option common[] = {
	{ .name = "model", .kind = SIM_OPT_STR, .offset = C(model), .arg = "M", .help = "required, one of:",
	  .help_more = help_models },
	{ .name = "tasks", .kind = SIM_OPT_MAYBE, .offset = C(tasks), .min = 1, .max = MAX_TASKS, .arg = "N",
	  .help = "tasks to run", .help_more = help_tasks },
	{ .name = "workers", .kind = SIM_OPT_MAYBE, .offset = C(workers), .min = 0, .max = MAX_TASKS, .arg = "W",
	  .help = "pool size; 0 = one thread or process per task", .applies = SIM_CAP_POOL,
	  .not_applies = "drop it or use --limit", .help_more = help_workers },
	{ .name = "limit", .kind = SIM_OPT_U64, .offset = C(limit), .min = 1, .max = MAX_TASKS, .arg = "L",
	  .help = "at most L tasks in flight, like asyncio.Semaphore (default: none)" },
	{ .name = "gil", .kind = SIM_OPT_FLAG, .offset = C(gil), .applies = SIM_CAP_GIL,
	  .help = "a global lock held while computing, handed over every " STR(SIM_GIL_INTERVAL_MS) " ms" },
	{ .name = "stack-kib", .kind = SIM_OPT_U64, .offset = C(stack_kib), .def = STR(SIM_STACK_KIB_DEFAULT),
	  .min = 16, .max = 65536, .arg = "K", .applies = SIM_CAP_STACK, .help = "coroutine stack size" },
	{ .name = "cores", .kind = SIM_OPT_MAYBE, .offset = C(cores), .min = 1, .max = 65536, .arg = "C",
	  .help = "cores the prediction assumes", .help_more = help_cores },
	{ .name = "format", .kind = SIM_OPT_CHOICE, .offset = C(format), .def = "text", .choices = formats,
	  .arg = "F", .help = "text, csv or json" },
	{ .name = "no-header", .kind = SIM_OPT_FLAG, .offset = C(no_header), .help = "csv: omit the header line" },
	{ .name = "trace", .kind = SIM_OPT_STR, .offset = C(trace), .arg = "FILE",
	  .help = "write one line per task phase: task,worker,phase,start_s,end_s" },
	{ .name = "timeout", .kind = SIM_OPT_DOUBLE, .offset = C(timeout_s), .min = 0.001, .max = 1e6, .arg = "S",
	  .noun = "seconds", .help = "fail (exit 1, children killed) if the run takes longer (default: none)" },
	{ .name = "help", .kind = SIM_OPT_FLAG, .offset = C(help), .help = "this text" },
	{ 0 },
};
#undef C
#define NCOMMON (sizeof common / sizeof common[0] - 1)

_Noreturn void sim_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "simul %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: simul %s WORKLOAD --model MODEL [options]; 'simul %s WORKLOAD --help' lists them\n",
	        cmd, cmd);
	exit(SIM_EXIT_USAGE);
}

static void print_help(const char *cmd, const struct sim_workload *w)
{
	printf("usage: simul %s %s --model MODEL [options]\n\n%s\n\n", cmd, w->name, w->summary);
	if (w->usage)
		printf("%s\n\n", w->usage);
	printf("common options:\n");
	sim_opts_help(stdout, common, w);
	if (w->options[0].name) {
		printf("\n%s options:\n", w->name);
		sim_opts_help(stdout, w->options, w);
	}
	printf("\nexit status: 0 done and verified; 1 the run failed (one line on stderr says why);\n"
	       "2 the command line was wrong.\n");
}

/* argv[1], the workload; `simul run --help` and a missing or unknown name end here. */
static const struct sim_workload *workload_arg(const char *cmd, int argc, char **argv)
{
	char list[256];
	names(list, sizeof list, false);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: simul %s WORKLOAD --model MODEL [options]\nworkloads: %s\n"
		       "'simul %s WORKLOAD --help' lists a workload's options; 'simul list' describes all.\n",
		       cmd, list, cmd);
		exit(0);
	}
	if (argc < 2 || argv[1][0] == '-')
		sim_usage_error(cmd, "name a workload first: one of %s", list);
	const struct sim_workload *w = sim_workload_find(argv[1]);
	if (!w)
		sim_usage_error(cmd, "unknown workload '%s': choose one of %s", argv[1], list);
	return w;
}

/* The model --model names, and none of the options it does not support. */
static const struct sim_model *model_arg(const char *cmd, const struct sim_common *o, const bool *seen)
{
	char list[256];
	names(list, sizeof list, true);
	if (!o->model)
		sim_usage_error(cmd, "--model is missing: choose one of %s", list);
	const struct sim_model *m = sim_model_find(o->model);
	if (!m)
		sim_usage_error(cmd, "unknown model '%s': choose one of %s", o->model, list);
	for (size_t i = 0; i < NCOMMON; i++) {
		const struct sim_option *c = &common[i];
		if (!seen[i] || !c->applies || (m->caps & c->applies))
			continue;
		char who[160];
		int k = sim_models_with(c->applies, " and ", who, sizeof who);
		sim_usage_error(cmd, "--%s applies to %s%s, not %s%s%s", c->name, who, k == 1 ? " only" : "", m->name,
		                c->not_applies ? ": " : "", c->not_applies ? c->not_applies : "");
	}
	return m;
}

static void parse_options(struct sim_cli *cli, int argc, char **argv, bool *seen)
{
	const char *cmd = argv[0];
	const struct sim_workload *w = cli->workload;
	char err[256];
	if (sim_options_defaults(common, &cli->opt, err, sizeof err) < 0 ||
	    sim_options_defaults(w->options, cli->wcfg, err, sizeof err) < 0)
		sim_usage_error(cmd, "%s", err);
	const struct sim_optgroup groups[] = { { common, &cli->opt }, { w->options, cli->wcfg } };
	int e = sim_opts_parse(groups, 2, argc, argv, 2, seen, err, sizeof err);
	if (e == -ENOENT)
		sim_usage_error(cmd, "%s for workload %s", err, w->name);
	if (e < 0)
		sim_usage_error(cmd, "%s", err);
	if (cli->opt.help) {
		print_help(cmd, w);
		exit(0);
	}
}

/* A thread or process per task needs that many from the kernel at once: refuse up front
 * what cannot work, rather than fail half-way. */
static void check_capacity(const char *cmd, const struct sim_run *run)
{
	const struct sim_model *m = run->model;
	char which[128];
	long long cap = sim_spawn_capacity(which, sizeof which);
	uint32_t need = sim_run_concurrency(run);
	if (cap > 0 && (long long)need > cap - 64)
		sim_usage_error(cmd, "%s would need %u %s at once but %s on this machine: use "
		                "--workers W or --limit L below %lld, or fewer --tasks",
		                m->name, need, m->caps & SIM_CAP_THREADS ? "threads" : "processes", which, cap - 64);
}

void sim_cli_parse(struct sim_cli *cli, int argc, char **argv)
{
	const char *cmd = argv[0];
	memset(cli, 0, sizeof *cli);
	const struct sim_workload *w = workload_arg(cmd, argc, argv);
	cli->workload = w;
	cli->wcfg = calloc(1, w->cfg_size ? w->cfg_size : 1);
	bool seen[SIM_OPTS_MAX];
	parse_options(cli, argc, argv, seen);

	const struct sim_common *o = &cli->opt;
	struct sim_run *run = &cli->run;
	const struct sim_model *m = model_arg(cmd, o, seen);
	if ((m->caps & SIM_CAP_STEP) && !w->step) {
		char who[256];
		callback_workloads(who, sizeof who);
		sim_usage_error(cmd, "%s runs only the workloads with a callback form (%s); %s has none: use "
		                "--model eventloop for it", m->name, who, w->name);
	}
	*run = (struct sim_run){
		.task = w->task,
		.step = w->step,
		.step_state = w->step_state,
		.cfg = cli->wcfg,
		.model = m,
		.tasks = o->tasks.given ? (uint32_t)o->tasks.value : w->default_tasks,
		.tasks_given = o->tasks.given,
		.workers = !sim_model_pool(m) ? 0 : o->workers.given ? (uint32_t)o->workers.value : m->default_workers(),
		.limit = (uint32_t)o->limit,
		.gil = o->gil,
		.stack_kib = (uint32_t)o->stack_kib,
		.cores = o->cores.given ? (uint32_t)o->cores.value : sim_cores(),
		.timeout_s = o->timeout_s,
	};
	char err[256] = "";
	if (w->check && w->check(run, err, sizeof err) < 0)
		sim_usage_error(cmd, "%s", err);
	if (sim_model_pool(m) && strcmp(cmd, "run") == 0)
		check_capacity(cmd, run);
}
