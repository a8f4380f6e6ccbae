# SPDX-License-Identifier: MIT
# _scale.py: what claim C11's judge and charts share: each series' reach, where it stopped and why, its memory per task.
import re
from dataclasses import dataclass

from ..util import fnum

MIB = 1 << 20

# The table, measured on this machine earlier (peak RSS from /usr/bin/time -f %M, in
# MiB): drawn where this run did not measure the same series at the same count.
EARLIER = {
    "c-libuv-floor": {10000: 3, 100000: 17, 1000000: 150},
    "go-goroutines": {10000: 28, 100000: 267, 1000000: 1.16 * 1024},
    "python-asyncio": {10000: 35, 100000: 154, 1000000: 1.47 * 1024},
}
# Published for a million tasks on another machine (P. Kołaczkowski, "How Much Memory Do You
# Need to Run 1 Million Concurrent Tasks?", 2023), read as MiB.
PUBLISHED = {"Rust tokio": 213.6, "Java virtual threads": 1154}


@dataclass
class Reach:
    series: str
    kind: str          # 'loop' (simul's event loops), 'each' (a thread or process per task), 'peer'
    largest: int       # the most tasks it completed (0: none)
    held: int          # of those, the most alive at once (in_flight_max)
    row: dict          # the row at `largest`, or None
    stop: dict         # the first row above `largest` that stopped or failed, or None
    why: str           # where and why it stopped, short; '' if it completed every count it was given


def kind_of(rows, ctx):
    """'loop': simul's own models that run every task on one thread; 'each': simul's thread or
    process per task; 'peer': a program simul does not describe (the floor, CPython, Go)."""
    props = ctx.models.props(rows[0].get("model")) if rows else None
    if not props or ctx.models.peer(rows[0]):
        return "peer"  # shown and drawn, never judged: the claim is about simul's models
    return "each" if props.get("workers_kind") in ("threads", "processes") else "loop"


def mem_kib(r):
    """The run's memory, each page once: mem_kib, or the peak RSS of a record without it
    (a peer of one process, whose RSS counts its pages once anyway)."""
    v = fnum(r.get("mem_kib"))
    return v if v is not None else fnum(r.get("max_rss_kib"))


def held(r):
    """The most of a run's tasks alive at once (its in_flight_max): N completed tasks need not
    have lived together, if making them took longer than a sleep. A record without the field
    counts as all of them."""
    v = fnum(r.get("in_flight_max"))
    return int(v) if v else int(r["p_tasks"])


def bytes_per_task(r):
    m = mem_kib(r)
    return m * 1024 / int(r["p_tasks"]) if m is not None else None


def wall(r):
    """The run's own wall time (simul's, or the peer's: the timed region, start-up excluded)."""
    return fnum(r.get("run_mean_s")) or fnum(r.get("wall_s")) or fnum(r.get("mean_s"))


def short_reason(err, tasks):
    """A stop's first error line, said in a few words for the chart and the table."""
    m = re.search(r"would need \d+ (threads|processes) at once but (only (\d+) more fit|none fit), by ([^(:]+)", err)
    if m:
        room = f"only {int(m.group(3)):,} more fit" if m.group(3) else "none fit"
        return f"{tasks:,} refused up front: {room}, by {m.group(4).strip()}"
    m = re.search(r"could make only (\d+) of \d+ (threads|processes) \(\w+: [^)]*\); the likely limit is (.+?): use", err)
    if m:
        return f"{tasks:,} failed: {int(m.group(1)):,} {m.group(2)} made, then {m.group(3)}"
    if "watchdog" in err:
        return f"{tasks:,} killed by the watchdog"
    if len(err) > 70:  # cut at a word, and say so: a number cut in two reads as another number
        err = err[:70].rsplit(" ", 1)[0] + " …"
    return f"{tasks:,} failed: {err}" if err else f"{tasks:,} failed"


def reach_of(s, ctx, series):
    rows = sorted((r for r in s.rows if r["series"] == series), key=lambda r: int(r["p_tasks"]))
    ok = [r for r in rows if r["status"] == "ok"]
    largest = int(ok[-1]["p_tasks"]) if ok else 0
    stop = next((r for r in rows if r["status"] in ("stopped", "failed") and int(r["p_tasks"]) > largest), None)
    why = short_reason(stop.get("first_error", ""), int(stop["p_tasks"])) if stop else ""
    return Reach(series, kind_of(rows, ctx), largest, held(ok[-1]) if ok else 0, ok[-1] if ok else None, stop, why)


def reaches(s, ctx):
    """Every series of the sweep, in its order (one that never completed a point included)."""
    names = []
    for r in s.rows:
        if r["series"] not in names:
            names.append(r["series"])
    return [reach_of(s, ctx, x) for x in names]


def mib(kib):
    return f"{kib / 1024:,.0f} MiB" if kib >= 10 * 1024 else f"{kib / 1024:.1f} MiB"


def per_task(b):
    return f"{b / 1024:.1f} KiB" if b >= 1024 else f"{b:.0f} B"
