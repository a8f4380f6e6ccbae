# SPDX-License-Identifier: MIT
# switch.py: two tasks hand a token back and forth: asyncio.Event, threading.Condition, multiprocessing.Pipe.
"""What a switch costs in the documents' Python. Task 0 passes a token (a count each side
raises by one) to task 1 and waits for it back, --rounds times; the first round is not timed;
switch_ns is per one-way hand-off. Coroutines wait on an asyncio.Event (a turn of the loop);
threads on a threading.Condition (task 0 is the main thread, task 1 a threading.Thread);
processes on a multiprocessing.Pipe (task 0 the peer, task 1 a forked multiprocessing.Process).
floor_ns is the mechanism with no one to wake, measured before the run: a turn of the loop
(asyncio.sleep(0)), a Condition's acquire, notify and release, a Pipe's send and recv in one
process."""
import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
import types

from models import Failed, die_with_parent
from options import UsageError
from record import ON_ABORT
from spawn import per_item, pin

SUMMARY = "two tasks hand a token back and forth: what a switch costs under each model (C8)"
TASKS = 2
MODELS = ("python-threads", "python-processes", "python-asyncio", "python-uvloop")
OPTIONS = [
    ("rounds", "int", 2, 100000000, "round trips: task 0 passes the token to task 1 and waits for it back "
                                    "(the first is not timed)", 10000),
    ("direct", "flag", 0, 0, "simul's eventloop only: refused here (asyncio has no switch straight to a task)", None),
    ("pin", "flag", 0, 0, "run on one CPU (the first this process may use), as taskset -c would", None),
]
PRIMITIVE = {"python-threads": ("a thread", "threading.Condition"), "python-processes": ("a process",
             "multiprocessing.Pipe"), "python-asyncio": ("a coroutine", "asyncio.Event"),
             "python-uvloop": ("a coroutine", "asyncio.Event")}


def needs(model):
    return []


def check(c):
    if c.tasks != 2:
        raise UsageError(f"--tasks {c.tasks}: the token goes between two tasks: give --tasks 2 or leave it out")
    if c.direct:
        raise UsageError("--direct is simul's switch straight to a coroutine; asyncio always goes through a turn "
                         "of its loop: drop it")
    if c.limit:
        raise UsageError("--limit does not apply to switch: drop it")


async def loop_turns(k):
    t = time.perf_counter()
    for _ in range(k):
        await asyncio.sleep(0)
    return (time.perf_counter() - t) / k * 1e9


def floor_ns(c, runner):
    if runner:
        return min(runner.run(loop_turns(20000)) for _ in range(3))
    if c.model == "python-threads":
        cond = threading.Condition()

        def notify(_):
            with cond:
                cond.notify()
        return per_item(notify, 20000)
    a, b = multiprocessing.Pipe()

    def there_and_back(i):
        a.send(i)
        b.recv()
    try:
        return per_item(there_and_back, 5000)
    finally:
        a.close()
        b.close()


@contextlib.contextmanager
def setup(c, runner):
    st = types.SimpleNamespace(cpu=pin(c))
    st.floor_ns = floor_ns(c, runner)
    yield st


async def events(c):
    ping, pong = asyncio.Event(), asyncio.Event()
    token = [0]

    async def task1():
        for _ in range(c.rounds):
            await ping.wait()
            ping.clear()
            token[0] += 1
            pong.set()
    other = asyncio.create_task(task1())
    t0 = 0.0
    for r in range(c.rounds):
        if r == 1:
            t0 = time.perf_counter()
        token[0] += 1
        ping.set()
        await pong.wait()
        pong.clear()
    took = time.perf_counter() - t0
    await other
    return token[0], took


def condition(c):
    cond, turn, token = threading.Condition(), [0], [0]

    def task1():
        for _ in range(c.rounds):
            with cond:
                cond.wait_for(lambda: turn[0] == 1)
                token[0] += 1
                turn[0] = 0
                cond.notify()
    other = threading.Thread(target=task1)
    other.start()
    t0 = 0.0
    for r in range(c.rounds):
        if r == 1:
            t0 = time.perf_counter()
        with cond:
            token[0] += 1
            turn[0] = 1
            cond.notify()
            cond.wait_for(lambda: turn[0] == 0)
    took = time.perf_counter() - t0
    other.join()
    return token[0], took


def pipe_child(end, rounds, parent):
    die_with_parent(parent)
    for _ in range(rounds):
        end.send(end.recv() + 1)


def pipe(c):
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    p = ctx.Process(target=pipe_child, args=(theirs, c.rounds, os.getpid()))
    ON_ABORT.append(lambda: p.pid and p.kill())
    p.start()
    token, t0 = 0, 0.0
    for r in range(c.rounds):
        if r == 1:
            t0 = time.perf_counter()
        mine.send(token + 1)
        token = mine.recv()
    took = time.perf_counter() - t0
    p.join()
    if p.exitcode != 0:
        return Failed(RuntimeError(f"task 1 exited with status {p.exitcode}"))
    return token, took


def timed(c, st, runner, m):
    if runner:
        result = runner.run(events(c))
    elif c.model == "python-threads":
        result = condition(c)
    else:
        result = pipe(c)
    m.stop()
    return [result]


def verify(c, st, results):
    token = results[0][0]
    if token != 2 * c.rounds:
        return f"the token came back at {token} after {c.rounds} round trips, not {2 * c.rounds}"
    return None


def predict(c, st):
    return 2 * c.rounds * st.floor_ns / 1e9


def fields(c, st, results, m):
    prim, via = PRIMITIVE[c.model]
    return [("rounds", str(c.rounds), False), ("primitive", prim, True), ("via", via, True),
            ("pinned", "true" if c.pin else "false", False), ("cpu", str(st.cpu), False),
            ("floor_ns", f"{st.floor_ns:.2f}", False),
            ("switch_ns", f"{results[0][1] / (2 * (c.rounds - 1)) * 1e9:.2f}", False)]
