# SPDX-License-Identifier: MIT
# c11_scale.py: claim C11: an event loop holds many more concurrent tasks than a thread or process per task, at less memory each.
from ..results import secs
from ..util import fnum
from . import Judgement
from . import _scale as sc
from ._scale_charts import largest_chart, memory_chart

ID = "C11"
TITLE = "an event loop holds many more concurrent tasks than threads or processes, at less memory per task"
QUOTE = "an event loop holds many more concurrent tasks than threads or processes"
SOURCE = "fowler-2022"
ALSO = ("masnun-2016",)
WORKLOAD = "scale"
HOLDS = ("each event loop holds the sweep's largest count of tasks at once, at least 10× the most a thread or "
         "process per task holds before the kernel's limits stop it; and it costs less memory per task")
MORE = 10   # the loops must reach at least this many times the count a thread or process per task reached


def common_count(s, rs):
    """The largest count at which every loop and every thread-or-process series held all its
    tasks at once: where memory per task compares like with like."""
    sets = [{int(r["p_tasks"]) for r in s.ok_rows() if r["series"] == x.series and sc.held(r) == int(r["p_tasks"])}
            for x in rs if x.kind in ("loop", "each")]
    both = set.intersection(*sets) if sets else set()
    return max(both) if both else 0


def checks_of(s, rs, top):
    loops = [r for r in rs if r.kind == "loop"]
    each = [r for r in rs if r.kind == "each"]
    checks = [(f"{r.series} held {r.held:,} tasks at once, the sweep's largest count", r.held == top) for r in loops]
    best = max((r.held for r in loops), default=0)
    for r in each:
        checks.append((f"{r.series} stopped at a limit ({r.why or 'it did not stop'}) having held at most "
                       f"{r.held:,} at once, at most 1/{MORE} of the loops' {best:,}", bool(r.stop) and r.held * MORE <= best))
    at = common_count(s, rs)
    costs = {r.series: sc.bytes_per_task(s.ok(r.series, tasks=at)) for r in loops + each if s.ok(r.series, tasks=at)}
    dearest_loop = max((costs[r.series] for r in loops if costs.get(r.series)), default=None)
    for r in each:
        if costs.get(r.series) and dearest_loop:
            checks.append((f"at {at:,} tasks {r.series} costs more memory per task ({sc.per_task(costs[r.series])}) "
                           f"than every loop (at most {sc.per_task(dearest_loop)})", costs[r.series] > dearest_loop))
    return checks, at


def reach_table(s, rs):
    tbl = ["| series | largest count completed | of those, alive at once | its wall time | memory (method) | per task "
           "| where it stopped |", "|---|---:|---:|---:|---:|---:|---|"]
    for r in rs:
        if not r.row:
            tbl.append(f"| {r.series} | none | | | | | {r.why or 'no point ran'} |")
            continue
        k = sc.mem_kib(r.row)
        tbl.append(f"| {r.series} | {r.largest:,} | {r.held:,} | {secs(sc.wall(r.row))} | {sc.mib(k)} "
                   f"({r.row.get('mem_method') or 'rss'}) | {sc.per_task(sc.bytes_per_task(r.row))} | "
                   f"{r.why or 'completed every count it was given'} |")
    return tbl


def target_rows(s, D):
    """The issue's targets: at a million tasks, and at 10,000 (wall within D + 20 ms)."""
    out = ["", "| target (the issue's; not part of the verdict) | measured | met |", "|---|---|:-:|"]
    floor = s.ok("c-libuv-floor", tasks=1000000)
    for series, mem_mib, ratio in (("eventloop-callbacks", 200, 1.3), ("eventloop", 1024, 2.0)):
        r = s.ok(series, tasks=1000000)
        if not r or not floor:
            out.append(f"| {series} at 1,000,000: ≤ {mem_mib} MiB, ≤ {ratio}× the floor's wall | not measured | — |")
            continue
        m, w, f = sc.mem_kib(r) / 1024, sc.wall(r), sc.wall(floor)
        out.append(f"| {series} at 1,000,000: ≤ {mem_mib} MiB and ≤ {ratio}× c-libuv-floor's wall | "
                   f"{m:,.0f} MiB, {w:.3f} s = {w / f:.2f}× {f:.3f} s | {'✔' if m <= mem_mib and w <= ratio * f else '✘'} |")
    for r in (r for r in s.ok_rows() if r["p_tasks"] == "10000"):
        w = sc.wall(r)
        out.append(f"| {r['series']}: 10,000 sleeps of {D:g} s within {D + 0.02:.2f} s | {w:.3f} s | "
                   f"{'✔' if w <= D + 0.02 else '✘'} |")
    return out


