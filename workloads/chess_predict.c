/* SPDX-License-Identifier: MIT */
/* chess_predict.c: how long the exhibition takes under each way of playing it, from first principles. */
#include "chess_predict.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Synchronous (the sequential model). The master plays one game to its end before the
 * next: each of the O·P pairs costs her move and the opponent's, end to end:
 *     T = O·P·(m + o)                    (24·30·60 s = 43200 s = 12 h in Vexs, “Why asyncio?”)  */
double chess_sync(const struct chess_params *p)
{
	return (double)p->opponents * (double)p->pairs * (p->m + p->o);
}

/* Asynchronous (the event loop). One master, never interrupted, moving from table to table
 * in a fixed order: table i gets her k-th move (k = 0..P-1) once she is free and table i's
 * opponent has answered her (k-1)-th.
 * - If a round of her moves is at least one table's cycle, O·m >= m + o, every opponent
 *   has answered before she comes back: she never waits, and the last game ends one
 *   opponent's move after her last move: T = O·P·m + o   (24·30·5 + 55 = 3655 s, "1 h").
 * - Otherwise she waits for table 0 each round, so every round takes m + o, and the last
 *   table starts (O-1)·m behind table 0: T = P·(m + o) + (O - 1)·m.
 * Their difference is (P-1)·(O·m - m - o), so the right case is always the larger one:
 *     T = max(P·(m + o) + (O - 1)·m, O·P·m + o).
 * The documents' "1 hour" drops the last opponent's 55 s.  */
double chess_async(const struct chess_params *p)
{
	double O = p->opponents, P = p->pairs;
	double wait_bound = P * (p->m + p->o) + (O - 1) * p->m;
	double cpu_bound = O * P * p->m + p->o;
	return wait_bound > cpu_bound ? wait_bound : cpu_bound;
}

/* W clones of the master on C cores (threadpool or multiprocess; W >= O is a clone per
 * table, the documents' 30 min, which assumes a core per clone). A clone plays a game to
 * its end, then takes the next, so a clone plays ceil(O/W) games at most; at most
 * k = min(C, W) clones compute at once.
 * - Below (the CPU bound): no clone finishes its games faster than it could alone, and
 *   the cores cannot do the O·P·m of CPU work faster than k at a time:
 *       T >= max(ceil(O/W)·P·(m + o), O·P·m / k).
 * - Above (the lock-step bound): the worst a fair scheduler does is to have every clone
 *   of a wave of n think at once, so each round takes n·m/C of sharing (m if n <= C)
 *   before the opponents answer together; the games go in waves of W:
 *       T <= sum over waves of P·(m·max(1, n/C) + o)      (= P·(O·m/C + o) for W >= O).
 * Where the run falls between the two depends on how far apart the clones drift, which
 * is the scheduler's time slice against the move length: chess_simulate() plays that out.
 * For 24 clones at 5/55 ms, 30 pairs, on 2 cores: 1800 ms and 3450 ms.  */
void chess_clone_bounds(const struct chess_params *p, uint32_t workers, uint32_t cores, double *lo,
                        double *hi)
{
	double O = p->opponents, P = p->pairs;
	uint32_t w = workers == 0 || workers > p->opponents ? p->opponents : workers;
	if (w == 0)
		w = 1;
	if (cores == 0)
		cores = 1;
	double k = w < cores ? w : cores;
	double games = ceil(O / w);
	double a = games * P * (p->m + p->o), b = O * P * p->m / k;
	*lo = a > b ? a : b;

	uint32_t full = p->opponents / w, rest = p->opponents % w;
	double wave = P * (p->m * fmax(1.0, (double)w / cores) + p->o);
	*hi = full * wave;
	if (rest)
		*hi += P * (p->m * fmax(1.0, (double)rest / cores) + p->o);
}

/* ---- the discrete-event simulation ---------------------------------------------------
 * Workers are either running on a core, ready (a FIFO), sleeping (the opponent thinks),
 * or done. A running worker holds its core for min(slice, CPU left); then it either
 * still has CPU to do and goes to the back of the ready queue, or starts its opponent's
 * move. A woken worker joins the back of the queue. Events (a slice ending, an opponent
 * answering) sit in one binary heap ordered by time, then by when they were made, so
 * ties resolve first come, first served. With one core and no slice this is the event
 * loop; with one worker it is the synchronous master: the unit tests hold it to both
 * closed forms.
 *
 * Why round-robin with a slice of about 2 ms: with 24 clones of 5/55 ms moves, 30 pairs,
 * on 2 cores, threads measured 2160 ms (bounds 1800, 3450); at 25/275 ms, 10 pairs,
 * 4490 ms (bounds 3000, 5750). A slice of 1 to 3 ms lands within about 10% of both
 * (tests/unit_chess.c holds 2 ms to it). Linux's EEVDF and CFS hand out slices of that
 * order (base slice 0.75 ms × (1 + log2 cores)). Below about 1 ms the answer jumps about
 * with the slice, as moves split into pieces that fall into step or out of it.
 *
 * Timers wake late, on this VM by a mean of 0.1 to 0.3 ms (a heavy tail: a few wake-ups
 * take milliseconds), so each opponent's move gets an exponential lateness of the mean
 * the workload measures before the run; exact ties, which an ideal clock makes common,
 * break the same way. At the defaults (24 clones of 1/11 ms on 2 cores) the CPU demand
 * exactly fills both cores, so every gap leaves a core idle and the run is at its most
 * sensitive: quiet runs measured 7 to 14% above this simulation (10 to 16% above it
 * without the lateness). What is left is likely the kernel's wake-up preemption, which
 * splits moves that plain round-robin keeps whole; with a core to spare (6 or 12 clones)
 * runs came within 3%.
 *
 * When a move is many slices long, round-robin is processor sharing to within a slice,
 * so the slice is stretched to a 64th of a move: the answer moves by under 2% and the
 * event count stays O(moves).  */

