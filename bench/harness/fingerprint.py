# SPDX-License-Identifier: MIT
# fingerprint.py: the machine's fingerprint (`simul fingerprint`) in a run: recording it, its drift, the report's lines, the primitive each point is made of, and waiting for a busy machine to settle.
"""Standard library only, and no import of the harness package, so that compare.py (a script)
can use it too.

A run records `simul fingerprint` at its start and its end into env.txt (fingerprint_start_KEY,
fingerprint_end_KEY, in ns). It DRIFTED when a primitive's end differs from its start by more
than its bound: DRIFT_BOUND (25%: twice what two fingerprints a minute apart differed by on a quiet
machine here would be generous; a loaded one moves far more), wider for the two primitives
that scatter more than that on their own (BOUNDS), and for every primitive but the CPU loop
wider again by the CPU loop's own ratio between the two fingerprints (each catches the CPU in
one of its two speeds, and the kernel's primitives are CPU work too). It was BUSY when other work used
at least half the cores at its start: others_cores_PHASE is the CPU the machine spent in 0.3 s
while the harness slept (/proc/stat), so it counts what else runs now, where the
1-minute load average still counts the run before (a QUICK run just after another started at
1.5 on 2 cores, with nothing else running). Runs from before it are judged by their
loadavg_start, above half the cores.

Between the two, `simul fingerprint --watch` samples the CPU loop alone every 0.1 s into
raw/cpu_watch.txt (this machine's CPU flips between two speeds about 2x apart for tens to
hundreds of milliseconds at a time); env.txt gets its percentiles at the end, and swing() says
how far the speed moved over windows as long as a point's run, which `make compare` allows for.

Which primitive a point is made of, from its workload and its model's capabilities (the run's
raw/simul_list.json and raw/peers_list.json, never a model's name):
  sumsq, chess, lag, mixed (CPU work)          cpu_loop_ns, every model
  spawn   a process per task / a pool of them  fork_ns
          threads                              thread_ns
          coroutines (stack_kib)               coro_switch_ns
          plain calls or callbacks             cpu_loop_ns
  switch  threads or processes                 futex_ns
          coroutines, --direct or through      coro_switch_ns
          the loop (its ready queue, no poll)
  sleep, fetch (timers and sockets)            none: a timer's time is not the machine's speed
"""
import json
import os
import subprocess
import sys
import time

DRIFT_BOUND = 0.25
# Thread creation and a futex hand-off scatter far more than that between fingerprints made
# seconds apart on a quiet machine (12 back to back here: thread up to +51%, futex from -58% to
# +104% between neighbours, as the scheduler puts the two threads on one core or on two): their
# bounds are wider, so that the report flags a drift, not the primitive's own scatter.
BOUNDS = {"thread_ns": 0.6, "futex_ns": 1.1}


def bound(key):
    return BOUNDS.get(key, DRIFT_BOUND)


def bounds_text():
    return f"±{DRIFT_BOUND:.0%}; " + ", ".join(f"{short(k)} ±{b:.0%}" for k, b in BOUNDS.items())
KEYS = ("cpu_loop_ns", "page_fault_ns", "fork_ns", "thread_ns", "futex_ns", "coro_switch_ns", "loop_turn_ns")
CPU_WORKLOADS = ("sumsq", "chess", "lag", "mixed")
WHAT = {"cpu_loop_ns": "CPU work", "fork_ns": "processes", "thread_ns": "threads", "futex_ns": "futex hand-offs",
        "coro_switch_ns": "coroutine switches", "loop_turn_ns": "loop turns", "page_fault_ns": "page faults"}


# ---- reading ------------------------------------------------------------------------------

def figures(env, phase):
    """{key: ns} of env's fingerprint_PHASE_KEY lines (env a dict), {} without them."""
    out = {}
    for k in KEYS:
        try:
            v = float(env.get(f"fingerprint_{phase}_{k}", ""))
        except ValueError:
            continue
        if v > 0 and v < float("inf"):
            out[k] = v
    return out


def of_run(env):
    """One figure per primitive for a run: the geometric mean of start and end, or whichever it
    has; the CPU loop's, where the run watched it, the watch's mean (of every moment, not two)."""
    s, e = figures(env, "start"), figures(env, "end")
    out = {k: (s[k] * e[k]) ** 0.5 if k in s and k in e else s.get(k, e.get(k)) for k in KEYS if k in s or k in e}
    try:
        mid = float(env["cpu_watch_mean_ns"])
        if 0 < mid < float("inf"):
            out["cpu_loop_ns"] = mid
    except (KeyError, ValueError):
        pass
    return out


