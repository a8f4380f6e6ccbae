# SPDX-License-Identifier: MIT
# uncertainty.py: every check of every claim judged over its runs: the claim's own judge re-run on bootstrap resamples of each point's runs.
"""A claim's judge turns a sweep's rows into checks, each (what was checked, passed). To give
every check an interval without writing each claim twice, the judge is run again on B
resamples of the sweep: each measured point's runs drawn with replacement (hyperfine's times
and simul's records together, raw/NAME.samples.json), or, for a point measured once, its time
fields scaled by a noise drawn from how much the sweep's other points varied (at least
ONE_RUN_CV when none ran twice). A check then

  holds           when it held on the measurement and in at least DECIDED of the resamples,
  does not hold   when it failed on the measurement and in at least DECIDED of them,
  is undecided    otherwise: the measurement's noise straddles its threshold.

A peer's line (claims/_peers.py: "In the documents' Python, here: ...") keeps its own checks;
they are judged on the same resamples, apart from the claim's, and the line says holds, does
not hold or undecided by the same rule. The resamples are seeded by the claim, so a report
rendered twice says the same, on any number of cores (PARTS)."""
import copy
import json
import math
import multiprocessing
import os
import pickle
import random
import re
import statistics

from .join import rec_column
from .util import fnum

DECIDED = 0.9       # the share of resamples a decided check agrees with its measurement in
ONE_RUN_CV = 0.05   # a point measured once varies by this much (sd / mean) when no point of its sweep ran twice (the reference run's sweeps: a median of 1-9%)
CV_RANGE = (0.02, 0.5)
RESAMPLES = 200     # per claim: every judge here takes well under 10 ms, so 2 s at most
TIME_SUFFIXES = ("_s", "_ms", "_us", "_ns")
RECS = "_resampled_recs"  # a resampled row's runs' records, in place of its raw/NAME.IDX.jsonl


def is_time(key):
    return key.endswith(TIME_SUFFIXES) and not key.startswith("p_") and "pred" not in key


def fmt(x):
    return "%.6g" % x


def load_samples(sweep):
    """{idx: {times, recs}} for a sweep's measured points; {} for a run from before samples."""
    p = os.path.join(sweep.run_dir, "raw", f"{sweep.name}.samples.json")
    try:
        with open(p, encoding="utf-8") as f:
            doc = json.load(f)
        return {str(k): v for k, v in doc.items()} if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def pooled_cv(samples):
    """How much a point of this sweep varies from run to run: the median sd / mean of the points
    that ran at least twice, within CV_RANGE; ONE_RUN_CV when none did."""
    cvs = []
    for s in samples.values():
        t = s.get("times") or []
        if len(t) >= 2 and statistics.fmean(t) > 0:
            cvs.append(statistics.stdev(t) / statistics.fmean(t))
    cv = statistics.median(cvs) if cvs else ONE_RUN_CV
    return min(max(cv, CV_RANGE[0]), CV_RANGE[1])


def resample_row(row, smp, rng, cv):
    r = dict(row)
    times = (smp or {}).get("times") or []
    if len(times) >= 2:
        pick = [rng.randrange(len(times)) for _ in times]
        ts = [times[i] for i in pick]
        r.update(mean_s=fmt(statistics.fmean(ts)), median_s=fmt(statistics.median(ts)),
                 min_s=fmt(min(ts)), max_s=fmt(max(ts)), sd_s=fmt(statistics.stdev(ts)))
        recs = smp.get("recs") or []
        if len(recs) == len(times):
            rs = [recs[i] for i in pick]
            r[RECS] = rs  # a judge that reads a point's runs one by one (C7's and C8's least) reads these
            for k in recs[0]:
                col = rec_column(k)
                if col in r:
                    r[col] = fmt(statistics.median(x[k] for x in rs if k in x))
            walls = [x["wall_s"] for x in rs if "wall_s" in x]
            if walls and "run_mean_s" in r:
                r["run_mean_s"] = fmt(statistics.fmean(walls))
        return r
    # Measured once: every time of the row moves together, as a slow run is slow throughout.
    f = math.exp(rng.gauss(0.0, cv))
    for k, x in time_fields(row):
        r[k] = fmt(x * f)
    r[RECS] = []  # no runs of its own to read: the row's (moved) figures stand for them
    return r


_TIME_FIELDS = {}


def time_fields(row):
    """[(key, value)] of a row's time fields but sd_s, parsed once per row, not per resample
    (the row is kept with them: its id stays its own)."""
    got = _TIME_FIELDS.get(id(row))
    if got is None or got[0] is not row:
        fields = [(k, fnum(v)) for k, v in row.items() if k != "sd_s" and is_time(k)]
        got = _TIME_FIELDS[id(row)] = (row, [(k, x) for k, x in fields if x is not None])
    return got[1]


def resampled(sweeps, samples, cvs, rng, only=None):
    """The claim's sweeps with every measured point (or only the (sweep, idx) `only`) resampled."""
    out = {}
    for n, s in sweeps.items():
        view = copy.copy(s)
        view.rows = [resample_row(r, samples[n].get(str(r["idx"])), rng, cvs[n])
                     if r.get("status") == "ok" and (only is None or only == (n, str(r["idx"]))) else r
                     for r in s.rows]
        out[n] = view
    return out


