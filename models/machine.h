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

/* Writes into buf (e.g. "vm.max_map_count = 65530, 2 mappings per thread") the limit that
 * allows the fewest threads (threads) or processes, read from /proc, the cgroup and
 * getrlimit. A guess: the kernel does not say which limit fired. */
void sim_spawn_limit(bool threads, char *buf, size_t n);

/* How many threads or processes may exist at once, the tightest of the limits that count
 * them (pid_max, threads-max, the cgroup's pids.max, ulimit -u), named into which; -1 if
 * none is known. What `simul run` checks a run against before it starts. */
long long sim_spawn_capacity(char *which, size_t n);

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
