# SPDX-License-Identifier: MIT
# harness.py: the bench pipeline's data side: expand sweep files, join hyperfine with simul's records, charts, REPORT.md.
"""Called by bench/harness/bench.sh; standard library only.

  harness.py plan RUN SWEEP_FILE [--quick]   expand a sweep, ask `simul predict` for each
                                              command (ETA, bad arguments), write raw/NAME.plan.json
                                              and print the hyperfine arguments for bench.sh
  harness.py join RUN NAME                   hyperfine's times + simul's records -> NAME.csv
  harness.py report RUN                      charts/*.png|svg and REPORT.md from the CSVs
"""
import csv
import json
import math
import os
import shlex
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWEEPS = os.path.join(ROOT, "bench", "sweeps")
PLOTS = os.path.join(ROOT, "plots")


def die(msg, code=1):
    print("simul bench: " + msg, file=sys.stderr)
    sys.exit(code)


# ---- Sweep files -------------------------------------------------------------------------

def parse_sweep(path, quick):
    """The directives of one sweep file; the quick ones replace the full ones under --quick."""
    full = {"warmup": 1, "runs": 3, "rounds": 1, "run": [], "charts": [], "claim": ""}
    fast = {"run": []}
    for lineno, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split(None, 1)
        target = full
        if words[0] == "quick":
            target = fast
            if len(words) < 2:
                die(f"{path}:{lineno}: 'quick' needs a directive after it: fix the sweep file", 2)
            words = words[1].split(None, 1)
        key, rest = words[0], (words[1] if len(words) > 1 else "")
        where = f"{path}:{lineno}"
        if key in ("warmup", "runs", "rounds"):
            if not rest.isdigit() or (key != "warmup" and int(rest) < 1):
                die(f"{where}: {key} '{rest}' must be a whole number (runs, rounds >= 1): fix the sweep file", 2)
            target[key] = int(rest)
        elif key == "claim":
            target["claim"] = rest
        elif key == "charts":
            target["charts"] = rest.split()
        elif key in ("run", "predict"):
            parts = [p.strip() for p in rest.split("|")]
            if len(parts) != 3 or not parts[0] or not parts[2]:
                die(f"{where}: '{key}' wants 'SERIES | p=a,b ... | ARGS': fix the sweep file", 2)
            params = []
            for item in parts[1].split():
                if "=" not in item:
                    die(f"{where}: parameter '{item}' wants name=v1,v2: fix the sweep file", 2)
                name, vals = item.split("=", 1)
                params.append((name, vals.split(",")))
            target["run"].append({"kind": key, "series": parts[0], "params": params, "args": parts[2]})
        else:
            die(f"{where}: unknown directive '{key}': use claim, charts, warmup, runs, rounds, run, predict, quick", 2)
    if not full["claim"]:
        die(f"{path}: no 'claim' line: fix the sweep file", 2)
    if quick:
        for k, v in fast.items():
            if k == "run":
                if v:
                    full["run"] = v
            else:
                full[k] = v
    return full


def product(params):
    """Every combination of the parameter lists, the first list outermost (as hyperfine's -L)."""
    combos = [{}]
    for name, vals in params:
        combos = [dict(c, **{name: v}) for c in combos for v in vals]
    return combos


def sweep_names():
    return sorted(f[:-6] for f in os.listdir(SWEEPS) if f.endswith(".sweep"))


def simul_bin():
    return os.environ.get("SIMUL") or os.path.join(ROOT, "build", "simul")


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def cmd_plan(run_dir, sweep_file, quick):
    name = os.path.basename(sweep_file)[:-6]
    sw = parse_sweep(sweep_file, quick)
    raw = os.path.join(run_dir, "raw")
    simul = simul_bin()
    cmds = []
    for spec in sw["run"]:
        for combo in product(spec["params"]):
            args = spec["args"]
            for k, v in combo.items():
                args = args.replace("{" + k + "}", v)
            idx = len(cmds)
            trace = os.path.join(raw, f"{name}.{idx}.trace.csv")
            args = args.replace("{trace}", trace)
            argv = shlex.split(args)
            label = spec["series"] + "".join(f" {k}={v}" for k, v in combo.items())
            c = {"idx": idx, "kind": spec["kind"], "series": spec["series"], "params": combo,
                 "argv": argv, "name": label, "trace": trace if "--trace" in argv else "",
                 "predicted_s": None, "error": ""}
            # The prediction alone: an ETA, the figure to draw beside the measurement, and a
            # cheap way to learn that a command line is wrong (exit 2) before hyperfine runs it.
            pargv = list(argv)
            if "--trace" in pargv:
                i = pargv.index("--trace")
                del pargv[i:i + 2]
            try:
                p = subprocess.run([simul, "predict"] + pargv + ["--format", "json"], capture_output=True,
                                   text=True, timeout=60)
                if p.returncode == 0:
                    c["predict_record"] = json.loads(p.stdout)
                    c["predicted_s"] = c["predict_record"]["predicted_s"]
                else:
                    c["error"] = first_line(p.stderr) or f"simul predict exited {p.returncode}"
            except (subprocess.TimeoutExpired, ValueError, KeyError) as e:
                c["error"] = f"simul predict: {e}"
            if spec["kind"] == "run" and not c["error"]:
                # A watchdog per run: a hung model fails its run instead of the whole bench.
                if "--timeout" not in argv:
                    argv += ["--timeout", "%g" % max(20.0, 4 * (c["predicted_s"] or 0) + 10)]
                out = os.path.join(raw, f"{name}.{idx}.jsonl")
                err = os.path.join(raw, f"{name}.{idx}.err")
                c["shell"] = (" ".join(shlex.quote(a) for a in [simul, "run"] + argv + ["--format", "json"])
                              + " >> " + shlex.quote(out) + " 2>> " + shlex.quote(err))
            cmds.append(c)
    per = sw["warmup"] + sw["runs"]
    eta = sum((c["predicted_s"] or 0) + 0.02 for c in cmds if c.get("shell")) * per * sw["rounds"]
    plan = {"name": name, "claim": sw["claim"], "charts": sw["charts"], "warmup": sw["warmup"],
            "runs": sw["runs"], "rounds": sw["rounds"], "quick": quick, "commands": cmds, "eta_s": eta}
    with open(os.path.join(raw, f"{name}.plan.json"), "w") as f:
        json.dump(plan, f, indent=1)
    # For bench.sh: settings, then one NAME<TAB>COMMAND line per command hyperfine runs.
    print(f"S\t{sw['warmup']}\t{sw['runs']}\t{sw['rounds']}\t{eta:.0f}\t{sum(1 for c in cmds if c.get('shell'))}")
    for c in cmds:
        if c.get("shell"):
            print(f"C\t{c['name']}\t{c['shell']}")


# ---- Joining hyperfine's times with simul's records -------------------------------------

BASE = ["sweep", "claim", "series", "idx", "status", "runs_ok", "runs_total", "mean_s", "sd_s",
        "median_s", "min_s", "max_s", "run_mean_s", "run_sd_s", "predicted_s", "first_error"]


def read_jsonl(path):
    recs = []
    if os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            line = line.strip()
            if line:
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
    return recs


