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

/* Far more than fits anywhere: what bounds a run is memory, checked against the model's
 * estimate (sim_run_memory_check, models/memory.c), and the machine's thread and process limits. */
#define MAX_TASKS 100000000
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
	{ .name = "stack", .kind = SIM_OPT_CHOICE, .offset = C(stack), .def = "copy", .choices = sim_stack_names,
	  .arg = "S", .applies = SIM_CAP_STACK,
	  .help = "copy: tasks take turns on two run stacks, a waiting task's frames copied out to fit when another needs its stack; guarded: "
	          "a stack of --stack-kib each, with a guard page" },
	{ .name = "stack-kib", .kind = SIM_OPT_U64, .offset = C(stack_kib), .def = STR(SIM_STACK_KIB_DEFAULT),
	  .min = 16, .max = 65536, .arg = "K", .applies = SIM_CAP_STACK,
	  .help = "each run stack's size (--stack copy), or each task's (guarded)" },
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

void sim_put_escaped(FILE *out, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			fprintf(out, "\\x%02x", *c);
		else
			fputc(*c, out);
}

_Noreturn void sim_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "simul %s: ", cmd);
	sim_put_escaped(stderr, msg);
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

/* argv[1], the workload; `simul run --help` (help printed: 1) and a missing or unknown
 * name end here. 0, 1, or -EINVAL with err. */
static int workload_arg(const char *cmd, int argc, char **argv, const struct sim_workload **out, char *err,
                        size_t errlen)
{
	char list[256];
	names(list, sizeof list, false);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: simul %s WORKLOAD --model MODEL [options]\nworkloads: %s\n"
		       "'simul %s WORKLOAD --help' lists a workload's options; 'simul list' describes all.\n",
		       cmd, list, cmd);
		return 1;
	}
	if (argc < 2 || argv[1][0] == '-') {
		snprintf(err, errlen, "name a workload first: one of %s", list);
		return -EINVAL;
	}
	*out = sim_workload_find(argv[1]);
	if (!*out) {
		snprintf(err, errlen, "unknown workload '%s': choose one of %s", argv[1], list);
		return -EINVAL;
	}
	return 0;
}

/* An option given that model m does not support (the common table's, or the workload's,
 * whose seen[] follow the common ones): -EINVAL naming the models it applies to. */
static int refuse_inapplicable(const struct sim_option *opts, const bool *seen, const struct sim_model *m,
                               char *err, size_t errlen)
{
	for (size_t i = 0; opts[i].name; i++) {
		const struct sim_option *c = &opts[i];
		if (!seen[i] || !c->applies || (m->caps & c->applies))
			continue;
		char who[160];
		int k = sim_models_with(c->applies, " and ", who, sizeof who);
		snprintf(err, errlen, "--%s applies to %s%s, not %s%s%s", c->name, who, k == 1 ? " only" : "", m->name,
		         c->not_applies ? ": " : "", c->not_applies ? c->not_applies : "");
		return -EINVAL;
	}
	return 0;
}

/* The model --model names, and none of the options it does not support. 0 or -EINVAL. */
static int model_arg(const struct sim_common *o, const bool *seen, const struct sim_workload *w,
                     const struct sim_model **out, char *err, size_t errlen)
{
	char list[256];
	names(list, sizeof list, true);
	if (!o->model) {
		snprintf(err, errlen, "--model is missing: choose one of %s", list);
		return -EINVAL;
	}
	const struct sim_model *m = sim_model_find(o->model);
	if (!m) {
		snprintf(err, errlen, "unknown model '%s': choose one of %s", o->model, list);
		return -EINVAL;
	}
	if (refuse_inapplicable(common, seen, m, err, errlen) < 0 ||
	    refuse_inapplicable(w->options, seen + NCOMMON, m, err, errlen) < 0)
		return -EINVAL;
	*out = m;
	return 0;
}

