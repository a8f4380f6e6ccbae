/* SPDX-License-Identifier: MIT */
/* main.c: the `simul` command: list, run, predict, serve, fingerprint. */
#include "cli.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: simul COMMAND [options]\n\n"
	             "  list                                  models and workloads, one line each\n"
	             "  run WORKLOAD --model M [options]      run, verify and print one record\n"
	             "  predict WORKLOAD --model M [options]  the analytic prediction alone\n"
	             "  serve [--port P] [--latency-ms L] [--bytes B]   loopback HTTP server for fetch\n"
	             "  fingerprint [--format text|json]      what this machine's primitives cost now\n\n"
	             "'simul COMMAND --help' says more. Exit status: 0 ok, 1 the run failed, 2 bad command line.\n");
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
	if (strcmp(c, "list") == 0)
		return sim_cmd_list(argc - 1, argv + 1);
	if (strcmp(c, "run") == 0)
		return sim_cmd_run(argc - 1, argv + 1, true);
	if (strcmp(c, "predict") == 0)
		return sim_cmd_run(argc - 1, argv + 1, false);
	if (strcmp(c, "serve") == 0)
		return sim_cmd_serve(argc - 1, argv + 1);
	if (strcmp(c, "fingerprint") == 0)
		return sim_cmd_fingerprint(argc - 1, argv + 1);
	fprintf(stderr, "simul: unknown command '");
	sim_put_escaped(stderr, c);
	fprintf(stderr, "': use list, run, predict, serve or fingerprint; 'simul --help' says more\n");
	return SIM_EXIT_USAGE;
}
