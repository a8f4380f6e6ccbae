/* SPDX-License-Identifier: MIT */
/* cli.c: parse `simul run|predict WORKLOAD --model M ...`: common options, then the workload's. */
#include "cli.h"
#include "../../models/spawn.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TASKS 1000000

enum {
	O_MODEL = 1000, O_TASKS, O_WORKERS, O_LIMIT, O_GIL, O_STACK, O_CORES, O_FORMAT, O_NOHEADER,
	O_TRACE, O_TIMEOUT, O_HELP, O_WORKLOAD /* + index of the workload's option */
};

static const struct option common[] = {
	{ "model", required_argument, 0, O_MODEL },
	{ "tasks", required_argument, 0, O_TASKS },
	{ "workers", required_argument, 0, O_WORKERS },
	{ "limit", required_argument, 0, O_LIMIT },
	{ "gil", no_argument, 0, O_GIL },
	{ "stack-kib", required_argument, 0, O_STACK },
	{ "cores", required_argument, 0, O_CORES },
	{ "format", required_argument, 0, O_FORMAT },
	{ "no-header", no_argument, 0, O_NOHEADER },
	{ "trace", required_argument, 0, O_TRACE },
	{ "timeout", required_argument, 0, O_TIMEOUT },
	{ "help", no_argument, 0, O_HELP },
};
#define NCOMMON (sizeof common / sizeof common[0])

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

static void list_names(char *buf, size_t n, bool models)
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

static void print_help(const char *cmd, const struct sim_workload *w)
{
	char models[256];
	list_names(models, sizeof models, true);
	printf("usage: simul %s %s --model MODEL [options]\n\n%s\n\n", cmd, w->name, w->summary);
	if (w->usage)
		printf("%s\n\n", w->usage);
	printf("common options:\n"
	       "  --model M        one of: %s (required)\n"
	       "  --tasks N        tasks to run (default %u)\n"
	       "  --workers W      threadpool/multiprocess pool size; 0 = one thread or process per task\n"
	       "                   (default: threadpool min(32, cores+4) = %u, multiprocess cores = %u)\n"
	       "  --limit L        at most L tasks in flight, like asyncio.Semaphore (default: none)\n"
	       "  --gil            threadpool: a global lock held while computing, handed over every 5 ms\n"
	       "  --stack-kib K    eventloop: coroutine stack size (default %u)\n"
	       "  --cores C        cores the prediction assumes (default: this machine's, %u)\n"
	       "  --format F       text, csv or json (default text)\n"
	       "  --no-header      csv: omit the header line\n"
	       "  --trace FILE     write one line per task phase: task,worker,phase,start_s,end_s\n"
	       "  --timeout S      fail (exit 1, children killed) if the run takes longer (default: none)\n"
	       "  --help           this text\n",
	       models, w->default_tasks, sim_model_threadpool.default_workers(),
	       sim_model_multiprocess.default_workers(), SIM_STACK_KIB_DEFAULT, sim_cores());
	if (w->options[0].name) {
		printf("\n%s options:\n", w->name);
		for (const struct sim_option *o = w->options; o->name; o++) {
			char flag[64];
			snprintf(flag, sizeof flag, "--%s%s", o->name,
			         o->type == SIM_OPT_FLAG ? "" : o->type == SIM_OPT_STR ? " S" : " X");
			printf("  %-16s %s", flag, o->help);
			if (o->def)
				printf(" (default %s)", o->def);
			printf("\n");
		}
	}
	printf("\nexit status: 0 done and verified; 1 the run failed (one line on stderr says why);\n"
	       "2 the command line was wrong.\n");
}

static void set_option(const char *cmd, const struct sim_option *o, void *cfg, const char *val)
{
	char *field = (char *)cfg + o->offset;
	const char *why = NULL;
	switch (o->type) {
	case SIM_OPT_U64:
		why = sim_parse_u64(val, o->min, o->max, (uint64_t *)(void *)field);
		if (why)
			sim_usage_error(cmd, "--%s '%s' %s: give a whole number from %.0f to %.0f", o->name,
			                val, why, o->min, o->max);
		break;
	case SIM_OPT_DOUBLE:
		why = sim_parse_double(val, o->min, o->max, (double *)(void *)field);
		if (why)
			sim_usage_error(cmd, "--%s '%s' %s: give a number from %g to %g", o->name, val, why,
			                o->min, o->max);
		break;
	case SIM_OPT_STR:
		*(const char **)(void *)field = val;
		break;
	case SIM_OPT_FLAG:
		*(bool *)(void *)field = true;
		break;
	}
}

static uint32_t parse_count(const char *cmd, const char *flag, const char *val, double min, double max)
{
	uint64_t v;
	const char *why = sim_parse_u64(val, min, max, &v);
	if (why)
		sim_usage_error(cmd, "--%s '%s' %s: give a whole number from %.0f to %.0f", flag, val, why,
		                min, max);
	return (uint32_t)v;
}

