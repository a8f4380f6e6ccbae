# SPDX-License-Identifier: MIT
# plan_cost.py: the plan's estimate of a run (harness/plan.py cost, spawn_s) and the peers' batch predictions, on fixtures.
"""No bench runs: made-up commands, a made-up fingerprint and the models' lists as a run saves
them. Prints ok/FAIL lines; exit 1 on any failure."""
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from harness import plan  # noqa: E402
from harness.sweeps import Spec  # noqa: E402

failed = 0


def check(what, ok, got=""):
    global failed
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f" (got {got})"))
    failed += 0 if ok else 1


PROPS = {
    "sequential": {"name": "sequential", "serial": True, "workers_kind": "none"},
    "threadpool": {"name": "threadpool", "workers_kind": "threads", "pool": True},
    "multiprocess": {"name": "multiprocess", "workers_kind": "processes", "pool": True},
    "eventloop": {"name": "eventloop", "workers_kind": "none"},
    "python-processes": {"name": "python-processes", "workers_kind": "processes", "pool": True, "peer": "python"},
}
PRIMS = {"fork_ns": 1e6, "thread_ns": 1e5, "loop_turn_ns": 1e3}
ENV = {"pid_max": "32768", "max_map_count": "65530"}


def run_cmd(args):
    return {"argv": args.split(), "kind": "run", "predicted_s": 0.1}


def spawn(args, env=ENV):
    return plan.spawn_s(run_cmd(args), PROPS, PRIMS, env)


def near(x, want):
    return abs(x - want) <= 1e-9 + 1e-6 * want


got = spawn("sleep --model multiprocess --workers 0 --tasks 1000 --ms 100")
check("a process per task: 1,000 x 1.2 forks of 1 ms = 1.2 s", near(got, 1.2), got)
got = spawn("sleep --model threadpool --workers 0 --tasks 1000 --ms 100")
check("a thread per task: 1,000 x 2 creations of 100 us = 0.2 s", near(got, 0.2), got)
got = spawn("sleep --model eventloop --tasks 1000000 --ms 100")
check("a coroutine per task: 1,000,000 x 1.5 loop turns of 1 us = 1.5 s", near(got, 1.5), got)
check("a pool creates its workers once: nothing per task",
      spawn("sleep --model threadpool --workers 4 --tasks 1000 --ms 100") == 0)
check("the sequential model creates nothing", spawn("sleep --model sequential --tasks 1000 --ms 100") == 0)
check("spawn's own prediction counts its creation already", spawn("spawn --model multiprocess --workers 0 --tasks 1000") == 0)
check("100,000 threads, over min(pid_max, max_map_count / 2): refused at once, nothing",
      spawn("sleep --model threadpool --workers 0 --tasks 100000 --ms 100") == 0)
check("30,000 processes, under pid_max: counted",
      near(spawn("sleep --model multiprocess --workers 0 --tasks 30000 --ms 100"), 36.0))
check("no pid_max in env.txt: no cap", spawn("sleep --model threadpool --workers 0 --tasks 100000 --ms 100", {}) > 0)
peer = {"argv": [], "kind": "run", "program": "python", "predicted_s": 0.1,
        "command": "/usr/bin/python3 peer.py run sleep --model python-processes --workers 0 --tasks 100 --ms 100 --format json"}
got = plan.spawn_s(peer, PROPS, PRIMS, ENV)
check("CPython's Process per task: 100 x 15 forks = 1.5 s", near(got, 1.5), got)
spec = Spec(name="s", path="s.sweep", claim="C1")
c = dict(run_cmd("sleep --model multiprocess --workers 0 --tasks 1000 --ms 100"), spawn_s=1.2)
check("cost: the prediction and then the creation (0.1 + 1.2 + simul's 0.03 s)", near(plan.cost(spec, c), 1.33), plan.cost(spec, c))
c["spawn_s"] = 0.01
check("cost: a little creation adds a little (0.1 + 0.01 + 0.03 s)", near(plan.cost(spec, c), 0.14), plan.cost(spec, c))
check("cost: the sweep's expect when it is more (2 + 0.03 s)", near(plan.cost(Spec(name="s", path="s.sweep", claim="C1", expect=2.0), c), 2.03),
      plan.cost(Spec(name="s", path="s.sweep", claim="C1", expect=2.0), c))