def keyed(checks, prefix=()):
    """Each check by its words without their numbers (which the resamples move), numbered when
    two read alike; prefix: a peer line's program, so its checks count apart from the claim's."""
    seen = {}
    out = []
    for text, ok in checks:
        k = re.sub(r"[-+]?\d[\d,.]*(e[-+]?\d+)?", "#", str(text))
        seen[k] = seen.get(k, 0) + 1
        out.append((prefix + (k, seen[k]), text, ok))
    return out


def peer_lines(d):
    """The judgement's peer lines that carry checks (claims/_peers.Line); the note carries none."""
    return [p for p in (d.peers if d else []) if hasattr(p, "judged")]


def all_keyed(d):
    """keyed() of the claim's checks, then of each peer line's."""
    out = keyed(d.checks if d else [])
    for p in peer_lines(d):
        out += keyed(p.checks, (p.key,))
    return out


def outcomes(judge, sweeps, ctx, samples, cvs, rng, n, only=None):
    """{check key: [times held, times judged]} over n resamples."""
    counts = {}
    for _ in range(n):
        try:
            d = judge(resampled(sweeps, samples, cvs, rng, only), ctx)
        except Exception:  # a resample the judge cannot read counts for no check
            continue
        for key, _, ok in all_keyed(d):
            c = counts.setdefault(key, [0, 0])
            c[0] += 1 if ok else 0
            c[1] += 1
    return counts


PARTS = 4  # the resamples in this many parts, each seeded apart: the same draws on any number of cores
_WORK = [None]


def _call(i):
    return _WORK[0](i)


def fork_map(fn, n):
    """[fn(i) for i in range(n)] on every core, in forked workers (fn and what it reads come
    with the fork; only the results are sent back); one after another where there is one core
    or no fork. A judge over thousands of rows, C9's, takes seconds a claim."""
    cores = min(os.cpu_count() or 1, n)
    if cores > 1:
        _WORK[0] = fn
        try:
            with multiprocessing.get_context("fork").Pool(cores) as pool:
                return pool.map(_call, range(n), chunksize=1)
        except (OSError, ValueError, pickle.PicklingError):
            pass
        finally:
            _WORK[0] = None
    return [fn(i) for i in range(n)]


def outcomes_all(judge, sweeps, ctx, samples, cvs, seed, n):
    """outcomes() of n resamples in PARTS parts, each with its own seed, summed."""
    parts = fork_map(lambda i: outcomes(judge, sweeps, ctx, samples, cvs, random.Random(f"{seed}:{i}"),
                                        n // PARTS + (i < n % PARTS)), PARTS)
    counts = {}
    for part in parts:
        for key, (held, total) in part.items():
            c = counts.setdefault(key, [0, 0])
            c[0] += held
            c[1] += total
    return counts


def state(ok, held, total):
    """True, False, or None (undecided), from the measurement and its resamples."""
    if total == 0:
        return bool(ok)
    share = held / total
    if ok and share >= DECIDED:
        return True
    if not ok and share <= 1 - DECIDED:
        return False
    return None


def decided(checks, counts, prefix=()):
    """[(text with the share of resamples it held in, True | False | None)]."""
    out = []
    for key, text, ok in keyed(checks, prefix):
        held, total = counts.get(key, (0, 0))
        note = f" [{held * 100 // total}% of {total} resamples]" if total else " [no resample: judged as measured]"
        out.append((str(text) + note, state(ok, held, total)))
    return out


def judge(mod, sweeps, ctx):
    """The module's judgement with each check's outcome over its resamples: checks become
    (text with the share of resamples it held in, True | False | None), the peer lines' too."""
    d = mod.judge(sweeps, ctx)
    if not d or not (d.checks or any(p.checks for p in peer_lines(d))):
        return d
    n = RESAMPLES
    samples = {k: load_samples(s) for k, s in sweeps.items()}
    cvs = {k: pooled_cv(v) for k, v in samples.items()}
    counts = outcomes_all(mod.judge, sweeps, ctx, samples, cvs, mod.ID, n)
    d.checks = decided(d.checks, counts)
    d.peers = [p.judged(decided(p.checks, counts, (p.key,))) if hasattr(p, "judged") else p for p in d.peers]
    d.noise = {k: cvs[k] for k in cvs}
    d.sampled = any(samples.values())
    return d


def deciding_points(mod, sweeps, ctx, per_point=24):
    """[(sweep, idx)] of the measured points whose own resamples alone move an undecided check
    of this claim: the points more runs would decide. per_point: a point whose own noise carries
    the check across its threshold in 15% of its resamples is found in 24 of them 98 times in
    100 (8 missed C5's fixture in tests/claims)."""
    d = mod.judge(sweeps, ctx)
    if not d or not d.checks:
        return []
    samples = {k: load_samples(s) for k, s in sweeps.items()}
    cvs = {k: pooled_cv(v) for k, v in samples.items()}
    full = judge(mod, sweeps, ctx)
    undecided = {key for (key, _, _), (_, st) in zip(keyed(d.checks), full.checks) if st is None}
    if not undecided:
        return []
    base = {key: ok for key, _, ok in keyed(d.checks)}
    points = [(n, str(r["idx"])) for n, s in sweeps.items() for r in s.ok_rows()]

    def moves(i):  # each point's own resamples, seeded by the point: the same on any number of cores
        c = outcomes(mod.judge, sweeps, ctx, samples, cvs, random.Random(f"{mod.ID}:{points[i]}"), per_point,
                     points[i])
        return any(k in c and (0 < c[k][0] < c[k][1] or (c[k][0] == c[k][1]) != bool(base[k])) for k in undecided)
    return [(n, int(idx)) for (n, idx), m in zip(points, fork_map(moves, len(points))) if m]