void sim_cli_parse(struct sim_cli *cli, int argc, char **argv)
{
	const char *cmd = argv[0];
	memset(cli, 0, sizeof *cli);
	cli->header = true;
	char names[256];
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			list_names(names, sizeof names, false);
			printf("usage: simul %s WORKLOAD --model MODEL [options]\nworkloads: %s\n"
			       "'simul %s WORKLOAD --help' lists a workload's options; 'simul list' describes all.\n",
			       cmd, names, cmd);
			exit(0);
		}
		list_names(names, sizeof names, false);
		sim_usage_error(cmd, "name a workload first: one of %s", names);
	}
	const struct sim_workload *w = sim_workload_find(argv[1]);
	if (!w) {
		list_names(names, sizeof names, false);
		sim_usage_error(cmd, "unknown workload '%s': choose one of %s", argv[1], names);
	}
	struct sim_run *run = &cli->run;
	cli->workload = w;
	run->task = w->task;
	run->cores = sim_cores();
	run->stack_kib = SIM_STACK_KIB_DEFAULT;
	cli->wcfg = calloc(1, w->cfg_size ? w->cfg_size : 1);
	run->cfg = cli->wcfg;

	size_t nw = 0;
	while (w->options[nw].name)
		nw++;
	struct option opts[64] = { 0 }; /* on the stack: usage errors exit() from inside the loop */
	if (NCOMMON + nw + 1 > sizeof opts / sizeof opts[0])
		sim_usage_error(cmd, "workload %s has too many options for the parser", w->name);
	memcpy(opts, common, sizeof common);
	for (size_t i = 0; i < nw; i++) {
		const struct sim_option *o = &w->options[i];
		opts[NCOMMON + i] = (struct option){ o->name, o->type == SIM_OPT_FLAG ? no_argument : required_argument,
		                                     0, O_WORKLOAD + (int)i };
		if (o->def)
			set_option(cmd, o, cli->wcfg, o->def);
	}

	const char *model = NULL;
	bool workers_given = false, stack_given = false;
	int c;
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_MODEL: model = optarg; break;
		case O_TASKS:
			run->tasks = parse_count(cmd, "tasks", optarg, 1, MAX_TASKS);
			run->tasks_given = true;
			break;
		case O_WORKERS:
			run->workers = parse_count(cmd, "workers", optarg, 0, MAX_TASKS);
			workers_given = true;
			break;
		case O_LIMIT: run->limit = parse_count(cmd, "limit", optarg, 1, MAX_TASKS); break;
		case O_GIL: run->gil = true; break;
		case O_STACK:
			run->stack_kib = parse_count(cmd, "stack-kib", optarg, 16, 65536);
			stack_given = true;
			break;
		case O_CORES: run->cores = parse_count(cmd, "cores", optarg, 1, 65536); break;
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0)
				cli->format = FMT_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				cli->format = FMT_CSV;
			else if (strcmp(optarg, "json") == 0)
				cli->format = FMT_JSON;
			else
				sim_usage_error(cmd, "--format '%s' is unknown: use text, csv or json", optarg);
			break;
		case O_NOHEADER: cli->header = false; break;
		case O_TRACE: cli->trace_path = optarg; break;
		case O_TIMEOUT: {
			const char *why = sim_parse_double(optarg, 0.001, 1e6, &run->timeout_s);
			if (why)
				sim_usage_error(cmd, "--timeout '%s' %s: give seconds from 0.001 to 1000000", optarg, why);
			break;
		}
		case O_HELP: print_help(cmd, w); exit(0);
		case ':': sim_usage_error(cmd, "%s needs a value", argv[optind - 1]);
		case '?':
			if (optopt)
				sim_usage_error(cmd, "unknown option '-%c'", optopt);
			sim_usage_error(cmd, "unknown option '%s' for workload %s", argv[optind - 1], w->name);
		default:
			set_option(cmd, &w->options[c - O_WORKLOAD], cli->wcfg, optarg);
		}
	}
	if (optind < argc)
		sim_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

	list_names(names, sizeof names, true);
	if (!model)
		sim_usage_error(cmd, "--model is missing: choose one of %s", names);
	run->model = sim_model_find(model);
	if (!run->model)
		sim_usage_error(cmd, "unknown model '%s': choose one of %s", model, names);
	const struct sim_model *m = run->model;
	if (workers_given && !m->pool)
		sim_usage_error(cmd, "--workers applies to threadpool and multiprocess, not %s: drop it or "
		                "use --limit", m->name);
	if (!workers_given && m->pool)
		run->workers = m->default_workers();
	if (run->gil && m != &sim_model_threadpool)
		sim_usage_error(cmd, "--gil applies to threadpool only, not %s", m->name);
	if (stack_given && strncmp(m->name, "eventloop", 9) != 0)
		sim_usage_error(cmd, "--stack-kib applies to the eventloop models only, not %s", m->name);
	if (!run->tasks_given)
		run->tasks = w->default_tasks;

	char err[256] = "";
	if (w->check && w->check(run, err, sizeof err) < 0)
		sim_usage_error(cmd, "%s", err);

	/* A thread or process per task needs that many from the kernel at once: refuse up front
	 * what cannot work, rather than fail half-way. */
	if (m->pool && strcmp(cmd, "run") == 0) {
		char which[128];
		long long cap = sim_spawn_capacity(which, sizeof which);
		uint32_t need = sim_run_concurrency(run);
		if (cap > 0 && (long long)need > cap - 64)
			sim_usage_error(cmd, "%s would need %u %s at once but %s on this machine: use "
			                "--workers W or --limit L below %lld, or fewer --tasks",
			                m->name, need, m == &sim_model_threadpool ? "threads" : "processes", which,
			                cap - 64);
	}
}
