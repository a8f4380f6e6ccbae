# SPDX-License-Identifier: MIT
# rerun.py: more runs for the points behind an undecided check, within a time budget, before the report is written.
"""After every sweep has run and been joined, each claim is judged over its runs
(uncertainty.py). A check whose resamples straddle its threshold is undecided; the measured
points whose own runs move it get RUNS more runs each (plan.extra_round: one more hyperfine
invocation, shuffled), cheapest claims first, as long as the estimated cost fits the budget;
their sweeps are joined again, and the loop goes round at most PASSES times. What each point
got is written to raw/rerun.json, and the report says so."""
import json
import os
import time

from . import claims, join, models, plan, results, sweeps, uncertainty
from .context import Context
from .util import fnum, write_atomic

RUNS = 2
PASSES = 2


def undecided_points(run_dir, selected, only=None):
    """{sweep: [idx]} of the points that would decide an undecided check, and their cost (s);
    only: the sweeps whose claims to judge (those a pass ran again: the others are as judged)."""
    env = results.read_env(run_dir)
    loaded = results.load(run_dir, selected)
    ctx = Context(run_dir, env, models.load(run_dir), env.get("quick") == "yes", "svg")
    specs = sweeps.all_specs()
    want, cost = {}, 0.0
    for mod in claims.discover():
        names = [s.name for s in specs if s.claim == mod.ID and s.name in loaded and loaded[s.name].joined]
        if not names or not hasattr(mod, "judge") or (only is not None and not set(names) & only):
            continue
        try:
            pts = uncertainty.deciding_points(mod, {n: loaded[n] for n in names}, ctx)
        except Exception:  # a judge that cannot judge is the report's to say, not this step's
            continue
        for n, idx in pts:
            row = next((r for r in loaded[n].rows if str(r["idx"]) == str(idx)), None)
            if row and idx not in want.setdefault(n, []):
                want[n].append(idx)
                cost += (fnum(row.get("mean_s")) or 0.0) * RUNS
    return want, cost


def rerun(run_dir, budget_s):
    """Spend up to budget_s seconds on undecided points; print what was done. The judging that
    finds them counts too: in a full run it took as long as the runs (43 s of a 25-s budget when
    only the runs counted)."""
    with open(os.path.join(run_dir, "sweeps.txt")) as f:
        selected = f.read().split()
    log, only, t_start = [], None, time.monotonic()
    for p in range(PASSES):
        if p and time.monotonic() - t_start >= budget_s:
            print(f"rerun: the {budget_s:g} s budget is spent: what is still undecided stays so")
            break
        want, cost = undecided_points(run_dir, selected, only)
        spent = time.monotonic() - t_start
        if not want:
            # none undecided, or none whose own runs move an undecided check (two points' noise together can)
            print(f"rerun: no point more runs would decide{' now' if p else ''}")
            break
        if spent + cost > budget_s:
            print(f"rerun: {sum(map(len, want.values()))} undecided point(s) would take about {cost:.0f} s, "
                  f"over what is left of the {budget_s:g} s budget: left undecided")
            break
        for n, idxs in want.items():
            plan.extra_round(run_dir, n, idxs, RUNS)
            join.join(run_dir, n)
            log.append({"pass": p + 1, "sweep": n, "idx": idxs, "runs": RUNS})
        spent = time.monotonic() - t_start
        only = set(want)
        print(f"rerun: pass {p + 1}: {RUNS} more runs of {sum(map(len, want.values()))} point(s) in "
              f"{', '.join(want)} ({spent:.0f} s of {budget_s:g} s)")
    write_atomic(os.path.join(run_dir, "raw", "rerun.json"), json.dumps(log, indent=1) + "\n")
    return 0
