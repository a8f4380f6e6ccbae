/* SPDX-License-Identifier: MIT */
/* burn.c: CPU work bounded by the thread's CPU clock, through the sumsq kernel's unfoldable loop, verified by the closed form. */
#include "burn.h"
#include "runtime.h"
#include "sumsq.h"

#include <time.h>

/* Elements between clock reads and sim_tick(): a few microseconds. The thread's CPU clock
 * is a system call (no vDSO), a few percent of a chunk, and counted in the burn's CPU time. */
#define BURN_CHUNK 16384

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The CPU clock, not a count of elements calibrated beforehand: this machine's speed
 * changes about 2x from minute to minute, so a count would make C ms of work last anything
 * from C/2 to 2C; and time spent waiting for a core (or for the GIL) must not count as
 * work. The empty asm keeps i opaque, so the loop is neither vectorised nor replaced by its
 * closed form (sumsq.c says more). */
void sim_burn_fn(void *arg)
{
	struct sim_burn *b = arg;
	double w0 = sim_mono_s(), c0 = thread_cpu_s();
	uint64_t s = 0, i = 0;
	do {
		for (uint64_t hi = i + BURN_CHUNK; i < hi; i++) {
			__asm__("" : "+r"(i));
			s += i * i;
		}
		sim_tick();
	} while (thread_cpu_s() - c0 < b->cpu_s);
	b->done = i;
	b->sum = s;
	b->wall_s = sim_mono_s() - w0;
}

bool sim_burn_ok(const struct sim_burn *b) { return b->done > 0 && b->sum == sumsq_closed_form(b->done); }
