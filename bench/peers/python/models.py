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


def _user_threads(uid):
    """This user's threads, what RLIMIT_NPROC counts: each process's Threads in /proc/PID/status."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue  # gone meanwhile
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            total += int(fields.get("Threads", "1"))
    return total


def _machine_threads():
    """The machine's threads: the fourth field of /proc/loadavg, running/total."""
    try:
        with open("/proc/loadavg") as f:
            return int(f.read().split()[3].split("/")[1])
    except (OSError, ValueError, IndexError):
        return None


def spawn_room():
    """How many more threads or processes may start now, by the tightest of the limits that
    count them, less what each already counts (simul's sim_spawn_room); which it is; and how
    to raise it. (None, "", "") if no limit is known."""
    def read(path):
        try:
            with open(path) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    rooms = []
    machine = _machine_threads()
    for key in ("pid_max", "threads-max"):
        limit = read(f"/proc/sys/kernel/{key}")
        if limit:
            used = f"; {machine} in use" if machine is not None else ""
            rooms.append((limit - (machine or 0), f"kernel.{key} = {limit} (threads of the machine{used})",
                          f"raise kernel.{key} (sysctl, as root)"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if os.geteuid() != 0 and soft != resource.RLIM_INFINITY:  # root is exempt from it
        used = _user_threads(os.getuid())
        fix = ("end some of this user's processes, or raise ulimit -u (no root needed up to the hard limit)"
               if hard == resource.RLIM_INFINITY or soft < hard
               else "end some of this user's processes, or raise the hard limit as root (ulimit -Hu)")
        rooms.append((soft - used, f"ulimit -u = {soft} (all this user's threads; {used} in use)", fix))
    if not rooms:
        return None, "", ""
    room, which, fix = min(rooms)
    return max(room, 0), which, fix


# What a run makes beyond its workers that the room must leave (simul's SIM_SPAWN_SPARE).
SPAWN_SPARE = 2


def check_capacity(c):
    """A thread or process per task needs that many at once: refuse up front what cannot work,
    with a figure that fits or, if none does, how to raise the limit."""
    if c.model not in ("python-threads", "python-processes"):
        return
    room, which, fix = spawn_room()
    if room is None:
        return
    fits = room - SPAWN_SPARE
    need = pool_size(c)
    what = ("thread" if c.model == "python-threads" else "process") + ("" if need == 1 else
                                                                       "s" if c.model == "python-threads" else "es")
    if need <= fits:
        return
    if fits >= 1:
        raise UsageError(f"{c.model} would need {need} {what} at once but only {fits} more fit, by {which}: "
                         f"use --workers W or --limit L of at most {fits}, or fewer --tasks")
    raise UsageError(f"{c.model} would need {need} {what} at once but none fit, by {which}: {fix}")


def pool_size(c):
    """The executor's max_workers: the pool, one per task for --workers 0, bounded by --limit."""
    return concurrency(c)


def die_with_parent(parent):
    """In each pool worker: killed with the peer, however the peer ends (a --timeout that fires
    while workers are still being forked, a SIGKILL), as simul's own workers are."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)
    # A forked worker inherits the peer's handler (peer.py's arm), and a signal to the whole
    # group would have each worker say the peer's last words too: the peer alone answers
    # it, and kills its workers (ON_ABORT), so they ignore what it catches.
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        signal.signal(s, signal.SIG_IGN)


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
