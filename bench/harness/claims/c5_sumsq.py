# SPDX-License-Identifier: MIT
# c5_sumsq.py: claim C5: CPU-bound work: an event loop gains nothing, processes (and, in C, threads) use every core, the GIL does not.
import csv
import io
import math

from ..charts import gp_path, series_vars
from ..results import mean, ms, secs
from ..util import fnum, write_atomic
from . import Judgement

ID = "C5"
TITLE = "CPU-bound work gains nothing from an event loop; processes use every core; threads gain nothing under the GIL"
QUOTE = "Heavy math- `sum(i * i for i in range(10 ** 7))`"
SOURCE = "vexs-2021"
ALSO = ("scaler", "masnun-2016")   # the same claim, in their words
WORKLOAD = "sumsq"
HOLDS = ("event loop ≈ sequential; processes ≈ sequential / cores; threads ≈ processes in C, "
         "≈ sequential with the GIL emulated")
ONE_CORE = (0.85, 1.15)   # the band a model that runs on one core must land in


def kind(r, ctx):
    """'gil' (threads under the emulated GIL), 'parallel' (a model that simul says runs tasks on
    several cores), 'one core' (the rest but sequential, the baseline); None for sequential."""
    if ctx.models.role(r) == "serial":
        return None
    if r.get("gil") == "true":
        return "gil"
    return "parallel" if ctx.models.flag(r, "parallel") else "one core"


def base_of(s, ctx, r):
    """The sequential row at the same task count: what a speed-up divides."""
    return next((b for b in s.ok_rows() if b["p_tasks"] == r["p_tasks"] and ctx.models.role(b) == "serial"), None)


def speedups(s, ctx):
    """sequential's mean / each row's mean at the same task count, by (series, tasks). CPU-bound
    speed-ups are judged on the means of interleaved rounds: every model is run in every round,
    so each meets the machine's fast and slow spells alike. The fastest run (shown beside it) is
    biased against parallel work here: one busy core bursts up to 2x faster than it sustains, and
    two busy cores burst less than one."""
    out = {}
    for r in s.ok_rows():
        b = base_of(s, ctx, r)
        out[(r["series"], int(r["p_tasks"]))] = mean(b) / mean(r) if b else None
    return out


