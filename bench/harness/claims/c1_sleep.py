# SPDX-License-Identifier: MIT
# c1_sleep.py: claim C1: N sleeps take N·D one after another and D concurrently; a pool of W takes ceil(N/W)·D.
from ..charts import series_vars
from ..results import mean, near, secs, span
from ..util import fnum
from . import Judgement
from ._peers import NOTE, line, spread, timed, timed_ms, views, wall

ID = "C1"
TITLE = "3 sleeps of 1 s take 3 s one after another, 1 s with an event loop"
QUOTE = "this program takes 3 seconds to execute … it's natural to parallelise this"
SOURCE = "oliver-2023"
WORKLOAD = "sleep"
HOLDS = ("sequential ≈ N·D; every concurrent model ≈ D (+ overhead); a pool of W workers ≈ ceil(N/W)·D")
NEEDS = ("c1_sleep",)


def each_series(s, ctx):
    """The series that give every task its own thread, process or coroutine, in the sweep's order."""
    return [x for x in s.series() if all(ctx.models.role(r) == "each" for r in s.ok_rows() if r["series"] == x)]


def pool_label(r, ctx):
    w = int(fnum(r.get("workers")) or 0)
    return "default pool" if w == ctx.models.default_workers(r) else f"pool of {w}"


def checks_of(s, ctx, D, t=mean):
    """The checks on one view of the sweep (simul's rows, or one peer's), timed by t."""
    rows = s.ok_rows()
    checks = []
    seq3 = next((r for r in rows if ctx.models.role(r) == "serial" and r["p_tasks"] == "3"), None)
    if seq3:
        checks.append((f"{seq3['series']}, 3 tasks ≈ 3·D", near(t(seq3), 3 * D, 0.10, 0.02)))
    for m in each_series(s, ctx):
        r = s.ok(m, tasks=3)
        if r:
            checks.append((f"{m}, 3 tasks ≈ D", t(r) <= 1.10 * D + 0.02))
    for r in rows:
        if ctx.models.role(r) == "pool":
            checks.append((f"{r['series'].split()[0]} {pool_label(r, ctx)}, {r['p_tasks']} tasks ≈ ceil(N/W)·D"
                           if s.peer_of(r) else f"{pool_label(r, ctx)}, {r['p_tasks']} tasks ≈ ceil(N/W)·D",
                           near(t(r), fnum(r["predicted_s"]), 0.10, 0.02)))
    return checks, seq3


def largest(s, ctx, D, t):
    """What the largest task count cost each model that gives every task its own waiter."""
    big = []
    for m in each_series(s, ctx):
        r = max((r for r in s.ok_rows() if r["series"] == m), key=lambda r: int(r["p_tasks"]))
        big.append((m, int(r["p_tasks"]), t(r)))
    if not big:
        return ""
    n = max(b[1] for b in big)
    at = sorted((b for b in big if b[1] == n), key=lambda b: b[2])
    if len(at) > 1:
        return (f" At {n:,} tasks the cheapest was {at[0][0]} ({at[0][2]:.3f} s) and the dearest "
                f"{at[-1][0]} ({at[-1][2]:.3f} s): the {at[-1][2] - D:.3f} s over D is the cost "
                f"of creating and scheduling {n:,} waiting tasks that way.")
    return f" At {n:,} tasks {at[0][0]} took {at[0][2]:.3f} s ({at[0][2] / D:.2f}·D)."


def sentence_of(s, ctx, D, seq3, t=mean):
    concs = [r for r in (s.ok(m, tasks=3) for m in each_series(s, ctx)) if r]
    out = (f"Three sleeps of {D * 1000:.0f} ms took {t(seq3):.3f} s one after another "
           f"({t(seq3) / D:.2f}·D)") if seq3 else f"Three sleeps of {D * 1000:.0f} ms took" if concs else ""
    if concs:
        lo, hi = min(t(r) for r in concs), max(t(r) for r in concs)
        names = f"the {len(concs)} concurrent models" if len(concs) > 1 else concs[0]["series"]
        out += f"{' and' if seq3 else ''} {span(lo, hi)} under {names} ({hi / D:.2f}·D at most)"
    return (((out + ".") if out else "") + largest(s, ctx, D, t)).strip()


