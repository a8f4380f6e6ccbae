/* SPDX-License-Identifier: MIT */
/* run.c: `simul run` and `simul predict`: set up, run under the model, verify, print one record. */
#include "commands.h"
#include "cli.h"
#include "record.h"
#include "signals.h"
#include "tracefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct job {
	struct sim_cli cli;
	struct sim_record rec;
	struct sim_result *rs;
	struct sim_tally tally; /* the run's latencies and its first failure's message */
	struct sim_tracefile trace; /* trace.tmp is "" without --trace */
	char err[256];
};

/* Fail the run: one line on stderr, no record, no trace, exit 1. fmt takes the workload,
 * the model and what. */
static int failed(struct job *j, const char *fmt, const char *what)
{
	fprintf(stderr, fmt, j->cli.workload->name, j->cli.run.model->name, what);
	fputc('\n', stderr);
	sim_tracefile_discard(&j->trace);
	return 1;
}

static void touch_pages(void *p, size_t n)
{
	volatile char *c = p;
	long page = sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < n; i += page > 0 ? (size_t)page : 4096)
		c[i] = 0;
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
	/* Touched before the clock starts: the results are the command's, and their first-touch
	 * page faults (40 bytes a task) would otherwise be charged to whichever model writes them.
	 * Through a volatile pointer: gcc drops a memset of zeros on calloc's memory as
	 * redundant, and the faults came back inside the timed region (half of a coroutine's
	 * creation cost at a million tasks). */
	touch_pages(j->rs, (size_t)run->tasks * sizeof *j->rs);
	struct rusage s0, c0, s1, c1;
	getrusage(RUSAGE_SELF, &s0);
	getrusage(RUSAGE_CHILDREN, &c0);
	sim_clock_start();
	int e = run->model->run(run, j->rs, j->err, sizeof j->err);
	r->wall_s = sim_now();
	j->cli.run.wall_s = r->wall_s; /* for the workloads' per-task figures (spawn_ns) */
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
	const struct sim_tally *t = &j->tally;
	uint32_t failures = 0, first = 0;
	for (uint32_t i = run->tasks; i-- > 0;)
		if (rs[i].status != 0) {
			failures++;
			first = i;
		}
	if (failures) {
		char what[400];
		snprintf(what, sizeof what, "%u of %u tasks failed; the first, task %u: %s", failures, run->tasks, first,
		         t->err_status != 0 && t->err_task == first ? t->err : strerror(-rs[first].status));
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
	/* The trace goes into place only once the record is out: a run whose record could not
	 * be written (a full disk) leaves no trace either. */
	bool tracing = j->trace.tmp[0] != 0;
	int e = tracing ? sim_tracefile_close(&j->trace) : 0;
	if (e < 0)
		return failed(j, "simul: %s under %s: cannot write the trace: %s", strerror(-e));
	sim_record_print(stdout, &j->cli, &j->rec, j->rs);
	if (fflush(stdout) != 0 || ferror(stdout))
		return failed(j, "simul: %s under %s: cannot write the record: %s", strerror(errno));
	e = tracing ? sim_tracefile_commit(&j->trace) : 0;
	if (e < 0)
		return failed(j, "simul: %s under %s: the record is out, but the trace could not be renamed into "
		              "place: %s", strerror(-e));
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
	j->trace.fd = -1;
	struct sim_run *run = &j->cli.run;
	const struct sim_workload *w = j->cli.workload;
	run->tally = &j->tally;

	sim_signals_install(measured ? run->timeout_s : 0);
	char prefix[256];
	snprintf(prefix, sizeof prefix, "simul: %s under %s: ", w->name, run->model->name);
	sim_fatal_setup(prefix, sim_signals_unlink_now);
	if (measured && j->cli.opt.trace) {
		sim_tracefile_begin(&j->trace, argv[0], j->cli.opt.trace);
		sim_trace_open(j->trace.fd);
	}
	int status = 0;
	if (w->setup && w->setup(run, j->err, sizeof j->err) < 0)
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
