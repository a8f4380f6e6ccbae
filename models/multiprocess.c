/* SPDX-License-Identifier: MIT */
/* multiprocess.c: W fork()ed workers pull tasks through shared memory, or one process per task. */
#include "model.h"
#include "machine.h"
#include "workermem.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Mapped MAP_SHARED before the first fork: children write their results straight here and
 * take task numbers from `next`; each worker process has a tally of its own after the
 * results (tallies()). The parent copies the results out and merges the tallies once all
 * are reaped. */
struct shm {
	atomic_uint next;
	char pad[64 - sizeof(atomic_uint)]; /* the counter alone on its cache line */
	struct sim_result results[];
};

static size_t tallies_offset(uint32_t tasks)
{
	size_t off = sizeof(struct shm) + (size_t)tasks * sizeof(struct sim_result), a = _Alignof(struct sim_tally);
	return (off + a - 1) / a * a;
}

static struct sim_tally *tallies(struct shm *shm, uint32_t tasks)
{
	return (struct sim_tally *)(void *)((char *)shm + tallies_offset(tasks));
}

/* The live children by pid: open addressing with linear probing, sized to twice the most
 * that are alive at once, so finding the child waitid() names costs O(1) even with
 * thousands alive. */
struct kid {
	pid_t pid; /* 0 = empty */
	int slot;  /* in the child registry */
};

struct kids {
	struct kid *t;
	uint32_t mask;
	struct sim_workermem mem; /* the workers' private memory, for the run's (workermem.h) */
};

static uint32_t kid_hash(const struct kids *k, pid_t pid) { return ((uint32_t)pid * 2654435761u) & k->mask; }

static void kid_add(struct kids *k, pid_t pid, int slot)
{
	uint32_t i = kid_hash(k, pid);
	while (k->t[i].pid)
		i = (i + 1) & k->mask;
	k->t[i] = (struct kid){ pid, slot };
}

static long kid_find(const struct kids *k, pid_t pid)
{
	for (uint32_t i = kid_hash(k, pid); k->t[i].pid; i = (i + 1) & k->mask)
		if (k->t[i].pid == pid)
			return (long)i;
	return -1;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones, which would
 * fill the table over a run that forks a million children through it. */
static void kid_del(struct kids *k, uint32_t i)
{
	k->t[i].pid = 0;
	for (uint32_t j = (i + 1) & k->mask; k->t[j].pid; j = (j + 1) & k->mask) {
		uint32_t h = kid_hash(k, k->t[j].pid);
		bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
		if (movable) {
			k->t[i] = k->t[j];
			k->t[j].pid = 0;
			i = j;
		}
	}
}

/* Where the workers' lives and private memory go: after the tallies, one slot per worker. */
static struct sim_workermem_slot *shm_mem(const struct sim_run *run, struct shm *shm, uint32_t nprocs)
{
	return (struct sim_workermem_slot *)(void *)(tallies(shm, run->tasks) + nprocs);
}

static _Noreturn void child_main(const struct sim_run *run, struct shm *shm, const struct sim_workermem *mem,
                                 uint32_t id)
{
	sim_set_ops(&sim_blocking_ops);
	sim_tally_bind(&tallies(shm, run->tasks)[id]);
	if (run->workers == 0) { /* a process per task */
		sim_task_run(run, id, id, &shm->results[id]);
	} else {
		for (;;) {
			unsigned i = atomic_fetch_add_explicit(&shm->next, 1, memory_order_relaxed);
			if (i >= run->tasks)
				break;
			sim_task_run(run, i, id, &shm->results[i]);
		}
	}
	sim_workermem_child(mem, id);
	/* _exit: no atexit handlers, no second flush of stdio buffers the parent owns. */
	_exit(0);
}

/* Reap child i of the table (it has exited or been killed): out of the registry first, so a
 * signal handler never kills a pid the kernel may have handed to someone else. */
static int reap(struct kids *k, uint32_t i, char *err, size_t errlen)
{
	pid_t pid = k->t[i].pid;
	sim_child_forget(k->t[i].slot);
	kid_del(k, i);
	int st = 0;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot reap worker process %d: %s", (int)pid, strerror(errno));
			return -errno;
		}
	}
	sim_child_reaped(&ru);
	if (WIFSIGNALED(st)) {
		snprintf(err, errlen,
		         "worker process %d died of signal %d (%s); its tasks' results are lost: run the "
		         "workload under --model sequential to find the fault",
		         (int)pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
		return -EIO;
	}
	if (WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "worker process %d exited with status %d before finishing its tasks",
		         (int)pid, WEXITSTATUS(st));
		return -EIO;
	}
	return 0;
}

/* Wait for any of our children to end and reap it. waitid(WNOWAIT) peeks without reaping,
 * so a child that a workload started for itself (a server) is never reaped by mistake. */
