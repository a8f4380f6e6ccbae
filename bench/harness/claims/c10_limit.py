# SPDX-License-Identifier: MIT
# c10_limit.py: claim C10: a semaphore of L (--limit) or a pool of L workers runs N sleeps of D in ceil(N/L) waves.
import math

from ..charts import series_vars
from ..results import mean, near, secs, span
from ..util import fnum
from . import Judgement
from ._peers import NOTE, line, spread, timed_ms, views, wall

ID = "C10"
TITLE = "a semaphore of 2 over 6 tasks of 2 s runs them in 3 waves"
QUOTE = "bind them to a semaphore … that allows 2 things to work at once … completed in 2-size chunks"
SOURCE = "vexs-2021"
WORKLOAD = "sleep with a limit"
HOLDS = "wall ≈ ceil(N/limit)·D under every model that honours the limit"


def sentence_of(rows, N, D, t=mean):
    two = [r for r in rows if r["p_L"] == "2"]
    if not two:
        return ""
    lo, hi = min(t(r) for r in two), max(t(r) for r in two)
    ways = f"the {len(two)} ways of bounding concurrency" if len(two) > 1 else two[0]["series"]
    waves = f"{lo / D:.2f}" if f"{lo / D:.2f}" == f"{hi / D:.2f}" else f"{lo / D:.2f} to {hi / D:.2f}"
    out = (f"With {N} tasks of {D * 1000:.0f} ms and L = 2, {ways} "
           f"took {span(lo, hi)}, {waves}·D against the "
           f"{math.ceil(N / 2)} waves the semaphore story predicts")
    worst = max(rows, key=lambda r: abs(t(r) / fnum(r["predicted_s"]) - 1))
    dev = t(worst) / fnum(worst["predicted_s"]) - 1
    return out + f"; over every L the furthest point was {dev * 100:+.1f}% ({worst['series']}, L = {worst['p_L']})."


def checks_of(rows, t=mean):
    return [(f"{r['series']}, L={r['p_L']} ≈ ceil(N/L)·D", near(t(r), fnum(r["predicted_s"]), 0.10, 0.03))
            for r in rows]


def peer_lines(s, ctx, N, D):
    """A line per peer program: its semaphore, executors or channel, timed by its own clock."""
    out = []
    for key, v in views(s):
        rows = v.ok_rows()
        out.append(line(ctx, key, sentence_of(rows, N, D, wall).rstrip("."), checks_of(rows, wall)))
    return out


def judge(sweeps, ctx):
    whole = sweeps["c10_limit"]
    rows = whole.only("").ok_rows()
    D = fnum(rows[0]["ms"]) / 1000 if rows else 0
    N = int(fnum(rows[0]["tasks"])) if rows else 6
    checks = checks_of(rows)
    tbl = ["| series | L | waves | predicted | measured (mean ± sd) | min … max |", "|---|---:|---:|---:|---:|---:|"]
    for r in whole.ok_rows():
        tbl.append(f"| {r['series']} | {r['p_L']} | {math.ceil(N / int(r['p_L']))} | {secs(fnum(r['predicted_s']))} | "
                   f"{timed_ms(whole, r)} | {spread(whole, r)} |")
    return Judgement(
        params=(f"{N} tasks sleeping D = {D * 1000:.0f} ms (the documents' 2 s scaled down); "
                f"L = {', '.join(sorted({r['p_L'] for r in rows}, key=int))} as --limit or --workers"),
        prediction="ceil(N/L)·D: L tasks at a time, in waves",
        thresholds="every point within 10% + 30 ms of ceil(N/L)·D",
        checks=checks, table=tbl, sentence=sentence_of(rows, N, D),
        peers=(peer_lines(whole, ctx, N, D) + [NOTE]) if rows and views(whole) else [])


def chart(s, ctx):
    rows = s.ok_rows()
    v = series_vars(ctx, s)
    v["D"] = fnum(rows[0]["ms"]) / 1000
    v["N"] = int(fnum(rows[0]["tasks"]))
    v["xmax"] = max(int(r["p_L"]) for r in rows)
    return v


CHARTS = {"c10_limit": chart}
