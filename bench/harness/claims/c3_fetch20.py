# SPDX-License-Identifier: MIT
# c3_fetch20.py: claim C3: 20 GETs: a plain loop, then a pool of 4, then an event loop gathering all; the gap grows.
from ..charts import Plot, gp_path, series_vars, write_bars
from ..results import mean, near, secs
from ..util import fnum
from . import Judgement
from ._peers import NOTE, line, spread, timed, timed_ms, views, wall

ID = "C3"
TITLE = "20 GETs: plain loop < pool of 4 threads < event loop gathering all 20; the gap grows with requests"
QUOTE = "the edge grows substantially when you want to do multiple tasks"
SOURCE = "vexs-2021"
WORKLOAD = "fetch"
HOLDS = "ordering holds; pool(4) ≈ ceil(20/4) round trips; event loop ≈ 1 round trip"

N = "20"   # the documents' count of GETs


def roles(s, ctx, tasks):
    """The rows at that many requests: the plain loop, the pools (in the sweep's order), the loop
    that gathers them all (a coroutine per task); each None when the sweep has none."""
    at = [r for r in s.ok_rows() if r["p_tasks"] == tasks]
    first = lambda role: next((r for r in at if ctx.models.role(r) == role), None)
    return first("serial"), [r for r in at if ctx.models.role(r) == "pool"], first("each")


def gaps(s, ctx, t=mean):
    """The plain loop's time over the event loop's, per request count."""
    out = {}
    for n in sorted({int(r["p_tasks"]) for r in s.ok_rows()}):
        sq, _, ev = roles(s, ctx, str(n))
        if sq and ev:
            out[n] = t(sq) / t(ev)
    return out


def checks_of(s, ctx, gap, t=mean):
    sq, pools, ev = roles(s, ctx, N)
    tp = pools[0] if pools else None
    checks = []
    if sq and tp:
        checks.append((f"a plain loop ≥ 1.5 × a pool of 4 ({sq['series']}, {tp['series']})", t(sq) >= 1.5 * t(tp)))
    if tp and ev:
        checks.append((f"a pool of 4 ≥ 1.5 × the event loop ({tp['series']}, {ev['series']})", t(tp) >= 1.5 * t(ev)))
    for r in pools:
        checks.append((f"{r['series']} ≈ ceil(20/4) round trips", near(t(r), fnum(r["predicted_s"]), 0.20, 0.05)))
    if len(gap) >= 2:
        checks.append(("the loop-to-event-loop gap grows with requests", gap[max(gap)] > gap[min(gap)]))
    return checks


def sentence_of(s, ctx, gap, t=mean):
    got = [r for r in s.ok_rows() if r["p_tasks"] == N]
    if not got:
        return ""
    out = "20 GETs took " + ", ".join(f"{t(r):.3f} s ({r['series']})" for r in got)
    if len(gap) >= 2:
        out += (f"; the plain loop was {gap[min(gap)]:.1f}× the event loop at {min(gap)} requests and "
                f"{gap[max(gap)]:.1f}× at {max(gap)}")
    return out + "."


def peer_lines(s, ctx):
    """A line per peer program. One with no loop or pool of its own (Go: a goroutine per GET) is
    judged against its prediction, one round trip plus its client's cost per request."""
    out = []
    for key, v in views(s):
        gap = gaps(v, ctx, wall)
        checks = checks_of(v, ctx, gap, wall)
        if not checks:
            checks = [(f"{r['series']} ≈ one round trip", near(wall(r), fnum(r["predicted_s"]), 0.20, 0.05))
                      for r in v.ok_rows() if r["p_tasks"] == N]
        out.append(line(ctx, key, sentence_of(v, ctx, gap, wall).rstrip("."), checks))
    return out


def judge(sweeps, ctx):
    whole = sweeps["c3_fetch20"]
    s = whole.only("")
    rows = s.ok_rows()
    gap = gaps(s, ctx)
    tbl = ["| series | requests | predicted | measured (mean ± sd) | min … max |", "|---|---:|---:|---:|---:|"]
    for r in whole.ok_rows():
        tbl.append(f"| {r['series']} | {r['p_tasks']} | {secs(fnum(r['predicted_s']))} | {timed_ms(whole, r)} | "
                   f"{spread(whole, r)} |")
    sentence = sentence_of(s, ctx, gap)
    lat = rows[0].get("p_latency") or rows[0].get("latency_ms") if rows else ""
    return Judgement(
        params=f"20 GETs (and 5 to 40) against a loopback server with {lat} ms latency" if rows else "",
        prediction="sequential N·(L + c); a pool of 4 ceil(N/4)·(L + c); the event loop L + N·c",
        thresholds="at 20 requests each step of the order by at least 1.5×; the pools within 20% + 50 ms of "
                   "ceil(20/4) round trips; the sequential / event-loop ratio larger at the most requests than at the fewest",
        checks=checks_of(s, ctx, gap), table=tbl, sentence=sentence,
        peers=(peer_lines(whole, ctx) + [NOTE]) if views(whole) else [])


def chart(s, ctx):
    """Left: bars at the documents' 20 GETs; right: wall time against requests."""
    rows = s.ok_rows()
    bars = [(r["series"], timed(s, r), fnum(r["run_sd_s" if s.peer_of(r) else "sd_s"]), fnum(r["predicted_s"]),
             "measured", s.peer_of(r)) for r in rows if r["p_tasks"] == N]
    if not bars:
        return None
    v = series_vars(ctx, s)
    v["LAT"] = fnum(rows[0]["p_latency"]) / 1000
    v["xmax"] = max(int(r["p_tasks"]) for r in rows)
    v["xmin"] = min(int(r["p_tasks"]) for r in rows)
    v["bars"] = gp_path(write_bars(ctx, "c3_fetch20", bars), ctx.run_dir)
    v["NB"] = len(bars)
    # Two panels and, with the peers, a key beside the line panel: a wider canvas.
    return Plot(v, size=(1600, 780)) if v["peernote"] != "''" else v


CHARTS = {"c3_fetch20": chart}
