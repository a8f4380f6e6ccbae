/* SPDX-License-Identifier: MIT */
/* commands.h: the subcommands of `simul`, one file each; main.c dispatches to them. */
#ifndef SIMUL_COMMANDS_H
#define SIMUL_COMMANDS_H

#if SIMUL_LAYER < 3 /* the layers: CMakeLists.txt */
#error "commands.h belongs to the simul command (bench/simul/): a models/ or workloads/ file may not include it"
#endif

#include <stdbool.h>

/* Each takes argv from the subcommand's name on and returns the exit status. */
int sim_cmd_list(int argc, char **argv);
int sim_cmd_run(int argc, char **argv, bool measured); /* run (measured) or predict */
int sim_cmd_serve(int argc, char **argv);
int sim_cmd_fingerprint(int argc, char **argv);

#endif