def cmd_join(run_dir, name):
    raw = os.path.join(run_dir, "raw")
    plan = json.load(open(os.path.join(raw, f"{name}.plan.json")))
    # hyperfine's results, one list per round, in the order the commands were given.
    rounds = []
    for k in range(1, plan["rounds"] + 1):
        p = os.path.join(raw, f"{name}.r{k}.json")
        rounds.append(json.load(open(p))["results"] if os.path.exists(p) else None)
    hf_status = ""
    sp = os.path.join(raw, f"{name}.hyperfine.status")
    if os.path.exists(sp):
        hf_status = first_line(open(sp).read())
    rows, fields = [], []
    pos = 0
    for c in plan["commands"]:
        row = {"sweep": name, "claim": plan["claim"], "series": c["series"], "idx": c["idx"]}
        for k, v in c["params"].items():
            row["p_" + k] = v
        row["predicted_s"] = c["predicted_s"] if c["predicted_s"] is not None else ""
        if c["kind"] == "predict" or not c.get("shell"):
            row["status"] = "predicted" if c["kind"] == "predict" and not c["error"] else "failed"
            row["first_error"] = c["error"]
            if c.get("predict_record"):
                for k, v in c["predict_record"].items():
                    row.setdefault("rec_" + k if k in BASE else k, v)
            rows.append(row)
            continue
        times, codes, missing = [], [], False
        for res in rounds:
            if res is None or pos >= len(res):
                missing = True
                continue
            times += res[pos]["times"]
            codes += [x if x is not None else -1 for x in res[pos].get("exit_codes", [0] * len(res[pos]["times"]))]
        pos += 1
        recs = read_jsonl(os.path.join(raw, f"{name}.{c['idx']}.jsonl"))
        errp = os.path.join(raw, f"{name}.{c['idx']}.err")
        err = first_line(open(errp, errors="replace").read()) if os.path.exists(errp) else ""
        ok_times = [t for t, x in zip(times, codes) if x == 0]
        expected = (plan["warmup"] + plan["runs"]) * plan["rounds"]
        failed_runs = sum(1 for x in codes if x != 0)
        row["runs_total"] = len(times)
        row["runs_ok"] = len(ok_times)
        verified = bool(recs) and all(r.get("verified") is True for r in recs)
        if missing:
            row["status"] = "failed"
            row["first_error"] = err or hf_status or "hyperfine did not finish this command"
        elif failed_runs or not verified or len(recs) < expected or not ok_times:
            row["status"] = "failed"
            row["first_error"] = err or (f"{failed_runs} runs exited non-zero" if failed_runs else
                                         f"{len(recs)} records for {expected} runs, or a record not verified")
        else:
            row["status"] = "ok"
            row["first_error"] = ""
        if row["status"] == "ok":
            row["mean_s"] = statistics.fmean(ok_times)
            row["sd_s"] = statistics.stdev(ok_times) if len(ok_times) > 1 else 0.0
            row["median_s"] = statistics.median(ok_times)
            row["min_s"] = min(ok_times)
            row["max_s"] = max(ok_times)
            # simul's own figures: the median over the records (warm-up included: memory and
            # context switches do not warm up), text fields from the last record.
            for k in recs[-1]:
                vals = [r[k] for r in recs if k in r]
                col = "rec_" + k if k in BASE or k == "records" else k
                if isinstance(vals[-1], bool):
                    row[col] = "true" if all(vals) else "false"
                elif isinstance(vals[-1], (int, float)):
                    row[col] = statistics.median(vals)
                else:
                    row[col] = vals[-1]
            row["records"] = len(recs)
            # simul's own wall time of the run (set-up such as a server's start or a calibration
            # excluded), over the measured runs: the warm-ups are the first records of each round.
            per = plan["warmup"] + plan["runs"]
            walls = [r.get("wall_s") for k, r in enumerate(recs) if k % per >= plan["warmup"]]
            walls = [w for w in walls if isinstance(w, (int, float))]
            if walls:
                row["run_mean_s"] = statistics.fmean(walls)
                row["run_sd_s"] = statistics.stdev(walls) if len(walls) > 1 else 0.0
        rows.append(row)
    for r in rows:
        for k in r:
            if k not in BASE and k not in fields:
                fields.append(k)
    path = os.path.join(run_dir, f"{name}.csv")
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, BASE + fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: fmt_cell(v) for k, v in r.items()})
    os.replace(path + ".tmp", path)
    ok = sum(1 for r in rows if r["status"] in ("ok", "predicted"))
    bad = [r for r in rows if r["status"] == "failed"]
    msg = f"{name}: {ok} of {len(rows)} commands ok"
    if bad:
        msg += f"; {len(bad)} failed, the first ({bad[0]['series']}): {bad[0]['first_error']}"
    print(msg)


def fmt_cell(v):
    if isinstance(v, float):
        return "%.6g" % v
    return v


# ---- Reading results back ----------------------------------------------------------------