static int reap_one(struct kids *k, char *err, size_t errlen)
{
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "waiting for the worker processes: %s", strerror(errno));
			return -errno;
		}
		long i = kid_find(k, si.si_pid);
		if (i >= 0)
			return reap(k, (uint32_t)i, err, errlen);
		/* Someone else's child ended and stays a zombie until its owner reaps it; waitid(P_ALL)
		 * would keep naming it, so ask after ours one by one until one has ended. */
		for (;;) {
			for (uint32_t j = 0; j <= k->mask; j++) {
				if (!k->t[j].pid)
					continue;
				memset(&si, 0, sizeof si);
				if (waitid(P_PID, (id_t)k->t[j].pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
					return reap(k, j, err, errlen);
			}
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		}
	}
}

/* SIGKILL every child still alive and reap them all. */
static void kill_all(struct kids *k)
{
	char ignored[8];
	for (uint32_t j = 0; j <= k->mask; j++)
		if (k->t[j].pid)
			kill(k->t[j].pid, SIGKILL);
	for (uint32_t j = 0; j <= k->mask;)
		if (k->t[j].pid)
			(void)reap(k, j, ignored, sizeof ignored); /* a shift may move another into j */
		else
			j++;
}

static uint32_t multiprocess_default_workers(void) { return sim_cores(); } /* ProcessPoolExecutor */

/* Fork worker id and register it (sim_child_fork: the handlers always see every child that
 * exists). */
static int fork_worker(const struct sim_run *run, struct shm *shm, struct kids *k, uint32_t id, uint32_t nprocs,
                       char *err, size_t errlen)
{
	sim_workermem_born(&k->mem, id);
	int slot;
	pid_t pid = sim_child_fork(&slot);
	if (pid == 0)
		child_main(run, shm, &k->mem, id);
	if (pid < 0) {
		sim_spawn_failed(false, id, nprocs, (int)-pid, err, errlen);
		return (int)pid;
	}
	kid_add(k, pid, slot);
	if (slot < 0) { /* cannot happen below 65536 alive; the CLI keeps us under pid_max */
		snprintf(err, errlen, "too many worker processes to track: use --workers W or --limit L");
		return -ENOSPC;
	}
	return 0;
}

/* Fork the workers, at most cap alive at once, and reap them all. */
static int run_workers(const struct sim_run *run, struct shm *shm, struct kids *k, char *err, size_t errlen)
{
	uint32_t cap = sim_run_concurrency(run);                 /* processes alive at once, at most */
	uint32_t nprocs = run->workers == 0 ? run->tasks : cap; /* processes forked over the run */
	/* An inherited SIGCHLD = SIG_IGN would have the kernel reap the children itself, and
	 * their exit status and rusage would be lost to wait4(). */
	signal(SIGCHLD, SIG_DFL);
	/* What stdio holds would otherwise be written once per child as well. */
	fflush(stdout);
	fflush(stderr);

	int ret = 0;
	uint32_t alive = 0;
	for (uint32_t made = 0; made < nprocs; made++) {
		if (alive == cap) {
			alive--;
			if ((ret = reap_one(k, err, errlen)) < 0)
				break;
		}
		if ((ret = fork_worker(run, shm, k, made, nprocs, err, errlen)) < 0)
			break;
		alive++;
	}
	while (ret == 0 && alive > 0) {
		alive--;
		ret = reap_one(k, err, errlen);
	}
	return ret;
}

static int multiprocess_run(const struct sim_run *run, struct sim_result *results, char *err, size_t errlen)
{
	uint32_t cap = sim_run_concurrency(run);
	uint32_t nprocs = run->workers == 0 ? run->tasks : cap;
	size_t size = tallies_offset(run->tasks) + (size_t)nprocs * (sizeof(struct sim_tally) + sizeof(struct sim_workermem_slot));
	struct shm *shm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		snprintf(err, errlen, "cannot map %zu bytes shared with the workers (%s): use fewer --tasks",
		         size, strerror(errno));
		return -ENOMEM;
	}
	struct kids k = { 0 };
	uint32_t tsize = 4;
	while (tsize < 2 * cap)
		tsize *= 2;
	k.t = calloc(tsize, sizeof *k.t);
	k.mask = tsize - 1;
	sim_workermem_init(&k.mem, shm_mem(run, shm, nprocs), nprocs);
	int ret = -ENOMEM;
	if (!k.t)
		snprintf(err, errlen, "out of memory for %u worker processes: use --workers W or --limit L", cap);
	else
		ret = run_workers(run, shm, &k, err, errlen);
	/* On any failure no child may outlive the run, nor finish tasks nobody will read. */
	kill_all(&k);
	if (ret == 0) {
		memcpy(results, shm->results, (size_t)run->tasks * sizeof *results);
		for (uint32_t i = 0; i < nprocs && run->tally; i++)
			sim_tally_merge(run->tally, &tallies(shm, run->tasks)[i]);
		sim_workermem_report(&k.mem);
	}
	free(k.t);
	munmap(shm, size);
	return ret;
}

const struct sim_model sim_model_multiprocess = {
	.name = "multiprocess",
	.summary = "W fork()ed processes pull tasks from shared memory (--workers 0: a process per task)",
	.family = "processes",
	.caps = SIM_CAP_PROCESSES,
	.serial = false,
	.parallel = true,
	.default_workers = multiprocess_default_workers,
	.default_workers_rule = "cores",
	.run = multiprocess_run,
};