enum { EV_RUN_END, EV_WAKE, EV_START };

struct ev {
	double t;
	uint64_t seq;
	uint32_t worker;
	int kind;
};

struct heap {
	struct ev *e;
	size_t n;
	uint64_t seq;
};

static bool ev_before(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(struct heap *h, double t, uint32_t worker, int kind)
{
	size_t i = h->n++;
	struct ev x = { t, h->seq++, worker, kind };
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!ev_before(&x, &h->e[up]))
			break;
		h->e[i] = h->e[up];
		i = up;
	}
	h->e[i] = x;
}

static struct ev heap_pop(struct heap *h)
{
	struct ev top = h->e[0], x = h->e[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_before(&h->e[c + 1], &h->e[c]))
			c++;
		if (!ev_before(&h->e[c], &x))
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	if (h->n)
		h->e[i] = x;
	return top;
}

struct worker {
	uint32_t pair;   /* the pair being played */
	double cpu_left; /* of the master's move in progress */
	double ran;      /* length of the slice on a core now */
};

/* An exponential lateness of the given mean (xorshift64: seeded, so reproducible); 0 for 0. */
static double draw_late(uint64_t *rng, double mean)
{
	if (!(mean > 0))
		return 0;
	*rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
	return -mean * log(((double)(*rng >> 11) + 0.5) / 9007199254740992.0);
}

/* Every time a finite number, none negative, a move of the master's above 0. */
static bool sched_ok(const struct chess_params *p, const struct chess_sched *s)
{
	const double t[] = { p->o, s->slice, s->late, s->wake, s->cswitch, s->create };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!(t[i] >= 0) || !isfinite(t[i]))
			return false;
	uint32_t nw = s->workers == 0 || s->workers > p->opponents ? p->opponents : s->workers;
	for (uint32_t i = 0; s->starts && i < nw; i++)
		if (!(s->starts[i] >= 0) || !isfinite(s->starts[i]))
			return false;
	return p->opponents > 0 && p->pairs > 0 && s->cores > 0 && p->m > 0 && isfinite(p->m);
}

int chess_simulate(const struct chess_params *p, const struct chess_sched *s, double *total)
{
	if (!p || !s || !total || !sched_ok(p, s))
		return -EINVAL;
	if ((uint64_t)p->opponents * p->pairs > CHESS_MAX_MOVES)
		return -E2BIG;
	uint32_t nw = s->workers == 0 || s->workers > p->opponents ? p->opponents : s->workers;
	uint32_t cores = s->cores < nw ? s->cores : nw;
	double slice = s->slice > 0 ? fmax(s->slice, p->m / 64) : INFINITY;
	double sw = nw > cores ? s->cswitch : 0; /* a core of its own per worker: no switch */

	struct worker *w = calloc(nw, sizeof *w);
	uint32_t *ready = calloc(nw, sizeof *ready); /* a ring: each worker is in it at most once */
	struct heap h = { .e = calloc(2 * (size_t)nw + 1, sizeof(struct ev)) };
	if (!w || !ready || !h.e) {
		free(w);
		free(ready);
		free(h.e);
		return -ENOMEM;
	}
	size_t rhead = 0, rlen = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint32_t idle = cores, next_game = 0;
	double now = 0, end = 0;

	/* The workers are made one after another, by a creator that holds a core meanwhile (on
	 * one core, it only staggers them): worker i starts i creations after the first. A
	 * replay starts each when the run saw it start. */
	bool creator = !s->starts && s->create > 0 && nw > 1;
	if (creator && cores > 1)
		idle--;
	for (uint32_t i = 0; i < nw; i++, next_game++) {
		w[i].cpu_left = p->m;
		double at = s->starts ? s->starts[i] : creator ? i * s->create : 0;
		if (at > 0)
			heap_push(&h, at, i, EV_START);
		else
			ready[(rhead + rlen++) % nw] = i;
	}
	for (;;) {
		while (idle > 0 && rlen > 0) {
			uint32_t i = ready[rhead];
			rhead = (rhead + 1) % nw;
			rlen--;
			idle--;
			w[i].ran = w[i].cpu_left < slice ? w[i].cpu_left : slice;
			heap_push(&h, now + sw + w[i].ran, i, EV_RUN_END);
		}
		if (h.n == 0)
			break;
		struct ev e = heap_pop(&h);
		now = e.t;
		struct worker *x = &w[e.worker];
		if (e.kind == EV_RUN_END) {
			idle++;
			if (x->ran < x->cpu_left) {
				x->cpu_left -= x->ran;
				ready[(rhead + rlen++) % nw] = e.worker;
			} else {
				heap_push(&h, now + p->o + draw_late(&rng, s->late) + s->wake, e.worker, EV_WAKE);
			}
			continue;
		}
		if (e.kind == EV_START) {
			ready[(rhead + rlen++) % nw] = e.worker;
			idle += creator && e.worker == nw - 1 && cores > 1; /* the last made: the creator's core is free */
			continue;
		}
		/* The opponent has answered: the next pair, or the game is over. */
		if (++x->pair == p->pairs) {
			end = now;
			if (next_game == p->opponents)
				continue; /* this worker retires */
			next_game++;
			x->pair = 0;
		}
		x->cpu_left = p->m;
		ready[(rhead + rlen++) % nw] = e.worker;
	}
	free(w);
	free(ready);
	free(h.e);
	*total = end;
	return 0;
}