def watched(env):
    """(first, last): the watched CPU loop's mean over the run's first and last quarter, or None
    (a run without a watch)."""
    try:
        a, b = float(env["cpu_watch_first_ns"]), float(env["cpu_watch_last_ns"])
    except (KeyError, ValueError):
        return None
    return (a, b) if 0 < a < float("inf") and 0 < b < float("inf") else None


def drift(env):
    """{key: (start, end, end/start - 1)} for the primitives measured at both ends. The CPU
    loop's, where the run watched it, is its first quarter's mean against its last's: the two
    fingerprints each catch one moment of a CPU that flips between two speeds (-47% between them
    in a run whose watched quarters differed by 3%)."""
    s, e = figures(env, "start"), figures(env, "end")
    out = {k: (s[k], e[k], e[k] / s[k] - 1) for k in KEYS if k in s and k in e}
    w = watched(env)
    if w:
        out["cpu_loop_ns"] = (w[0], w[1], w[1] / w[0] - 1)
    return out


def state_ratio(env):
    """How far apart the CPU loop was at the two fingerprints (at least 1; 1 without both). Each
    catches one moment of a vCPU that runs at one of two speeds about 2x apart, and the kernel's
    primitives are CPU work too: in one run the CPU loop read 284,000 ns at the start and 526,000
    at the end, page faults +46%, fork +22%, thread creation +23%."""
    s, e = figures(env, "start").get("cpu_loop_ns"), figures(env, "end").get("cpu_loop_ns")
    return max(s / e, e / s) if s and e else 1.0


def is_drift(key, d, env):
    """Whether drift d (end / start - 1) is past key's bound. Every primitive but the CPU loop
    is allowed, on top, the CPU loop's own ratio between the two fingerprints (state_ratio): a
    move the CPU's state at those two moments explains is not the machine changing."""
    q = 1.0 if key == "cpu_loop_ns" else state_ratio(env)
    b = bound(key)
    return 1 + d > (1 + b) * q or 1 + d < (1 - b) / q


def drifted(env):
    return {k: d for k, d in drift(env).items() if is_drift(k, d[2], env)}


def state_text(env):
    """' (the other primitives also by the CPU loop's ×Q between the two fingerprints)' when Q
    is past 1.05, else ''."""
    q = state_ratio(env)
    return f"; the others also by the CPU loop's {q:.2f}× between the two fingerprints" if q > 1.05 else ""


def busy_start(env):
    """How busy other work kept the machine at the start (a phrase: "other work used 1.98 of 2
    cores"), when it used at least half the cores; None on a quiet start or without a figure.
    A run from before others_cores_start: its load average, when above half the cores."""
    try:
        cores = int(env.get("cores", ""))
        if env.get("others_cores_start"):
            used = float(env["others_cores_start"])
            return f"other work used {used:.2f} of {cores} cores" if used >= cores / 2 else None
        load = float(env.get("loadavg_start", "").split()[0])
    except (ValueError, IndexError):
        return None
    return f"load average {load:.2f} on {cores} cores" if load > cores / 2 else None


def others_phrase(env):
    """'; other work used S and E of N cores at the start and the end' from env.txt ('' before
    others_cores_PHASE was recorded): with the load average, what the run shared the machine with."""
    s, e = env.get("others_cores_start"), env.get("others_cores_end")
    if not s and not e:
        return ""
    return f"; other work used {s or '?'} and {e or '?'} of {env.get('cores', '?')} cores at the start and the end"


def others_cores(seconds=0.3):
    """The cores' worth of CPU the machine spent over `seconds` while this process slept: what
    other work uses now (None where /proc/stat cannot be read)."""
    def sample():
        with open("/proc/stat", encoding="ascii") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
        return sum(v[:8]) - idle, sum(v[:8])      # busy, total (guest time is inside user)
    try:
        b0, t0 = sample()
        time.sleep(seconds)
        b1, t1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return (os.cpu_count() or 1) * (b1 - b0) / (t1 - t0) if t1 > t0 else None


# ---- the CPU's speed through a run (raw/cpu_watch.txt) ------------------------------------

WATCH = os.path.join("raw", "cpu_watch.txt")
MIN_WINDOWS = 5  # fewer windows of a point's length in a run say nothing of its swing


def watch_samples(run_dir):
    """[(unix time s, cpu_loop_ns)] of the run's `simul fingerprint --watch` lines, in time order
    ([] without them); a line cut short by a kill, or that is no pair of positive numbers, is left out."""
    out = []
    try:
        with open(os.path.join(run_dir, WATCH), encoding="ascii", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) != 2 or line.startswith("#") or not line.endswith("\n"):
                    continue
                try:
                    t, v = float(parts[0]), float(parts[1])
                except ValueError:
                    continue
                if 0 < v < float("inf") and t == t:
                    out.append((t, v))
    except OSError:
        return []
    return sorted(out)


