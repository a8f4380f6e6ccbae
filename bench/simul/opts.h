/* SPDX-License-Identifier: MIT */
/* opts.h: getopt_long driven by option tables (models/options.h): parsing and --help lines. */
#ifndef SIMUL_OPTS_H
#define SIMUL_OPTS_H

#if SIMUL_LAYER < 3 /* the layers: CMakeLists.txt */
#error "opts.h belongs to the simul command (bench/simul/): a models/ or workloads/ file may not include it"
#endif

#include "options.h"

#include <stdio.h>

/* A table and the struct it fills. */
struct sim_optgroup {
	const struct sim_option *opts;
	void *base;
};

#define SIM_OPTS_MAX 64 /* options of all groups together */

/* Parse argv[first..argc) (first >= 1) against the groups, in order, into their bases.
 * seen[k] is set for the k-th option given (counting through the groups in order). 0;
 * -ENOENT for an unknown option; -EINVAL for a bad value, a missing one, or a stray
 * argument: err says which. Each call starts getopt_long afresh, so a process may parse
 * any number of command lines. */
int sim_opts_parse(const struct sim_optgroup *groups, size_t ngroups, int argc, char **argv, int first,
                   bool *seen, char *err, size_t errlen);

/* One --help line per option: "  --name ARG       help (default DEF)". An option that applies
 * to some models only starts with their names; ctx goes to each help_more. */
void sim_opts_help(FILE *out, const struct sim_option *opts, const void *ctx);

/* The models whose capabilities meet `caps` (any of the bits), "a, b and c" into buf; the
 * number of them. */
int sim_models_with(unsigned caps, const char *last_sep, char *buf, size_t n);

#endif
