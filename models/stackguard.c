/* SPDX-License-Identifier: MIT */
/* stackguard.c: a fault on a coroutine stack's guard page ends the run with one line naming --stack-kib, not a bare SIGSEGV. */
#include "stacks.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

/* The handler runs on a stack of its own: the one that overflowed has no room left. It
 * reads only what was set before it was armed, and calls only async-signal-safe functions
 * (sim_fatal_exit: write, kill, waitpid, unlink, _exit). */
#define ALT_SIZE (64u * 1024u)

static const struct sim_stacks *armed;
static struct sigaction old_segv, old_bus;
static stack_t old_alt;
static void *alt;

static void on_fault(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (armed && sim_stacks_in_guard(armed, si->si_addr))
		sim_fatal_exit(armed->overflow);
	/* Not a guard page: put back the handler there was (the default, or a sanitizer's) and
	 * return; the faulting instruction runs again and faults to it. */
	sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

int sim_stacks_guard_arm(const struct sim_stacks *st)
{
	if (armed)
		return -EBUSY; /* one loop at a time per process */
	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt == MAP_FAILED) {
		alt = NULL;
		return -errno;
	}
	stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE };
	if (sigaltstack(&ss, &old_alt) < 0) {
		int e = errno;
		munmap(alt, ALT_SIZE);
		alt = NULL;
		return -e;
	}
	armed = st;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	return 0;
}

void sim_stacks_guard_disarm(void)
{
	if (!armed)
		return;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	armed = NULL;
	/* The old alternate stack back, or none ("disabled" is not a flag sigaltstack takes). */
	if (old_alt.ss_flags & SS_DISABLE)
		old_alt = (stack_t){ .ss_flags = SS_DISABLE };
	else
		old_alt.ss_flags = 0;
	sigaltstack(&old_alt, NULL);
	munmap(alt, ALT_SIZE);
	alt = NULL;
}