def window_means(samples, window_s):
    """The CPU loop's mean over consecutive windows of window_s seconds through the run (each
    sample its own window when they are further apart than that)."""
    if not samples:
        return []
    t0, sums = samples[0][0], {}
    for t, v in samples:
        k = int((t - t0) / window_s) if window_s > 0 else len(sums)
        a = sums.setdefault(k, [0.0, 0])
        a[0] += v
        a[1] += 1
    return [a[0] / a[1] for a in sums.values()]


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))]


def swing(samples, window_s):
    """How far the CPU's speed swung within the run over windows as long as a point's run: the
    90th over the 10th percentile of the windows' means (1.0: steady), or None with fewer than
    MIN_WINDOWS windows (a point about as long as the run: its own runs are the whole story)."""
    means = window_means(samples, window_s)
    if len(means) < MIN_WINDOWS:
        return None
    lo = quantile(means, 0.1)
    return quantile(means, 0.9) / lo if lo > 0 else None


def watch_lines(samples):
    """env.txt's summary of the watch: how many samples, their 10th, 50th and 90th percentiles,
    their mean (the run's CPU loop), and the means of the run's first and last quarter (its drift)."""
    if not samples:
        return []
    v = [x for _, x in samples]
    q = max(1, len(v) // 4)
    return ([f"cpu_watch_samples: {len(v)}"] + [f"cpu_watch_p{p}_ns: {quantile(v, p / 100):.6g}" for p in (10, 50, 90)]
            + [f"cpu_watch_mean_ns: {sum(v) / len(v):.6g}", f"cpu_watch_first_ns: {sum(v[:q]) / q:.6g}",
               f"cpu_watch_last_ns: {sum(v[-q:]) / q:.6g}"])


def watch_phrase(env):
    """The report's sentence on the CPU's speed through the run ('' without a watch)."""
    try:
        n, lo, mid, hi = (float(env[f"cpu_watch_{k}"]) for k in ("samples", "p10_ns", "p50_ns", "p90_ns"))
    except (KeyError, ValueError):
        return ""
    return (f"The CPU loop sampled through the run ({n:.0f} samples, one every 0.1 s): 10th percentile {ns(lo)}, "
            f"median {ns(mid)}, 90th {ns(hi)} ns: the CPU's speed swung {hi / lo:.2f}× from one moment to the next. "
            "A figure of a few short runs can move that much on its own; `make compare` allows for it.")


# ---- what a point is made of --------------------------------------------------------------

def model_props(run_dir):
    """{model name: its description} from the run's saved lists (simul's and the peers')."""
    out = {}
    for f in ("simul_list.json", "peers_list.json"):
        try:
            with open(os.path.join(run_dir, "raw", f), encoding="utf-8") as fh:
                doc = json.load(fh)
            for m in doc.get("models", []):
                if isinstance(m, dict) and "name" in m:
                    out.setdefault(m["name"], m)
        except (OSError, ValueError, AttributeError):
            pass
    return out


def primitive(workload, props):
    """The fingerprint key a point of this workload under a model with these properties is made
    of, or None (a timer's or an unknown point)."""
    if workload in CPU_WORKLOADS:
        return "cpu_loop_ns"
    if not isinstance(props, dict) or workload not in ("spawn", "switch"):
        return None
    kind, coro = props.get("workers_kind"), bool(props.get("stack_kib"))
    if workload == "spawn":
        return {"processes": "fork_ns", "threads": "thread_ns"}.get(kind) or ("coro_switch_ns" if coro else "cpu_loop_ns")
    if kind in ("processes", "threads"):
        return "futex_ns"
    # Through the loop too: the loop hands a switch on through its ready queue and polls only
    # when nothing is ready (models/coroloop.c), 60 ns a switch against a 225-ns loop turn here.
    return "coro_switch_ns" if coro else None


# ---- recording ----------------------------------------------------------------------------

def measure(simul):
    """(figures, '') from `simul fingerprint --format json`, or ({}, why it failed)."""
    try:
        p = subprocess.run([simul, "fingerprint", "--format", "json"], capture_output=True, text=True, timeout=30)
        if p.returncode == 0:
            prims = json.loads(p.stdout).get("primitives", {})
            return {k: float(prims[k]) for k in KEYS if k in prims}, ""
        return {}, (p.stderr.strip().splitlines() or [f"exited {p.returncode}"])[0]
    except (OSError, subprocess.TimeoutExpired, ValueError, AttributeError, TypeError) as e:
        return {}, str(e)


def record(run_dir, phase, simul):
    """Measure and add the fingerprint_PHASE_* lines to env.txt, replacing it in one rename: an
    interrupted fingerprint leaves the env.txt before it, whole."""
    try:
        _record(run_dir, phase, simul)
    except KeyboardInterrupt:  # bench.sh marks the run INCOMPLETE; no traceback
        sys.exit(130)


def _record(run_dir, phase, simul):
    used = others_cores()  # first, before the fingerprint's own work
    figs, why = measure(simul)
    lines = [f"fingerprint_{phase}_{k}: {v:.6g}" for k, v in figs.items()] if figs else \
            [f"fingerprint_{phase}: failed: {why}"]
    if used is not None:
        lines.append(f"others_cores_{phase}: {used:.2f}")
    if phase == "end":
        lines += watch_lines(watch_samples(run_dir))
    path = os.path.join(run_dir, "env.txt")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        text += "\n"
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text + "\n".join(lines) + "\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    if not figs:
        print(f"simul bench: the {phase} fingerprint failed ({why}); the run goes on without it", file=sys.stderr)


def settle(max_s):
    """Wait up to max_s seconds, saying so, while other work uses at least half the cores."""
    cores = os.cpu_count() or 1
    used = others_cores()
    if used is None or used < cores / 2:
        return
    print(f"simul bench: the machine is busy (other work uses {used:.2f} of {cores} cores, half or more): "
          + (f"waiting up to {max_s} s for it to settle (SETTLE=0 or --no-settle skips this)" if max_s > 0 else
             "not waiting (SETTLE=0 or --no-settle); the report will say so"), flush=True)
    end = time.monotonic() + max_s
    while time.monotonic() < end and used >= cores / 2:
        time.sleep(min(4.5, max(0.0, end - time.monotonic())))
        used = others_cores()
        if used is None:
            return
    if max_s > 0:
        print(f"simul bench: other work now uses {used:.2f} of {cores} cores: " +
              ("settled" if used < cores / 2 else "still busy; running anyway, and the report will say so"),
              flush=True)


# ---- the report ---------------------------------------------------------------------------

def pct(x):
    return f"{x * 100:+.0f}%"


def short(k):
    return k[:-3]


def ns(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"


def report_lines(env):
    """REPORT.md's lines for the top: the warnings, then the fingerprint's table (start, end, drift)."""
    out = []
    moved, busy = drifted(env), busy_start(env)
    if moved:
        out += [f"> **The machine changed during this run:** " +
                ", ".join(f"{short(k)} {pct(d[2])}" for k, d in moved.items()) +
                f" between the start and the end fingerprint (bounds {bounds_text()}{state_text(env)}). Figures made of these "
                "primitives may be the machine's, not the code's: the claims that use them say so.", ""]
    if busy:
        out += [f"> **The machine was busy at the start:** {busy} (half of them or more): every figure "
                f"may be slowed by other work.", ""]
    d, s, e = drift(env), figures(env, "start"), figures(env, "end")
    if not s and not e:
        return out + ["Machine fingerprint: not recorded in this run.", ""]
    out += ["Machine fingerprint (`simul fingerprint`, ns, at the start and the end of the run; drift bound "
            f"{bounds_text()}{state_text(env)}):", "", "| primitive | start | end | drift |", "|---|---:|---:|---:|"]
    w = watched(env)
    for k in KEYS:
        if k in s or k in e:
            out.append(f"| {short(k)} | {ns(s[k]) if k in s else '—'} | {ns(e[k]) if k in e else '—'} | "
                       + (pct(d[k][2]) + (" ⚠" if is_drift(k, d[k][2], env) else "") if k in d else "—")
                       + (f" (watched: {ns(w[0])} in the run's first quarter, {ns(w[1])} in its last)"
                          if w and k == "cpu_loop_ns" else "") + " |")
    return out + [""] + ([watch_phrase(env), ""] if watch_phrase(env) else [])


def claim_lines(run_dir, env, sweep_names):
    """The lines under a claim's verdict when the machine moved the primitives its points are
    made of (or was busy at the start), else []."""
    import csv
    moved, busy = drifted(env), busy_start(env)
    if not moved and not busy:
        return []
    props, used = model_props(run_dir), set()
    for n in sweep_names:
        try:
            with open(os.path.join(run_dir, f"{n}.csv"), newline="", encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    used.add(primitive(r.get("workload", ""), props.get(r.get("model", ""))))
        except (OSError, csv.Error, UnicodeDecodeError):
            pass
    if not used:  # none of its sweeps ran here
        return []
    hit = [k for k in moved if k in used]
    out = []
    if hit:
        out.append("*The machine changed during this run:* " + ", ".join(
            f"{short(k)} {pct(moved[k][2])} ({WHAT[k]})" for k in hit) + ", which this claim's points are made of.")
    if busy:
        out.append(f"*The machine was busy at the start* ({busy}).")
    return [x for line in out for x in (line, "")]
