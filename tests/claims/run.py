#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# run.py: every claim's judge and chart variables on fixture runs (tests/claims/base/ changed as cases.json says), no sweep run.
"""Each case of cases.json is the base run (a trimmed copy of a real run: its CSVs, plans,
env and model lists) with a few points changed, and the verdict the claim must then reach:

  "scale": [SWEEP, SERIES, {PARAM: VALUE}, FACTOR]   every time of those rows times FACTOR
  "set":   [SWEEP, SERIES, {PARAM: VALUE}, FIELD, V] one field set
  "fail":  [SWEEP, SERIES, {PARAM: VALUE}]           the rows failed, as a run that failed
  "cut":   [SWEEP, LINES]                            the CSV cut after LINES lines (malformed)
  "runs":  [SWEEP, CV]                               each point run five times, spread by CV (sd / mean)
  "flips": [SWEEP, SERIES, {PARAM: VALUE}, [F, ...]]  the rows run once per F, each run its time (and
                                                     its record's wall_s) times F: a CPU whose speed flips
                                                     between runs; applied after "runs"
  "copy":  [SWEEP, SERIES, {PARAM: VALUE}, NEW, {FIELD: V}]  the rows again as series NEW (an exec
                                                     line), those fields set
  "env":   [KEY, VALUE]                              a line of the run's env.txt set (the base's load
                                                     average is a quiet one: loadavg_start makes it busy)
  "peer":  [SWEEP, SERIES, MODEL]                    the series' rows again as the documents' Python's
                                                     under MODEL (its plan's program python): a Python
                                                     line whose figures, and so whose verdict, are known
           [SWEEP, SERIES, MODEL, PROGRAM, {FIELD: V}]  the same as another peer program's (go), as a
                                                     series named MODEL SUFFIX where MODEL has a space,
                                                     with those record fields set (a goroutine's primitive)

Without "runs", a point of the base counts as measured once, with the harness's noise for one
run (uncertainty.ONE_RUN_CV).

The verdict comes from the harness's own judge_claim (with its intervals over the runs); a
case's "python" is what the claim's "In the documents' Python" line must then say (holds, does
not hold, undecided), judged by the same intervals apart from the claim's verdict, and its
"go" what the "In Go" line must say; and
every chart the claim's sweeps draw has its variables computed (it must not raise). A case
whose fixture cannot be read fails with the claim's and the case's name, never a traceback.
Usage: run.py [CLAIM ...]; prints a line per case and 'N passed, N failed'."""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from harness import claims, models, results, sweeps, uncertainty, verdicts  # noqa: E402
from harness.context import Context  # noqa: E402


def rows_of(path):
    with open(path, newline="") as f:
        text = f.read()
    r = csv.DictReader(io.StringIO(text))
    return r.fieldnames, list(r)


def write_rows(path, fields, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fields)
        w.writeheader()
        w.writerows(rows)


def matching(rows, series, params):
    hit = [r for r in rows if r["series"] == series and all(r.get("p_" + k) == str(v) for k, v in params.items())]
    if not hit:
        raise ValueError(f"no row {series} {params}")
    return hit


SPREAD = (-1.2649, -0.6325, 0.0, 0.6325, 1.2649)  # five runs whose sd is exactly 1 (in units of cv·mean)


def runs(run, name, cv):
    """Every measured point of the sweep measured five times, spread by cv around its mean (the
    samples the intervals are drawn from; the record's fields stay as they are)."""
    _, rows = rows_of(os.path.join(run, name + ".csv"))
    doc = {r["idx"]: {"times": [float(r["mean_s"]) * (1 + cv * z) for z in SPREAD], "recs": []}
           for r in rows if r["status"] == "ok" and r.get("mean_s")}
    with open(os.path.join(run, "raw", name + ".samples.json"), "w") as f:
        json.dump(doc, f)


