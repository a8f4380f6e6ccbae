/* SPDX-License-Identifier: MIT */
/* chess.c: seed 002's simultaneous exhibition (Judit Polgár, 24 tables), played under each model (C4). */
#include "calibrate.h"
#include "chess_predict.h"
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct chess_cfg {
	uint64_t opponents, pairs;
	double master_s, opponent_s, scale;
};

static const struct sim_option chess_options[] = {
	{ .name = "opponents", .kind = SIM_OPT_U64, .offset = offsetof(struct chess_cfg, opponents), .def = "24",
	  .min = 1, .max = 1000000, .help = "tables, one game each (the tasks)" },
	{ .name = "pairs", .kind = SIM_OPT_U64, .offset = offsetof(struct chess_cfg, pairs), .def = "30",
	  .min = 1, .max = 1000000, .help = "move pairs per game" },
	{ .name = "master-s", .kind = SIM_OPT_DOUBLE, .offset = offsetof(struct chess_cfg, master_s), .def = "5",
	  .min = 0, .max = 86400, .help = "exhibition seconds the master thinks per move (CPU work)" },
	{ .name = "opponent-s", .kind = SIM_OPT_DOUBLE, .offset = offsetof(struct chess_cfg, opponent_s), .def = "55",
	  .min = 0, .max = 86400, .help = "exhibition seconds an opponent thinks per move (a wait)" },
	{ .name = "scale", .kind = SIM_OPT_DOUBLE, .offset = offsetof(struct chess_cfg, scale), .def = "0.0002",
	  .min = 0, .max = 1, .help = "wall seconds per exhibition second" },
	{ 0 },
};

/* The smallest moves the run can honour. An opponent's move is a timer, and timers count
 * whole milliseconds (sim_sleep, libuv): at 10 ms the rounding is at most 5%. The
 * master's move is CPU time checked every few microseconds: at 0.1 ms that is under 5%. */
#define MIN_OPPONENT_MS 10.0
#define MIN_MASTER_MS 0.1

/* How each model plays the exhibition. */
enum story { ST_SYNC, ST_ASYNC, ST_CLONES, ST_GIL };
static const char *const story_name[] = { "synchronous", "asynchronous", "clones", "gil" };

static enum story story_of(const struct sim_run *run)
{
	if (run->model->serial)
		return ST_SYNC;
	if (run->gil)
		return ST_GIL;
	return run->model->parallel ? ST_CLONES : ST_ASYNC;
}

/* The moves as the run plays them: the master's exactly, the opponent's rounded to the
 * whole milliseconds a timer takes. Predictions use these rounded values, and the text
 * output says when they differ from what was asked. */
struct moves {
	double m_s;        /* master: CPU seconds */
	uint64_t o_ms;     /* opponent: timer milliseconds */
	double o_asked_ms; /* before rounding */
};

static void moves_of(const struct chess_cfg *c, struct moves *mv)
{
	mv->m_s = c->master_s * c->scale;
	mv->o_asked_ms = c->opponent_s * c->scale * 1000.0;
	mv->o_ms = (uint64_t)llround(mv->o_asked_ms);
}

struct pred {
	double t, lo, hi; /* prediction and its bounds (equal where the prediction is exact) */
	double slice;     /* the simulation's time slice, 0 where none was needed */
	uint32_t workers, cores;
	int err;
};

/* The prediction for this run's model, with the moves in p in any unit, `unit` wall seconds
 * each (1, or the scale for exhibition seconds): time slices are wall time. cores = 0
 * means "enough cores": one per clone. */
