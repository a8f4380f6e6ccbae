/* SPDX-License-Identifier: MIT */
/* signals.h: the simul command's policy on SIGINT, SIGTERM, SIGHUP, SIGQUIT and --timeout: kill the children, say so, exit. */
#ifndef SIMUL_SIGNALS_H
#define SIMUL_SIGNALS_H

#if SIMUL_LAYER < 3 /* the layers: CMakeLists.txt */
#error "signals.h belongs to the simul command (bench/simul/): a models/ or workloads/ file may not include it"
#endif

/* SIGINT/SIGTERM, SIGHUP/SIGQUIT (unless inherited ignored, as nohup does) and SIGALRM after
 * timeout_s (if > 0) kill the run's children, unlink the unfinished trace and exit with a
 * one-line message: 128 + the signal, or 1 for the timeout. SIGPIPE and SIGXFSZ are
 * ignored, so a failed write is an error the run reports rather than a death. */
void sim_signals_install(double timeout_s);
/* A model's sim_fail_now ends the run as a signal does, but with exit 1 and its one line,
 * "simul: WORKLOAD under MODEL: ...". */
void sim_signals_fail_prefix(const char *workload, const char *model);
/* A file the signal handlers unlink before exiting (a trace not yet complete), or NULL. */
void sim_signals_unlink_on_exit(const char *path);

#endif
