/* SPDX-License-Identifier: MIT */
/* run.c: `simul run` and `simul predict`: set up, run under the model, verify, print one record. */
#include "commands.h"
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

struct job {
	struct sim_cli cli;
	struct sim_record rec;
	struct sim_result *rs;
	char tmp[4200]; /* the trace's unfinished file, renamed into place on success; "" if none */
	int trace_fd;
	char err[256];
};

/* Fail the run: one line on stderr, no record, no trace, exit 1. fmt takes the workload,
 * the model and what. */
static int failed(struct job *j, const char *fmt, const char *what)
{
	fprintf(stderr, fmt, j->cli.workload->name, j->cli.run.model->name, what);
	fputc('\n', stderr);
	if (j->tmp[0])
		unlink(j->tmp);
	j->tmp[0] = 0;
	return 1;
}

/* The trace is written beside its final name and renamed on success, so a failed or
 * interrupted run leaves no half-written file. */
static int trace_begin(struct job *j, const char *cmd)
{
	const char *path = j->cli.opt.trace;
	snprintf(j->tmp, sizeof j->tmp, "%s.tmp.%d", path, (int)getpid());
	j->trace_fd = open(j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (j->trace_fd < 0)
		sim_usage_error(cmd, "--trace '%s': cannot write there (%s): give a writable path", path, strerror(errno));
	sim_trace_open(j->trace_fd);
	sim_signals_unlink_on_exit(j->tmp);
	static const char head[] = "task,worker,phase,start_s,end_s\n";
	if (write(j->trace_fd, head, sizeof head - 1) < 0)
		return failed(j, "simul: %s under %s: cannot write the trace: %s", strerror(errno));
	return 0;
}

static int trace_finish(struct job *j)
{
	/* close() is where a network file system reports a write that failed late. */
	if (close(j->trace_fd) < 0 || rename(j->tmp, j->cli.opt.trace) < 0)
		return failed(j, "simul: %s under %s: cannot write the trace: %s", strerror(errno));
	sim_signals_unlink_on_exit(NULL);
	j->tmp[0] = 0;
	return 0;
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6; }

/* The timed region: the model runs every task; CPU, memory and context switches around it,
 * children included: max_rss_kib sums each reaped child's peak on top of our own, mem_kib
 * counts a page the processes share once (models/model.h, sim_run_memory). */
static int measure(struct job *j)
{
	const struct sim_run *run = &j->cli.run;
	struct sim_record *r = &j->rec;
	j->rs = calloc(run->tasks, sizeof *j->rs);
	if (!j->rs)
		return failed(j, "simul: %s under %s: %s", "out of memory for the results: use fewer --tasks");
	struct rusage s0, c0, s1, c1;
	getrusage(RUSAGE_SELF, &s0);
	getrusage(RUSAGE_CHILDREN, &c0);
	sim_clock_start();
	int e = run->model->run(run, j->rs, j->err, sizeof j->err);
	r->wall_s = sim_now();
	getrusage(RUSAGE_SELF, &s1);
	getrusage(RUSAGE_CHILDREN, &c1);
	if (e < 0)
		return failed(j, "simul: %s under %s: %s", j->err);
	r->user_s = tv_s(s1.ru_utime) - tv_s(s0.ru_utime) + tv_s(c1.ru_utime) - tv_s(c0.ru_utime);
	r->sys_s = tv_s(s1.ru_stime) - tv_s(s0.ru_stime) + tv_s(c1.ru_stime) - tv_s(c0.ru_stime);
	r->voluntary_ctx = (uint64_t)(s1.ru_nvcsw - s0.ru_nvcsw + c1.ru_nvcsw - c0.ru_nvcsw);
	r->involuntary_ctx = (uint64_t)(s1.ru_nivcsw - s0.ru_nivcsw + c1.ru_nivcsw - c0.ru_nivcsw);
	r->max_rss_kib = (uint64_t)s1.ru_maxrss + sim_children_rss_kib();
	r->mem_method = sim_run_memory((uint64_t)s1.ru_maxrss, &r->mem_kib);
	return 0;
}

/* Every task succeeded, and the workload verifies the results. */
static int check_results(struct job *j)
{
	const struct sim_run *run = &j->cli.run;
	const struct sim_result *rs = j->rs;
	uint32_t failures = 0, first = 0;
	for (uint32_t i = run->tasks; i-- > 0;)
		if (rs[i].status != 0) {
			failures++;
			first = i;
		}
	if (failures) {
		char what[400];
		snprintf(what, sizeof what, "%u of %u tasks failed; the first, task %u: %s", failures, run->tasks, first,
		         rs[first].err[0] ? rs[first].err : strerror(-rs[first].status));
		return failed(j, "simul: %s under %s: %s", what);
	}
	j->rec.verified = j->cli.workload->verify(run, rs, j->err, sizeof j->err);
	if (!j->rec.verified)
		return failed(j, "simul: %s under %s: result did not verify: %s", j->err);
	return 0;
}

/* Set-up done: measure (run) or not (predict), then the record. */
static int run_and_print(struct job *j)
{
	const struct sim_workload *w = j->cli.workload;
	struct sim_run *run = &j->cli.run;
	if (j->rec.measured && (measure(j) != 0 || check_results(j) != 0))
		return 1;
	j->rec.predicted_s = w->predict(run);
	if (w->fields)
		w->fields(run, j->rs, &j->rec.extra);
	if (j->tmp[0] && trace_finish(j) != 0)
		return 1;
	sim_record_print(stdout, &j->cli, &j->rec, j->rs);
	if (fflush(stdout) != 0 || ferror(stdout))
		return failed(j, "simul: %s under %s: cannot write the record: %s", strerror(errno));
	return 0;
}

int sim_cmd_run(int argc, char **argv, bool measured)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		fprintf(stderr, "simul: out of memory\n");
		return 1;
	}
	sim_cli_parse(&j->cli, argc, argv);
	j->rec.measured = measured;
	j->trace_fd = -1;
	struct sim_run *run = &j->cli.run;
	const struct sim_workload *w = j->cli.workload;

	sim_signals_install(measured ? run->timeout_s : 0);
	int status = measured && j->cli.opt.trace ? trace_begin(j, argv[0]) : 0;
	if (status == 0 && w->setup && w->setup(run, j->err, sizeof j->err) < 0)
		status = failed(j, "simul: %s under %s: set-up failed: %s", j->err);
	else if (status == 0) {
		status = run_and_print(j);
		if (w->teardown)
			w->teardown(run);
	}
	free(j->rs);
	free(j->cli.wcfg);
	free(j);
	return status;
}
