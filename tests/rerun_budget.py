# SPDX-License-Identifier: MIT
# rerun_budget.py: rerun's budget counts the judging that finds the undecided points, not only their runs (harness/rerun.py, on stubs).
"""No bench runs: undecided_points and the extra rounds are stubs that take a set time. Prints
ok/FAIL lines; exit 1 on any failure."""
import contextlib
import io
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from harness import rerun  # noqa: E402

failed = 0


def check(what, ok, got=""):
    global failed
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f" (got {got})"))
    failed += 0 if ok else 1


def run(judge_s, runs_s, budget_s):
    """rerun on a stub run whose judging takes judge_s and whose extra rounds take runs_s (each
    pass costs 0.01 s by its estimate): (passes run, its output)."""
    calls = []

    def judged(run_dir, selected, only=None):
        time.sleep(judge_s)
        return {"s1": [0]}, 0.01

    def extra(run_dir, name, idxs, runs, warmup=0):
        calls.append(name)
        time.sleep(runs_s)
        return 0

    saved = rerun.undecided_points, rerun.plan.extra_round, rerun.join.join
    rerun.undecided_points, rerun.plan.extra_round, rerun.join.join = judged, extra, lambda d, n: None
    try:
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "raw"))
            open(os.path.join(d, "sweeps.txt"), "w").write("s1\n")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rerun.rerun(d, budget_s)
    finally:
        rerun.undecided_points, rerun.plan.extra_round, rerun.join.join = saved
    return len(calls), out.getvalue()


n, out = run(1.5, 0.01, 1.0)
check("judging alone past the budget: no extra runs", n == 0 and "over what is left" in out, (n, out))
n, out = run(0.05, 1.0, 1.0)
check("a pass's runs spend the budget: no second judging", n == 1 and "budget is spent" in out, (n, out))
n, out = run(0.0, 0.01, 30)
check("a budget with room: every pass runs", n == rerun.PASSES, (n, out))
n, out = run(0.6, 0.01, 1.0)
check("the second judging takes the rest of the budget: a pass that would not fit is left out",
      n == 1 and "over what is left" in out, (n, out))
sys.exit(1 if failed else 0)
