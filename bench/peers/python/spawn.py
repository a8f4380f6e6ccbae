# SPDX-License-Identifier: MIT
# spawn.py: N empty tasks made, started and finished: asyncio.create_task, threading.Thread, multiprocessing.Process.
"""What a task costs in the documents' Python: the run's wall time over N (spawn_ns), set-up
included (a pool's start too: it is part of what the tasks cost), beside the bare primitive
measured before the run (floor_ns): a coroutine run to its end without the loop,
_thread.start_new_thread, os.fork + _exit + waitpid, a plain call. python-threads and
python-processes make a thread or process per task with --workers 0, else submit the empty
tasks to a ThreadPoolExecutor or ProcessPoolExecutor of W, as simul's pools do."""
import _thread
import asyncio
import concurrent.futures as futures
import contextlib
import multiprocessing
import os
import threading
import time
import types

from models import Failed, die_with_parent
from options import UsageError
from record import ON_ABORT

SUMMARY = "N empty tasks made, started and finished: what a task costs under each model (C7)"
TASKS = 1000
MODELS = ("python-sequential", "python-threads", "python-processes", "python-asyncio", "python-uvloop")
OPTIONS = [("pin", "flag", 0, 0, "run on one CPU (the first this process may use), as taskset -c would", None)]
PRIMITIVE = {"python-sequential": "a function call", "python-threads": "a thread", "python-processes": "a process",
             "python-asyncio": "a coroutine", "python-uvloop": "a coroutine"}


def needs(model):
    return []


def check(c):
    if c.limit:
        raise UsageError(f"--limit does not apply to {c.workload}: drop it")


def pin(c):
    """--pin: this process (and every thread and child it makes after) on one CPU; that CPU, or -1."""
    if not c.pin:
        return -1
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def nothing(i):
    return i


async def anothing(i):
    return i


def per_item(fn, k, tries=3):
    """The least of a few batches' mean time per call of fn, in ns: other programs only add to it."""
    best = None
    for _ in range(tries):
        t = time.perf_counter()
        for i in range(k):
            fn(i)
        d = (time.perf_counter() - t) / k * 1e9
        best = d if best is None else min(best, d)
    return best


def bare_coroutine(i):
    co = anothing(i)
    try:
        co.send(None)
    except StopIteration:
        pass


def bare_thread(i):
    lock = _thread.allocate_lock()
    lock.acquire()
    _thread.start_new_thread(lock.release, ())
    lock.acquire()  # it ran (its exit follows on its own)


def bare_process(i):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def floor_ns(model):
    if model == "python-processes":
        return per_item(bare_process, 20)
    if model == "python-threads":
        return per_item(bare_thread, 200)
    return per_item(bare_coroutine if model in ("python-asyncio", "python-uvloop") else nothing, 20000)


@contextlib.contextmanager
def setup(c, runner):
    st = types.SimpleNamespace(cpu=pin(c), made=0)
    st.floor_ns = floor_ns(c.model)
    # A process per task reports that it ran here: shared memory made before any fork.
    st.ran = multiprocessing.RawArray("b", c.tasks) if c.model == "python-processes" and c.workers == 0 else None
    yield st


def child(ran, i, parent):
    die_with_parent(parent)
    ran[i] = 1


def per_process(c, st):
    ctx = multiprocessing.get_context("fork")
    ps = [ctx.Process(target=child, args=(st.ran, i, os.getpid())) for i in range(c.tasks)]
    ON_ABORT.append(lambda: [p.kill() for p in ps if p.pid])
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    return [i if p.exitcode == 0 and st.ran[i] else Failed(RuntimeError(f"exit status {p.exitcode}"))
            for i, p in enumerate(ps)]


def per_thread(c, st):
    out = [None] * c.tasks

    def put(i):
        out[i] = i
    ts = [threading.Thread(target=put, args=(i,)) for i in range(c.tasks)]
    for t in ts:  # every one started before any is joined, as simul's
        t.start()
    for t in ts:
        t.join()
    return out


def in_pool(c, executor):
    with executor as ex:
        results = [f.result() for f in [ex.submit(nothing, i) for i in range(c.tasks)]]
        made = len(getattr(ex, "_threads", None) or ex._processes or ())
    return results, made


async def create_tasks(c):
    return await asyncio.gather(*[asyncio.create_task(anothing(i)) for i in range(c.tasks)])


def timed(c, st, runner, m):
    st.made = c.tasks
    if c.model == "python-sequential":
        results = [nothing(i) for i in range(c.tasks)]
        st.made = 1
    elif runner:
        results = runner.run(create_tasks(c))
    elif c.model == "python-threads":
        if c.workers:
            results, st.made = in_pool(c, futures.ThreadPoolExecutor(max_workers=c.workers))
        else:
            results = per_thread(c, st)
    elif c.workers:
        pool = futures.ProcessPoolExecutor(max_workers=c.workers, initializer=die_with_parent, initargs=(os.getpid(),))
        ON_ABORT.append(lambda: [p.kill() for p in list((pool._processes or {}).values())])
        results, st.made = in_pool(c, pool)
    else:
        results = per_process(c, st)
    m.stop()
    return results


def verify(c, st, results):
    if list(results) != list(range(c.tasks)):
        wrong = next(i for i, r in enumerate(results) if r != i)
        return f"task {wrong} did not run to its end"
    return None


def predict(c, st):
    return c.tasks * st.floor_ns / 1e9


def fields(c, st, results, m):
    return [("pinned", "true" if c.pin else "false", False), ("cpu", str(st.cpu), False),
            ("primitive", PRIMITIVE[c.model], True), ("made", str(st.made), False),
            ("floor_ns", f"{st.floor_ns:.1f}", False), ("spawn_ns", f"{m.wall_s / c.tasks * 1e9:.1f}", False)]