static void predict_with(const struct sim_run *run, const struct chess_params *pp, double unit,
                         uint32_t cores, double late_s, struct pred *out)
{
	memset(out, 0, sizeof *out);
	uint32_t w = sim_run_concurrency(run);
	out->workers = w;
	/* The closed forms and the bounds take the opponents' mean lateness as part of their
	 * move; the simulation draws it move by move. */
	struct chess_params p1 = *pp, *p = &p1;
	p1.o += late_s / unit;
	struct chess_sched s = { .workers = w, .cores = 1, .slice = 0, .late = late_s / unit };
	struct chess_params g = *pp;
	const struct chess_params *sp = pp;
	switch (story_of(run)) {
	case ST_SYNC:
		out->t = chess_sync(p);
		out->cores = 1;
		break;
	case ST_ASYNC:
		out->cores = 1;
		if (w >= p->opponents) {
			out->t = chess_async(p);
			break;
		}
		out->err = chess_simulate(sp, &s, &out->t); /* --limit: fewer tables open at once */
		break;
	case ST_GIL:
		/* Only one thread computes at a time, so the clones share one core, handed over
		 * every 5 ms of computing: round-robin with a 5 ms slice. Each move also waits
		 * for the lock's hand-over: the next thread is asleep on a condition variable and
		 * must be woken and scheduled, a wake-up like a timer's, so each move costs the
		 * timers' lateness on top (measured: 0.15 to 0.2 ms a move here). */
		if (w > 1) {
			p1.m += late_s / unit;
			g.m += late_s / unit;
			sp = &g;
		}
		s.slice = SIM_GIL_INTERVAL_MS / 1000.0 / unit;
		out->cores = 1;
		chess_clone_bounds(p, w, 1, &out->lo, &out->hi);
		out->err = chess_simulate(sp, &s, &out->t);
		break;
	case ST_CLONES:
		s.cores = out->cores = cores ? cores : w;
		s.slice = CHESS_SLICE_S / unit;
		chess_clone_bounds(p, w, s.cores, &out->lo, &out->hi);
		out->err = chess_simulate(sp, &s, &out->t);
		break;
	}
	out->slice = s.slice * unit;
	if (story_of(run) == ST_SYNC || story_of(run) == ST_ASYNC)
		out->lo = out->hi = out->t;
}

/* This run's prediction in wall seconds, from the moves it will play, each opponent's
 * move late by late_s on average (see timer_lateness). */
static void predict_run(const struct sim_run *run, double late_s, struct pred *out)
{
	const struct chess_cfg *c = run->cfg;
	struct moves mv;
	moves_of(c, &mv);
	struct chess_params p = { (uint32_t)c->opponents, (uint32_t)c->pairs, mv.m_s, (double)mv.o_ms / 1000.0 };
	predict_with(run, &p, 1.0, run->cores, late_s, out);
}

/* The documents' figure: the same model in exhibition seconds, unrounded, punctual
 * opponents, enough cores. */
static void predict_docs(const struct sim_run *run, struct pred *out)
{
	const struct chess_cfg *c = run->cfg;
	struct chess_params p = { (uint32_t)c->opponents, (uint32_t)c->pairs, c->master_s, c->opponent_s };
	predict_with(run, &p, c->scale, 0, 0, out);
}

struct chess_state {
	double late_s; /* the timer's mean lateness, measured before the run */
	struct pred now, docs;
	bool have;
};

static const struct chess_state *state_of(const struct sim_run *run)
{
	struct chess_state *st = run->state;
	if (!st->have) {
		predict_run(run, st->late_s, &st->now);
		predict_docs(run, &st->docs);
		st->have = true;
	}
	return st;
}

/* One 2 ms sleep: how much later than asked it ended. */
static double one_lateness(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 2000000 };
	double t = sim_mono_s();
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	double late = sim_mono_s() - t - 0.002;
	return late > 0 ? late : 0;
}

/* How late a sleep wakes on this machine, on average: a machine fact, like sumsq's core
 * speed. Sixteen 2 ms sleeps (about 35 ms, before the timed region); the two latest are
 * dropped, so one stray stall of the shared machine does not set the figure. */
static double timer_lateness(void)
{
	return sim_calibrate(SIM_CAL_TRIMMED_MEAN, 16, one_lateness, NULL);
}

/* The smallest scale that gives a move of at least `least` units, rounded up to three
 * significant digits so the suggestion works when typed back in. */
static double least_scale(double least, double per_s)
{
	double s = least / per_s;
	double mag = pow(10.0, floor(log10(s)) - 2);
	return ceil(s / mag - 1e-9) * mag;
}

