# SPDX-License-Identifier: MIT
# lag.py: a ticker coroutine notes how late it wakes while other tasks make a blocking CPU call: on the loop, or through run_in_executor.
"""The documents' warning (Vexs, “Why asyncio?”, 2021): a function that does not yield blocks
every other task; their fix: loop.run_in_executor. Task 0 ticks (asyncio.sleep(T), how much
later than T it woke); tasks 1..N-1 compute B ms of CPU time (a sum of squares, checked
against its closed form), then asyncio.sleep(R), until D seconds are over. python-asyncio and
python-uvloop call the block on the loop; python-asyncio-threadpool and -processpool hand it to
a ThreadPoolExecutor or a ProcessPoolExecutor, started before the timed region."""
import asyncio
import concurrent.futures as futures
import contextlib
import os
import sys
import time
import types

from models import die_with_parent
from options import UsageError
from record import ON_ABORT, quantile

SUMMARY = "a ticker notes how late it wakes while the other tasks block on CPU work (C6)"
TASKS = 2
MODELS = ("python-asyncio", "python-uvloop", "python-asyncio-threadpool", "python-asyncio-processpool")
OPTIONS = [  # name, kind, min, max, help, default (as simul's)
    ("tick-ms", "int", 1, 3600000, "the ticker (task 0) sleeps T ms at a time and notes how late it woke", 10),
    ("block-ms", "int", 0, 3600000, "each other task computes B ms of CPU time ...", 100),
    ("rest-ms", "int", 0, 3600000, "... then sleeps R ms, and again, until the duration is over", 50),
    ("duration-s", "float", 0.001, 86400, "how long the ticker ticks and the others block", 2),
]
CHUNK = 20000  # elements summed between two looks at the thread's CPU clock: well under a millisecond


def needs(model):
    return []


def check(c):
    if c.tasks < 2:
        raise UsageError("lag needs --tasks 2 or more: task 0 ticks, the others block")
    if c.limit:
        raise UsageError("--limit does not apply to lag: every task runs for the whole duration; drop it")


def closed_form(n):
    return (n - 1) * n * (2 * n - 1) // 6 if n > 1 else 0


def block(ms):
    """The blocking call: sum i*i until this thread has spent ms of CPU time. Returns (elements,
    sum, wall seconds the call lasted); the sum is checked against the closed form."""
    t, cpu0 = time.monotonic(), time.thread_time()
    n = total = 0
    while True:
        total += sum(i * i for i in range(n, n + CHUNK))
        n += CHUNK
        if time.thread_time() - cpu0 >= ms / 1000:
            return n, total, time.monotonic() - t


@contextlib.contextmanager
def setup(c, runner):
    st = types.SimpleNamespace(executor=None, prestarted=None, pool_size=0)
    if c.model == "python-asyncio-threadpool":
        st.executor = futures.ThreadPoolExecutor()  # the executor's own size, as run_in_executor's default
        st.pool_size = st.executor._max_workers
    elif c.model == "python-asyncio-processpool":
        st.executor = futures.ProcessPoolExecutor(initializer=die_with_parent, initargs=(os.getpid(),))
        st.pool_size = st.executor._max_workers
        ON_ABORT.append(lambda: [p.kill() for p in list(st.executor._processes.values())])
        st.prestarted = st.executor
    try:
        if st.executor:  # a first call starts the workers (all of a process pool's, on fork)
            st.executor.submit(block, 0).result()
        yield st
    finally:
        if st.executor:
            st.executor.shutdown(wait=True, cancel_futures=True)


async def ticker(c, end):
    late = []
    while time.monotonic() < end:
        t = time.monotonic()
        await asyncio.sleep(c.tick_ms / 1000)
        late.append(time.monotonic() - t - c.tick_ms / 1000)
    return late


async def blocker(c, st, end):
    loop = asyncio.get_running_loop()
    done = []
    while time.monotonic() < end:
        if st.executor:
            done.append(await loop.run_in_executor(st.executor, block, c.block_ms))
        else:
            done.append(block(c.block_ms))  # no await: the loop and every other task wait for it
        await asyncio.sleep(c.rest_ms / 1000)
    return done


async def gather_all(c, st):
    end = time.monotonic() + c.duration_s
    tasks = [ticker(c, end)] + [blocker(c, st, end) for _ in range(c.tasks - 1)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    if st.executor:  # the workers the executor had started by the end: threads, or processes
        st.pool_threads = len(getattr(st.executor, "_threads", None) or st.executor._processes or ())
    return results


def verify(c, st, results):
    if not results[0]:
        return "the ticker never woke"
    for i, done in enumerate(results[1:], 1):
        if not done:
            return f"task {i} made no blocking call"
        for n, total, _ in done:
            if total != closed_form(n):
                return f"task {i}: the sum of squares over {n} elements is {total}, not {closed_form(n)}"
    return None


def late_max_pred_ms(c):
    """On the loop a wake that falls in a block waits for its end: B (and the timer's ms). In a
    process pool the loop is free: the timer's ms. In a thread pool the ticker needs the GIL back
    from the blocking thread, which CPython hands over every switch interval (5 ms)."""
    if c.model == "python-asyncio-processpool":
        return 1
    if c.model == "python-asyncio-threadpool":
        return sys.getswitchinterval() * 1000 + 1
    return c.block_ms + 1


def predict(c, st):
    """The duration, and the last block begun inside it."""
    return c.duration_s + c.block_ms / 1000


def fields(c, st, results, m):
    late = [x * 1000 for x in results[0]]
    walls = [w * 1000 for done in results[1:] for _, _, w in done]
    f = [("tick_ms", str(c.tick_ms), False), ("block_ms", str(c.block_ms), False), ("rest_ms", str(c.rest_ms), False),
         ("duration_s", f"{c.duration_s:g}", False), ("blockers", str(c.tasks - 1), False),
         ("late_max_pred_ms", f"{late_max_pred_ms(c):g}", False), ("ticks", str(len(late)), False),
         ("late_p50_ms", f"{quantile(late, 0.5):.3f}", False), ("late_p99_ms", f"{quantile(late, 0.99):.3f}", False),
         ("late_max_ms", f"{max(late):.3f}", False), ("blocks", str(len(walls)), False),
         ("block_mean_ms", f"{sum(walls) / len(walls):.3f}", False), ("block_max_ms", f"{max(walls):.3f}", False)]
    if st.executor:
        f += [("pool_size", str(st.pool_size), False), ("pool_threads", str(st.pool_threads), False)]
    return f