def peer_lines(s, ctx, D):
    """A line per peer program: the same checks and sentence on its rows, timed by its own clock."""
    out = []
    for key, v in views(s):
        checks, seq3 = checks_of(v, ctx, D, wall)
        beyond = [r for r in v.rows if r["status"] == "predicted"]
        text = sentence_of(v, ctx, D, seq3, wall).rstrip(".")
        if beyond:
            r = max(beyond, key=lambda r: int(r["p_tasks"]))
            text += (f"; {r['series']} beyond the budget is drawn predicted ({int(r['p_tasks']):,} sleeps: "
                     f"{secs(fnum(r['predicted_s']))})")
        out.append(line(ctx, key, text, checks))
    return out


def judge(sweeps, ctx):
    whole = sweeps["c1_sleep"]
    s = whole.only("")
    rows = s.ok_rows()
    D = fnum(rows[0]["ms"]) / 1000 if rows and rows[0].get("ms") else None
    checks, seq3 = checks_of(s, ctx, D) if D else ([], None)
    tbl = ["| series | tasks | predicted | measured (mean ± sd) | min … max | measured / D |",
           "|---|---:|---:|---:|---:|---:|"]
    for r in whole.rows if D else []:
        if r["status"] == "predicted":
            cmd = whole.command(r)
            why = (f"the sweep's budget of {secs(cmd['over_budget'])} a run" if cmd.get("over_budget") else
                   f"the sweep's time-budget of {secs(cmd.get('over_time_budget') or 0)} (the prediction adds its "
                   f"tasks' creation, {secs(cmd.get('spawn_s') or 0)})")
            tbl.append(f"| {r['series']} | {r['p_tasks']} | {secs(fnum(r['predicted_s']))} | not run: over "
                       f"{why} | | |")
        if r["status"] != "ok":
            continue
        tbl.append(f"| {r['series']} | {r['p_tasks']} | {secs(fnum(r['predicted_s']))} | {timed_ms(whole, r)} | "
                   f"{spread(whole, r)} | {timed(whole, r) / D:.2f} |")
    serial = [int(r["p_tasks"]) for r in rows if ctx.models.role(r) == "serial"]
    return Judgement(
        params=(f"sleep of D = {D * 1000:.0f} ms per task (the documents' 1 s scaled down); "
                f"tasks 1 to {max(int(r['p_tasks']) for r in rows):,} per model; sequential stops at "
                f"{max(serial or [0])} tasks (10,000 sleeps one after another would take "
                f"{10000 * D / 60:.0f} min)") if D else "",
        prediction="sequential N·D; a thread, process or coroutine per task D; a pool of W ceil(N/W)·D",
        thresholds="sequential within 10% + 20 ms of 3·D at 3 tasks; every concurrent model at most "
                   "1.10·D + 20 ms at 3 tasks; the default pool within 10% + 20 ms of ceil(N/W)·D",
        checks=checks, table=tbl, sentence=sentence_of(s, ctx, D, seq3) if seq3 else "",
        peers=(peer_lines(whole, ctx, D) + [NOTE]) if D and views(whole) else [])


def chart(s, ctx):
    """c1_sleep.gp and memory.gp: wall time and peak memory against tasks, per series."""
    rows = s.ok_rows()
    v = series_vars(ctx, s)
    v["D"] = fnum(rows[0]["ms"]) / 1000
    v["N"] = int(fnum(rows[0]["tasks"]))
    v["xmax"] = max(int(r["p_tasks"]) for r in rows)
    return v


CHARTS = {"c1_sleep": chart, "memory": chart}
