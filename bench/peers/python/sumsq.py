# SPDX-License-Identifier: MIT
# sumsq.py: the documents' heavy math, sum(i * i for i in range(10 ** 7)), split into one share per task.
import asyncio
import contextlib
import time

from options import concurrency

SUMMARY = "sum of i*i over --n elements split over the tasks: pure CPU (C5)"
TASKS = 2
OPTIONS = [("n", "int", 1, 1e15, "elements: the sum of i*i for i in [0, n)", 10000000)]
LONG_MAX = 2**63 - 1  # CPython's sum() adds in a C long until the total outgrows it
SAMPLE = 1 << 17      # elements per calibration run: several milliseconds


def needs(model):
    return []


def check(c):
    pass


def squares(a, b, start=0):
    return sum((i * i for i in range(a, b)), start)


def share(c, i):
    """Task i's elements, [i·n/N, (i+1)·n/N): an even split, the remainder spread."""
    return i * c.n // c.tasks, (i + 1) * c.n // c.tasks


def closed_form(n):
    """sum of i*i for i in [0, n), exactly: Python's integers do not wrap."""
    return (n - 1) * n * (2 * n - 1) // 6 if n > 1 else 0


def fast_elements(a, b):
    """How many of [a, b) sum() adds before its total outgrows a C long (bisection)."""
    lo, hi = 0, b - a
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if closed_form(a + mid) - closed_form(a) <= LONG_MAX:
            lo = mid
        else:
            hi = mid - 1
    return lo


def per_element(a, start):
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        squares(a, a + SAMPLE, start)
        runs.append(time.perf_counter() - t)
    return sorted(runs)[2] / SAMPLE


@contextlib.contextmanager
def setup(c, runner):
    # This interpreter's speed per element, in both of sum()'s regimes: a C long total (at
    # small elements) and a big one (at the middle of the range), the median of five each.
    yield {"fast_s": per_element(min(c.n // 2, 1 << 20), 0), "slow_s": per_element(c.n // 2, 1 << 64)}


def task(c, st, i):
    a, b = share(c, i)
    return b - a, squares(a, b)


async def compute(c, i, sem):
    async with sem:
        return task(c, None, i)  # no await inside: the loop is blocked, as the documents warn


async def gather_all(c, st):
    sem = asyncio.Semaphore(c.limit) if c.limit else contextlib.nullcontext()
    return await asyncio.gather(*[compute(c, i, sem) for i in range(c.tasks)], return_exceptions=True)


def verify(c, st, results):
    elems, total = sum(r[0] for r in results), sum(r[1] for r in results)
    if elems != c.n or total != closed_form(c.n):
        return f"sum of squares over {elems} elements is {total}, the closed form says {closed_form(c.n)}"
    return None


def work_s(c, st):
    """One core's time for the whole sum: each share at the calibrated speed of its regimes."""
    work = 0.0
    for i in range(c.tasks):
        a, b = share(c, i)
        k = fast_elements(a, b)
        work += k * st["fast_s"] + (b - a - k) * st["slow_s"]
    return work


def predict(c, st):
    """The work over the cores the model can use at once: one under the GIL (sequential,
    threads, the loops), the pool's processes up to the cores for python-processes."""
    par = min(concurrency(c), c.cores) if c.model == "python-processes" else 1
    return work_s(c, st) / par


def fields(c, st, results, m):
    # simul's sum is modulo 2^64 (C's unsigned wrap); the same figure here, checked exactly above.
    total = sum(r[1] for r in results) % (1 << 64)
    return [("n", str(c.n), False), ("ns_per_elem", f"{work_s(c, st) / c.n * 1e9:.4f}", False),
            ("sum", str(total), False)]