def fnum(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


class Sweep:
    def __init__(self, run_dir, name):
        self.name = name
        self.plan = json.load(open(os.path.join(run_dir, "raw", f"{name}.plan.json")))
        p = os.path.join(run_dir, f"{name}.csv")
        self.rows = list(csv.DictReader(open(p))) if os.path.exists(p) else []
        self.joined = os.path.exists(p)

    def series(self):
        out = []
        for r in self.rows:
            if r["status"] == "ok" and r["series"] not in out:
                out.append(r["series"])
        return out

    def get(self, series, **params):
        for r in self.rows:
            if r["series"] == series and all(r.get("p_" + k) == str(v) for k, v in params.items()):
                return r
        return None

    def ok(self, series, **params):
        r = self.get(series, **params)
        return r if r and r["status"] == "ok" else None

    def failures(self):
        return [r for r in self.rows if r["status"] == "failed"]


def ms(r, key="mean_s", sd="sd_s"):
    """mean ± sd of a row, in seconds; a single run says so instead of a zero sd."""
    if int(fnum(r.get("runs_ok")) or 0) <= 1:
        return f"{fnum(r[key]):.3f} s (1 run)"
    return f"{fnum(r[key]):.3f} ± {fnum(r[sd]):.3f} s"


def span(lo, hi):
    """'a to b s', or 'a s' when both print the same."""
    a, b = f"{lo:.3f}", f"{hi:.3f}"
    return f"{a} s" if a == b else f"{a} to {b} s"


def secs(x):
    return f"{x:.3f} s" if x < 100 else f"{x:.0f} s"


# ---- Verdicts, one function per claim ----------------------------------------------------
# Each returns a dict: verdict, params, prediction, measured (markdown), thresholds, sentence.
# The verdict is computed first from the numbers; the sentence is chosen by the same tests,
# so it cannot say what the numbers do not.

def near(x, want, rel, abs_s):
    return abs(x - want) <= rel * want + abs_s


def claim_c1(sw, env):
    s = sw["c1_sleep"]
    rows = [r for r in s.rows if r["status"] == "ok"]
    D = fnum(rows[0]["ms"]) / 1000 if rows and rows[0].get("ms") else None
    conc = ["eventloop", "threadpool --workers 0", "multiprocess --workers 0"]
    seq3 = s.ok("sequential", tasks=3)
    checks, lines = [], []
    if seq3:
        checks.append(("sequential, 3 tasks ≈ 3·D", near(fnum(seq3["mean_s"]), 3 * D, 0.10, 0.02)))
    for m in conc:
        r = s.ok(m, tasks=3)
        if r:
            checks.append((f"{m}, 3 tasks ≈ D", fnum(r["mean_s"]) <= 1.10 * D + 0.02))
    pool = [r for r in rows if r["series"] == "threadpool (default pool)"]
    for r in pool:
        checks.append((f"default pool, {r['p_tasks']} tasks ≈ ceil(N/W)·D",
                       near(fnum(r["mean_s"]), fnum(r["predicted_s"]), 0.10, 0.02)))
    tbl = ["| series | tasks | predicted | measured (mean ± sd) | min … max | measured / D |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        tbl.append(f"| {r['series']} | {r['p_tasks']} | {secs(fnum(r['predicted_s']))} | {ms(r)} | "
                   f"{fnum(r['min_s']):.3f} … {fnum(r['max_s']):.3f} | {fnum(r['mean_s']) / D:.2f} |")
    sentence = ""
    if seq3 and D:
        concs = [(m, s.ok(m, tasks=3)) for m in conc if s.ok(m, tasks=3)]
        sentence = (f"Three sleeps of {D * 1000:.0f} ms took {fnum(seq3['mean_s']):.3f} s one after another "
                    f"({fnum(seq3['mean_s']) / D:.2f}·D)")
        if concs:
            lo = min(fnum(r["mean_s"]) for _, r in concs)
            hi = max(fnum(r["mean_s"]) for _, r in concs)
            sentence += f" and {span(lo, hi)} under the {len(concs)} concurrent models ({hi / D:.2f}·D at most)"
        sentence += "."
        big = []
        for m in conc:
            mx = [r for r in rows if r["series"] == m]
            if mx:
                r = max(mx, key=lambda r: int(r["p_tasks"]))
                big.append((m, int(r["p_tasks"]), fnum(r["mean_s"])))
        if big:
            n = max(b[1] for b in big)
            at = [b for b in big if b[1] == n]
            if len(at) > 1:
                at.sort(key=lambda b: b[2])
                sentence += (f" At {n:,} tasks the cheapest was {at[0][0]} ({at[0][2]:.3f} s) and the dearest "
                             f"{at[-1][0]} ({at[-1][2]:.3f} s): the {at[-1][2] - D:.3f} s over D is the cost "
                             f"of creating and scheduling {n:,} waiting tasks that way.")
            else:
                sentence += f" At {n:,} tasks {at[0][0]} took {at[0][2]:.3f} s ({at[0][2] / D:.2f}·D)."
    return {
        "params": f"sleep of D = {D * 1000:.0f} ms per task (the documents' 1 s scaled down); "
                  f"tasks 1 to {max(int(r['p_tasks']) for r in rows):,} per model; sequential stops at "
                  f"{max([int(r['p_tasks']) for r in rows if r['series'] == 'sequential'] or [0])} tasks "
                  f"(10,000 sleeps one after another would take {10000 * D / 60:.0f} min)" if D else "",
        "prediction": "sequential N·D; a thread, process or coroutine per task D; a pool of W ceil(N/W)·D",
        "thresholds": "sequential within 10% + 20 ms of 3·D at 3 tasks; every concurrent model at most "
                      "1.10·D + 20 ms at 3 tasks; the default pool within 10% + 20 ms of ceil(N/W)·D",
        "checks": checks, "table": tbl, "sentence": sentence,
    }


def claim_c10(sw, env):
    s = sw["c10_limit"]
    rows = [r for r in s.rows if r["status"] == "ok"]
    D = fnum(rows[0]["ms"]) / 1000 if rows else 0
    N = int(fnum(rows[0]["tasks"])) if rows else 6
    checks = [(f"{r['series']}, L={r['p_L']} ≈ ceil(N/L)·D",
               near(fnum(r["mean_s"]), fnum(r["predicted_s"]), 0.10, 0.03)) for r in rows]
    tbl = ["| series | L | waves | predicted | measured (mean ± sd) | min … max |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        w = math.ceil(N / int(r["p_L"]))
        tbl.append(f"| {r['series']} | {r['p_L']} | {w} | {secs(fnum(r['predicted_s']))} | {ms(r)} | "
                   f"{fnum(r['min_s']):.3f} … {fnum(r['max_s']):.3f} |")
    two = [r for r in rows if r["p_L"] == "2"]
    sentence = ""
    if two:
        lo, hi = min(fnum(r["mean_s"]) for r in two), max(fnum(r["mean_s"]) for r in two)
        sentence = (f"With {N} tasks of {D * 1000:.0f} ms and L = 2, the {len(two)} ways of bounding concurrency "
                    f"took {span(lo, hi)}, {lo / D:.2f} to {hi / D:.2f}·D against the "
                    f"{math.ceil(N / 2)} waves the semaphore story predicts")
        worst = max(rows, key=lambda r: abs(fnum(r["mean_s"]) / fnum(r["predicted_s"]) - 1))
        dev = fnum(worst["mean_s"]) / fnum(worst["predicted_s"]) - 1
        sentence += f"; over every L the furthest point was {dev * 100:+.1f}% ({worst['series']}, L = {worst['p_L']})."
    return {
        "params": f"{N} tasks sleeping D = {D * 1000:.0f} ms (the documents' 2 s scaled down); "
                  f"L = {', '.join(sorted({r['p_L'] for r in rows}, key=int))} as --limit or --workers",
        "prediction": "ceil(N/L)·D: L tasks at a time, in waves",
        "thresholds": "every point within 10% + 30 ms of ceil(N/L)·D",
        "checks": checks, "table": tbl, "sentence": sentence,
    }


def claim_c5(sw, env):
    s = sw["c5_sumsq"]
    cores = int(env.get("cores", "2"))
    rows = [r for r in s.rows if r["status"] == "ok"]
    tasks = sorted({int(r["p_tasks"]) for r in rows})
    at = next((t for t in tasks if t >= cores), tasks[-1] if tasks else 0)
    checks, speed = [], {}
    # CPU-bound speed-ups are judged on the means of interleaved rounds: every model is run
    # in every round, so each meets the machine's fast and slow spells alike. The fastest
    # run (shown beside it) is biased against parallel work here: one busy core bursts up
    # to 2x faster than it sustains, and two busy cores burst less than one.
    tbl = ["| series | tasks | predicted | measured (mean ± sd) | fastest run | speed-up, fastest runs | speed-up, means |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        base = s.ok("sequential", tasks=r["p_tasks"])
        sp = fnum(base["min_s"]) / fnum(r["min_s"]) if base else None
        spm = fnum(base["mean_s"]) / fnum(r["mean_s"]) if base else None
        speed[(r["series"], int(r["p_tasks"]))] = spm
        tbl.append(f"| {r['series']} | {r['p_tasks']} | {secs(fnum(r['predicted_s']))} | {ms(r)} | {fnum(r['min_s']):.3f} s | "
                   f"{'%.2f×' % sp if sp else '—'} | {'%.2f×' % spm if spm else '—'} |")
    want_par = 0.8 * min(cores, at)
    rules = {"eventloop": (0.85, 1.15), "threadpool --gil": (0.85, 1.15),
             "multiprocess": (want_par, 1e9), "threadpool": (want_par, 1e9)}
    for m, (lo, hi) in rules.items():
        sp = speed.get((m, at))
        if sp is not None:
            checks.append((f"{m} speed-up at {at} tasks in [{lo:.2f}, {'∞' if hi > 1e8 else '%.2f' % hi}]", lo <= sp <= hi))
    g = lambda m: speed.get((m, at))
    parts = []
    if g("multiprocess") is not None:
        p = g("multiprocess")
        parts.append(f"processes ran at {p:.2f}× sequential's speed" +
                     (f", using {min(cores, at)} cores" if p >= want_par else f", short of the {want_par:.2f}× the threshold asks"))
    if g("threadpool") is not None:
        t = g("threadpool")
        parts.append(f"threads at {t:.2f}×" + (": they scale here because C has no GIL" if t >= want_par else
                                               f", short of the {want_par:.2f}× the threshold asks"))
    if g("threadpool --gil") is not None:
        t = g("threadpool --gil")
        parts.append(f"threads with the GIL emulated at {t:.2f}×" +
                     (", no better than one core, as in CPython" if 0.85 <= t <= 1.15 else
                      ", outside the 0.85–1.15 band one core would give"))
    if g("eventloop") is not None:
        e = g("eventloop")
        parts.append(f"the event loop at {e:.2f}×" + (": it gains nothing on CPU work" if 0.85 <= e <= 1.15 else
                                                     ", outside the 0.85–1.15 band one core would give"))
    sentence = (f"At {at} tasks on {cores} cores, " + "; ".join(parts) + ".") if parts else ""
    over = [m for m in rules if (g(m) or 0) > 1.05 * cores]
    if over:
        sentence += (f" {', '.join(over)} came out above the {cores}× that {cores} cores allow, so the CPU's "
                     f"speed changed between those runs: the ratios carry that error.")
    n = rows[0].get("n") if rows else ""
    return {
        "params": f"sum of i·i over n = {int(fnum(n)):,} elements split into {', '.join(map(str, tasks))} tasks; "
                  f"{cores} cores; default pools" if rows else "",
        "prediction": "one core's calibrated speed × n / usable parallelism (1 for sequential, eventloop, --gil; "
                      "min(tasks, pool, cores) for threads and processes)",
        "thresholds": f"speed-up = sequential's mean / the model's mean over the interleaved rounds, same task count; "
                      f"at {at} tasks (the first count ≥ the cores): eventloop and --gil within 0.85–1.15; "
                      f"threads and processes at least 0.8 × min(cores, tasks) = {want_par:.2f}",
        "checks": checks, "table": tbl, "sentence": sentence,
    }


def claim_c2(sw, env):
    s = sw["c2_fetch"]
    rows = [r for r in s.rows if r["status"] == "ok"]
    head = [r for r in rows if r["series"].endswith("(100 × 1 s)")]
    scan = [r for r in rows if r not in head]
    checks = []
    for r in head:
        lat = fnum(r.get("p_latency", 1000)) / 1000
        checks.append((f"{r['series']} ≈ one latency", fnum(r["mean_s"]) <= 1.5 * lat + 0.2))
    for r in scan:
        if r["series"] == "sequential":
            checks.append((f"sequential, {r['p_tasks']} tasks ≈ N·(L + c)", near(fnum(r["mean_s"]), fnum(r["predicted_s"]), 0.15, 0.05)))
    tbl = ["| series | tasks | latency | predicted | measured (mean ± sd) | p99 request |", "|---|---:|---:|---:|---:|---:|"]
    for r in s.rows:
        if r["status"] == "predicted":
            tbl.append(f"| {r['series']} | {r['p_tasks']} | {r.get('p_latency', '')} ms | {secs(fnum(r['predicted_s']))} | "
                       f"not measured (predicted only) | |")
        elif r["status"] == "ok":
            p99 = r.get("lat_p99_s") or r.get("p99_s") or ""
            tbl.append(f"| {r['series']} | {r['p_tasks']} | {r.get('p_latency', '')} ms | {secs(fnum(r['predicted_s']))} | "
                       f"{ms(r)} | {'%.3f s' % fnum(p99) if fnum(p99) is not None else ''} |")
    pred_seq = next((r for r in s.rows if r["status"] == "predicted"), None)
    sentence = ""
    if head:
        lo, hi = min(fnum(r["mean_s"]) for r in head), max(fnum(r["mean_s"]) for r in head)
        sentence = f"100 fetches of 1 s took {span(lo, hi)} concurrently"
        if pred_seq:
            sentence += f", against {fnum(pred_seq['predicted_s']):.0f} s predicted one after another"
        seqs = [r for r in scan if r["series"] == "sequential"]
        if seqs:
            r = max(seqs, key=lambda r: int(r["p_tasks"]))
            sentence += (f" (sequential {r['p_tasks']} × {r.get('p_latency')} ms measured {fnum(r['mean_s']):.3f} s, "
                         f"{fnum(r['mean_s']) / fnum(r['predicted_s']):.2f}× its prediction)")
        sentence += "."
    return {
        "params": "a loopback `simul serve` with injected latency; tasks swept at a fixed latency, and the "
                  "documents' 100 downloads of 1 s under each concurrent model",
        "prediction": "sequential N·(L + c); a connection per task L + N·c; c measured against the same server",
        "thresholds": "each concurrent model at 100 × 1 s within 1.5·L + 0.2 s; sequential within 15% + 50 ms of N·(L + c)",
        "checks": checks, "table": tbl, "sentence": sentence,
    }


def claim_c3(sw, env):
    s = sw["c3_fetch20"]
    rows = [r for r in s.rows if r["status"] == "ok"]
    names = ["sequential", "threadpool --workers 4", "multiprocess --workers 4", "eventloop"]
    at = {m: s.ok(m, tasks=20) for m in names}
    checks = []
    sq, tp, ev = at["sequential"], at["threadpool --workers 4"], at["eventloop"]
    if sq and tp:
        checks.append(("a plain loop ≥ 1.5 × a pool of 4", fnum(sq["mean_s"]) >= 1.5 * fnum(tp["mean_s"])))
    if tp and ev:
        checks.append(("a pool of 4 ≥ 1.5 × the event loop", fnum(tp["mean_s"]) >= 1.5 * fnum(ev["mean_s"])))
    for m in ("threadpool --workers 4", "multiprocess --workers 4"):
        if at[m]:
            checks.append((f"{m} ≈ ceil(20/4) round trips", near(fnum(at[m]["mean_s"]), fnum(at[m]["predicted_s"]), 0.20, 0.05)))
    ts = sorted({int(r["p_tasks"]) for r in rows})
    gap = {}
    for t in ts:
        a, b = s.ok("sequential", tasks=t), s.ok("eventloop", tasks=t)
        if a and b:
            gap[t] = fnum(a["mean_s"]) / fnum(b["mean_s"])
    if len(gap) >= 2:
        checks.append(("the loop-to-event-loop gap grows with requests", gap[max(gap)] > gap[min(gap)]))
    tbl = ["| series | requests | predicted | measured (mean ± sd) | min … max |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        tbl.append(f"| {r['series']} | {r['p_tasks']} | {secs(fnum(r['predicted_s']))} | {ms(r)} | "
                   f"{fnum(r['min_s']):.3f} … {fnum(r['max_s']):.3f} |")
    sentence = ""
    got = [(m, fnum(r["mean_s"])) for m, r in at.items() if r]
    if got:
        sentence = "20 GETs took " + ", ".join(f"{v:.3f} s ({m})" for m, v in got)
        if len(gap) >= 2:
            sentence += (f"; the plain loop was {gap[min(gap)]:.1f}× the event loop at {min(gap)} requests and "
                         f"{gap[max(gap)]:.1f}× at {max(gap)}")
        sentence += "."
    lat = rows[0].get("p_latency") or rows[0].get("latency_ms") if rows else ""
    return {
        "params": f"20 GETs (and 5 to 40) against a loopback server with {lat} ms latency" if rows else "",
        "prediction": "sequential N·(L + c); a pool of 4 ceil(N/4)·(L + c); the event loop L + N·c",
        "thresholds": "at 20 requests each step of the order by at least 1.5×; the pools within 20% + 50 ms of "
                      "ceil(20/4) round trips; the sequential / event-loop ratio larger at the most requests than at the fewest",
        "checks": checks, "table": tbl, "sentence": sentence,
    }


def hours(r, key):
    """Exhibition hours of a chess record: wall seconds / scale / 3600."""
    sc = fnum(r.get("scale"))
    v = fnum(r.get(key))
    return v / sc / 3600 if sc and v is not None else None


def claim_c4(sw, env):
    s = sw["c4_chess"]
    rows = [r for r in s.rows if r["status"] == "ok"]
    checks = []
    tbl = ["| series | story | the documents (h) | predicted here (h) | bounds (h) | measured (h) | run wall (simul, mean ± sd) | process wall (hyperfine) | measured / predicted |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    got = {}
    for r in rows:
        # The prediction is of the exhibition itself, so it is set against simul's wall time of
        # the run; hyperfine's (the whole process: start-up and the timer calibration) is shown too.
        m, p = fnum(r["run_mean_s"]), fnum(r["predicted_s"])
        lo, hi = fnum(r.get("bound_lo_s")), fnum(r.get("bound_hi_s"))
        clone = r.get("story") == "clones"
        tol = 0.15 if clone else 0.10
        # The documents claim nothing of Python threads at the exhibition: the --gil row shows
        # why their clones would not give 30 min, and is not judged.
        if r.get("story") != "gil":
            checks.append((f"{r['series']} within {tol * 100:.0f}% of its prediction", abs(m / p - 1) <= tol))
        if clone and lo is not None and hi is not None and hi > lo:
            checks.append((f"{r['series']} inside its bounds", lo * 0.98 <= m <= hi * 1.02))
        got[r.get("story") or r["series"]] = m
        b = f"{hours(r, 'bound_lo_s'):.2f} – {hours(r, 'bound_hi_s'):.2f}" if hi and lo and hi > lo else ""
        tbl.append(f"| {r['series']} | {r.get('story', '')} | {fnum(r.get('documents_h') or 'nan'):.2f} | "
                   f"{hours(r, 'predicted_s'):.2f} | {b} | {hours(r, 'run_mean_s'):.2f} | {ms(r, 'run_mean_s', 'run_sd_s')} | {ms(r)} | {m / p:.2f} |")
    if "synchronous" in got and "asynchronous" in got:
        q = got["synchronous"] / got["asynchronous"]
        checks.append(("synchronous / asynchronous within 10.8–13.2 (the documents' 12)", 10.8 <= q <= 13.2))
    parts = []
    for r in rows:
        parts.append(f"{r['series']} ({r.get('story', '')}) {hours(r, 'run_mean_s'):.2f} h against "
                     f"{hours(r, 'predicted_s'):.2f} h predicted here and {fnum(r.get('documents_h') or 'nan'):.2f} h in the documents' terms")
    sentence = ("In the story's hours: " + "; ".join(parts) + "." if parts else "")
    if "synchronous" in got and "asynchronous" in got:
        sentence += f" Synchronous over asynchronous: {got['synchronous'] / got['asynchronous']:.1f}; the documents say 12."
    cl = [r for r in rows if r.get("story") == "clones"]
    if cl:
        c, r = fnum(cl[0].get("cores")), cl[0]
        ph, dh = hours(r, "predicted_s"), fnum(r.get("documents_h"))
        if c is not None and c < int(fnum(r.get("opponents") or 24)) and ph and dh and ph > 1.1 * dh:
            sentence += (f" The clones share {int(c)} cores here, not one each, so even the prediction "
                         f"({ph:.2f} h) is above the documents' {dh:.2f} h.")
    over = [(r["series"], fnum(r["run_mean_s"]) / fnum(r["predicted_s"]) - 1) for r in cl
            if fnum(r["run_mean_s"]) > 1.15 * fnum(r["predicted_s"])]
    if over:
        sentence += (" " + ", ".join(f"{m} came out {d * 100:.0f}%" for m, d in over) +
                     " above the scheduler simulation: when the clones' thinking just fills the cores, every "
                     "late wake-up, context or process switch leaves a core idle, and the simulation counts "
                     "only the timers' measured lateness.")
    r0 = rows[0] if rows else {}
    return {
        "params": (f"{r0.get('opponents')} opponents, master {r0.get('master_s')} s a move, opponents "
                   f"{r0.get('opponent_s')} s, {r0.get('pairs')} move pairs, scale {r0.get('scale')} wall s per "
                   f"exhibition s (a master's move is {r0.get('master_ms')} ms of CPU, an opponent's a "
                   f"{r0.get('opponent_ms')} ms timer); a clone per table is a thread or process per game") if rows else "",
        "prediction": "synchronous O·P·(m + o); asynchronous ≈ max(P·(m + o), O·P·m) plus the last wait; a clone per "
                      "table P·(m + o) with a core per clone, and on fewer cores a scheduler simulation between "
                      "the CPU bound and the lock-step bound (the chess workload's own model)",
        "thresholds": "each model's run wall time (simul's, set-up excluded) within 10% of its prediction (15%, and inside the bounds with 2% slack, for the clone "
                      "models); synchronous / asynchronous within 10.8–13.2; the --gil row is shown, not judged (the documents claim nothing of it)",
        "checks": checks, "table": tbl, "sentence": sentence,
    }


CLAIMS = [
    ("C1", "000", "this program takes 3 seconds to execute … it's natural to parallelise this",
     "3 sleeps of 1 s take 3 s one after another, 1 s with an event loop", ["c1_sleep"], claim_c1, ["c1_sleep", "memory"]),
    ("C2", "003", "100 web pages … will take at least 100 seconds … in as little as 1 second",
     "100 downloads of 1 s: at least 100 s sequentially, about 1 s concurrently", ["c2_fetch"], claim_c2, ["c2_fetch"]),
    ("C3", "002", "the edge grows substantially when you want to do multiple tasks",
     "20 GETs: plain loop < pool of 4 threads < event loop gathering all 20; the gap grows with requests",
     ["c3_fetch20"], claim_c3, ["c3_fetch20"]),
    ("C4", "002", "The entire exhibition takes … 12 hours … just 1 hour … down to 30 minutes",
     "chess exhibition: synchronous 12 h, asynchronous 1 h, a clone per table 30 min",
     ["c4_chess", "timeline"], claim_c4, ["c4_chess", "timeline"]),
    ("C5", "002", "Heavy math- `sum(i * i for i in range(10 ** 7))`",
     "CPU-bound work gains nothing from an event loop; processes use every core; threads gain nothing under the GIL",
     ["c5_sumsq"], claim_c5, ["c5_sumsq"]),
    ("C6", "002", "code that does not yield blocks every other task on the loop",
     "blocking the loop for more than 100 ms stalls every task; an executor keeps it responsive", [], None, []),
    ("C7", "004", "processes are expensive to create, threads cheaper, coroutines cheapest",
     "creation cost: process > thread > coroutine", [], None, []),
    ("C8", "004", "switching between waiting threads costs time the event loop avoids",
     "switch cost: process > thread > coroutine", [], None, []),
    ("C9", "004", "CPU-bound → processes; fast I/O, few connections → threads; slow I/O, many → event loop",
     "the decision map", [], None, []),
    ("C10", "002", "bind them to a semaphore … that allows 2 things to work at once … completed in 2-size chunks",
     "a semaphore of 2 over 6 tasks of 2 s runs them in 3 waves", ["c10_limit"], claim_c10, ["c10_limit"]),
    ("C11", "003", "an event loop holds many more concurrent tasks than threads or processes",
     "scale: the largest task count each model completes", [], None, []),
]
SEED_FILES = {"000": "seeds/000_106d808a7af395cb.txt", "001": "seeds/001_db1016803b0a6f2d.txt",
              "002": "seeds/002_1259815450c2f19f.txt", "003": "seeds/003_55cdb234d408b195.txt",
              "004": "seeds/004_502b959189ae21d7.txt"}
NEEDS = {"C6": "the loop-lag workload", "C7": "the spawn-cost workload", "C8": "the switch-cost workload",
         "C9": "the decision-map sweep", "C11": "the scale workload"}


# ---- Charts ------------------------------------------------------------------------------

def gp_str(s):
    return "'" + str(s).replace("'", "''") + "'"


def gp_path(path, run_dir):
    """A file of the run as gnuplot reads it from the run folder (its working directory), so
    that a run folder's .vars.gp still work after the folder is moved or cloned elsewhere."""
    return gp_str(os.path.relpath(path, run_dir))


def gnuplot_terminals():
    """pngcairo where this gnuplot has it (gnuplot-nox does), else libgd's png."""
    p = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True, text=True)
    return "pngcairo" if p.returncode == 0 and not p.stderr.strip() else "png"


def render(chart, run_dir, script, variables, png_term, note):
    """Draws plots/SCRIPT.gp (or the placeholder) to charts/CHART.png and .svg; '' or an error line."""
    charts = os.path.join(run_dir, "charts")
    os.makedirs(charts, exist_ok=True)
    lines = [f"{k} = {v}" for k, v in variables.items()]
    lines.append(f"quick = {1 if note else 0}")
    lines.append(f"note = {gp_str(note)}")
    varsfile = os.path.join(charts, f"{chart}.vars.gp")
    with open(varsfile, "w") as f:
        f.write("# generated by bench/harness.py: the values plots/%s.gp reads\n" % script + "\n".join(lines) + "\n")
    errs = []
    for ext, term in (("png", f"{png_term} size 1100,700 font 'DejaVu Sans,11' noenhanced"),
                      ("svg", "svg size 1100,700 font 'DejaVu Sans,11' noenhanced dynamic")):
        out = os.path.join(charts, f"{chart}.{ext}")
        cmd = ["gnuplot", "-e", f"set terminal {term}; set output {gp_str(out + '.tmp')}",
               "-e", f"load {gp_str(varsfile)}; load {gp_str(os.path.join(PLOTS, 'common.gp'))}",
               os.path.join(PLOTS, f"{script}.gp")]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=run_dir)
        real_err = [l for l in p.stderr.splitlines() if l.strip() and "warning" not in l.lower()]
        if p.returncode != 0 or not os.path.exists(out + ".tmp") or os.path.getsize(out + ".tmp") == 0:
            # gnuplot echoes the offending line, a caret, then the error: keep the error.
            errs.append((real_err[-1].strip() if real_err else "") or f"gnuplot exited {p.returncode}")
            if os.path.exists(out + ".tmp"):
                os.unlink(out + ".tmp")
        else:
            os.replace(out + ".tmp", out)
    return errs[0] if errs else ""


def chart_vars(chart, sweeps, env, run_dir):
    """The variables a chart script reads, or None when its sweep has no measured point."""
    src = {"c1_sleep": "c1_sleep", "memory": "c1_sleep", "c10_limit": "c10_limit", "c5_sumsq": "c5_sumsq",
           "c2_fetch": "c2_fetch", "c3_fetch20": "c3_fetch20", "c4_chess": "c4_chess", "timeline": "timeline"}[chart]
    s = sweeps.get(src)
    if not s or not s.series():
        return None, src
    ser = s.series()
    v = {"csv": gp_str(f"{src}.csv"),
         "cores": env.get("cores", "2"),
         "NS": len(ser)}
    v["array S[%d]" % len(ser)] = "[" + ", ".join(gp_str(x) for x in ser) + "]"
    rows = [r for r in s.rows if r["status"] == "ok"]
    if src in ("c1_sleep", "c10_limit"):
        v["D"] = fnum(rows[0]["ms"]) / 1000
        v["N"] = int(fnum(rows[0]["tasks"]))
        v["xmax"] = max(int(r.get("p_tasks") or r.get("p_L") or 1) for r in rows)
    if src == "c5_sumsq":
        # Speed-ups divide two rows of this one sweep: the sequential run at the same N.
        v["xmax"] = max(int(r["p_tasks"]) for r in rows)
        dat = os.path.join(run_dir, "charts", "c5_sumsq.speedup.csv")
        with open(dat, "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["series", "status", "p_tasks", "speedup", "speedup_mean", "speedup_sd", "speedup_pred"])
            for r in rows:
                b = s.ok("sequential", tasks=r["p_tasks"])
                if not b:
                    continue
                a, sa, m, sm = (fnum(b["mean_s"]), fnum(b["sd_s"]), fnum(r["mean_s"]), fnum(r["sd_s"]))
                spm = a / m
                sd = spm * math.sqrt((sa / a) ** 2 + (sm / m) ** 2)
                sp = fnum(b["min_s"]) / fnum(r["min_s"])
                # The model's usable parallelism, from one `simul predict` (n at its calibrated
                # speed over the predicted time): one calibration, so its noise cancels.
                pr = s.plan["commands"][int(r["idx"])].get("predict_record") or {}
                pred = fnum(pr.get("n")) * fnum(pr.get("ns_per_elem")) * 1e-9 / fnum(pr.get("predicted_s"))
                wr.writerow([r["series"], "ok", r["p_tasks"], "%.4f" % sp, "%.4f" % spm, "%.4f" % sd, "%.4f" % pred])
        v["dat"] = gp_path(dat, run_dir)
        # Sequential's speed-up is 1 by definition: the "one core" line stands for it.
        ser = [x for x in ser if x != "sequential"]
        del v["array S[%d]" % v["NS"]]
        v["NS"] = len(ser)
        v["array S[%d]" % len(ser)] = "[" + ", ".join(gp_str(x) for x in ser) + "]"
    if src == "c2_fetch":
        scan = [x for x in ser if "(100 × 1 s)" not in x]
        srows = [r for r in rows if r["series"] in scan]
        if not srows:
            return None, src
        v["NS"] = len(scan)
        del v["array S[%d]" % len(ser)]
        v["array S[%d]" % len(scan)] = "[" + ", ".join(gp_str(x) for x in scan) + "]"
        v["LAT"] = fnum(srows[0]["p_latency"]) / 1000
        v["xmax"] = max(int(r["p_tasks"]) for r in srows)
        bars = [(r["series"], fnum(r["mean_s"]), fnum(r["sd_s"]), fnum(r["predicted_s"]), "measured")
                for r in rows if "(100 × 1 s)" in r["series"]]
        bars += [(r["series"], fnum(r["predicted_s"]), 0.0, fnum(r["predicted_s"]), "predicted only")
                 for r in s.rows if r["status"] == "predicted"]
        v["bars"] = gp_path(write_bars(run_dir, "c2_fetch", bars), run_dir)
        v["NB"] = len(bars)
    if src == "c3_fetch20":
        v["LAT"] = fnum(rows[0]["p_latency"]) / 1000
        v["xmax"] = max(int(r["p_tasks"]) for r in rows)
        v["xmin"] = min(int(r["p_tasks"]) for r in rows)
        bars = [(r["series"], fnum(r["mean_s"]), fnum(r["sd_s"]), fnum(r["predicted_s"]), "measured")
                for r in rows if r["p_tasks"] == "20"]
        if not bars:
            return None, src
        v["bars"] = gp_path(write_bars(run_dir, "c3_fetch20", bars), run_dir)
        v["NB"] = len(bars)
    if src == "c4_chess":
        # Hours of the story: wall seconds / scale / 3600, for the prediction, its bounds and the
        # measurement; the documents' figure for the same parameters as a mark.
        path = os.path.join(run_dir, "charts", "c4_chess.hours.csv")
        with open(path, "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["i", "label", "story", "docs_h", "pred_h", "lo_h", "hi_h", "meas_h", "sd_h"])
            for i, r in enumerate(rows):
                lo, hi = hours(r, "bound_lo_s"), hours(r, "bound_hi_s")
                ph = hours(r, "predicted_s")
                wr.writerow([i, r["series"], r.get("story", ""), r.get("documents_h", ""), "%.4f" % ph,
                             "%.4f" % (lo if lo else ph), "%.4f" % (hi if hi else ph),
                             "%.4f" % hours(r, "run_mean_s"), "%.4f" % hours(r, "run_sd_s")])
        v["hours"] = gp_path(path, run_dir)
        v["NB"] = len(rows)
        v["PAIRS"] = gp_str(rows[0].get("pairs", "30"))
    if src == "timeline" and not any(trace_of(c, run_dir) for c in s.plan["commands"]):
        return None, src
    return v, src


def trace_of(c, run_dir):
    """The trace a planned command wrote, looked up in this run folder (the plan holds the path
    the run had, which is elsewhere once the folder is moved); '' if it has none."""
    if not c["trace"]:
        return ""
    p = os.path.join(run_dir, "raw", os.path.basename(c["trace"]))
    return p if os.path.exists(p) else ""


STORY = {"sequential": "synchronous: one game at a time",
         "eventloop": "asynchronous: one master walks from table to table",
         "threadpool --workers 0": "a clone of the master per table (a thread each)",
         "multiprocess --workers 0": "a clone of the master per table (a process each)"}


def render_timeline(run_dir, s, png_term, note):
    """One panel per traced model, drawn by plots/timeline.gp (the chess workload's script),
    then stacked into charts/timeline.png by plots/timeline_side.gp. PNG only: the panels are
    raster images."""
    charts = os.path.join(run_dir, "charts")
    panels = []
    for c in s.plan["commands"]:
        r = s.ok(c["series"])
        trace = trace_of(c, run_dir)
        if not r or not trace:
            continue
        out = os.path.join(charts, f"timeline_{len(panels) + 1}.png")
        # The trace is the last run's (each run rewrites it), so the title quotes that run's
        # own record, not the CSV's median over the runs.
        last = (read_jsonl(os.path.join(run_dir, "raw", f"{s.name}.{c['idx']}.jsonl")) or [r])[-1]
        title = (f"{c['series']} — {STORY.get(c['series'], r.get('story', ''))}: "
                 f"{r.get('opponents')} tables × {r.get('pairs')} move pairs, last run {fnum(last['wall_s']):.3f} s "
                 f"(predicted {fnum(last['predicted_s']):.3f} s)")
        p = subprocess.run(["gnuplot", "-e", f"trace = {gp_str(os.path.relpath(trace, run_dir))}; out = {gp_str(out)}; title = {gp_str(title)}",
                            os.path.join(PLOTS, "timeline.gp")], capture_output=True, text=True, cwd=run_dir)
        if p.returncode != 0 or not os.path.exists(out):
            return "plots/timeline.gp: " + (first_line(p.stderr) or f"exited {p.returncode}")
        panels.append(out)
    if not panels:
        return "no trace to draw"
    # The panels keep their own size: the stack is as wide as one and as tall as all of them.
    w, h = png_size(panels[0])
    total = sum(png_size(x)[1] for x in panels)
    v = {"NP": len(panels), "array PANEL[%d]" % len(panels): "[" + ", ".join(gp_path(x, run_dir) for x in panels) + "]"}
    varsfile = os.path.join(charts, "timeline.vars.gp")
    with open(varsfile, "w") as f:
        f.write("# generated by bench/harness.py: the values plots/timeline_side.gp reads\n")
        f.write("\n".join(f"{k} = {x}" for k, x in v.items()) + f"\nnote = {gp_str(note)}\n")
    out = os.path.join(charts, "timeline.png")
    p = subprocess.run(["gnuplot", "-e", f"set terminal {png_term} size {w},{int(total / 0.95)} font 'DejaVu Sans,11' noenhanced; "
                        f"set output {gp_str(out + '.tmp')}", "-e", f"load {gp_str(varsfile)}; load {gp_str(os.path.join(PLOTS, 'common.gp'))}",
                        os.path.join(PLOTS, "timeline_side.gp")], capture_output=True, text=True, cwd=run_dir)
    if p.returncode != 0 or not os.path.exists(out + ".tmp"):
        return "plots/timeline_side.gp: " + (first_line(p.stderr) or f"exited {p.returncode}")
    os.replace(out + ".tmp", out)
    return ""


def png_size(path):
    """Width and height from a PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def write_bars(run_dir, chart, bars):
    """A small CSV of labelled bars (label, value, sd, predicted, kind) for a bar panel."""
    path = os.path.join(run_dir, "charts", f"{chart}.bars.csv")
    with open(path, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["i", "label", "value", "sd", "predicted", "kind"])
        for i, (label, val, sd, pred, kind) in enumerate(bars):
            wr.writerow([i, label.replace(" (100 × 1 s)", ""), "%.6g" % val, "%.6g" % sd, "%.6g" % pred, kind])
    return path


# ---- REPORT.md ---------------------------------------------------------------------------

def read_env(run_dir):
    env = {}
    p = os.path.join(run_dir, "env.txt")
    if os.path.exists(p):
        for line in open(p):
            if ":" in line:
                k, v = line.split(":", 1)
                env[k.strip()] = v.strip()
    return env


def noise_note(sweeps, names, env):
    """A clause on how much the runs of a claim's sweeps varied, when it is enough to matter."""
    worst = None
    for n in names:
        for r in sweeps[n].rows:
            if r["status"] == "ok" and int(fnum(r.get("runs_ok")) or 0) >= 2 and fnum(r["mean_s"]):
                v = fnum(r["sd_s"]) / fnum(r["mean_s"])
                if worst is None or v > worst[0]:
                    worst = (v, r)
    if not worst or worst[0] < 0.10:
        return ""
    v, r = worst
    return (f" The runs varied by up to {v * 100:.0f}% (sd / mean, {r['series']}), with a load average of "
            f"{env.get('loadavg_start', '?').split()[0]} at the start and {env.get('loadavg_end', '?').split()[0]} "
            f"at the end on {env.get('cores', '?')} cores: read these figures as rough.")


def cmd_report(run_dir):
    env = read_env(run_dir)
    selected = open(os.path.join(run_dir, "sweeps.txt")).read().split()
    quick = env.get("quick") == "yes"
    sweeps = {}
    for n in selected:
        if os.path.exists(os.path.join(run_dir, "raw", f"{n}.plan.json")):
            sweeps[n] = Sweep(run_dir, n)
    png_term = gnuplot_terminals()
    note = "QUICK run: fewer, smaller points" if quick else ""
    chart_err = {}
    drawn = []
    all_charts = []
    for c in CLAIMS:
        for ch in c[6]:
            if ch not in all_charts:
                all_charts.append(ch)
    for ch in all_charts:
        src_sweep = {"memory": "c1_sleep"}.get(ch, ch)
        if src_sweep not in selected:
            continue
        v, src = chart_vars(ch, sweeps, env, run_dir)
        script = ch
        if ch == "timeline" and v is not None and os.path.exists(os.path.join(PLOTS, "timeline.gp")):
            e = render_timeline(run_dir, sweeps["timeline"], png_term, note)
            if e:
                chart_err[ch] = e
            drawn.append(ch)
            continue
        if v is None or not os.path.exists(os.path.join(PLOTS, f"{script}.gp")):
            s = sweeps.get(src)
            why = "no measured point"
            if s and s.failures():
                why = "failed: " + s.failures()[0]["first_error"]
            elif not os.path.exists(os.path.join(PLOTS, f"{script}.gp")):
                why = f"plots/{script}.gp is not written yet"
            e = render(ch, run_dir, "placeholder", {"what": gp_str(ch), "why": gp_str(why)}, png_term, note)
        else:
            e = render(ch, run_dir, script, v, png_term, note)
        if e:
            chart_err[ch] = e
        drawn.append(ch)

    out = []
    w = out.append
    w("# simul: the documents' claims, measured" + (" (QUICK run)" if quick else ""))
    w("")
    w(f"Run {os.path.basename(os.path.abspath(run_dir))}, commit {env.get('git_commit', '?')}.  ")
    w(f"Machine: {env.get('cpu_model', '?')}, {env.get('cores', '?')} cores, {env.get('kernel', '?')}, "
      f"load average {env.get('loadavg_start', '?')} at the start and {env.get('loadavg_end', '?')} at the end.  ")
    w(f"Build and tools: {env.get('compiler', '?')} {env.get('cflags', '')}, libuv {env.get('libuv', '?')}, "
      f"{env.get('hyperfine', '?')}, {env.get('gnuplot', '?')}; ulimit -n {env.get('ulimit_n', '?')}, "
      f"-u {env.get('ulimit_u', '?')}, pid_max {env.get('pid_max', '?')}. Everything else in env.txt.")
    w("")
    if quick:
        w("> A QUICK run: fewer and smaller points, one run each, so its verdicts are a smoke test, not a finding. "
          "`make bench` without QUICK=1 gives the figures to quote.")
        w("")
    w("Wall times are hyperfine's (mean ± sd over the runs, warm-up excluded), taken from the shell that "
      "starts `simul run`, whose spawn time hyperfine subtracts (C4 judges simul's own wall time of the "
      "exhibition instead, set-up excluded: its thresholds say so); memory, context switches and `verified` are "
      "simul's own records (median over the runs). Every model of a comparison ran in the same hyperfine "
      "invocation, one after another, and every ratio divides figures from one sweep. The CPU speed of the "
      f"project's machine changes by about 2× from minute to minute and its cores are shared (this run had "
      f"{env.get('cores', '?')}), so treat differences under 10% as noise. Verdicts: **holds** (every check below passed), **does not hold** (a check failed: "
      "a finding, said why), **failed** (runs failed; the first error is shown), **not run** (no sweep or "
      "workload yet, or not selected).")
    w("")
    results = []
    for cid, seed, quote, summary, sws, fn, charts in CLAIMS:
        res = {"id": cid, "seed": seed, "quote": quote, "summary": summary, "charts": charts}
        res["seed_file"] = SEED_FILES.get(seed, f"seed {seed}")
        if not sws or fn is None:
            res["verdict"] = "not run"
            res["why"] = f"no sweep yet: {NEEDS.get(cid, 'its workload')} is its own issue"
        elif any(s not in selected for s in sws):
            res["verdict"] = "not run"
            res["why"] = "not selected (--only)"
        else:
            fails = [r for s in sws for r in sweeps[s].failures()] if all(s in sweeps for s in sws) else []
            missing = [s for s in sws if s not in sweeps or not sweeps[s].joined]
            try:
                d = fn(sweeps, env) if not missing else None
            except Exception as e:  # a verdict that cannot be computed is a failure, said plainly
                d = None
                fails = fails or [{"first_error": f"report: {type(e).__name__}: {e}", "series": "?"}]
            if missing:
                res["verdict"] = "failed"
                res["why"] = f"sweep {missing[0]} did not finish"
            elif fails:
                res["verdict"] = "failed"
                res["why"] = f"{len(fails)} command(s) failed; the first ({fails[0]['series']}): {fails[0]['first_error']}"
            elif d and d["checks"]:
                res["verdict"] = "holds" if all(ok for _, ok in d["checks"]) else "does not hold"
            else:
                res["verdict"] = "failed"
                res["why"] = "no measured point to judge"
            if d and d.get("sentence"):
                d["sentence"] += noise_note(sweeps, sws, env)
            res["detail"] = d
        results.append(res)

    w("| claim | what the documents say | verdict | the numbers |")
    w("|---|---|---|---|")
    for r in results:
        d = r.get("detail")
        nums = (d["sentence"] if d and d.get("sentence") else r.get("why", "")).replace("|", "\\|")
        w(f"| [{r['id']}](#{r['id'].lower()}) | {r['summary']} | **{r['verdict']}** | {nums} |")
    w("")
    for r in results:
        w(f"## {r['id']}")
        w("")
        w(f"> \"{r['quote']}\" ({r['seed_file']})")
        w("")
        w(f"**Claim:** {r['summary']}.  ")
        w(f"**Verdict: {r['verdict']}**" + (f" ({r['why']})" if r.get("why") else "") + ".")
        w("")
        d = r.get("detail")
        if d:
            if d.get("params"):
                w(f"**Parameters:** {d['params']}.  ")
            w(f"**Prediction:** {d['prediction']}.  ")
            w(f"**Thresholds:** {d['thresholds']}.")
            w("")
            if d["checks"]:
                w("Checks: " + "; ".join(f"{name} {'✔' if ok else '✘'}" for name, ok in d["checks"]) + ".")
                w("")
            if d.get("sentence"):
                w(f"**What the numbers mean:** {d['sentence']}")
                w("")
            if len(d["table"]) > 2:
                w("\n".join(d["table"]))
                w("")
        for ch in r["charts"]:
            if ch in drawn and os.path.exists(os.path.join(run_dir, "charts", f"{ch}.png")):
                w(f"![{ch}](charts/{ch}.png)")
                w("")
            elif ch in chart_err:
                w(f"(chart {ch} failed: {chart_err[ch]})")
                w("")
    w("## Files")
    w("")
    w("`env.txt` the machine and tools; `<sweep>.csv` one row per command (hyperfine's statistics, then simul's "
      "record fields, medians over the runs); `raw/` hyperfine's JSON per round, simul's records (`.jsonl`) and "
      "errors (`.err`) per command, the plans; `charts/` PNG and SVG, and the `.vars.gp` each chart was drawn from.")
    path = os.path.join(run_dir, "REPORT.md")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    for r in results:
        print(f"  {r['id']:<4} {r['verdict']:<14} " + (r.get("why", "") or (r.get("detail") or {}).get("sentence", ""))[:150])
    for ch, e in chart_err.items():
        print(f"simul bench: chart {ch}: {e}", file=sys.stderr)
    return 1 if chart_err else 0


def main(argv):
    if len(argv) >= 2:
        argv[1] = os.path.abspath(argv[1])
    if len(argv) >= 3 and argv[0] == "plan":
        cmd_plan(argv[1], argv[2], "--quick" in argv[3:])
    elif len(argv) == 3 and argv[0] == "join":
        cmd_join(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "report":
        sys.exit(cmd_report(argv[1]))
    elif len(argv) == 1 and argv[0] == "names":
        print(" ".join(sweep_names()))
    else:
        die("usage: harness.py plan RUN SWEEP_FILE [--quick] | join RUN NAME | report RUN | names", 2)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except OSError as e:  # a full disk or a vanished folder: one line, not a traceback
        die(f"{e.filename or 'a file'}: {e.strerror}: free some space or check the run folder")
