#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# compare.py: two bench runs side by side: per shared point, the new/base ratio of mean_s, its interval and a verdict.
"""usage: compare.py [--floor F] [--abs-floor S] [--resamples N] [--seed S] [BASE [NEW]]

Compares two folders `make bench` wrote (default results/reference and results/latest):
each point both have (same sweep, series, p_* parameters and command, ok on both sides)
gets the ratio NEW/BASE of mean_s (the time REPORT.md shows), a 95% interval and a
verdict, into NEW/COMPARE.md and NEW/compare.csv, largest changes first, and printed.
Exit 0 when it compared (changes are no error), 2 for a folder that is not a complete
run (or one marked INCOMPLETE) or a wrong option (--floor from 0 to 10, not nan or inf). A
point whose mean_s is not a number from 1e-9 to 1e6 s, or whose sd_s no positive samples of
that mean can have, is not compared (said so, with the point).

The machine: each run's env.txt holds `simul fingerprint` at its start and end (bench.sh);
both are printed side by side, and each point's ratio is also divided by the ratio of the
primitive it is made of (fingerprint.py says which: processes by fork, threads by thread
creation, CPU work (sumsq, chess, lag, mixed) by the CPU loop, coroutines by the switch,
sleeps and fetches by none; from the model's capabilities in raw/simul_list.json), each run's primitive the geometric mean of its start and end. The verdict
is then judged on that normalised ratio, its noise at least the primitive's drift within
either run and the CPU's swing: a point that moved raw but not normalised is `machine`, not
`slower`/`faster`. The swing: bench.sh samples the CPU loop every 0.1 s through a run
(raw/cpu_watch.txt), because this machine's CPU flips between two speeds about 2x apart for
tens to hundreds of milliseconds at a time, so a point of a few short runs can be 2x off
whatever the code did. A point's swing noise is the larger run's 90th/10th percentile of that
loop's means over windows as long as the point's runs, less 1, times the share of the point's
time that is CPU work ((user_s + sys_s + what hyperfine timed outside the workload's own clock,
mean_s - wall_s: start-up and teardown) / mean_s, at most 1), over the square root of its
fewer rounds (a round's runs follow one another: short ones share one spell of the CPU's);
a run without a watch adds none. It applies to every point, sleeps and fetches too
(their CPU share is small, so it is too).
A run without a fingerprint (made before them): raw ratios only, and said so.

Interval: percentile bootstrap of the ratio of means, resampling both sides' samples
(hyperfine's times in raw/NAME.rK.json, rounds pooled, failed runs left out) --resamples
times (2000) from a seed fixed per point (--seed, 12): the same runs give the same numbers.
Without raw/ (or if it disagrees with the CSV): Welch's t on the log scale from mean_s,
sd_s and runs_ok, log ratio +- t * sqrt(cv_b^2/n_b + cv_n^2/n_n), Welch-Satterthwaite df.

Verdict: a point's samples are seconds apart, two runs minutes or days apart, on a shared
machine whose CPU speed changes: quick runs of one commit made minutes apart here
differed by up to 16% on one-core CPU-bound points (2 samples), 29% on a 1-sample point,
44% on a point keeping both cores busy (whatever else runs takes one). So
    noise = max(--floor (0.25) x P, sd/mean of either side's samples)
where P = (user_s + sys_s) / wall_s in simul's records, the cores the point keeps busy
(the larger side's, at least 1). `slower`: the interval is above 1 and ratio > 1 + noise;
`faster`: below 1 and ratio < 1/(1 + noise); else `same`. One sample on a side: no
interval, `slower`/`faster` only past (1 + noise)^2 (1.56x, 0.64x at the default), else
`same (1 run)`. A change under --abs-floor s (0.005, start-up jitter) is `same`. A quiet
machine with steady clocks can take a smaller --floor.
"""
import argparse
import contextlib
import csv
import io
import json
import math
import os
import random
import signal
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fingerprint  # noqa: E402  (beside this script: what each point is made of)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEAD = ["sweep", "claim", "series", "idx", "status", "runs_ok", "runs_total", "mean_s", "sd_s"]
# 97.5% quantiles of Student's t; a fractional df is rounded down to a row (wider interval).
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000, 120: 1.980}
ONE_RUN_POWER, SAME_1 = 2, "same (1 run)"


