# SPDX-License-Identifier: MIT
# record.py: measures the timed region only, and prints simul's record (text, CSV or JSON).
"""wall_s is a monotonic clock around the workload alone; interpreter start-up and imports
(startup_s) and the workload's set-up (setup_s: servers, calibration, a pool's start) are
outside it and reported apart. user_s, sys_s and the context switches are getrusage deltas,
this process and its reaped children; max_rss_kib is this process's peak plus each live
child's peak, as simul's (children included); mem_kib counts a page the processes share once,
as simul's: this process's peak plus each live child's private memory (mem_method rss+uss),
or this process's peak alone when it has no children (rss-peak)."""
import json
import math
import os
import platform
import resource
import sys
import time

COMMON = ("workload", "model", "tasks", "workers", "wall_s", "predicted_s", "user_s", "sys_s",
          "max_rss_kib", "voluntary_ctx", "involuntary_ctx", "verified", "limit", "gil", "mem_kib", "mem_method")


# Killers of this run's children (a pool's workers, a server), for a timeout or a signal.
ON_ABORT = []


class RunFailed(Exception):
    """The run failed or did not verify: one line on stderr, no record, exit 1."""


def since_process_start():
    """Seconds since this process was exec'd (the kernel counts its start in clock ticks)."""
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rpartition(")")[2].split()[19])
    return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")


def child_peak_kib(pid):
    """A live child's peak resident set (VmHWM), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def child_private_kib(pid):
    """A live child's private memory in KiB (pages no other process maps, less the shared
    memory it alone has touched), as simul's workers report theirs; None if unknown."""
    vals = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in ("Private_Clean", "Private_Dirty", "Pss_Shmem"):
                    vals[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if "Private_Clean" not in vals or "Private_Dirty" not in vals:
        return None
    return max(0, vals["Private_Clean"] + vals["Private_Dirty"] - vals.get("Pss_Shmem", 0))


class Measure:
    """with Measure() as m: the workload; m.stop() when its results are in (then reap children)."""

    def __enter__(self):
        self.s0 = resource.getrusage(resource.RUSAGE_SELF)
        self.c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.base_rss_kib = self.s0.ru_maxrss
        self.t0 = time.monotonic()
        self.wall_s = None
        return self

    def stop(self):
        if self.wall_s is None:
            self.wall_s = time.monotonic() - self.t0

    def __exit__(self, *exc):
        self.stop()
        s1 = resource.getrusage(resource.RUSAGE_SELF)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        d = lambda f: getattr(s1, f) - getattr(self.s0, f) + getattr(c1, f) - getattr(self.c0, f)
        self.user_s, self.sys_s = d("ru_utime"), d("ru_stime")
        self.voluntary_ctx, self.involuntary_ctx = d("ru_nvcsw"), d("ru_nivcsw")
        self.max_rss_kib = s1.ru_maxrss + getattr(self, "children_rss_kib", 0)
        priv = getattr(self, "children_private_kib", [])
        if not hasattr(self, "children_rss_kib"):
            self.mem_kib, self.mem_method = s1.ru_maxrss, "rss-peak"
        elif None not in priv:
            self.mem_kib, self.mem_method = s1.ru_maxrss + sum(priv), "rss+uss"
        else:
            self.mem_kib, self.mem_method = self.max_rss_kib, "rss-sum"
        return False


def runtime_name():
    return f"CPython {platform.python_version()}"


# The pool a model hands blocking work to: simul's common fields, after gil, for such a model.
POOL = ("pool_size", "pool_threads")
OFFLOAD_SIZE = {"python-asyncio-threadpool": lambda: min(32, (os.cpu_count() or 1) + 4),  # the executors' defaults
                "python-asyncio-processpool": lambda: os.cpu_count() or 1}


def fields_of(c, m, predicted_s, own, extra):
    """The record's columns, simul's common ones first: (name, text, is_text)."""
    pool = [x for x in own if x[0] in POOL]
    own = [x for x in own if x[0] not in POOL]
    if c.model in OFFLOAD_SIZE and not pool:
        # A workload that hands the pool nothing (sleep stays on the loop) starts none of it, as simul's.
        pool = [("pool_size", str(OFFLOAD_SIZE[c.model]()), False), ("pool_threads", "0", False)]
    f = [("workload", c.workload, True), ("model", c.model, True), ("tasks", str(c.tasks), False),
         ("workers", str(c.workers), False), ("wall_s", f"{m.wall_s:.6f}", False),
         ("predicted_s", f"{predicted_s:.6f}", False), ("user_s", f"{m.user_s:.6f}", False),
         ("sys_s", f"{m.sys_s:.6f}", False), ("max_rss_kib", str(m.max_rss_kib), False),
         ("voluntary_ctx", str(m.voluntary_ctx), False), ("involuntary_ctx", str(m.involuntary_ctx), False),
         ("verified", "true", False), ("limit", str(c.limit), False),
         # CPython's GIL is always there: every thread of these programs runs under it.
         ("gil", "true", False)] + pool + [("mem_kib", str(m.mem_kib), False), ("mem_method", m.mem_method, True)]
    return f + own + list(extra)


def predict_fields(c, predicted_s):
    """simul predict's record: the run's common fields without its measurements."""
    return [("workload", c.workload, True), ("model", c.model, True), ("tasks", str(c.tasks), False),
            ("workers", str(c.workers), False), ("predicted_s", f"{predicted_s:.6f}", False),
            ("limit", str(c.limit), False), ("gil", "true", False), ("runtime", runtime_name(), True)]


def emit(c, cols, out=None):
    out = out or sys.stdout  # looked up now: a batch of predictions redirects it per command
    if c.format == "csv":
        if c.header:
            out.write(",".join(n for n, _, _ in cols) + "\n")
        out.write(",".join(v for _, v, _ in cols) + "\n")
    elif c.format == "json":
        out.write("{" + ",".join(f"{json.dumps(n)}:{json.dumps(v) if t else v}" for n, v, t in cols) + "}\n")
    else:
        d = {n: v for n, v, _ in cols}
        if "wall_s" in d:
            out.write(f"{c.workload} under {c.model}: {c.tasks} tasks, wall {float(d['wall_s']):.3f} s, "
                      f"predicted {float(d['predicted_s']):.3f} s (verified)\n")
        else:
            out.write(f"{c.workload} under {c.model}: {c.tasks} tasks, predicted {float(d['predicted_s']):.3f} s\n")
        for n, v, _ in cols:
            out.write(f"  {n:<16} {v}\n")
    out.flush()


def quantile(values, q):
    """Nearest rank, as simul's histogram reads it (but exact: no buckets)."""
    v = sorted(values)
    return v[max(1, math.ceil(q * len(v))) - 1] if v else 0.0