def flips(run, name, series, params, factors):
    """The matching rows measured once per factor, each run the row's time times it: their
    summary fields and samples as a run of them would give."""
    p = os.path.join(run, name + ".csv")
    fields, rows = rows_of(p)
    q = os.path.join(run, "raw", name + ".samples.json")
    try:
        with open(q) as f:
            doc = json.load(f)
    except OSError:
        doc = {}
    for r in matching(rows, series, params):
        ts = [float(r["mean_s"]) * x for x in factors]
        r.update(mean_s="%.6g" % (sum(ts) / len(ts)), median_s="%.6g" % sorted(ts)[len(ts) // 2],
                 min_s="%.6g" % min(ts), max_s="%.6g" % max(ts), runs_ok=str(len(ts)), runs_total=str(len(ts)))
        # simul's own clock flips alike: each run's record, and the row's mean of them.
        recs = [{"wall_s": float(r["run_mean_s"]) * x} for x in factors] if r.get("run_mean_s") else []
        if recs:
            r["run_mean_s"] = "%.6g" % (sum(x["wall_s"] for x in recs) / len(recs))
            with open(os.path.join(run, "raw", f"{name}.{r['idx']}.jsonl"), "w") as f:
                f.write("".join(json.dumps(x) + "\n" for x in recs))
        doc[r["idx"]] = {"times": ts, "recs": recs}
    write_rows(p, fields, rows)
    with open(q, "w") as f:
        json.dump(doc, f)


def as_peer(run, name, series, model, program="python", fields_set=None):
    """The series' rows appended again as the documents' Python's (or program's) under model:
    new indices, and plan commands that say the program (what the judges tell a peer's row by).
    model may name a series: its first word is the model ('go-goroutines pinned')."""
    p = os.path.join(run, name + ".csv")
    fields, rows = rows_of(p)
    q = os.path.join(run, "raw", name + ".plan.json")
    with open(q) as f:
        plan = json.load(f)
    for r in matching(rows, series, {}):
        idx = len(plan["commands"])
        params = {k[2:]: v for k, v in r.items() if k.startswith("p_") and v != ""}
        plan["commands"].append({"idx": idx, "series": model, "params": params, "program": program, "kind": "exec",
                                 "predicted_s": results.fnum(r["predicted_s"]), "name": model, "error": ""})
        rows.append(dict(r, idx=str(idx), series=model, model=model.split()[0], **(fields_set or {})))
    write_rows(p, fields + [k for k in fields_set or {} if k not in fields], rows)
    with open(q, "w") as f:
        json.dump(plan, f)


def copy_rows(run, name, series, params, new, fields_set):
    """The matching rows appended again as series `new` (an exec line of simul's), with fields set:
    a baseline such as C5's two sequential programs at once."""
    p = os.path.join(run, name + ".csv")
    fields, rows = rows_of(p)
    q = os.path.join(run, "raw", name + ".plan.json")
    with open(q) as f:
        plan = json.load(f)
    for r in matching(rows, series, params):
        idx = len(plan["commands"])
        ps = {k[2:]: v for k, v in r.items() if k.startswith("p_") and v != ""}
        plan["commands"].append({"idx": idx, "series": new, "params": ps, "kind": "exec",
                                 "predicted_s": results.fnum(r["predicted_s"]), "name": new, "error": ""})
        rows.append(dict(r, idx=str(idx), series=new, **fields_set))
    write_rows(p, fields + [k for k in fields_set if k not in fields], rows)
    with open(q, "w") as f:
        json.dump(plan, f)


def set_env(run, key, value):
    p = os.path.join(run, "env.txt")
    with open(p) as f:
        lines = [ln for ln in f.read().splitlines() if not ln.startswith(key + ":")]
    with open(p, "w") as f:
        f.write("\n".join(lines + [f"{key}: {value}"]) + "\n")


def apply(run, op, args):
    if op == "env":
        return set_env(run, *args)
    if op == "copy":
        return copy_rows(run, *args)
    if op == "runs":
        return runs(run, args[0], args[1])
    if op == "peer":
        return as_peer(run, *args)
    if op == "flips":
        return flips(run, *args)
    if op == "cut":
        p = os.path.join(run, args[0] + ".csv")
        with open(p) as f:
            lines = f.read().splitlines(True)[:args[1]]
        with open(p, "w") as f:
            f.write("".join(lines)[:-20])  # the last line cut in the middle, as a full disk leaves it
        return
    p = os.path.join(run, args[0] + ".csv")
    fields, rows = rows_of(p)
    for r in matching(rows, args[1], args[2]):
        if op == "scale":
            for k, v in r.items():
                x = results.fnum(v) if uncertainty.is_time(k) else None
                if x is not None:
                    r[k] = "%.6g" % (x * args[3])
        elif op == "set":
            r[args[3]] = str(args[4])
            fields += [args[3]] if args[3] not in fields else []  # a field the base run's records lack
        elif op == "fail":
            r.update(status="failed", first_error="the fixture failed this point on purpose")
            for k in ("mean_s", "sd_s", "median_s", "min_s", "max_s"):
                r[k] = ""
        else:
            raise ValueError(f"unknown change '{op}'")
    write_rows(p, fields, rows)


def verdict(run, claim_id):
    env = results.read_env(run)
    with open(os.path.join(run, "sweeps.txt")) as f:
        selected = f.read().split()
    loaded = results.load(run, selected)
    ctx = Context(run, env, models.load(run), env.get("quick") == "yes", "svg")
    mod = claims.by_id()[claim_id]
    specs = sweeps.all_specs()
    names = [s.name for s in specs if s.claim == claim_id]
    res = verdicts.judge_claim(mod, names, selected, loaded, ctx)
    drawn = 0
    for n in names:
        for chart in next(s.charts for s in specs if s.name == n):
            fn = getattr(mod, "CHARTS", {}).get(chart)
            if fn and n in loaded and not loaded[n].cut:  # a cut CSV: the report says why, no chart
                fn(loaded[n], ctx)  # must not raise; None (nothing to draw) is fine
                drawn += 1
    # An undecided check within the runs' noise names the points more runs would decide (rerun.py).
    deciding = None
    if res.verdict == "undecided" and res.why.startswith("within the runs' noise"):
        deciding = len(uncertainty.deciding_points(mod, {n: loaded[n] for n in names if n in loaded}, ctx))
    return res, drawn, deciding


def run_case(claim_id, name, case):
    tmp = tempfile.mkdtemp(prefix="simul-claims-")
    try:
        run = os.path.join(tmp, "run")
        shutil.copytree(os.path.join(HERE, "base"), run)
        # Runs are spread around the points as changed: they come last, whatever the order, but
        # for the points whose runs a case gives (flips).
        for ch in sorted(case.get("changes", []), key=lambda ch: {"runs": 1, "flips": 2}.get(ch[0], 0)):
            apply(run, ch[0], ch[1:])
        res, drawn, deciding = verdict(run, claim_id)
        lines = {k: next((p.state for p in (res.detail.peers if res.detail else []) if getattr(p, "key", "") == k),
                         "no line") for k in ("python", "go")}
        return res.verdict, res.why, drawn, lines, deciding
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    with open(os.path.join(HERE, "cases.json")) as f:
        cases = json.load(f)
    want = set(argv) or set(cases)
    passed = failed = 0
    t0 = time.monotonic()
    for claim_id, by_name in cases.items():
        if claim_id not in want:
            continue
        for name, case in by_name.items():
            try:
                got, why, drawn, lines, deciding = run_case(claim_id, name, case)
            except Exception as e:  # a fixture that cannot be read: said with the claim's name
                failed += 1
                where = traceback.extract_tb(e.__traceback__)[-1]
                print(f"FAIL {claim_id} {name}: the fixture could not be judged: {type(e).__name__}: {e} "
                      f"({os.path.basename(where.filename)}:{where.lineno})")
                continue
            ok = got == case["expect"] and all(lines[k] == case.get(k, lines[k]) for k in lines) and deciding != 0
            passed += ok
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {claim_id} {name}: {got}" + ("" if got == case["expect"] else f", want {case['expect']}")
                  + "".join(f"; {who}'s line: {lines[k]}" + ("" if lines[k] == case[k] else f", want {case[k]}")
                            for k, who in (("python", "Python"), ("go", "Go")) if k in case)
                  + (f" ({why[:150]})" if why else "") + f"; {drawn} chart(s)' variables"
                  + ("" if deciding is None else f"; {deciding} point(s) more runs would decide" +
                     (", want at least one" if deciding == 0 else "")))
    print(f"claims on fixtures: {time.monotonic() - t0:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