static int chess_check(struct sim_run *run, char *err, size_t errlen)
{
	const struct chess_cfg *c = run->cfg;
	const struct {
		const char *flag;
		double v;
	} pos[] = { { "master-s", c->master_s }, { "opponent-s", c->opponent_s }, { "scale", c->scale } };
	for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
		if (!(pos[i].v > 0)) {
			snprintf(err, errlen, "--%s %g: a move takes time: give a number above 0", pos[i].flag, pos[i].v);
			return -EINVAL;
		}
	if (run->tasks_given && run->tasks != c->opponents) {
		snprintf(err, errlen, "--tasks %u disagrees with --opponents %llu: a task is one game, so "
		         "give --opponents alone", run->tasks, (unsigned long long)c->opponents);
		return -EINVAL;
	}
	if (c->opponents * c->pairs > CHESS_MAX_MOVES) {
		snprintf(err, errlen, "--opponents %llu × --pairs %llu is more than %llu move pairs: use fewer",
		         (unsigned long long)c->opponents, (unsigned long long)c->pairs, CHESS_MAX_MOVES);
		return -E2BIG;
	}
	run->tasks = (uint32_t)c->opponents;

	struct moves mv;
	moves_of(c, &mv);
	if (mv.o_asked_ms < MIN_OPPONENT_MS) {
		snprintf(err, errlen, "--scale %g makes an opponent's move %.3g ms, shorter than the %.0f ms "
		         "the millisecond timers honour within 5%%: use --scale %g or more",
		         c->scale, mv.o_asked_ms, MIN_OPPONENT_MS, least_scale(MIN_OPPONENT_MS, c->opponent_s * 1000));
		return -EINVAL;
	}
	if (mv.m_s * 1000 < MIN_MASTER_MS) {
		snprintf(err, errlen, "--scale %g makes the master's move %.3g ms of CPU, shorter than the "
		         "%.1f ms this workload can time within 5%%: use --scale %g or more",
		         c->scale, mv.m_s * 1000, MIN_MASTER_MS, least_scale(MIN_MASTER_MS, c->master_s * 1000));
		return -EINVAL;
	}
	if (run->timeout_s > 0) {
		struct pred p;
		predict_run(run, 0, &p);
		if (p.t > run->timeout_s) {
			snprintf(err, errlen, "the run is predicted to take %.2f s, more than --timeout %g: raise "
			         "--timeout, or lower --scale, --pairs or --opponents", p.t, run->timeout_s);
			return -EINVAL;
		}
	}
	return 0;
}

static int chess_setup(struct sim_run *run, char *err, size_t errlen)
{
	struct chess_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	st->late_s = timer_lateness();
	run->state = st;
	return 0;
}

static void chess_teardown(struct sim_run *run)
{
	free(run->state);
	run->state = NULL;
}

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
 * count = moves made, value = the LCG's end state, bytes = LCG steps (the master's work),
 * lat = how long each opponent's move really lasted, max_lat_s = the longest. */
static void chess_game(const struct sim_run *run, uint32_t i, struct sim_result *out, struct think *tp)
{
	const struct chess_cfg *c = run->cfg;
	struct moves mv;
	moves_of(c, &mv);
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
		sim_hist_add(&out->lat, t2 - t1);
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
	out->bytes = t.steps;
}

static void chess_task(const struct sim_run *run, uint32_t i, struct sim_result *out)
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

static bool chess_verify(const struct sim_run *run, const struct sim_result *rs, char *why, size_t n)
{
	const struct chess_cfg *c = run->cfg;
	for (uint32_t i = 0; i < run->tasks; i++) {
		if (rs[i].count != 2 * c->pairs) {
			snprintf(why, n, "table %u played %llu moves of %llu", i, (unsigned long long)rs[i].count,
			         (unsigned long long)(2 * c->pairs));
			return false;
		}
		if (rs[i].bytes == 0 || rs[i].value != lcg_jump(game_seed(i), rs[i].bytes)) {
			snprintf(why, n, "table %u: the master's %llu steps of thought end in the wrong state",
			         i, (unsigned long long)rs[i].bytes);
			return false;
		}
	}
	return true;
}