check("cost: a CPython peer's start-up counted (0.1 + 0.3 s)", near(plan.cost(spec, dict(peer, spawn_s=0)), 0.4),
      plan.cost(spec, dict(peer, spawn_s=0)))

# A time-budget that affords repetitions for one of two points: the one the verdict is judged
# at (`judged tasks=2`) keeps its rounds, whichever costs more; without `judged`, the costlier.
two = [dict(idx=0, params={"tasks": "1"}, predicted_s=1.0), dict(idx=1, params={"tasks": "2"}, predicted_s=0.9)]
for c in two:
    c["argv"] = []
tb = Spec(name="t", path="t.sweep", claim="C5", warmup=0, runs=1, rounds=4, time_budget=5.5)
got = [dict(c) for c in two]
plan.schedule(tb, got, random.Random(1))
check("time-budget: without judged, the costlier point runs once", [c.get("runs_planned") for c in got] == [1, None],
      [c.get("runs_planned") for c in got])
tb.judged = [("tasks", ["1"])]
got = [dict(c) for c in two]
plan.schedule(tb, got, random.Random(1))
check("time-budget: judged tasks=1 keeps its rounds, the other runs once", [c.get("runs_planned") for c in got] == [None, 1],
      [c.get("runs_planned") for c in got])

# The CPython peer's batch of predictions: one answer a line, in order, errors as their exit codes.
lines = [["sleep", "--model", "python-asyncio", "--tasks", "3", "--ms", "50", "--format", "json"],
         ["sleep", "--model", "no-such-model", "--tasks", "3", "--ms", "50"]]
p = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "python", "peer.py"), "predict", "--batch"],
                   input="".join(json.dumps(a) + "\n" for a in lines) + "not json\n",
                   capture_output=True, text=True, timeout=60)
answers = [json.loads(x) for x in p.stdout.splitlines()]
check("predict --batch: three answers to three lines", len(answers) == 3, len(answers))
if len(answers) == 3:
    rec = json.loads(answers[0]["out"]) if answers[0]["code"] == 0 else {}
    check("predict --batch: the first a record with predicted_s 0.05", rec.get("predicted_s") == 0.05, answers[0])
    check("predict --batch: an unknown model exits 2, named", answers[1]["code"] == 2 and "no-such-model" in answers[1]["err"],
          answers[1])
    check("predict --batch: a line that is not JSON exits 2, said so", answers[2]["code"] == 2 and "JSON" in answers[2]["err"],
          answers[2])

# A --pin in the batch (spawn's set-up pins the process) ends with its command: the next
# prediction sees every CPU again (a process pool's default size is the CPUs this process may use).
lines = [["sleep", "--model", "python-processes", "--tasks", "3", "--ms", "50", "--format", "json"],
         ["spawn", "--model", "python-asyncio", "--tasks", "2", "--pin", "--format", "json"],
         ["sleep", "--model", "python-processes", "--tasks", "3", "--ms", "50", "--format", "json"]]
p = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "python", "peer.py"), "predict", "--batch"],
                   input="".join(json.dumps(a) + "\n" for a in lines), capture_output=True, text=True, timeout=60)
answers = [json.loads(x) for x in p.stdout.splitlines()]
recs = [json.loads(a["out"]) if a["code"] == 0 else {} for a in answers]
check("predict --batch after a --pin: the pool's default size as before it",
      len(recs) == 3 and recs[0].get("workers") and recs[0].get("workers") == recs[2].get("workers"), answers)
print(f"{failed} failed" if failed else "all passed")
sys.exit(1 if failed else 0)
