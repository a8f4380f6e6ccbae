# SPDX-License-Identifier: MIT
# mixed.py: a web handler as the documents write one: a GET from our server, then CPU work (on the loop, or through run_in_executor).
"""Each task GETs once from our own simul serve (answering after --latency-ms), then computes
--cpu-ms of CPU time (lag's sum of squares, checked by its closed form). python-sequential: a
requests loop; -threads, -processes: the task in a pool; the loops: aiohttp gathered, the CPU
work straight on the loop; python-asyncio-threadpool and -processpool hand the CPU work to
loop.run_in_executor. p50_s and max_s: a task's time from its GET to the end of its work."""
import asyncio
import contextlib
import math
import time
import types

import fetch
import lag
from models import ASYNC
from options import POOLS, UsageError, concurrency
from record import quantile

SUMMARY = "each task GETs from our server (--latency-ms) then computes (--cpu-ms): a web handler (C9)"
TASKS = 100
MODELS = ("python-sequential", "python-threads", "python-processes", "python-asyncio", "python-uvloop",
          "python-asyncio-threadpool", "python-asyncio-processpool")
OPTIONS = [
    ("latency-ms", "int", 0, 3600000, "our server's delay before it answers (0: the loopback round trip alone)", 10),
    ("cpu-ms", "int", 0, 3600000, "CPU time spent after the answer (the thread's CPU clock)", 1),
    ("bytes", "int", 0, 268435456, "the answer's body size", 1024),
    ("io-timeout-ms", "int", 1, 3600000, "a connect or a read waiting longer fails the task", 30000),
]


def needs(model):
    return [("aiohttp", "python3-aiohttp")] if model in ASYNC else [("requests", "python3-requests")]


def check(c):
    if c.workers == 0 and c.model in POOLS and c.tasks > 4096:
        raise UsageError(f"{c.model} --workers 0 would make {c.tasks} at once: give --workers W or fewer --tasks")


def as_fetch(c):
    """fetch's options for one GET per task from our own server."""
    f = dict(vars(c), url=None, requests=1, expect_bytes=None, expect_bytes_given=False, latency_ms_given=True,
             bytes_given=True)
    return types.SimpleNamespace(**f)


@contextlib.contextmanager
def setup(c, runner):
    fc = as_fetch(c)
    with fetch.setup(fc, runner) as fst, lag.setup(c, runner) as ex:
        n = lag.block(20)[0]  # this interpreter's elements per CPU millisecond, for the record
        yield types.SimpleNamespace(fc=fc, fst=fst, executor=ex.executor, prestarted=ex.prestarted,
                                    pool_size=ex.pool_size, pool_threads=0, elems_per_cpu_ms=n / 20)


def task(c, st, i):
    t = time.monotonic()
    _, sizes = fetch.get_all(st.fc, st.fst, i)
    n, total, _ = lag.block(c.cpu_ms)
    return time.monotonic() - t, sizes[0], n, total


def sequential(c, st):
    import requests
    from models import outcome

    def one(i, session):
        t = time.monotonic()
        _, sizes = fetch.get_all(st.fc, st.fst, i, session)
        n, total, _ = lag.block(c.cpu_ms)
        return time.monotonic() - t, sizes[0], n, total
    with requests.Session() as session:
        return [outcome(one, i, session) for i in range(c.tasks)]


async def handler(c, st, session, sem):
    async with sem:
        t = time.monotonic()
        _, sizes = await fetch.async_get_all(st.fc, st.fst, session, contextlib.nullcontext())
        if st.executor:
            n, total, _ = await asyncio.get_running_loop().run_in_executor(st.executor, lag.block, c.cpu_ms)
        else:
            n, total, _ = lag.block(c.cpu_ms)  # on the loop: every other handler waits
        return time.monotonic() - t, sizes[0], n, total


async def gather_all(c, st):
    sem = asyncio.Semaphore(c.limit) if c.limit else contextlib.nullcontext()
    async with fetch.client_session(st.fc) as session:
        results = await asyncio.gather(*[handler(c, st, session, sem) for _ in range(c.tasks)],
                                       return_exceptions=True)
    if st.executor:
        st.pool_threads = len(getattr(st.executor, "_threads", None) or st.executor._processes or ())
    return results


def verify(c, st, results):
    for i, (_, size, n, total) in enumerate(results):
        if size != c.bytes:
            return f"task {i} received a body of {size} bytes, want {c.bytes}"
        if total != lag.closed_form(n):
            return f"task {i}: the sum of squares over {n} elements is {total}, not {lag.closed_form(n)}"
    return None


def predict(c, st):
    """simul's formulas, CPython's GIL taken in: threads and a thread pool compute on one core."""
    L, cost, C, N = c.latency_ms / 1000, st.fst.c_s, c.cpu_ms / 1000, c.tasks
    if c.model == "python-sequential":
        return N * (L + cost + C)
    if c.model in POOLS:
        w = concurrency(c)
        par = min(w, c.cores) if c.model == "python-processes" else 1
        return max(math.ceil(N / w) * (L + cost + C), L + cost + N * C / par)
    if c.model == "python-asyncio-processpool":
        return L + N * cost + N * C / max(1, min(N, c.cores, st.pool_size))
    return L + N * (cost + C)  # on the loop, or in a thread pool under the GIL


def fields(c, st, results, m):
    took = [r[0] for r in results]
    f = [("latency_ms", str(c.latency_ms), False), ("cpu_ms", str(c.cpu_ms), False),
         ("bytes_per_response", str(c.bytes), False), ("c_ms", f"{st.fst.c_s * 1000:.4f}", False),
         ("elems_per_cpu_ms", f"{st.elems_per_cpu_ms:.0f}", False), ("p50_s", f"{quantile(took, 0.5):.6f}", False),
         ("max_s", f"{max(took):.6f}", False)]
    if st.executor:
        f += [("pool_size", str(st.pool_size), False), ("pool_threads", str(st.pool_threads), False)]
    return f
