/* SPDX-License-Identifier: MIT */
/* chess_report.c: the chess record's own fields and its text, in the story's hours and minutes. */
#include "chess.h"

#include <math.h>

static double hours(const struct sim_run *run, double wall_s)
{
	return wall_s / ((const struct chess_cfg *)run->cfg)->scale / 3600.0;
}

void chess_fields(const struct sim_run *run, const struct sim_result *rs, struct sim_fields *out)
{
	const struct chess_cfg *c = run->cfg;
	const struct chess_state *st = chess_state_of(run);
	struct chess_moves mv;
	chess_moves_of(c, &mv);
	sim_field_add(out, "story", true, "%s", chess_story_name[chess_story_of(run)]);
	sim_field_add(out, "opponents", false, "%llu", (unsigned long long)c->opponents);
	sim_field_add(out, "pairs", false, "%llu", (unsigned long long)c->pairs);
	sim_field_add(out, "master_s", false, "%g", c->master_s);
	sim_field_add(out, "opponent_s", false, "%g", c->opponent_s);
	sim_field_add(out, "scale", false, "%g", c->scale);
	sim_field_add(out, "master_ms", false, "%.4f", mv.m_s * 1e3);
	sim_field_add(out, "opponent_ms", false, "%llu", (unsigned long long)mv.o_ms);
	sim_field_add(out, "cores", false, "%u", st->now.cores);
	sim_field_add(out, "slice_ms", false, "%g", st->now.slice * 1e3);
	sim_field_add(out, "timer_late_ms", false, "%.3f", st->costs.late_s * 1e3);
	sim_field_add(out, "wake_us", false, "%.2f", st->costs.wake_s * 1e6);
	sim_field_add(out, "switch_us", false, "%.2f", st->costs.switch_s * 1e6);
	sim_field_add(out, "create_us", false, "%.2f", st->costs.create_s * 1e6);
	/* The prediction without the wake-up and switch costs: what it was before they counted. */
	sim_field_add(out, "predicted_plain_s", false, "%.6f", st->ideal.t);
	sim_field_add(out, "bound_lo_s", false, "%.6f", st->now.lo);
	sim_field_add(out, "bound_hi_s", false, "%.6f", st->now.hi);
	sim_field_add(out, "predicted_h", false, "%.4f", hours(run, st->now.t));
	sim_field_add(out, "documents_h", false, "%.4f", st->docs.t / 3600.0);
	if (!rs)
		return;
	double end = 0;
	for (uint32_t i = 0; i < run->tasks; i++)
		if ((double)rs[i].start_s + rs[i].took_s > end)
			end = (double)rs[i].start_s + rs[i].took_s;
	/* Measured: when the last game ended (the text format uses the whole run's wall time). */
	sim_field_add(out, "measured_h", false, "%.4f", hours(run, end));
	/* How late opponents' timers woke, past the move asked: the models' wake-up cost. */
	sim_field_add(out, "opponent_late_p99_ms", false, "%.3f",
	              (sim_hist_quantile(&run->tally->lat, 0.99) - (double)mv.o_ms / 1000.0) * 1e3);
	/* When the last clone started, and the prediction replayed from the clones' own starts:
	 * both 0 where nothing was replayed (no clones). */
	double last = 0, replay = chess_replay_run(run, rs, &last);
	sim_field_add(out, "started_ms", false, "%.3f", replay >= 0 ? last * 1e3 : 0.0);
	sim_field_add(out, "replayed_s", false, "%.6f", replay >= 0 ? replay : 0.0);
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

void chess_text(const struct sim_run *run, const struct sim_result *rs, double wall_s,
                       double predicted_s, FILE *out)
{
	(void)rs;
	const struct chess_cfg *c = run->cfg;
	const struct chess_state *st = chess_state_of(run);
	struct chess_moves mv;
	chess_moves_of(c, &mv);
	char a[32], b[32], d[32];
	double sc = c->scale;
	enum chess_story sy = chess_story_of(run);
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
		snprintf(label, sizeof label, "%s", chess_story_name[sy]);
	fprintf(out, "  %s: %s\n", chess_story_name[sy], who);
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
	fprintf(out, "  with enough cores and unrounded moves: %s (Vexs, “Why asyncio?”, 2021: synchronous 12 h, "
	        "asynchronous 1 h, a clone per table 30 min)\n", story_time(st->docs.t, d, sizeof d));
	fprintf(out, "  moves: master %g s = %.3f ms of CPU; opponent %g s = %llu ms on the timer", c->master_s,
	        mv.m_s * 1e3, c->opponent_s, (unsigned long long)mv.o_ms);
	if (fabs(mv.o_asked_ms - (double)mv.o_ms) > 1e-9)
		fprintf(out, " (%.3f ms rounded; predictions use %llu)", mv.o_asked_ms, (unsigned long long)mv.o_ms);
	fprintf(out, "; 1 exhibition s = %g s wall\n", sc);
	fprintf(out, "  timers wake %.3f ms late on average here (measured before the run): the "
	        "prediction counts it\n", st->costs.late_s * 1e3);
	if (sy == ST_CLONES)
		fprintf(out, "  and each move a wake-up on the other core (%.1f us) and, on a shared core, a switch "
		        "(%.1f us); each clone starts %.1f us after the last: %.3f s without these\n",
		        st->costs.wake_s * 1e6, st->costs.switch_s * 1e6, st->costs.create_s * 1e6, st->ideal.t);
}
