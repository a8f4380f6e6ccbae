/* SPDX-License-Identifier: MIT */
/* cli.h: the command line of `simul run` and `simul predict`, parsed into a run. */
#ifndef SIMUL_CLI_H
#define SIMUL_CLI_H

#include "../../workloads/workload.h"

enum sim_format { FMT_TEXT, FMT_CSV, FMT_JSON };

struct sim_cli {
	struct sim_run run;
	const struct sim_workload *workload;
	enum sim_format format;
	bool header;             /* CSV: print the header line */
	const char *trace_path;
	void *wcfg;              /* owned */
};

/* Exit status 2 for a wrong command line. */
#define SIM_EXIT_USAGE 2

/* Parse `simul run|predict WORKLOAD ...` (argv[0] is the subcommand). Returns 0, or exits
 * with status 2 after one line naming the problem and the fix. --help prints and exits 0. */
void sim_cli_parse(struct sim_cli *cli, int argc, char **argv);

/* One-line error + usage hint, exit 2. */
_Noreturn void sim_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Strict number parsers: the whole string, no sign, in [min, max]. 0 or a reason. */
const char *sim_parse_u64(const char *s, double min, double max, uint64_t *out);
const char *sim_parse_double(const char *s, double min, double max, double *out);

#endif