static double chess_predict(const struct sim_run *run) { return state_of(run)->now.t; }

static double hours(const struct sim_run *run, double wall_s)
{
	return wall_s / ((const struct chess_cfg *)run->cfg)->scale / 3600.0;
}

static void chess_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct chess_cfg *c = run->cfg;
	const struct chess_state *st = state_of(run);
	struct moves mv;
	moves_of(c, &mv);
	sim_field_add(out, "story", true, "%s", story_name[story_of(run)]);
	sim_field_add(out, "opponents", false, "%llu", (unsigned long long)c->opponents);
	sim_field_add(out, "pairs", false, "%llu", (unsigned long long)c->pairs);
	sim_field_add(out, "master_s", false, "%g", c->master_s);
	sim_field_add(out, "opponent_s", false, "%g", c->opponent_s);
	sim_field_add(out, "scale", false, "%g", c->scale);
	sim_field_add(out, "master_ms", false, "%.4f", mv.m_s * 1e3);
	sim_field_add(out, "opponent_ms", false, "%llu", (unsigned long long)mv.o_ms);
	sim_field_add(out, "cores", false, "%u", st->now.cores);
	sim_field_add(out, "slice_ms", false, "%g", st->now.slice * 1e3);
	sim_field_add(out, "timer_late_ms", false, "%.3f", st->late_s * 1e3);
	sim_field_add(out, "bound_lo_s", false, "%.6f", st->now.lo);
	sim_field_add(out, "bound_hi_s", false, "%.6f", st->now.hi);
	sim_field_add(out, "predicted_h", false, "%.4f", hours(run, st->now.t));
	sim_field_add(out, "documents_h", false, "%.4f", st->docs.t / 3600.0);
	if (!rs)
		return;
	double end = 0;
	struct sim_hist h = { 0 };
	for (uint32_t i = 0; i < run->tasks; i++) {
		if (rs[i].end_s > end)
			end = rs[i].end_s;
		sim_hist_merge(&h, &rs[i].lat);
	}
	/* Measured: when the last game ended (the text format uses the whole run's wall time). */
	sim_field_add(out, "measured_h", false, "%.4f", hours(run, end));
	/* How late opponents' timers woke, past the move asked: the models' wake-up cost. */
	sim_field_add(out, "opponent_late_p99_ms", false, "%.3f",
	              (sim_hist_quantile(&h, 0.99) - (double)mv.o_ms / 1000.0) * 1e3);
}

/* A duration in the story's units: hours from 1.5 h, minutes below, seconds below 2 min. */
static const char *story_time(double s, char *buf, size_t n)
{
	if (s >= 5400)
		snprintf(buf, n, "%.1f h", s / 3600);
	else if (s >= 120)
		snprintf(buf, n, "%.1f min", s / 60);
	else
		snprintf(buf, n, "%.1f s", s);
	return buf;
}

