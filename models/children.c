/* SPDX-License-Identifier: MIT */
/* children.c: every child process of a run is registered here, so no path leaves one behind. */
#include "model.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fixed table keeps the signal handlers async-signal-safe: they only read it. Its size
 * is above kernel.pid_max's default, so every process the machine can make fits. */
#define SLOTS 65536
static _Atomic pid_t slots[SLOTS];
static atomic_uint hint;
static atomic_int high; /* slots at or above this have never been used */
static _Atomic uint64_t rss_kib;
static atomic_uint reaped;
/* Reported once, after the run, by the model that forked the workers. */
static uint64_t private_kib;
static int private_state; /* 0 not reported, 1 known, -1 unknown */

int sim_child_register(pid_t pid)
{
	for (unsigned tries = 0; tries < SLOTS; tries++) {
		unsigned i = atomic_fetch_add(&hint, 1) % SLOTS;
		pid_t zero = 0;
		if (atomic_compare_exchange_strong(&slots[i], &zero, pid)) {
			int h = atomic_load(&high);
			while ((int)i >= h && !atomic_compare_exchange_weak(&high, &h, (int)i + 1))
				;
			return (int)i;
		}
	}
	return -ENOSPC;
}

void sim_child_forget(int slot)
{
	if (slot >= 0 && slot < SLOTS)
		atomic_store(&slots[slot], 0);
}

void sim_child_reaped(const struct rusage *ru)
{
	atomic_fetch_add(&rss_kib, (uint64_t)ru->ru_maxrss);
	atomic_fetch_add(&reaped, 1);
}
uint64_t sim_children_rss_kib(void) { return atomic_load(&rss_kib); }

void sim_children_private_peak(uint64_t kib, bool known)
{
	private_kib = kib;
	private_state = known ? 1 : -1;
}

const char *sim_run_memory(uint64_t self_kib, uint64_t *kib)
{
	if (atomic_load(&reaped) == 0) {
		*kib = self_kib;
		return "rss-peak";
	}
	if (private_state == 1) {
		*kib = self_kib + private_kib;
		return "rss+uss";
	}
	*kib = self_kib + atomic_load(&rss_kib);
	return "rss-sum";
}

void sim_children_kill(void)
{
	int h = atomic_load(&high);
	for (int i = 0; i < h; i++) {
		pid_t p = atomic_load(&slots[i]);
		if (p > 0)
			kill(p, SIGKILL);
	}
	for (int i = 0; i < h; i++) {
		pid_t p = atomic_exchange(&slots[i], 0);
		if (p > 0)
			while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
				;
	}
}

bool sim_signal_ignored(int sig)
{
	struct sigaction now;
	return sigaction(sig, NULL, &now) == 0 && now.sa_handler == SIG_IGN;
}

/* A signal that came ignored was the caller's choice (nohup's SIGHUP; a script's background
 * job starts with SIGINT and SIGQUIT ignored): it stays so, as coreutils' programs keep it. */
bool sim_signal_catch(int sig, void (*handler)(int))
{
	if (sim_signal_ignored(sig))
		return false;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigfillset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) == 0;
}

/* The signals a run's handlers catch, blocked from before a fork until the child has reset
 * them (the parent's handler is not the child's) or the parent has registered the child. */
static void block_run_signals(sigset_t *old)
{
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, old);
}

static void default_unless_ignored(int sig)
{
	if (signal(sig, SIG_DFL) == SIG_IGN)
		signal(sig, SIG_IGN);
}

static void after_fork(pid_t parent)
{
	default_unless_ignored(SIGINT);
	default_unless_ignored(SIGTERM);
	default_unless_ignored(SIGHUP);
	default_unless_ignored(SIGQUIT);
	signal(SIGALRM, SIG_IGN);
	/* If the parent dies by SIGKILL, no handler runs: the kernel kills us instead. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
}

pid_t sim_child_fork(int *slot)
{
	pid_t parent = getpid();
	sigset_t old;
	block_run_signals(&old);
	pid_t pid = fork();
	if (pid == 0) {
		/* A signal that came meanwhile is still pending: it now meets the default action. */
		after_fork(parent);
		sigprocmask(SIG_SETMASK, &old, NULL);
		*slot = -1;
		return 0;
	}
	int e = errno;
	*slot = pid > 0 ? sim_child_register(pid) : -1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid > 0 ? pid : -e;
}