def die(msg, code=2):
    print(f"simul compare: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="compare.py", usage=__doc__.split("\n")[0][7:],
                                 description=__doc__.split("\n", 2)[2],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.error = lambda message: die(f"{message}: see --help")  # one line, not argparse's usage block
    for name, default in (("base", "reference"), ("new", "latest")):
        ap.add_argument(name, nargs="?", default=os.path.join(ROOT, "results", default), metavar=name.upper(),
                        help=f"a run folder (default results/{default})")
    ap.add_argument("--floor", type=float, default=0.25, help="the noise floor as a fraction (default 0.25)")
    ap.add_argument("--abs-floor", type=float, default=0.005, help="seconds of change always `same` (0.005)")
    ap.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples, at least 100 (2000)")
    ap.add_argument("--seed", type=int, default=12, help="the bootstrap's seed (12)")
    o = ap.parse_args(argv)
    if not (0 <= o.floor <= 10 and 0 <= o.abs_floor <= 3600) or o.resamples < 100:  # also refuses nan and inf
        die(f"--floor {o.floor} / --abs-floor {o.abs_floor} / --resamples {o.resamples}: give a --floor from 0 to 10 "
            "(a fraction: 0.25), an --abs-floor from 0 to 3600 s, --resamples >= 100: see --help")
    return o.base, o.new, vars(o)


# ---- Reading a run folder ---------------------------------------------------------------

def read_csv(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        die(f"cannot read {path} ({e}): is the run complete?")
    if not rows or any(k not in rows[0] for k in HEAD):
        die(f"{path} is not a sweep's CSV (no rows, or not the columns {','.join(HEAD[:4])},...): "
            "rerun make bench for it")
    for i, r in enumerate(rows, 2):
        if None in r or None in r.values():
            die(f"{path} line {i} has the wrong number of fields (cut short?): rerun make bench for it")
    return rows


def read_env(folder):
    """env.txt's `key: value` lines, in order ([] without one)."""
    with contextlib.suppress(OSError):
        with open(os.path.join(folder, "env.txt"), encoding="utf-8", errors="replace") as f:
            return [(k.strip(), v.strip()) for k, sep, v in (l.rstrip("\n").partition(":") for l in f) if sep]
    return []


def load_run(folder, label):
    if not os.path.exists(folder):
        die(f"{label} {folder} does not exist: run make bench first, or give {label}=a run folder")
    if not os.path.isdir(folder):
        die(f"{label} {folder} is a file, not a run folder: give {label}=the folder make bench wrote")
    if os.path.exists(os.path.join(folder, "INCOMPLETE")):
        die(f"{label} {folder} is marked INCOMPLETE (interrupted, failed or still running; see its INCOMPLETE "
            f"file): compare complete runs, or rerun make bench")
    listed = os.path.join(folder, "sweeps.txt")
    try:
        names = [s.strip() for s in open(listed, encoding="utf-8") if s.strip()]
    except OSError:
        names = sorted(f[:-4] for f in os.listdir(folder) if f.endswith(".csv") and f != "compare.csv")
    if not names:
        die(f"{label} {folder} is not a run folder (no sweeps.txt, no sweep CSVs): "
            f"give {label}=a folder make bench wrote")
    sweeps = {}
    for name in names:
        path = os.path.join(folder, name + ".csv")
        if not os.path.isfile(path):
            why = " (the run is marked INCOMPLETE)" if os.path.exists(os.path.join(folder, "INCOMPLETE")) else ""
            die(f"{label} {path} is missing{why}: compare complete runs, or rerun make bench")
        sweeps[name] = read_csv(path)
        attach_samples(os.path.join(folder, "raw"), name, sweeps[name])
    env = read_env(folder)
    return {"dir": folder, "sweeps": sweeps, "env": env, "fp": fingerprint.of_run(dict(env)),
            "drift": fingerprint.drift(dict(env)), "props": fingerprint.model_props(folder),
            "watch": fingerprint.watch_samples(folder)}


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def signature(argv):
    """What a command runs: its arguments less the trace file and the timeout, which vary by run."""
    if not isinstance(argv, list):
        return None
    drop = {i + d for i, a in enumerate(argv) if a in ("--trace", "--timeout") for d in (0, 1)}
    return " ".join(str(a) for i, a in enumerate(argv) if i not in drop)


def raw_times(plan, raw, name, rounds=None):
    """{idx: [seconds of the runs that exited 0]} from hyperfine's JSON, or {}: the K-th
    invocation's raw/NAME.rK.json holds the commands its plan's order lists, in that order
    (harness/join.py reads them the same way); a plan without invocations is the older one,
    every command in every round in the plan's order. rounds, a dict: filled with {idx: the
    invocations that gave the command a run}."""
    try:
        invs = plan.get("invocations")
        if invs is None:
            order = [c["idx"] for c in plan["commands"] if c.get("kind") != "predict" and c.get("shell")]
            invs = [{"order": order}] * int(plan["rounds"])
        out = {}
        for k, inv in enumerate(invs, 1):
            res = read_json(os.path.join(raw, f"{name}.r{k}.json"))["results"]
            for r, idx in zip(res, inv["order"], strict=True):
                codes = r.get("exit_codes") or [0] * len(r["times"])
                ok = [float(t) for t, x in zip(r["times"], codes) if x == 0]
                out.setdefault(str(idx), []).extend(ok)
                if rounds is not None and ok:
                    rounds[str(idx)] = rounds.get(str(idx), 0) + 1
        return out
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return {}


def attach_samples(raw, name, rows):
    """Each row gets 'samples' and 'rounds' (the invocations its runs came from; when raw/
    agrees with its mean_s and runs_ok) and 'command'."""
    plan = read_json(os.path.join(raw, f"{name}.plan.json"))
    plan = plan if isinstance(plan, dict) else {}
    rounds = {}
    times = raw_times(plan, raw, name, rounds) if plan else {}
    cmds = plan.get("commands") if isinstance(plan.get("commands"), list) else []
    argv = {str(c.get("idx")): signature(c.get("argv")) for c in cmds if isinstance(c, dict)}
    for r in rows:
        t = times.get(r["idx"])
        r["samples"], r["rounds"], r["command"] = None, None, argv.get(r["idx"])
        if r["status"] != "ok" or not t:
            continue
        try:
            mean, n = float(r["mean_s"]), int(r["runs_ok"])
        except ValueError:
            continue
        if len(t) == n and abs(statistics.fmean(t) - mean) <= 1e-4 * mean + 1e-9:
            r["samples"], r["rounds"] = t, rounds.get(r["idx"])


# ---- Statistics --------------------------------------------------------------------------

def t975(df):
    return T975[max(k for k in T975 if k <= max(1, df))] if df < 1e6 else 1.960


def bootstrap(a, b, resamples, seed):
    """95% percentile interval of mean(b*)/mean(a*), both sides resampled."""
    rng = random.Random(seed)
    ra = [statistics.fmean(rng.choices(a, k=len(a))) for _ in range(resamples)]
    rb = [statistics.fmean(rng.choices(b, k=len(b))) for _ in range(resamples)]
    ratios = sorted(y / x for x, y in zip(ra, rb))
    return ratios[int(0.025 * resamples)], ratios[int(math.ceil(0.975 * resamples)) - 1]


def welch_log(mb, sb, nb, mn, sn, nn):
    vb, vn = (sb / mb) ** 2 / nb, (sn / mn) ** 2 / nn
    lr = math.log(mn / mb)
    if vb + vn == 0:
        return math.exp(lr), math.exp(lr)
    df = (vb + vn) ** 2 / (vb ** 2 / (nb - 1) + vn ** 2 / (nn - 1))
    half = t975(df) * math.sqrt(vb + vn)
    return math.exp(lr - half), math.exp(lr + half)


def busy(r):
    """Cores the run kept busy: its CPU time over its own wall time (0 when not recorded)."""
    try:
        return (float(r["user_s"]) + float(r["sys_s"])) / float(r["wall_s"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 0.0


def cpu_share(r):
    """The share of hyperfine's time of a point that is CPU work, at most 1: the workload's CPU
    time, and all of what hyperfine timed outside the workload's own clock (mean_s - wall_s: the
    process's start-up and teardown, an interpreter's imports), which is CPU work too. C1's
    CPython at 100 sleeps is 1% CPU by its workload and about 40% with its start-up, which went
    from 0.068 s to 0.103 s between two runs of one commit; C9's 5-ms sequential point is
    mostly simul's own start-up. 0 when not recorded."""
    try:
        mean, wall = float(r["mean_s"]), float(r["wall_s"])
        return min(1.0, (float(r["user_s"]) + float(r["sys_s"]) + max(0.0, mean - wall)) / mean)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 0.0


def side(r):
    mean, n = float(r["mean_s"]), int(r["runs_ok"])
    sd = float(r["sd_s"] or 0)
    if r["samples"]:
        sd = statistics.stdev(r["samples"]) if n > 1 else 0.0
    return mean, sd, n


def judge(b, n, key, opts):
    """One shared point: its figures, interval and verdict, as a compare.csv row's values."""
    (mb, sb, nb), (mn, sn, nn) = side(b), side(n)
    ratio = mn / mb
    noise = max(opts["floor"] * max(1.0, busy(b), busy(n)), sb / mb, sn / mn)
    out = {"base_s": mb, "new_s": mn, "ratio": ratio, "ci_low": "", "ci_high": "",
           "n_base": nb, "n_new": nn, "noise": noise}
    if nb < 2 or nn < 2:
        out["method"] = "none (1 run)"
    else:
        if b["samples"] and n["samples"]:
            out["method"] = "bootstrap"
            lo, hi = bootstrap(b["samples"], n["samples"], opts["resamples"], f"{opts['seed']}|{key}")
        else:
            out["method"] = "welch-log (csv)"
            lo, hi = welch_log(mb, sb, nb, mn, sn, nn)
        out["ci_low"], out["ci_high"] = lo, hi
    out["verdict"] = verdict(ratio, out["ci_low"], out["ci_high"], noise)
    if abs(mn - mb) < opts["abs_floor"] and out["verdict"] in ("slower", "faster"):
        out["verdict"] = "same"
    return out


def verdict(ratio, lo, hi, noise):
    """slower, faster, same, or same (1 run) when there is no interval (lo == '')."""
    if lo == "":
        lim = (1 + noise) ** ONE_RUN_POWER
        return "slower" if ratio > lim else "faster" if ratio < 1 / lim else SAME_1
    return ("slower" if lo > 1 and ratio > 1 + noise else
            "faster" if hi < 1 and ratio < 1 / (1 + noise) else "same")


def swing_noise(b, n, base, new):
    """What the CPU's own swing within the runs (raw/cpu_watch.txt) can move this point's mean by:
    the larger run's swing over windows as long as the point's runs, less 1, times the share of
    its time that is CPU work (a sleep's is next to none), over the square root of its fewer
    rounds: each round draws the CPU's speed afresh, but a round's runs follow one another, and
    short ones all fall in one spell (C7's 100,000 coroutines, four runs in 60 ms, came out at
    93 ns each in one run and 178 ns in the next). Its runs where raw/ does not say the rounds.
    0 without a watch on either side."""
    share = max(cpu_share(b), cpu_share(n))
    window = max(float(b["mean_s"]), float(n["mean_s"]))
    swings = [x for x in (fingerprint.swing(run["watch"], window) for run in (base, new)) if x]
    if not swings or share <= 0:
        return 0.0
    draws = min(int(r.get("rounds") or r["runs_ok"]) for r in (b, n))
    return (max(swings) - 1) * share / math.sqrt(max(1, draws))


def normalise(out, prim, base, new, abs_floor, swung=0.0):
    """Divide the point's ratio by its primitive's NEW/BASE ratio and judge that, its noise at
    least the CPU's swing within the runs (swung): `machine` when the raw verdict moved and
    the normalised one did not."""
    out.update(primitive=fingerprint.short(prim) if prim else "none", machine="", norm_ratio="",
               raw_verdict=out["verdict"], swing=swung)
    known = bool(prim) and prim in base["fp"] and prim in new["fp"]
    if not known and swung <= out["noise"]:
        return out
    f = new["fp"][prim] / base["fp"][prim] if known else 1.0
    # The primitive's own move within either run, both ways alike (x4 and /4 are both +300%).
    moved_in = [max(1 + run["drift"][prim][2], 1 / (1 + run["drift"][prim][2])) - 1 for run in (base, new)
                if known and prim in run["drift"]]
    noise = max([out["noise"], swung] + moved_in)
    lo, hi = (out["ci_low"] / f, out["ci_high"] / f) if out["ci_low"] != "" else ("", "")
    v = verdict(out["ratio"] / f, lo, hi, noise)
    moved = out["verdict"] in ("slower", "faster")
    if known:
        out.update(machine=f, norm_ratio=out["ratio"] / f)
    if abs(out["new_s"] - out["base_s"]) >= abs_floor:  # under it: start-up jitter, whatever the machine did
        out["verdict"] = "machine" if moved and v in ("same", SAME_1) else v
    return out


# ---- Matching the two runs ----------------------------------------------------------------

def points(run):
    """{(sweep, series, params): row}; a repeated point gets '#2', '#3' after its series."""
    out = {}
    for name, rows in run["sweeps"].items():
        for r in rows:
            params = tuple((k[2:], r[k]) for k in r if k.startswith("p_") and r[k] not in ("", None))
            key = (name, r["series"], params)
            k, i = key, 1
            while k in out:
                i += 1
                k = (name, f"{r['series']} #{i}", params)
            out[k] = r
    return out


MIN_MEAN_S, MAX_MEAN_S = 1e-9, 1e6  # a nanosecond, eleven days: past them a corrupt figure, not a run


def why_not(r):
    """'' for an ok row with a mean_s from 1e-9 to 1e6 s, runs, and an sd_s that positive samples of that
    mean can have (at most mean x sqrt(runs)): comparable; else what it is."""
    try:
        mean, n, sd = float(r["mean_s"]), int(r["runs_ok"]), float(r["sd_s"] or 0)
        if r["status"] == "ok" and MIN_MEAN_S <= mean <= MAX_MEAN_S and n >= 1 and 0 <= sd <= mean * math.sqrt(n) * 1.001:
            return ""
    except ValueError:
        pass
    return ("no valid mean_s or sd_s (mean_s from 1e-9 to 1e6 s, sd_s from 0 to mean_s x sqrt(runs_ok))"
            if r["status"] == "ok" else r["status"])


def label(key):
    return " ".join(f"{k}={v}" for k, v in key[2])


def compare(base, new, opts):
    pb, pn = points(base), points(new)
    rows, apart = [], {"only in BASE": [], "only in NEW": [], "not compared": []}
    for key in pb:
        if key not in pn:
            apart["only in BASE"].append(f"{key[0]} / {key[1]} / {label(key)}")
            continue
        b, n = pb[key], pn[key]
        if b["status"] == "predicted" and n["status"] == "predicted":
            continue
        if b["command"] and n["command"] and b["command"] != n["command"]:
            apart["not compared"].append(f"{key[0]} / {key[1]} / {label(key)}: another command "
                                         f"(BASE `{b['command']}`, NEW `{n['command']}`)")
            continue
        if why_not(b) or why_not(n):
            apart["not compared"].append(f"{key[0]} / {key[1]} / {label(key)}: "
                                         f"{why_not(b) or 'ok'} in BASE, {why_not(n) or 'ok'} in NEW")
            continue
        row = {"sweep": key[0], "series": key[1], "model": n.get("model", ""),
               "tasks": n.get("tasks", ""), "params": dict(key[2])}
        row.update(judge(b, n, "|".join([key[0], key[1], label(key)]), opts))
        props = new["props"].get(n.get("model", "")) or base["props"].get(n.get("model", ""))
        rows.append(normalise(row, fingerprint.primitive(n.get("workload", ""), props), base, new,
                              opts["abs_floor"], swing_noise(b, n, base, new)))
    apart["only in NEW"] = [f"{k[0]} / {k[1]} / {label(k)}" for k in pn if k not in pb]
    rows.sort(key=lambda r: (-abs(math.log(r["ratio"])), r["sweep"], r["series"]))
    return rows, apart


# ---- Writing ------------------------------------------------------------------------------

def fmt(x, spec):
    return format(x, spec) if isinstance(x, float) else str(x)


def table(rows):
    """The comparison as aligned Markdown lines."""
    head = ["sweep", "series", "params", "base s", "new s", "ratio", "95% interval", "n", "noise", "made of",
            "machine ×", "normalised", "verdict"]
    body = [[r["sweep"], r["series"], " ".join(f"{k}={v}" for k, v in r["params"].items()),
             fmt(r["base_s"], ".4g"), fmt(r["new_s"], ".4g"), fmt(r["ratio"], ".3f"),
             (f"{r['ci_low']:.3f} – {r['ci_high']:.3f}" + (" (welch)" if r["method"].startswith("welch") else ""))
             if r["ci_low"] != "" else "—",
             f"{r['n_base']}/{r['n_new']}", f"{r['noise']:.0%}" + (f", swing {r['swing']:.0%}" if r["swing"] else ""),
             r["primitive"],
             fmt(r["machine"], ".3f") or "—", fmt(r["norm_ratio"], ".3f") or "—", r["verdict"]] for r in rows]
    return md_table(head, body)


def md_table(head, body):
    cells = [head] + body
    w = [max(len(str(c[i])) for c in cells) for i in range(len(head))]
    line = lambda c: "| " + " | ".join(str(x).ljust(w[i]) for i, x in enumerate(c)) + " |"
    return [line(head), "|" + "|".join("-" * (x + 2) for x in w) + "|"] + [line(c) for c in body]


def env_table(base, new):
    b, n = dict(base["env"]), dict(new["env"])
    keys = [k for k, _ in base["env"]] + [k for k, _ in new["env"] if k not in b]
    esc = lambda s: s.replace("|", "\\|") if s is not None else "(absent)"
    body = [["≠" if b.get(k) != n.get(k) else "", k, esc(b.get(k)), esc(n.get(k))] for k in keys]
    return md_table(["", "env.txt", "BASE", "NEW"], body) if body else ["(neither run has env.txt)"]


def summary(rows, opts):
    count = {v: sum(1 for r in rows if r["verdict"] == v) for v in ("slower", "faster", "machine", "same", SAME_1)}
    one = sum(1 for r in rows if r["n_base"] < 2 or r["n_new"] < 2)
    med = statistics.median(r["ratio"] for r in rows) if rows else float("nan")
    normed = [r["norm_ratio"] for r in rows if r["norm_ratio"] != ""]
    return (f"{len(rows)} shared points: {count['slower']} slower, {count['faster']} faster, {count['machine']} machine, "
            f"{count['same']} same, {count[SAME_1]} same (1 run); {one} with one sample on a side; "
            f"median ratio {med:.3f}" + (f", normalised {statistics.median(normed):.3f} over {len(normed)} points"
                                         if normed else " (none normalised by a fingerprint: suspect the machine's "
                                         "speed first when every point moves)"))


def fingerprint_table(base, new):
    """Both runs' fingerprints side by side (ns; each the geometric mean of its start and end, its drift
    within the run beside it), or the line saying which is missing."""
    missing = [lab for lab, run in (("BASE", base), ("NEW", new)) if not run["fp"]]
    if missing:
        return [f"The fingerprint is missing in {' and '.join(missing)} (a run made before `simul fingerprint`, "
                "or its fingerprint failed): ratios are raw only, not normalised by the machine's primitives."]
    d = lambda run, k: f" ({fingerprint.pct(run['drift'][k][2])})" if k in run["drift"] else ""
    body = [[fingerprint.short(k), fingerprint.ns(base["fp"][k]) + d(base, k), fingerprint.ns(new["fp"][k]) + d(new, k),
             f"{new['fp'][k] / base['fp'][k]:.3f}"] for k in fingerprint.KEYS if k in base["fp"] and k in new["fp"]]
    watch = lambda run: (f"{fingerprint.ns(fingerprint.quantile([v for _, v in run['watch']], 0.1))} – "
                         f"{fingerprint.ns(fingerprint.quantile([v for _, v in run['watch']], 0.9))}"
                         if run["watch"] else "(not watched)")
    if base["watch"] or new["watch"]:
        body.append(["cpu_loop through the run (10th – 90th percentile)", watch(base), watch(new), ""])
    return md_table(["primitive", "BASE ns (drift)", "NEW ns (drift)", "NEW/BASE"], body)


RULE = ("Interval: percentile bootstrap of the ratio of means ({resamples} resamples of both sides, seed "
        "{seed}; Welch's t on the log scale from the CSV where raw/ is missing). Verdict: noise = max({floor:.0%} "
        "x the cores the point keeps busy, each side's sd/mean); `slower`/`faster` when the 95% interval excludes 1 "
        "and the ratio is past 1 + noise (or 1/(1 + noise)); with one sample on a side no interval, and past "
        "(1 + noise)^{power}, else `same (1 run)`; a change under {abs_floor} s is `same`. With both fingerprints, "
        "the verdict is the normalised ratio's (the ratio over its primitive's, the noise at least that primitive's "
        "drift and the CPU's swing within the runs at the point's time scale), and `machine` where the raw ratio "
        "moved and the normalised did not. See compare.py --help.")


def markdown(base, new, rows, apart, opts):
    out = ["<!-- SPDX-License-Identifier: MIT -->", "# Comparison of two bench runs", "",
           f"BASE `{base['dir']}`, NEW `{new['dir']}`: ratio = NEW mean_s / BASE mean_s, "
           "largest changes first.", "", RULE.format(power=ONE_RUN_POWER, **opts), "", summary(rows, opts), ""]
    out += ["## The two machines' fingerprints", ""] + fingerprint_table(base, new) + [""]
    out += table(rows) if rows else ["(no point is in both runs)"]
    for title, items in apart.items():
        if items:
            out += ["", f"## Points {title} ({len(items)})", ""] + [f"- {s}" for s in items]
    out += ["", "## The two machines (≠: differs)", ""] + env_table(base, new)
    return "\n".join(out) + "\n"


CSV_HEAD = ["sweep", "series", "model", "tasks"]
CSV_TAIL = ["base_s", "new_s", "ratio", "ci_low", "ci_high", "verdict", "n_base", "n_new", "noise", "method",
            "raw_verdict", "primitive", "machine", "norm_ratio", "swing"]


def csv_text(rows):
    params = []
    for r in rows:
        params += [k for k in r["params"] if k not in params]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEAD + ["p_" + p for p in params] + CSV_TAIL)
    for r in rows:
        w.writerow([r[k] for k in CSV_HEAD] + [r["params"].get(p, "") for p in params] +
                   [fmt(r[k], ".6g") for k in CSV_TAIL])
    return buf.getvalue()


def write_atomic(path, text):
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        die(f"cannot write {path} ({e.strerror}): make the folder writable or free some space", 1)


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the printing quietly
    base_dir, new_dir, opts = parse_args(argv)
    base, new = load_run(base_dir, "BASE"), load_run(new_dir, "NEW")
    rows, apart = compare(base, new, opts)
    write_atomic(os.path.join(new_dir, "COMPARE.md"), markdown(base, new, rows, apart, opts))
    write_atomic(os.path.join(new_dir, "compare.csv"), csv_text(rows))
    import compare_html  # COMPARE.html: the same comparison as a page with a chart (this folder is on sys.path)
    compare_html.write(os.path.join(new_dir, "COMPARE.html"), base, new, rows, apart,
                       RULE.format(power=ONE_RUN_POWER, **opts), summary(rows, opts), env_table(base, new))
    print(f"BASE {base_dir}\nNEW  {new_dir}\n{RULE.format(power=ONE_RUN_POWER, **opts)}\n")
    print("\n".join(fingerprint_table(base, new)) + "\n")
    print("\n".join(table(rows)) if rows else "(no point is in both runs)")
    for title, items in apart.items():
        if items:
            print(f"\n{len(items)} points {title}" + (": " + "; ".join(items[:5]) + (" ..." if len(items) > 5 else "")))
    print(f"\n{summary(rows, opts)}\nwrote {os.path.join(new_dir, 'COMPARE.md')}, COMPARE.html and compare.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
