/* SPDX-License-Identifier: MIT */
/* chess_game.c: one game at one table: the master's thinking (real CPU work), the opponent's wait, and their check. */
#include "chess.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* ---- the master's thinking: real CPU work, timed on this thread's own CPU clock ------ */

/* A 64-bit LCG (Knuth's MMIX constants). Each step depends on the last, so the work cannot
 * be vectorised or skipped, and its end state after n steps has a closed form (below) that
 * verification checks against: the master really did think for every step she claims. */
#define LCG_A 6364136223846793005ull
#define LCG_C 1442695040888963407ull
#define THINK_CHUNK 4096 /* steps between clock checks: a few microseconds */

struct think {
	double cpu_s;   /* how long to think */
	uint64_t x;     /* the LCG state, carried over the whole game */
	uint64_t steps; /* steps taken over the game */
};

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Spin until this thread's CPU clock has advanced by cpu_s. The CPU clock, not an
 * iteration count: this machine's speed changes about 2x minute to minute, and time
 * spent waiting for a core (or for the GIL) must not count as thinking. */
static void think(void *arg)
{
	struct think *t = arg;
	double start = thread_cpu_s(), now = start;
	uint64_t x = t->x, n = 0;
	while (now - start < t->cpu_s) {
		for (int i = 0; i < THINK_CHUNK; i++) {
			x = x * LCG_A + LCG_C;
			__asm__("" : "+r"(x)); /* opaque: no compiler may fold the chain */
		}
		n += THINK_CHUNK;
		sim_tick();
		now = thread_cpu_s();
	}
	t->x = x;
	t->steps += n;
}

/* x after n LCG steps, by squaring the affine map: O(log n). */
static uint64_t lcg_jump(uint64_t x, uint64_t n)
{
	uint64_t a = LCG_A, c = LCG_C, ja = 1, jc = 0;
	for (; n; n >>= 1) {
		if (n & 1) {
			ja *= a;
			jc = jc * a + c;
		}
		c = (a + 1) * c;
		a *= a;
	}
	return ja * x + jc;
}

static uint64_t game_seed(uint32_t i)
{
	uint64_t z = (uint64_t)i + 0x9e3779b97f4a7c15ull; /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One game, at table i: pairs × (the master's move, then the opponent's). The result:
 * count = moves made, value = the LCG's end state, steps = LCG steps (the master's work),
 * sim_lat_add = how long each opponent's move really lasted, max_lat_s = the longest. */
static void chess_game(const struct sim_run *run, uint32_t i, struct sim_result *out, struct think *tp)
{
	const struct chess_cfg *c = run->cfg;
	struct chess_moves mv;
	chess_moves_of(c, &mv);
	struct think t = { .cpu_s = mv.m_s, .x = game_seed(i) };
	double least_wait = (double)mv.o_ms / 1000.0 - 0.001; /* a 1 ms timer may round down */
	for (uint64_t k = 0; k < c->pairs; k++) {
		double t0 = sim_now();
		*tp = t;
		sim_compute(think, tp);
		t = *tp;
		double t1 = sim_now();
		sim_trace("master", t0, t1);
		out->count++;
		int e = sim_sleep(mv.o_ms);
		double t2 = sim_now();
		if (e < 0) {
			sim_result_fail(out, e, "the opponent's move %llu at table %u failed to wait",
			                (unsigned long long)k, i);
			return;
		}
		sim_trace("opponent", t1, t2);
		out->count++;
		sim_lat_add(t2 - t1);
		if (t2 - t1 > out->max_lat_s)
			out->max_lat_s = t2 - t1;
		if (t2 - t1 < least_wait) {
			sim_result_fail(out, -EIO, "the opponent's move %llu at table %u lasted %.3f ms, less "
			                "than the %llu ms asked", (unsigned long long)k, i, (t2 - t1) * 1e3,
			                (unsigned long long)mv.o_ms);
			return;
		}
	}
	out->value = t.x;
	out->steps = t.steps;
}

void chess_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
{
	/* The master's thoughts off the stack: a model may compute on another thread while the
	 * task waits (runtime.h). */
	struct think *tp = malloc(sizeof *tp);
	if (!tp) {
		sim_result_fail(out, -ENOMEM, "out of memory");
		return;
	}
	chess_game(run, i, out, tp);
	free(tp);
}

bool chess_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct chess_cfg *c = run->cfg;
	for (uint32_t i = 0; i < run->tasks; i++) {
		if (rs[i].count != 2 * c->pairs) {
			snprintf(why, n, "table %u played %llu moves of %llu", i, (unsigned long long)rs[i].count,
			         (unsigned long long)(2 * c->pairs));
			return false;
		}
		if (rs[i].steps == 0 || rs[i].value != lcg_jump(game_seed(i), rs[i].steps)) {
			snprintf(why, n, "table %u: the master's %llu steps of thought end in the wrong state",
			         i, (unsigned long long)rs[i].steps);
			return false;
		}
	}
	return true;
}
