# SPDX-License-Identifier: MIT
# sleep.py: the documents' sleepy_function: time.sleep one after another or in a pool, asyncio.sleep gathered.
import asyncio
import contextlib
import multiprocessing
import time
from array import array

import simul
from options import BASIC, concurrency
from record import quantile

SUMMARY = "each task sleeps --ms, --rounds times: pure waiting (C1, C10)"
TASKS = 3
# The executor models too, as simul's eventloop-offload: a sleep is no blocking call, it stays
# on the loop (asyncio.sleep); only lag's blocking calls go to their executor.
MODELS = BASIC + ("python-asyncio-threadpool", "python-asyncio-processpool")
OPTIONS = [  # name, kind, min, max, help, default (as simul's)
    ("ms", "int", 0, 86400000, "milliseconds each sleep lasts", 1000),
    ("rounds", "int", 1, 1000000, "sleeps per task, one after another", 1),
]


# Tasks in flight now and at most (simul's in_flight_max): made at import, before any pool
# forks, so that threads and forked workers count into the same two numbers.
LIVE = multiprocessing.RawArray("l", 2)
LIVE_LOCK = multiprocessing.Lock()


def arrived(n):
    """A task starts (n = 1) or ends (n = -1)."""
    with LIVE_LOCK:
        LIVE[0] += n
        LIVE[1] = max(LIVE[1], LIVE[0])


def needs(model):
    return []


def check(c):
    pass


@contextlib.contextmanager
def setup(c, runner):
    yield None


def sleepy_function(c, st, i):
    """time.sleep, as the documents' synchronous version; each sleep's length is kept."""
    took = array("d")
    arrived(1)
    for _ in range(c.rounds):
        t = time.monotonic()
        time.sleep(c.ms / 1000)
        took.append(time.monotonic() - t)
    arrived(-1)
    return took


task = sleepy_function


async def async_sleepy_function(c, sem):
    async with sem:  # Vexs's (“Why asyncio?”, 2021) asyncio.Semaphore(2) over 6 tasks, for --limit
        # One thread: the counts need no lock.
        LIVE[0] += 1
        LIVE[1] = max(LIVE[1], LIVE[0])
        try:
            if c.rounds == 1:
                # The documents' one sleep, its length the result: an array per task would add
                # a tenth to what each task costs in memory (claim C11 measures that cost).
                t = time.monotonic()
                await asyncio.sleep(c.ms / 1000)
                return time.monotonic() - t
            took = array("d")
            for _ in range(c.rounds):
                t = time.monotonic()
                await asyncio.sleep(c.ms / 1000)
                took.append(time.monotonic() - t)
            return took
        finally:
            LIVE[0] -= 1


async def gather_all(c, st):
    sem = asyncio.Semaphore(c.limit) if c.limit else contextlib.nullcontext()
    return await asyncio.gather(*[async_sleepy_function(c, sem) for _ in range(c.tasks)],
                                return_exceptions=True)


def lengths(result):
    return (result,) if isinstance(result, float) else result


def verify(c, st, results):
    least = c.rounds * c.ms / 1000 - 0.001  # every sleep done, none short (1 ms for rounding)
    for i, took in enumerate(map(lengths, results)):
        if len(took) != c.rounds:
            return f"task {i} completed {len(took)} of {c.rounds} sleeps"
        if sum(took) < least:
            return f"task {i} slept {sum(took):.4f} s, less than the {least + 0.001:.4f} s asked"
    return None


def predict(c, st):
    """N tasks in waves of the run's concurrency (1, the pool, or the limit): simul's ceil(N/C)·R·D."""
    return simul.predict_waves(c, "sleep", ["--ms", c.ms, "--rounds", c.rounds])


def fields(c, st, results, m):
    every = (d for r in results for d in lengths(r))
    return [("ms", str(c.ms), False), ("rounds", str(c.rounds), False),
            ("sleep_p99_s", f"{quantile(every, 0.99):.6f}", False), ("in_flight_max", str(LIVE[1]), False)]
