/* SPDX-License-Identifier: MIT */
/* spawn.h: which limit of the kernel or the user stopped a model making threads or processes. */
#ifndef SIMUL_SPAWN_H
#define SIMUL_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/* Thread stacks for the threadpool model: see threadpool.c for why it is not the default. */
#define SIM_THREAD_STACK (256u * 1024u)

/* Writes into buf (e.g. "vm.max_map_count = 65530, 2 mappings per thread") the limit that
 * allows the fewest threads (threads) or processes, read from /proc, the cgroup and
 * getrlimit. A guess: the kernel does not say which limit fired. */
void sim_spawn_limit(bool threads, char *buf, size_t n);

#endif
