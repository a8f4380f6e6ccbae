/* SPDX-License-Identifier: MIT */
/* main.c: the `simul` command: list, run, predict, serve. */
#include "cli.h"
#include "record.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int sim_serve_main(int argc, char **argv); /* serve.c */

static void usage(FILE *out)
{
	fprintf(out, "usage: simul COMMAND [options]\n\n"
	             "  list                                  models and workloads, one line each\n"
	             "  run WORKLOAD --model M [options]      run, verify and print one record\n"
	             "  predict WORKLOAD --model M [options]  the analytic prediction alone\n"
	             "  serve [--port P] [--latency-ms L] [--bytes B]   loopback HTTP server for fetch\n\n"
	             "'simul COMMAND --help' says more. Exit status: 0 ok, 1 the run failed, 2 bad command line.\n");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* The one list of models and workloads (the X-macros'), for people or, as JSON, for the harness. */
static int cmd_list(bool json)
{
	if (json) {
		printf("{\"models\":[");
		for (const struct sim_model *const *m = sim_models; *m; m++) {
			printf("%s{\"name\":", m == sim_models ? "" : ",");
			json_str((*m)->name);
			printf(",\"summary\":");
			json_str((*m)->summary);
			printf(",\"detail\":");
			json_str((*m)->detail ? (*m)->detail() : "");
			printf(",\"pool\":%s,\"serial\":%s,\"parallel\":%s,\"default_workers\":%u}",
			       (*m)->pool ? "true" : "false", (*m)->serial ? "true" : "false",
			       (*m)->parallel ? "true" : "false", (*m)->default_workers ? (*m)->default_workers() : 0);
		}
		printf("],\"workloads\":[");
		for (const struct sim_workload *const *w = sim_workloads; *w; w++) {
			printf("%s{\"name\":", w == sim_workloads ? "" : ",");
			json_str((*w)->name);
			printf(",\"summary\":");
			json_str((*w)->summary);
			printf(",\"default_tasks\":%u}", (*w)->default_tasks);
		}
		printf("]}\n");
		return fflush(stdout) == 0 ? 0 : 1;
	}
	printf("models:\n");
	for (const struct sim_model *const *m = sim_models; *m; m++) {
		printf("  %-14s %s\n", (*m)->name, (*m)->summary);
		if ((*m)->detail)
			printf("  %-14s %s\n", "", (*m)->detail());
	}
	printf("workloads:\n");
	for (const struct sim_workload *const *w = sim_workloads; *w; w++)
		printf("  %-14s %s\n", (*w)->name, (*w)->summary);
	return 0;
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6; }

/* Fail the run: one line on stderr, no record, no trace (tmp: its unfinished file, or ""), exit 1. */
static int run_failed(struct sim_cli *cli, const char *tmp, const char *fmt, const char *what)
{
	fprintf(stderr, fmt, cli->workload->name, cli->run.model->name, what);
	fputc('\n', stderr);
	if (tmp[0])
		unlink(tmp);
	return 1;
}

static int cmd_run(int argc, char **argv, bool measure)
{
	struct sim_cli cli;
	sim_cli_parse(&cli, argc, argv);
	struct sim_run *run = &cli.run;
	const struct sim_workload *w = cli.workload;
	char err[256] = "";
	char tmp[4200] = "";
	int trace_fd = -1;

	sim_signals_install(measure ? run->timeout_s : 0);
	if (measure && cli.trace_path) {
		/* The trace is written beside its final name and renamed on success, so a failed or
		 * interrupted run leaves no half-written file. */
		snprintf(tmp, sizeof tmp, "%s.tmp.%d", cli.trace_path, (int)getpid());
		trace_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
		if (trace_fd < 0)
			sim_usage_error(argv[0], "--trace '%s': cannot write there (%s): give a writable path",
			                cli.trace_path, strerror(errno));
		sim_trace_open(trace_fd);
		sim_signals_unlink_on_exit(tmp);
		static const char head[] = "task,worker,phase,start_s,end_s\n";
		if (write(trace_fd, head, sizeof head - 1) < 0)
			return run_failed(&cli, tmp, "simul: %s under %s: cannot write the trace: %s", strerror(errno));
	}

	if (w->setup && w->setup(run, err, sizeof err) < 0) {
		int st = run_failed(&cli, tmp, "simul: %s under %s: set-up failed: %s", err);
		free(cli.wcfg);
		return st;
	}

	struct sim_record rec = { .measured = measure };
	struct sim_result *rs = NULL;
	int status = 0;
	if (measure) {
		rs = calloc(run->tasks, sizeof *rs);
		if (!rs) {
			status = run_failed(&cli, tmp, "simul: %s under %s: %s",
			                    "out of memory for the results: use fewer --tasks");
			goto out;
		}
		struct rusage s0, c0, s1, c1;
		getrusage(RUSAGE_SELF, &s0);
		getrusage(RUSAGE_CHILDREN, &c0);
		sim_clock_start();
		int e = run->model->run(run, rs, err, sizeof err);
		rec.wall_s = sim_now();
		getrusage(RUSAGE_SELF, &s1);
		getrusage(RUSAGE_CHILDREN, &c1);
		if (e < 0) {
			status = run_failed(&cli, tmp, "simul: %s under %s: %s", err);
			goto out;
		}
		rec.user_s = tv_s(s1.ru_utime) - tv_s(s0.ru_utime) + tv_s(c1.ru_utime) - tv_s(c0.ru_utime);
		rec.sys_s = tv_s(s1.ru_stime) - tv_s(s0.ru_stime) + tv_s(c1.ru_stime) - tv_s(c0.ru_stime);
		rec.voluntary_ctx = (uint64_t)(s1.ru_nvcsw - s0.ru_nvcsw + c1.ru_nvcsw - c0.ru_nvcsw);
		rec.involuntary_ctx = (uint64_t)(s1.ru_nivcsw - s0.ru_nivcsw + c1.ru_nivcsw - c0.ru_nivcsw);
		/* Children included: the sum of each reaped child's peak, on top of our own. */
		rec.max_rss_kib = (uint64_t)s1.ru_maxrss + sim_children_rss_kib();

		uint32_t failed = 0, first = 0;
		for (uint32_t i = run->tasks; i-- > 0;)
			if (rs[i].status != 0) {
				failed++;
				first = i;
			}
		if (failed) {
			char what[400];
			snprintf(what, sizeof what, "%u of %u tasks failed; the first, task %u: %s", failed,
			         run->tasks, first, rs[first].err[0] ? rs[first].err : strerror(-rs[first].status));
			status = run_failed(&cli, tmp, "simul: %s under %s: %s", what);
			goto out;
		}
		rec.verified = w->verify(run, rs, err, sizeof err);
		if (!rec.verified) {
			status = run_failed(&cli, tmp, "simul: %s under %s: result did not verify: %s", err);
			goto out;
		}
	}
	rec.predicted_s = w->predict(run);
	if (w->fields)
		w->fields(run, rs, &rec.extra);
	if (tmp[0]) {
		/* close() is where a network file system reports a write that failed late. */
		if (close(trace_fd) < 0 || rename(tmp, cli.trace_path) < 0) {
			status = run_failed(&cli, tmp, "simul: %s under %s: cannot write the trace: %s", strerror(errno));
			goto out;
		}
		sim_signals_unlink_on_exit(NULL);
		tmp[0] = 0;
	}
	sim_record_print(stdout, &cli, &rec, rs);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = run_failed(&cli, "", "simul: %s under %s: cannot write the record: %s", strerror(errno));
out:
	if (w->teardown)
		w->teardown(run);
	free(rs);
	free(cli.wcfg);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return SIM_EXIT_USAGE;
	}
	const char *c = argv[1];
	if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0 || strcmp(c, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(c, "list") == 0) {
		if (argc > 2 && strcmp(argv[2], "--help") == 0) {
			printf("usage: simul list [--format text|json]\nPrints the models and workloads, one line "
			       "each (json: one object, for scripts).\n");
			return 0;
		}
		bool json = false;
		if (argc == 4 && strcmp(argv[2], "--format") == 0 &&
		    (strcmp(argv[3], "json") == 0 || strcmp(argv[3], "text") == 0))
			json = strcmp(argv[3], "json") == 0;
		else if (argc > 2) {
			fprintf(stderr, "simul list: unexpected argument '%s': it takes only --format text|json\n",
			        argv[2]);
			return SIM_EXIT_USAGE;
		}
		return cmd_list(json);
	}
	if (strcmp(c, "run") == 0)
		return cmd_run(argc - 1, argv + 1, true);
	if (strcmp(c, "predict") == 0)
		return cmd_run(argc - 1, argv + 1, false);
	if (strcmp(c, "serve") == 0)
		return sim_serve_main(argc - 1, argv + 1);
	fprintf(stderr, "simul: unknown command '%s': use list, run, predict or serve\n", c);
	usage(stderr);
	return SIM_EXIT_USAGE;
}
