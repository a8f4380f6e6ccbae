/* SPDX-License-Identifier: MIT */
/* tokens.c: the run's tokens: a table in shared memory, and the futex binding the blocking models share. */
#include "model.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* MAP_SHARED, so a worker forked after the set-up waits on the same words as its parent
 * and its siblings; the futexes are not FUTEX_PRIVATE for the same reason (the kernel
 * keys a shared one by the page, not by the process). */
struct sim_token *sim_tokens_table;
uint32_t sim_tokens_count;

int sim_tokens_open(uint32_t n)
{
	sim_tokens_close();
	if (n == 0)
		return -EINVAL;
	void *p = mmap(NULL, (size_t)n * sizeof *sim_tokens_table, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	sim_tokens_table = p;
	sim_tokens_count = n;
	return 0;
}

void sim_tokens_close(void)
{
	if (sim_tokens_table)
		munmap(sim_tokens_table, (size_t)sim_tokens_count * sizeof *sim_tokens_table);
	sim_tokens_table = NULL;
	sim_tokens_count = 0;
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

/* Take the token if it is there; else mark that a sleeper waits and sleep until the word
 * changes. Nothing spins: the cost measured is the kernel's wake-up and switch. */
int sim_token_futex_wait(uint32_t k)
{
	struct sim_token *t = sim_token_at(k);
	if (!t)
		return -EINVAL;
	for (;;) {
		uint32_t s = atomic_load(&t->state);
		if (s == SIM_TOKEN_PASSED) {
			if (atomic_compare_exchange_strong(&t->state, &s, SIM_TOKEN_EMPTY))
				return 0;
			continue;
		}
		if (s == SIM_TOKEN_EMPTY && !atomic_compare_exchange_strong(&t->state, &s, SIM_TOKEN_SLEEPER))
			continue; /* passed meanwhile */
		if (futex(&t->state, FUTEX_WAIT, SIM_TOKEN_SLEEPER) < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

/* The futex_wake is made only when someone sleeps: a pass to a task that has not reached
 * its wait yet costs an atomic exchange, as a mutex's unlock does. */
int sim_token_futex_pass(uint32_t k)
{
	struct sim_token *t = sim_token_at(k);
	if (!t)
		return -EINVAL;
	uint32_t old = atomic_exchange(&t->state, SIM_TOKEN_PASSED);
	if (old == SIM_TOKEN_PASSED)
		return -EBUSY;
	if (old == SIM_TOKEN_SLEEPER && futex(&t->state, FUTEX_WAKE, INT_MAX) < 0)
		return -errno;
	return 0;
}
