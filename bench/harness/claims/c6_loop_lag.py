# SPDX-License-Identifier: MIT
# c6_loop_lag.py: claim C6: a block of B ms on the loop makes every other task up to B late; handed to a pool (run_in_executor) it does not.
from ..charts import gp_array, series_vars
from ..util import fnum
from . import Judgement
from ._peers import NOTE, line, views

ID = "C6"
TITLE = "blocking the loop for more than 100 ms stalls every task; an executor keeps it responsive"
QUOTE = "Any function that does not return within 100ms or yield back to the event loop is *blocking*"
SOURCE = "vexs-2021"
WORKLOAD = "lag"
HOLDS = ("a ticking task's worst lateness ≈ the block's length on the loop; near the timer's resolution "
         "(under 20 ms) when the block goes to the executor (eventloop-offload) or to threads")
BLOCKING_MS = 100      # the documents' line
ON_LOOP = (0.6, 1.2)   # the loop's worst lateness over the block's measured length
RESPONSIVE_MS = 20     # the acceptance: an offloaded block leaves the ticker this late at most


def kind(r, ctx):
    """'loop' (the blocks run on the ticker's own thread), 'offload' (they go to a pool beside
    the loop) or 'apart' (threads, processes)."""
    if ctx.models.flag(r, "offload"):
        return "offload"
    return "apart" if ctx.models.flag(r, "parallel") else "loop"


def preempted(r, ctx):
    """A row whose blocks take every thread the ticker could run on, and whose record predicts
    a wake past the timer's millisecond: Go with every P blocking, where the scheduler preempts
    the block after 10 ms. Not a loop (nothing waits for the block to end), not free either."""
    return kind(r, ctx) == "apart" and (fnum(r.get("late_max_pred_ms")) or 0) > 1


def blocks(s):
    return sorted({int(fnum(r["p_block"])) for r in s.ok_rows()})


