/* SPDX-License-Identifier: MIT */
/* tracefile.h: --trace FILE written beside its name and renamed into place only after the record is out. */
#ifndef SIMUL_TRACEFILE_H
#define SIMUL_TRACEFILE_H

#if SIMUL_LAYER < 3 /* the layers: CMakeLists.txt */
#error "tracefile.h belongs to the simul command (bench/simul/): a models/ or workloads/ file may not include it"
#endif

#include <stddef.h>

/* The unfinished trace is FILE.tmp.PID in FILE's directory: a failed or interrupted run
 * unlinks it (the signal handlers too), and one killed by SIGKILL, which nothing can catch,
 * leaves it for the next run with the same --trace to remove (its PID is no longer alive). */
struct sim_tracefile {
	const char *path;
	char tmp[4200]; /* "" once renamed or removed */
	int fd;
};

/* Check the path (exit 2 with one line if it cannot be a trace: empty, a directory, not a
 * regular file, or not writable), remove what killed runs left, open the temporary file and
 * write the header. The descriptor goes to the runtime's sim_trace. */
void sim_tracefile_begin(struct sim_tracefile *t, const char *cmd, const char *path);

/* Close it: where a network file system reports a write that failed late. 0 or -errno. */
int sim_tracefile_close(struct sim_tracefile *t);
/* Rename it into place (after the record was written). 0 or -errno. */
int sim_tracefile_commit(struct sim_tracefile *t);
/* Remove it (a failed run). */
void sim_tracefile_discard(struct sim_tracefile *t);

#endif
