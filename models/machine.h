/* SPDX-License-Identifier: MIT */
/* machine.h: the machine's limits, read in one place: threads, processes, memory maps, open files. */
#ifndef SIMUL_MACHINE_H
#define SIMUL_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* Thread stacks for the threadpool model: see threadpool.c for why it is not the default. */
#define SIM_THREAD_STACK (256u * 1024u)

/* Writes into buf (e.g. "ulimit -u = 200 (all this user's threads; 200 in use)") the limit
 * that leaves room for the fewest more threads (threads) or processes, read from /proc, the
 * cgroup and getrlimit. A guess: the kernel does not say which limit fired. */
void sim_spawn_limit(bool threads, char *buf, size_t n);

/* How many more threads or processes may start now: the tightest of the limits that count
 * them (pid_max, threads-max, the cgroup's pids.max, ulimit -u) less what each already
 * counts (the machine's threads, the cgroup's, this user's), never below 0. The limit and
 * its use into which ("ulimit -u = 60 (all this user's threads; 58 in use)"), how to raise
 * it into fix; -1 if no limit is known. What `simul run` checks a run against before it
 * starts; the limits on memory (maps, ulimit -v) depend on more than a count and are met
 * at run time (sim_spawn_failed). */
long long sim_spawn_room(char *which, size_t n, char *fix, size_t fixn);
/* What a run makes beyond its workers, at most, that the room must leave: an embedded
 * server's process, a calibration's thread or answering process. */
#define SIM_SPAWN_SPARE 2

/* The one-line error of a model that made only `made` of `want` threads (pthread_create) or
 * processes (fork) and failed with errno e: the likely limit, and what to use instead. */
void sim_spawn_failed(bool threads, uint32_t made, uint32_t want, int e, char *err, size_t errlen);

/* Bytes of memory a run may still take: MemAvailable from /proc/meminfo, or what the
 * cgroup's memory.max leaves if that is less. -1 if neither can be read. */
long long sim_mem_available(void);

/* vm.max_map_count: the memory maps a process may have (each thread's stack and guard are
 * two, an mprotected coroutine guard one more). -1 if it cannot be read. */
long long sim_max_map_count(void);

/* Raise the soft open-files limit (ulimit -n) to the hard one: every socket is a descriptor.
 * The soft limit after, RLIM_INFINITY included; RLIM_INFINITY too if it cannot be read. */
rlim_t sim_nofile_raise(void);

/* What to do about too few open files, into buf: raise the soft limit (ulimit -n, no root
 * needed up to the hard limit) or, once the soft limit is the hard one, the hard limit
 * (ulimit -Hn, as root). want: the limit that would do, or 0 if not known. */
void sim_nofile_fix(unsigned long long want, char *buf, size_t n);

#endif