def sentence_of(s, rs, top, at):
    loops = [r for r in rs if r.kind == "loop" and r.held == top]
    each = [r for r in rs if r.kind == "each"]
    if not loops:
        return ""
    out = (f"{' and '.join(r.series for r in loops)} held {top:,} sleeps at once "
           f"({', '.join(secs(sc.wall(r.row)) for r in loops)})")
    if each:
        # A series with no measured point (every count drawn from its prediction: over the
        # time-budget on a slow or busy machine) completed nothing here: said so, not "0".
        out += "; " + "; ".join(f"{r.series} completed {r.largest:,}, at most {r.held:,} alive at once, and stopped "
                                f"there ({r.why or 'no stop recorded'})" if r.largest else
                                f"{r.series} was not measured here (its counts drawn from the prediction)"
                                for r in each)
    out += "."
    costs = [(r.series, sc.bytes_per_task(s.ok(r.series, tasks=at))) for r in rs if s.ok(r.series, tasks=at)]
    if at and costs:
        out += (f" Memory per task at {at:,}, the most every one of them held at once (the run's memory, shared "
                f"pages once, ÷ tasks): "
                + ", ".join(f"{x} {sc.per_task(b)}" for x, b in sorted(costs, key=lambda c: c[1])) + ".")
    big = [(r.series, sc.bytes_per_task(r.row)) for r in rs if r.row and r.largest == top and r.kind != "each"]
    if top != at and big:
        out += f" At {top:,}: " + ", ".join(f"{x} {sc.per_task(b)}" for x, b in sorted(big, key=lambda c: c[1])) + "."
    return out


def judge(sweeps, ctx):
    s = sweeps["c11_scale"]
    rs = sc.reaches(s, ctx)
    rows = s.ok_rows()
    top = max((int(r["p_tasks"]) for r in s.rows), default=0)
    D = fnum(rows[0]["ms"]) / 1000 if rows and rows[0].get("ms") else 1.0
    checks, at = checks_of(s, rs, top)
    env = ctx.env
    return Judgement(
        params=(f"concurrent sleeps of D = {D:g} s, {min((int(r['p_tasks']) for r in s.rows), default=0):,} to "
                f"{top:,} tasks, one run per point; this machine: kernel.pid_max {env.get('pid_max', '?')}, "
                f"vm.max_map_count {env.get('max_map_count', '?')}, {env.get('memory', '?')}; memory is each run's "
                f"mem_kib (a page shared by processes counted once: rss-peak for one process, rss+uss for a parent "
                f"and its workers), per task = mem_kib ÷ tasks"),
        prediction=("every model that can hold N tasks takes about D; the loops hold any count memory allows; a "
                    "thread or process per task stops at the kernel's limits, about min(pid_max, max_map_count / 2) "
                    "threads and pid_max processes, less what else runs"),
        thresholds=(f"each of simul's loops holds the largest count at once (in_flight_max: the most of a run's "
                    f"tasks alive together, from each task's start and end); each thread-or-process model stops "
                    f"(refused or failed) having held at most 1/{MORE} of it; at the largest count at which all of "
                    f"them held every task at once, each thread-or-process model's memory per task is above every "
                    f"loop's"),
        checks=checks, table=reach_table(s, rs) + target_rows(s, D), sentence=sentence_of(s, rs, top, at))


CHARTS = {"c11_memory": memory_chart, "c11_largest": largest_chart}
