# SPDX-License-Identifier: MIT
# _cost.py: what claims C7 (spawn) and C8 (switch) share: a row's kind of task and pinning, figures in ns, the cost chart.
import csv
import io
import os

from ..charts import Plot, gp_path, gp_str
from ..results import Sweep
from ..util import fnum, write_atomic
from ._runs import least

# The record's `primitive` field (the workloads say what the model's tasks are made of).
KIND = {"a function call": "call", "a coroutine": "coroutine", "a thread": "thread", "a process": "process",
        "a goroutine": "goroutine", "a promise": "promise", "a tokio task": "tokio task"}
# The peers' own kinds of task, which no C model is: each set against simul's thread per task.
OWN = ("goroutine", "promise", "tokio task")


def kind(r):
    return KIND.get(r.get("primitive", ""), "")


def pinned(r):
    return r.get("pinned") == "true"


def ns(x):
    """A duration in nanoseconds, in the unit that reads best."""
    if x is None:
        return "—"
    if x >= 1e6:
        return f"{x / 1e6:.2f} ms"
    if x >= 1e3:
        return f"{x / 1e3:.1f} µs"
    return f"{x:.1f} ns"


def ratio(a, b):
    return a / b if a and b else None


def last_point(rows, series):
    """A series' row at its largest task count: the model's fixed set-up spread the thinnest."""
    rs = [r for r in rows if r["series"] == series]
    return max(rs, key=lambda r: int(fnum(r.get("p_tasks")) or fnum(r.get("tasks")) or 0)) if rs else None


def tasks(r):
    return int(fnum(r.get("p_tasks")) or fnum(r.get("tasks")) or 0)


def against_threads(s, v, key, at_n):
    """A peer's own tasks (goroutines, promises, tokio tasks: a kind no C model is, so nothing in
    its own rows to set them against) beside simul's thread per task, unpinned and pinned:
    [(pinned, the peer's point, thread point)], each figure the least of its runs. s: simul's
    rows; v: the peer's; at_n: compare at the largest task count both ran (spawn), else at each
    one's largest (switch)."""
    out = []
    for pin in (False, True):
        gs = [r for r in v.ok_rows() if kind(r) in OWN and pinned(r) == pin]
        ts = [r for r in s.ok_rows() if kind(r) == "thread" and pinned(r) == pin]
        if at_n:
            both = {tasks(r) for r in gs} & {tasks(r) for r in ts}
            if not both:
                continue
            gs, ts = [r for r in gs if tasks(r) == max(both)], [r for r in ts if tasks(r) == max(both)]
        if gs and ts:
            out.append((pin, least_points(v, gs[-1:], key)[0], least_points(s, ts[-1:], key)[0]))
    return out


def pick(points, k, pin):
    return next((p for p in points if kind(p) == k and pinned(p) == pin), None)


def least_points(s, points, key):
    """The points with key (and the floor) as the least of their runs; the median stays in
    key + '_median'."""
    out = []
    for p in points:
        q = dict(p)
        q[key + "_median"] = p.get(key)
        q[key] = "%.6g" % least(s, p, key)
        q["floor_ns"] = "%.6g" % least(s, p, "floor_ns")
        out.append(q)
    return out


def common_n(rows, series):
    """The largest task count every series ran (each creates the same number of tasks there), or
    None if they share none."""
    counts = [{int(fnum(r["p_tasks"])) for r in rows if r["series"] == x} for x in series]
    shared = set.intersection(*counts) if counts else set()
    return max(shared) if shared else None


def spawn_points(s):
    """Each series of the spawn sweep at the largest N they all ran, else at its own largest."""
    rows = s.ok_rows()
    n = common_n(rows, s.series())
    if n is None:
        return [last_point(rows, x) for x in s.series()]
    return [next(r for r in rows if r["series"] == x and int(fnum(r["p_tasks"])) == n) for x in s.series()]


def other_sweep(ctx, name):
    """Another sweep of the same run (the cost chart draws C7's beside C8's); None if it did not run."""
    if not os.path.exists(os.path.join(ctx.run_dir, "raw", f"{name}.plan.json")):
        return None
    s = Sweep(ctx.run_dir, name)
    return s if s.joined else None