def table_of(s):
    tbl = ["| series | block asked | block measured (max) | ticks | late p50 | late p99 | late max | predicted max |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in s.ok_rows():
        tbl.append(f"| {r['series']} | {r['p_block']} ms | {fnum(r['block_max_ms']):.1f} ms | {int(fnum(r['ticks']))} | "
                   f"{fnum(r['late_p50_ms']):.2f} ms | {fnum(r['late_p99_ms']):.2f} ms | "
                   f"{fnum(r['late_max_ms']):.2f} ms | {fnum(r['late_max_pred_ms']):g} ms |")
    return tbl


def responsive_bound(s, r):
    """RESPONSIVE_MS past the series' own worst lateness at its smallest block (below the
    documents' line), measured in the same run: the timer's and the machine's noise, which a
    slower or busier machine raises on both sides of the check alike."""
    small = [x for x in s.ok_rows() if x["series"] == r["series"] and int(fnum(x["p_block"])) < BLOCKING_MS]
    base = fnum(min(small, key=lambda x: int(fnum(x["p_block"])))["late_max_ms"]) if small else 0.0
    return RESPONSIVE_MS + (base or 0.0)


def checks_of(s, ctx):
    """On the loop, at blocks of the documents' 100 ms and more: lateness ≈ the block's own
    length; elsewhere at the same blocks: under RESPONSIVE_MS."""
    out = []
    for r in s.ok_rows():
        b = int(fnum(r["p_block"]))
        if b < BLOCKING_MS:
            continue
        late, real = fnum(r["late_max_ms"]), fnum(r["block_max_ms"])
        if kind(r, ctx) == "loop":
            lo, hi = ON_LOOP
            out.append((f"{r['series']}, {b} ms blocks: worst lateness {late:.0f} ms within {lo}–{hi}× the "
                        f"longest block ({real:.0f} ms)", lo * real <= late <= hi * real))
        elif preempted(r, ctx):
            lo = ON_LOOP[0]
            out.append((f"{r['series']}, {b} ms blocks: worst lateness {late:.1f} ms under {lo}× the longest block "
                        f"({real:.0f} ms): preempted, not waited out", late < lo * real))
        else:
            bound = responsive_bound(s, r)
            out.append((f"{r['series']}, {b} ms blocks: worst lateness {late:.1f} ms < {bound:.1f} ms", late < bound))
    return out


def sentence_of(s, ctx):
    rows = s.ok_rows()
    top = max(blocks(s))
    at = [r for r in rows if int(fnum(r["p_block"])) == top]
    loop = [r for r in at if kind(r, ctx) == "loop"]
    rest = [r for r in at if kind(r, ctx) != "loop"]
    parts = []
    for r in loop:
        parts.append(f"with {top} ms blocks on the loop ({r['series']}) the ticker woke up to "
                     f"{fnum(r['late_max_ms']):.0f} ms late, the blocks lasting up to {fnum(r['block_max_ms']):.0f} ms")
    for r in rest:
        parts.append(f"under {r['series']} its worst wake was {fnum(r['late_max_ms']):.1f} ms late "
                     f"(median {fnum(r['late_p50_ms']):.2f} ms)")
    tick = fnum(rows[0]["tick_ms"])
    out = f"Ticking every {tick:g} ms, " + "; ".join(parts) + "."
    tracks = []
    for r in loop:
        track = [x for x in (s.ok(r["series"], block=b) for b in blocks(s)) if x]
        if len(track) > 1:
            tracks.append(f"{r['series']}: " + ", ".join(f"{fnum(x['late_max_ms']):.0f} ms at B = {x['p_block']}"
                                                         for x in track))
    if tracks:  # one sentence for every loop series, not one each
        out += (" On the loop the worst wake tracked the block at every length (" + "; ".join(tracks) +
                f"): a block is the delay it imposes on every other task, past the documents' {BLOCKING_MS} ms "
                f"as soon as the block is.")
    pre = [r for r in rest if preempted(r, ctx)]
    if pre:
        out += (" No block yields, and where every thread the goroutines run on is blocking (" +
                ", ".join(r["series"] for r in pre) + ") the ticker still did not wait a block out: Go's scheduler "
                "preempts a goroutine that has run 10 ms (by a signal, since Go 1.14), so a wake waited at most " +
                ", ".join(f"{fnum(r['late_max_ms']):.0f} ms" for r in pre) +
                f" of {top} ms blocks (predicted {fnum(pre[0]['late_max_pred_ms']):g} ms: the 10 ms, seen by a "
                "monitor that looks up to 10 ms apart).")
    off = [r for r in rest if kind(r, ctx) == "offload"]
    if off and all(fnum(r["late_max_ms"]) < RESPONSIVE_MS for r in off):
        if any(ctx.models.peer(r) for r in off):  # the documents' own executors: threads or processes
            out += " Handed to an executor (loop.run_in_executor), the same block left the loop free"
            gil = [r for r in off if (ctx.models.props(r.get("model")) or {}).get("offload_to") == "threads"]
            if gil:  # CPython's thread still holds the GIL while it computes
                out += (f"; in a thread the block still holds the GIL: a waking ticker waits out CPython's switch "
                        f"interval (5 ms by default, sys.getswitchinterval()) before the computing thread is made "
                        f"to drop it: hence a median wake {fnum(gil[0]['late_p50_ms']):.1f} ms late, about one interval, and "
                        f"at worst {fnum(gil[0]['late_max_ms']):.1f} ms, against "
                        + ", ".join(f"{fnum(r['late_max_ms']):.1f} ms" for r in off if r not in gil)
                        + " with a process pool, whose workers have GILs of their own")
        else:
            out += (" Handed to libuv's pool (run_in_executor), the same block left the loop free: "
                    f"{', '.join(str(int(fnum(r['pool_threads']))) for r in off)} pool thread(s) ran it.")
    return out


def judge(sweeps, ctx):
    whole = sweeps["c6_loop_lag"]
    s = whole.only("")
    lines = [line(ctx, key, sentence_of(v, ctx).rstrip("."), checks_of(v, ctx)) for key, v in views(whole)]
    rows = s.ok_rows()
    if not rows:
        return Judgement("", "", "")
    r0 = rows[0]
    return Judgement(
        params=(f"one ticker every {fnum(r0['tick_ms']):g} ms and {int(fnum(r0['blockers']))} task computing B ms "
                f"of CPU time then sleeping {fnum(r0['rest_ms']):g} ms, for {fnum(r0['duration_s']):g} s; "
                f"B = {', '.join(map(str, blocks(s)))} ms; {ctx.cores} cores"),
        prediction="worst lateness ≈ B on the loop (a wake inside a block waits for its end); the timer's "
                   "millisecond where the block runs on another thread (a pool, threads)",
        thresholds=(f"judged at B ≥ {BLOCKING_MS} ms (the documents' line): on the loop the worst lateness within "
                    f"{ON_LOOP[0]}–{ON_LOOP[1]}× the longest block as measured (its wall time, which a busy core "
                    f"stretches past B); offloaded or on threads under {RESPONSIVE_MS} ms past the same series' "
                    f"worst lateness at its smallest block (its own timer noise, measured in this run)"),
        checks=checks_of(s, ctx), table=table_of(whole), sentence=sentence_of(s, ctx),
        peers=(lines + [NOTE]) if lines else [])


def chart(s, ctx):
    v = series_vars(ctx, s)
    k, val = gp_array("B", [str(b) for b in blocks(s)])
    v[k] = val
    v["NB"] = len(blocks(s))
    v["xmax"] = max(blocks(s))
    v["xmin"] = min(blocks(s))
    v["BLOCKING"] = BLOCKING_MS
    v["RESPONSIVE"] = RESPONSIVE_MS
    v["tick"] = fnum(s.ok_rows()[0]["tick_ms"])
    return v


CHARTS = {"c6_loop_lag": chart}
