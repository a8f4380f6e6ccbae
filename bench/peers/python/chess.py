# SPDX-License-Identifier: MIT
# chess.py: the exhibition of Vexs, “Why asyncio?” (2021) (Judit Polgár, 24 tables) played synchronously, asynchronously, by clones.
"""The master's move is real CPU work: an LCG stepped until this thread's CPU clock has run
the move's length (time waiting for the GIL or a core does not count), verified against the
LCG's closed form. The opponent's move is a sleep of whole milliseconds, as simul's. The
prediction is simul's own (`simul predict chess`), for the model that plays the same story:
python-sequential = sequential, the loops = eventloop, python-threads = threadpool --gil
(the clones take turns to think), python-processes = multiprocess."""
import asyncio
import contextlib
import math
import time
from array import array

import simul
from options import POOLS, UsageError
from record import quantile

SUMMARY = ("the chess exhibition of Vexs, “Why asyncio?” (2021; C4): python-sequential = synchronous, python-asyncio = "
           "asynchronous, python-threads/-processes --workers 0 = a clone per table")
TASKS = 24
OPTIONS = [
    ("opponents", "int", 1, 1000000, "tables, one game each (the tasks)", 24),
    ("pairs", "int", 1, 1000000, "move pairs per game", 30),
    ("master-s", "float", 0, 86400, "exhibition seconds the master thinks per move (CPU work)", 5),
    ("opponent-s", "float", 0, 86400, "exhibition seconds an opponent thinks per move (a wait)", 55),
    ("scale", "float", 0, 1, "wall seconds per exhibition second", 0.0002),
]
SIMUL_MODEL = {"python-sequential": ["sequential"], "python-asyncio": ["eventloop"],
               "python-uvloop": ["eventloop"], "python-threads": ["threadpool", "--gil"],
               "python-processes": ["multiprocess"]}
A, C, MASK = 6364136223846793005, 1442695040888963407, (1 << 64) - 1  # Knuth's MMIX LCG
CHUNK = 64  # LCG steps between looks at the CPU clock: about ten microseconds


def needs(model):
    return []


def check(c):
    if c.tasks_given and c.tasks != c.opponents:
        raise UsageError(f"--tasks {c.tasks} disagrees with --opponents {c.opponents}: a task is one "
                         "game, so give --opponents alone")
    c.tasks = c.opponents
    args = ["chess", "--model", *SIMUL_MODEL[c.model], "--cores", str(c.cores)]
    args += ["--workers", str(c.workers)] if c.model in POOLS else []
    args += ["--limit", str(c.limit)] if c.limit else []
    for name in ("opponents", "pairs", "master_s", "opponent_s", "scale"):
        args += ["--" + name.replace("_", "-"), repr(getattr(c, name))]
    c.prediction = simul.predict(args)  # simul's checks too: too short a move is exit 2 here


def moves(c):
    """The master's CPU seconds, and the opponent's whole timer milliseconds (rounded as simul)."""
    return c.master_s * c.scale, math.floor(c.opponent_s * c.scale * 1000 + 0.5)


def think(cpu_s, x):
    start, n = time.thread_time(), 0
    while time.thread_time() - start < cpu_s:
        for _ in range(CHUNK):
            x = (x * A + C) & MASK
        n += CHUNK
    return x, n


def lcg_jump(x, n):
    """x after n LCG steps, by squaring the affine map."""
    a, c, ja, jc = A, C, 1, 0
    while n:
        if n & 1:
            ja, jc = ja * a & MASK, (jc * a + c) & MASK
        c, a = (a + 1) * c & MASK, a * a & MASK
        n >>= 1
    return (ja * x + jc) & MASK


def game_seed(i):
    z = (i + 0x9E3779B97F4A7C15) & MASK  # splitmix64, as simul's
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def answered(i, k, o_ms, waited):
    if waited < o_ms / 1000 - 0.001:  # a whole-millisecond timer may round down by one
        raise RuntimeError(f"the opponent's move {k} at table {i} lasted {waited * 1e3:.3f} ms, "
                           f"less than the {o_ms} ms asked")
    return waited


def play(c, st, i):
    """One table to the end of its game, Judit waiting at the board: the synchronous story."""
    m_s, o_ms = moves(c)
    x, steps, made, waits = game_seed(i), 0, 0, array("d")
    for k in range(c.pairs):
        x, n = think(m_s, x)
        steps, t = steps + n, time.monotonic()
        time.sleep(o_ms / 1000)
        waits.append(answered(i, k, o_ms, time.monotonic() - t))
        made += 2
    return made, x, steps, waits, time.monotonic()


task = play


async def play_async(c, i, sem):
    """Judit moves, and leaves the table while the opponent thinks: the asynchronous story."""
    m_s, o_ms = moves(c)
    x, steps, made, waits = game_seed(i), 0, 0, array("d")
    async with sem:
        for k in range(c.pairs):
            x, n = think(m_s, x)
            steps, t = steps + n, time.monotonic()
            await asyncio.sleep(o_ms / 1000)
            waits.append(answered(i, k, o_ms, time.monotonic() - t))
            made += 2
    return made, x, steps, waits, time.monotonic()


async def gather_all(c, st):
    sem = asyncio.Semaphore(c.limit) if c.limit else contextlib.nullcontext()
    return await asyncio.gather(*[play_async(c, i, sem) for i in range(c.tasks)], return_exceptions=True)


@contextlib.contextmanager
def setup(c, runner):
    yield None


def verify(c, st, results):
    for i, (made, x, steps, _, _) in enumerate(results):
        if made != 2 * c.pairs:
            return f"table {i} played {made} moves of {2 * c.pairs}"
        if steps == 0 or x != lcg_jump(game_seed(i), steps):
            return f"table {i}: the master's {steps} steps of thought end in the wrong state"
    return None


def predict(c, st):
    return float(c.prediction["predicted_s"])


def fields(c, st, results, m):
    p = c.prediction
    keys = list(p)
    own = [(k, p[k], k == "story") for k in keys[keys.index("gil") + 1:]]
    _, o_ms = moves(c)
    end = max(r[4] for r in results) - m.t0  # when the last game ended
    late = quantile((w for r in results for w in r[3]), 0.99) - o_ms / 1000
    return own + [("measured_h", f"{end / c.scale / 3600:.4f}", False),
                  ("opponent_late_p99_ms", f"{late * 1e3:.3f}", False),
                  # simul replays its clones' start-up through its own simulation; a peer does not
                  ("started_ms", "0.000", False), ("replayed_s", "0.000000", False)]
