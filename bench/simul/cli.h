/* SPDX-License-Identifier: MIT */
/* cli.h: the command line of `simul run` and `simul predict`, parsed into a run. */
#ifndef SIMUL_CLI_H
#define SIMUL_CLI_H

#if SIMUL_LAYER < 3 /* the layers: CMakeLists.txt */
#error "cli.h belongs to the simul command (bench/simul/): a models/ or workloads/ file may not include it"
#endif

#include "workload.h"

#include <stdio.h>

enum sim_format { FMT_TEXT, FMT_CSV, FMT_JSON };

/* The common options, as their one table (cli.c) fills them. */
struct sim_common {
	const char *model;
	struct sim_maybe tasks, workers, cores;
	uint64_t limit, stack_kib;
	unsigned stack;         /* enum sim_stack_kind */
	bool gil, no_header, help;
	unsigned format;        /* enum sim_format */
	const char *trace;      /* --trace FILE, or NULL */
	double timeout_s;
};

struct sim_cli {
	struct sim_run run;
	const struct sim_workload *workload;
	struct sim_common opt;
	void *wcfg;              /* the workload's options; owned */
};

/* Exit status 2 for a wrong command line. */
#define SIM_EXIT_USAGE 2

/* Parse `simul run|predict WORKLOAD ...` (argv[0] is the subcommand). Returns, or exits
 * with status 2 after one line naming the problem and the fix. --help prints and exits 0. */
void sim_cli_parse(struct sim_cli *cli, int argc, char **argv);

/* The same, never exiting: 0; 1 when --help was asked for (and printed); or -errno with
 * the one-line problem in err (what sim_cli_parse prints after "simul CMD: "). getopt_long
 * may permute argv. Free with sim_cli_free whatever it returned. */
int sim_cli_try(struct sim_cli *cli, int argc, char **argv, char *err, size_t errlen);
void sim_cli_free(struct sim_cli *cli);

/* s as it is, but its control characters as \xNN: an error quoting an argument stays one line. */
void sim_put_escaped(FILE *out, const char *s);

/* One-line error (control characters escaped) + usage hint, exit 2. */
_Noreturn void sim_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