/* 0, 1 (--help printed) or -EINVAL with err. */
static int parse_options(struct sim_cli *cli, int argc, char **argv, bool *seen, char *err, size_t errlen)
{
	const struct sim_workload *w = cli->workload;
	if (sim_options_defaults(common, &cli->opt, err, errlen) < 0 ||
	    sim_options_defaults(w->options, cli->wcfg, err, errlen) < 0)
		return -EINVAL;
	const struct sim_optgroup groups[] = { { common, &cli->opt }, { w->options, cli->wcfg } };
	int e = sim_opts_parse(groups, 2, argc, argv, 2, seen, err, errlen);
	if (e == -ENOENT) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " for workload %s", w->name);
	}
	if (e < 0)
		return -EINVAL;
	if (cli->opt.help) {
		print_help(argv[0], w);
		return 1;
	}
	return 0;
}

/* A thread or process per task needs that many from the kernel at once: refuse up front
 * what cannot work, rather than fail half-way, with a figure that fits, or, if none does,
 * how to raise the limit. What the user already runs counts (sim_spawn_room). */
static int check_capacity(const struct sim_run *run, char *err, size_t errlen)
{
	const struct sim_model *m = run->model;
	bool threads = (m->caps & SIM_CAP_THREADS) != 0;
	char which[200], fix[200];
	long long room = sim_spawn_room(which, sizeof which, fix, sizeof fix);
	long long fits = room - SIM_SPAWN_SPARE;
	uint32_t need = sim_run_concurrency(run);
	if (room < 0 || (long long)need <= fits)
		return 0;
	const char *what = need == 1 ? (threads ? "thread" : "process") : threads ? "threads" : "processes";
	if (fits >= 1)
		snprintf(err, errlen, "%s would need %u %s at once but only %lld more fit, by %s: use --workers W or "
		         "--limit L of at most %lld, or fewer --tasks", m->name, need, what, fits, which, fits);
	else
		snprintf(err, errlen, "%s would need %u %s at once but none fit, by %s: %s", m->name, need, what, which,
		         fix);
	return -EINVAL;
}

int sim_cli_try(struct sim_cli *cli, int argc, char **argv, char *err, size_t errlen)
{
	const char *cmd = argv[0];
	memset(cli, 0, sizeof *cli);
	err[0] = 0;
	const struct sim_workload *w = NULL;
	int e = workload_arg(cmd, argc, argv, &w, err, errlen);
	if (e != 0)
		return e;
	cli->workload = w;
	cli->wcfg = calloc(1, w->cfg_size ? w->cfg_size : 1);
	if (!cli->wcfg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	bool seen[SIM_OPTS_MAX];
	if ((e = parse_options(cli, argc, argv, seen, err, errlen)) != 0)
		return e;

	const struct sim_common *o = &cli->opt;
	struct sim_run *run = &cli->run;
	const struct sim_model *m = NULL;
	if ((e = model_arg(o, seen, w, &m, err, errlen)) < 0)
		return e;
	if ((m->caps & SIM_CAP_STEP) && !w->step) {
		char who[256];
		callback_workloads(who, sizeof who);
		snprintf(err, errlen, "%s runs only the workloads with a callback form (%s); %s has none: use "
		         "--model eventloop for it", m->name, who, w->name);
		return -EINVAL;
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
		.stack = (enum sim_stack_kind)o->stack,
		.cores = o->cores.given ? (uint32_t)o->cores.value : sim_cores(),
		.timeout_s = o->timeout_s,
	};
	if (w->check && w->check(run, err, errlen) < 0)
		return -EINVAL;
	if (m->check && strcmp(cmd, "run") == 0 && m->check(run, err, errlen) < 0)
		return -EINVAL;
	if (sim_model_pool(m) && strcmp(cmd, "run") == 0)
		if (check_capacity(run, err, errlen) < 0)
			return -EINVAL;
	if (strcmp(cmd, "run") == 0)
		return sim_run_memory_check(run, err, errlen) < 0 ? -EINVAL : 0;
	return 0;
}

void sim_cli_free(struct sim_cli *cli)
{
	free(cli->wcfg);
	cli->wcfg = NULL;
}

void sim_cli_parse(struct sim_cli *cli, int argc, char **argv)
{
	char err[512];
	int e = sim_cli_try(cli, argc, argv, err, sizeof err);
	if (e == 1)
		exit(0);
	if (e < 0)
		sim_usage_error(argv[0], "%s", err);
}
