# SPDX-License-Identifier: MIT
# models.py: the five ways the peers run a workload's tasks, each as the documents write it.
"""A workload module gives a blocking task body, task(c, st, i), for python-sequential,
-threads and -processes, and a coroutine, gather_all(c, st), that gathers every task for
python-asyncio and -uvloop. Each returns per-task outcomes: a result, or the exception."""
import asyncio
import concurrent.futures as futures
import contextlib
import signal
import os
import ctypes
import resource

from options import UsageError, concurrency
from record import ON_ABORT, child_peak_kib, child_private_kib

ASYNC = ("python-asyncio", "python-uvloop", "python-asyncio-threadpool", "python-asyncio-processpool")

# What each model needs beyond the standard library, and the Debian package that has it.
NEEDS = {"python-uvloop": ("uvloop", "python3-uvloop")}


def loop_factory(model):
    if model == "python-uvloop":
        import uvloop
        return uvloop.new_event_loop
    return asyncio.new_event_loop


class Failed:
    """A task's failure, as one line (picklable, unlike some libraries' exceptions)."""

    def __init__(self, e):
        text = str(e).strip().splitlines()
        kind = "" if type(e) is RuntimeError else f"{type(e).__name__}: "  # our own checks' errors
        self.why = f"{kind}{text[0] if text else 'no detail'}"[:300]


def outcome(fn, *args):
    """Run one task, keeping its failure as its outcome: one failure must not hide the rest."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal here
        return Failed(e)


def spawn_capacity():
    """The fewest threads or processes any of the kernel's limits allows, and which it is."""
    def read(path):
        try:
            with open(path) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    soft = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    limits = [(soft if soft != resource.RLIM_INFINITY else None, "RLIMIT_NPROC (ulimit -u)"),
              (read("/proc/sys/kernel/threads-max"), "kernel.threads-max"),
              (read("/proc/sys/kernel/pid_max"), "kernel.pid_max"),
              (read("/proc/sys/vm/max_map_count"), "vm.max_map_count")]
    # A thread costs two mappings (its stack and a guard page): half the map count.
    limits = [(n // 2 if "map" in why else n, why) for n, why in limits if n]
    return min(limits) if limits else (None, "")


def check_capacity(c):
    """A thread or process per task needs that many at once: refuse up front what cannot work."""
    if c.model not in ("python-threads", "python-processes"):
        return
    cap, which = spawn_capacity()
    need, what = pool_size(c), "threads" if c.model == "python-threads" else "processes"
    if cap and need > cap - 64:
        raise UsageError(f"{c.model} would need {need} {what} at once but {which} allows {cap} on this "
                         f"machine: use --workers W or --limit L below {cap - 64}, or fewer --tasks")


def pool_size(c):
    """The executor's max_workers: the pool, one per task for --workers 0, bounded by --limit."""
    return concurrency(c)


def die_with_parent(parent):
    """In each pool worker: killed with the peer, however the peer ends (a --timeout that fires
    while workers are still being forked, a SIGKILL), as simul's own workers are."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


@contextlib.contextmanager
def process_pool(c):
    """A ProcessPoolExecutor whose workers are all forked before the timed region: on Linux
    (fork) the first submit starts every one of them, so a warm-up submit does it."""
    pool = futures.ProcessPoolExecutor(max_workers=pool_size(c), initializer=die_with_parent, initargs=(os.getpid(),))
    ON_ABORT.append(lambda: [p.kill() for p in list(pool._processes.values())])
    try:
        pool.submit(int).result()
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_blocking(c, mod, st, m, pool=None):
    """The timed region of the three blocking models; m is the Measure to stop."""
    if c.model == "python-sequential":
        run = getattr(mod, "sequential", None)
        results = run(c, st) if run else [outcome(mod.task, c, st, i) for i in range(c.tasks)]
    elif c.model == "python-threads":
        with futures.ThreadPoolExecutor(max_workers=pool_size(c)) as executor:
            fs = [executor.submit(outcome, mod.task, c, st, i) for i in range(c.tasks)]
            results = [f.result() for f in fs]
    else:
        fs = [pool.submit(outcome, mod.task, c, st, i) for i in range(c.tasks)]
        results = [f.result() for f in fs]
        m.stop()
        # Each worker's peak, read while it is alive; shutting the pool down reaps them, so
        # their CPU time reaches RUSAGE_CHILDREN before the record's getrusage.
        m.children_rss_kib = sum(child_peak_kib(pid) for pid in list(pool._processes))
        m.children_private_kib = [child_private_kib(pid) for pid in list(pool._processes)]
        pool.shutdown(wait=True)
    m.stop()
    return results
