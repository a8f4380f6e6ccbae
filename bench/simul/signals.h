/* SPDX-License-Identifier: MIT */
/* signals.h: the simul command's policy on SIGINT, SIGTERM, SIGHUP, SIGQUIT and --timeout: kill the children, say so, exit. */
#ifndef SIMUL_SIGNALS_H
#define SIMUL_SIGNALS_H

#if SIMUL_LAYER < 3 /* the layers: CMakeLists.txt */
#error "signals.h belongs to the simul command (bench/simul/): a models/ or workloads/ file may not include it"
#endif

/* SIGINT, SIGTERM, SIGHUP and SIGQUIT (each unless it came ignored: nohup, a script's
 * background job) and SIGALRM after
 * timeout_s (if > 0) kill the run's children, unlink the unfinished trace and exit with a
 * one-line message: 128 + the signal, or 1 for the timeout. SIGPIPE and SIGXFSZ are
 * ignored, so a failed write is an error the run reports rather than a death. */
void sim_signals_install(double timeout_s);
/* A file the signal handlers unlink before exiting (a trace not yet complete), or NULL. */
void sim_signals_unlink_on_exit(const char *path);
/* Unlink that file now, if any: the clean-up of a fatal exit (sim_fatal_setup). Async-signal-safe. */
void sim_signals_unlink_now(void);

#endif