def table_of(s, ctx):
    tbl = ["| series | tasks | predicted | measured (mean ± sd) | fastest run | speed-up, fastest runs | speed-up, means |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in s.ok_rows():
        b = base_of(s, ctx, r)
        sp = fnum(b["min_s"]) / fnum(r["min_s"]) if b else None
        spm = mean(b) / mean(r) if b else None
        tbl.append(f"| {r['series']} | {r['p_tasks']} | {secs(fnum(r['predicted_s']))} | {ms(r)} | {fnum(r['min_s']):.3f} s | "
                   f"{'%.2f×' % sp if sp else '—'} | {'%.2f×' % spm if spm else '—'} |")
    return tbl


def judged(s, ctx, at):
    """(series, kind, speed-up) at `at` tasks for every model but sequential, parallel ones first."""
    speed = speedups(s, ctx)
    out = []
    for x in s.series():
        r = s.ok(x, tasks=at)
        if r and kind(r, ctx) and speed.get((x, at)) is not None:
            out.append((x, kind(r, ctx), speed[(x, at)], r["model"]))
    return sorted(out, key=lambda j: ("parallel", "gil", "one core").index(j[1]))


def part(j, first, want, ctx, at, gil_models):
    """One model's clause of the sentence."""
    x, k, sp, model = j
    head = f"{x} {'ran at' if first else 'at'} {sp:.2f}×" + (" sequential's speed" if first else "")
    inside = ONE_CORE[0] <= sp <= ONE_CORE[1]
    if k == "parallel" and sp >= want:
        return head + f", using {min(ctx.cores, at)} cores" + (": threads scale here because C has no GIL"
                                                              if model in gil_models else "")
    if k == "parallel":
        return head + f", short of the {want:.2f}× the threshold asks"
    if not inside:
        return head + ", outside the 0.85–1.15 band one core would give"
    return head + (", no better than one core, as in CPython" if k == "gil" else ": it gains nothing on CPU work")


def sentence_of(s, ctx, at, want, js):
    if not js:
        return ""
    gil_models = {r["model"] for r in s.ok_rows() if r.get("gil") == "true"}
    out = f"At {at} tasks on {ctx.cores} cores, " + "; ".join(
        part(j, i == 0, want, ctx, at, gil_models) for i, j in enumerate(js)) + "."
    over = [x for x, _, sp, _ in js if sp > 1.05 * ctx.cores]
    if over:
        out += (f" {', '.join(over)} came out above the {ctx.cores}× that {ctx.cores} cores allow, so the CPU's "
                f"speed changed between those runs: the ratios carry that error.")
    return out


def judge(sweeps, ctx):
    s = sweeps["c5_sumsq"]
    rows = s.ok_rows()
    tasks = sorted({int(r["p_tasks"]) for r in rows})
    at = next((t for t in tasks if t >= ctx.cores), tasks[-1] if tasks else 0)
    want = 0.8 * min(ctx.cores, at)
    js = judged(s, ctx, at)
    checks = []
    for x, k, sp, _ in sorted(js, key=lambda j: s.series().index(j[0])):
        lo, hi = (want, 1e9) if k == "parallel" else ONE_CORE
        checks.append((f"{x} speed-up at {at} tasks in [{lo:.2f}, {'∞' if hi > 1e8 else '%.2f' % hi}]", lo <= sp <= hi))
    n = rows[0].get("n") if rows else ""
    return Judgement(
        params=(f"sum of i·i over n = {int(fnum(n)):,} elements split into {', '.join(map(str, tasks))} tasks; "
                f"{ctx.cores} cores; default pools") if rows else "",
        prediction="one core's calibrated speed × n / usable parallelism (1 for sequential, eventloop, --gil; "
                   "min(tasks, pool, cores) for threads and processes)",
        thresholds=(f"speed-up = sequential's mean / the model's mean over the interleaved rounds, same task count; "
                    f"at {at} tasks (the first count ≥ the cores): eventloop and --gil within 0.85–1.15; "
                    f"threads and processes at least 0.8 × min(cores, tasks) = {want:.2f}"),
        checks=checks, table=table_of(s, ctx), sentence=sentence_of(s, ctx, at, want, js))


def chart(s, ctx):
    """Speed-up against tasks per model; sequential's is 1 by definition: the 'one core' line stands for it."""
    rows = s.ok_rows()
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(["series", "status", "p_tasks", "speedup", "speedup_mean", "speedup_sd", "speedup_pred"])
    for r in rows:
        b = base_of(s, ctx, r)
        if not b:
            continue
        a, sa, m, sm = mean(b), fnum(b["sd_s"]), mean(r), fnum(r["sd_s"])
        spm = a / m
        sd = spm * math.sqrt((sa / a) ** 2 + (sm / m) ** 2)
        sp = fnum(b["min_s"]) / fnum(r["min_s"])
        # The model's usable parallelism, from one `simul predict` (n at its calibrated speed
        # over the predicted time): one calibration, so its noise cancels.
        pr = s.command(r).get("predict_record") or {}
        pred = fnum(pr.get("n")) * fnum(pr.get("ns_per_elem")) * 1e-9 / fnum(pr.get("predicted_s"))
        wr.writerow([r["series"], "ok", r["p_tasks"], "%.4f" % sp, "%.4f" % spm, "%.4f" % sd, "%.4f" % pred])
    path = ctx.chart_file("c5_sumsq.speedup.csv")
    write_atomic(path, buf.getvalue())
    serial = {r["series"] for r in rows if ctx.models.role(r) == "serial"}
    v = series_vars(ctx, s, [x for x in s.series() if x not in serial])
    v["xmax"] = max(int(r["p_tasks"]) for r in rows)
    v["dat"] = gp_path(path, ctx.run_dir)
    return v


CHARTS = {"c5_sumsq": chart}