def label_of(series):
    """The model and its options, without the 'pinned' the chart shows by the bar's fill."""
    return series.replace(" pinned", "").strip()


def bars(points, key):
    """One group per model (series without 'pinned'), its unpinned and pinned figures and floor."""
    groups = []
    for p in points:
        lab = label_of(p["series"])
        g = next((g for g in groups if g["label"] == lab), None)
        if g is None:
            g = {"label": lab, "kind": kind(p), "what": p.get("what", p.get("primitive", "")), "free": "", "pin": "",
                 "floor": ""}
            groups.append(g)
        g["pin" if pinned(p) else "free"] = "%.6g" % fnum(p[key])
        if not pinned(p) or not g["floor"]:
            g["floor"] = "%.6g" % fnum(p["floor_ns"])
    return groups


def peer_points(whole, key, n):
    """Every peer's series (CPython's tasks, threads and processes, Go's goroutines, Node.js's
    promises, tokio's tasks), drawn beside simul's models, each at N = n tasks where it ran
    that, else at its largest, said in its label then."""
    v = whole.only("*")
    rows = [r for r in v.ok_rows() if kind(r)]
    out = []
    for x in dict.fromkeys(r["series"] for r in rows):
        rs = [r for r in rows if r["series"] == x]
        p = next((r for r in rs if n and tasks(r) == n), None) or last_point(rs, x)
        q = least_points(v, [p], key)[0]
        if n and tasks(p) != n:
            q["what"] = f"N = {tasks(p)}"  # short, under a bar; no comma: gnuplot splits the CSV field
        out.append(q)
    return out


def cost_csv(ctx, panel, groups):
    """One panel's bars: a CSV of its own (gnuplot's xtic labels cannot be filtered by row)."""
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(["i", "label", "kind", "what", "free_ns", "pinned_ns", "floor_ns"])
    for i, g in enumerate(groups):
        wr.writerow([i, g["label"], g["kind"], g["what"], g["free"], g["pin"], g["floor"]])
    path = ctx.chart_file(f"cost.{panel}.csv")
    write_atomic(path, buf.getvalue())
    return gp_path(path, ctx.run_dir)


def cost_chart(switch_sweep, ctx):
    """plots/cost.gp: creation (C7's sweep, if it ran) and switch (C8's) per model, log scale:
    simul's models, and every peer's series beside them."""
    whole_spawn, whole_switch = other_sweep(ctx, "c7_spawn"), switch_sweep
    spawn, switch_sweep = whole_spawn and whole_spawn.only(""), switch_sweep.only("")
    n = common_n(spawn.ok_rows(), spawn.series()) if spawn and spawn.ok_rows() else None
    sp = bars(least_points(spawn, spawn_points(spawn), "spawn_ns") + peer_points(whole_spawn, "spawn_ns", n),
              "spawn_ns") if spawn and spawn.ok_rows() else []
    sw = bars(least_points(switch_sweep, [last_point(switch_sweep.ok_rows(), x) for x in switch_sweep.series()],
                           "switch_ns") + peer_points(whole_switch, "switch_ns", None), "switch_ns")
    vals = [fnum(g[k]) for g in sp + sw for k in ("free", "pin", "floor") if fnum(g[k])]
    # Wide enough for every bar's two-line label (about 110 px a model); past 6 models a panel
    # the two panels are stacked, so that a browser's page width still shows the labels.
    n_bars = max(len(sp), len(sw), 1)
    rows = 2 if n_bars > 6 else 1
    width, height = max(1100, (3 - rows) * 110 * n_bars + 200), 760 if rows == 1 else 1300
    return Plot({"spawn": cost_csv(ctx, "spawn", sp), "switch": cost_csv(ctx, "switch", sw), "NSPAWN": len(sp),
                 "NSWITCH": len(sw), "ymin": min(vals) / 3, "ymax": max(vals) * 8,
                 "spawn_n": gp_str(f"{n:,}" if n else "each model's largest"), "ROWS": rows}, size=(width, height))