static void chess_text(const struct sim_run *run, const struct sim_result *rs, double wall_s,
                       double predicted_s, FILE *out)
{
	(void)rs;
	const struct chess_cfg *c = run->cfg;
	const struct chess_state *st = state_of(run);
	struct moves mv;
	moves_of(c, &mv);
	char a[32], b[32], d[32];
	double sc = c->scale;
	enum story sy = story_of(run);
	const char *who;
	char whobuf[160];
	switch (sy) {
	case ST_SYNC: who = "one game at a time to its end"; break;
	case ST_ASYNC:
		who = st->now.workers >= c->opponents ? "one master, one thread, moving from table to table"
		                                      : "one master, moving between the tables --limit lets open";
		break;
	case ST_GIL:
		snprintf(whobuf, sizeof whobuf, "%u clones that take turns to think: Python's GIL", st->now.workers);
		who = whobuf;
		break;
	default:
		if (st->now.workers >= c->opponents)
			snprintf(whobuf, sizeof whobuf, "a clone of the master per table (%u %s)", st->now.workers,
			         run->model->caps & SIM_CAP_PROCESSES ? "processes" : "threads");
		else
			snprintf(whobuf, sizeof whobuf, "a pool of %u clones, each playing games to their end",
			         st->now.workers);
		who = whobuf;
	}
	char label[48];
	if (sy == ST_CLONES && st->now.workers >= c->opponents)
		snprintf(label, sizeof label, "clone per table");
	else if (sy == ST_CLONES)
		snprintf(label, sizeof label, "pool of %u clones", st->now.workers);
	else if (sy == ST_GIL)
		snprintf(label, sizeof label, "clones under the GIL");
	else
		snprintf(label, sizeof label, "%s", story_name[sy]);
	fprintf(out, "  %s: %s\n", story_name[sy], who);
	if (wall_s >= 0)
		fprintf(out, "  %s  predicted %s  measured %s  (%.3f s wall)\n", label,
		        story_time(predicted_s / sc, a, sizeof a), story_time(wall_s / sc, b, sizeof b), wall_s);
	else
		fprintf(out, "  %s  predicted %s  (%.3f s wall)\n", label,
		        story_time(predicted_s / sc, a, sizeof a), predicted_s);
	if (sy == ST_CLONES || sy == ST_GIL)
		fprintf(out, "  between %s (CPU bound) and %s (lock-step) on %u core%s; simulated round-robin, "
		        "%g ms slice\n", story_time(st->now.lo / sc, a, sizeof a),
		        story_time(st->now.hi / sc, b, sizeof b), st->now.cores, st->now.cores == 1 ? "" : "s",
		        st->now.slice * 1e3);
	fprintf(out, "  with enough cores and unrounded moves: %s (seed 002: synchronous 12 h, "
	        "asynchronous 1 h, a clone per table 30 min)\n", story_time(st->docs.t, d, sizeof d));
	fprintf(out, "  moves: master %g s = %.3f ms of CPU; opponent %g s = %llu ms on the timer", c->master_s,
	        mv.m_s * 1e3, c->opponent_s, (unsigned long long)mv.o_ms);
	if (fabs(mv.o_asked_ms - (double)mv.o_ms) > 1e-9)
		fprintf(out, " (%.3f ms rounded; predictions use %llu)", mv.o_asked_ms, (unsigned long long)mv.o_ms);
	fprintf(out, "; 1 exhibition s = %g s wall\n", sc);
	fprintf(out, "  timers wake %.3f ms late on average here (measured before the run): the "
	        "prediction counts it\n", st->late_s * 1e3);
}

const struct sim_workload sim_workload_chess = {
	.name = "chess",
	.summary = "seed 002's chess exhibition (C4): sequential = synchronous, eventloop = asynchronous, "
	           "threadpool/multiprocess --workers 0 = a clone per table",
	.usage = "The master (Judit Polgar) plays --opponents games of --pairs move pairs; her move is\n"
	         "real CPU work (--master-s), each opponent's a wait (--opponent-s), both times --scale.\n"
	         "How the models play it:\n"
	         "  sequential                synchronous: one game at a time (12 h in seed 002)\n"
	         "  eventloop                 asynchronous: one master moving from table to table (1 h)\n"
	         "  threadpool --workers 0,   a clone of the master per table (30 min with a core each;\n"
	         "  multiprocess --workers 0  on fewer cores, between a CPU and a lock-step bound)\n"
	         "  threadpool, multiprocess  a pool of W clones, each playing whole games in turn\n"
	         "  threadpool --gil          clones that take turns to think, as Python threads do\n"
	         "--tasks is the number of opponents; an opponent's move must be at least 10 ms of wall\n"
	         "time (timers count whole ms) and the master's at least 0.1 ms. --cores C predicts for\n"
	         "a machine with C cores. Text output gives exhibition hours, predicted and measured.",
	.default_tasks = 24,
	.cfg_size = sizeof(struct chess_cfg),
	.options = chess_options,
	.check = chess_check,
	.setup = chess_setup,
	.task = chess_task,
	.verify = chess_verify,
	.predict = chess_predict,
	.fields = chess_fields,
	.text = chess_text,
	.teardown = chess_teardown,
};
