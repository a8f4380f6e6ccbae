# SPDX-License-Identifier: MIT
# c8_switch.py: claim C8: switching between waiting threads (or processes) costs time an event loop's coroutines do not.
from ..util import fnum
from . import Judgement
from ._peers import NOTE, line, views
from ._cost import against_threads, cost_chart, kind, last_point, least_points, ns, pinned

ID = "C8"
TITLE = "switch cost: a thread's or a process's switch costs far more than a coroutine's"
QUOTE = "switching between waiting threads costs time the event loop avoids"
SOURCE = "masnun-2016"
WORKLOAD = "switch cost"
HOLDS = ("per one-way switch between two waiting tasks: a thread's and a process's (a futex, the kernel) "
         "each at least 10× a coroutine's through the event loop, pinned to one CPU and not")
FACTOR = 10.0


def points_of(s):
    return least_points(s, [last_point(s.ok_rows(), x) for x in s.series()], "switch_ns")


# The documents' Python's ways of waiting, judged as simul's: a turn of the loop, or the kernel's wake-up.
ALIKE = {"loop": ("asyncio.Event",), "futex": ("threading.Condition", "multiprocessing.Pipe")}


def find(points, k, via, pin):
    return next((p for p in points if kind(p) == k and p.get("via") in (via,) + ALIKE.get(via, ())
                 and pinned(p) == pin), None)


def checks_of(points):
    out = []
    for pin in (False, True):
        loop = find(points, "coroutine", "loop", pin)
        where = "pinned" if pin else "unpinned"
        for k in ("thread", "process"):
            x = find(points, k, "futex", pin)
            if x and loop:
                out.append((f"{where}: a {k}'s switch ≥ {FACTOR:g}× a coroutine's through the loop",
                            fnum(x["switch_ns"]) >= FACTOR * fnum(loop["switch_ns"])))
    return out


def times_less(r):
    """A ratio in words a reader can check against the figures: 28× less, 1.4× less, or more."""
    if r < 1:
        return f"{1 / r:.1f}× more than"
    return f"{r:.0f}× less than" if r >= 10 else f"{r:.1f}× less than"


def one(points, pin):
    t, p = find(points, "thread", "futex", pin), find(points, "process", "futex", pin)
    lo, d = find(points, "coroutine", "loop", pin), find(points, "coroutine", "direct", pin)
    if not (t and lo):
        return ""
    ft, fl = fnum(t["switch_ns"]), fnum(lo["switch_ns"])
    out = (f"{'pinned to one CPU' if pin else 'unpinned'}, a thread's switch took {ns(ft)}"
           + (f", a process's {ns(fnum(p['switch_ns']))}" if p else "")
           + f", a coroutine's through the loop {ns(fl)} ({times_less(ft / fl)} a thread's)")
    if d:
        out += f" and straight to the other coroutine {ns(fnum(d['switch_ns']))}"
    return out


def sentence_of(points):
    parts = [x for x in (one(points, False), one(points, True)) if x]
    if not parts:
        return ""
    out = "Per one-way switch, " + "; ".join(parts) + "."
    t, tp = find(points, "thread", "futex", False), find(points, "thread", "futex", True)
    if t and tp and fnum(t["switch_ns"]) > 1.5 * fnum(tp["switch_ns"]):
        out += (" Unpinned, the kernel wakes the other task on the other CPU, and that wake-up is most of "
                "the cost; pinned, a switch is a futex call and the kernel's own switch.")
    p, t = find(points, "process", "futex", True), find(points, "thread", "futex", True)
    if p and t:
        q = fnum(p["switch_ns"]) / fnum(t["switch_ns"])
        out += (f" A process's switch costs {q:.1f}× a thread's pinned: both are the same futex wake-up and "
                f"kernel switch, and changing the address space adds {'little' if q < 1.5 else 'to it'}.")
    return out


# How each peer's own task hands over: the channel, and why it stays in user space.
HOW = {"a goroutine": ("through an unbuffered channel", "The receiver becomes the sender's next goroutine on the "
                       "same thread, so Go's scheduler switches in user space, as the event loop does"),
       "a promise": ("through a promise resolved", "The waiter resumes from the microtask queue on the one thread "
                     "that runs every task's JavaScript: no kernel switch"),
       "a tokio task": ("through an mpsc channel", "The woken task goes into the waking worker's LIFO slot and runs "
                        "next there: a hand-over in user space, as the event loop's")}


def own_task_line(s, v):
    """A peer whose tasks are its own kind (Go's goroutine, Node.js's promise, a tokio task): its
    switch against simul's thread's (a futex), unpinned and pinned; (text, checks), or None."""
    pairs = against_threads(s, v, "switch_ns", at_n=False)
    if not pairs:
        return None
    parts, checks = [], []
    what = pairs[0][1].get("primitive", "a task")
    via, why = HOW.get(what, ("", ""))
    for pin, g, t in pairs:
        fg, ft = fnum(g["switch_ns"]), fnum(t["switch_ns"])
        where = "pinned" if pin else "unpinned"
        parts.append(f"{'pinned to one CPU (GOMAXPROCS 1)' if pin else 'unpinned'}, {what}'s switch {via} took "
                     f"{ns(fg)}, a thread's of simul's ({t['series']}, a futex) {ns(ft)}: {times_less(ft / fg)} "
                     f"a thread's")
        checks.append((f"{where}: a thread's switch ≥ {FACTOR:g}× {what}'s", ft >= FACTOR * fg))
    return "Per one-way switch, " + "; ".join(parts) + (". " + why if why else ""), checks


def judge(sweeps, ctx):
    whole = sweeps["c8_switch"]
    points = points_of(whole.only(""))
    lines = []
    for key, v in views(whole):
        pp = points_of(v)
        points += pp
        own = own_task_line(whole.only(""), v)
        if own:
            lines.append(line(ctx, key, *own))
            continue
        lines.append(line(ctx, key, sentence_of(pp).rstrip(".") or "no thread and coroutine to compare",
                          checks_of(pp)))
    simul_points = [p for p in points if not whole.peer_of(p)]
    tbl = ["| series | pinned | via | rounds | per one-way switch, least of the runs | median | bare mechanism | "
           "× the bare mechanism |", "|---|---|---|---:|---:|---:|---:|---:|"]
    for p in points:
        fs, ff = fnum(p["switch_ns"]), fnum(p["floor_ns"])
        tbl.append(f"| {p['series']} | {'yes' if pinned(p) else 'no'} | {p.get('via', '')} | "
                   f"{int(fnum(p['rounds'])):,} | {ns(fs)} | {ns(fnum(p['switch_ns_median']))} | {ns(ff)} | "
                   f"{fs / ff if ff else 0:.1f} |")
    return Judgement(
        params=("two tasks hand a token back and forth (5,000 round trips for threads and processes, 1,000,000 "
                "for coroutines), unpinned and pinned to one CPU (the workload's --pin); timed inside the "
                "task, the first round trip excluded; the least of each command's runs (other programs on the "
                "shared machine only add to it)"),
        prediction="2·R × the bare mechanism, measured before the run: two threads (or processes) through the "
                   "same futex tokens, or one raw coroutine switch",
        thresholds=f"a thread's and a process's switch each ≥ {FACTOR:g}× a coroutine's through the loop, pinned "
                   f"and unpinned (--direct, the switch straight to the other coroutine, is shown, not judged)",
        checks=checks_of(simul_points), table=tbl, sentence=sentence_of(simul_points),
        peers=(lines + [NOTE]) if lines else [])


CHARTS = {"cost": cost_chart}
