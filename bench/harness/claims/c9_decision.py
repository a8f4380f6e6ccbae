# SPDX-License-Identifier: MIT
# c9_decision.py: claim C9: the documents' rule for choosing a model (processes, threads, event loop), set against the measured winner of each cell.
from . import Judgement
from . import _decision_map as M
from ._decision_chart import chart, chart_peer
from ._peers import NOTE, line, views

ID = "C9"
TITLE = "the decision map: CPU-bound → processes; fast I/O, few connections → threads; slow I/O, many → event loop"
QUOTE = ("CPU Bound => Multi Processing; I / O Bound, Fast I / O, Limited Number of Connections => Multi "
         "Threading; I / O Bound, Slow I / O, Many connections => Asyncio")
SOURCE = "masnun-2016"
WORKLOAD = "mixed"
HOLDS = ("in each cell of a (latency × tasks × CPU per task) grid the rule names, its model is the fastest "
         "concurrent one or within 10% of it, in at least 3 cells of 4 for each line of the rule")
SHARE = 0.75   # of a rule line's cells its pick must win (or tie) for the line to hold
LINES = (("processes", "CPU-bound → processes"),
         ("threads", f"I/O-bound, fast I/O (L ≤ {M.FAST_MS} ms), few connections (N ≤ {M.FEW}) → threads"),
         ("event loop", f"I/O-bound, slow I/O (L > {M.FAST_MS} ms), many connections (N > {M.FEW}) → event loop"))


def fmt_ms(x):
    return f"{x * 1000:.3g} ms" if x < 1 else f"{x:.2f} s"


def said_held(h):
    return "—" if h is None else "yes" if h else "no"


def table_of(cells, peers=()):
    """The cells of C's map, and for each peer program (name, its cells) its fastest there and
    whether the rule held, in two more columns."""
    tbl = ["| C | L | N | fastest | next family (margin) | runner-up | the rule says | rule held |"
           + "".join(f" fastest in {name} | held in {name} |" for name, _ in peers),
           "|---:|---:|---:|---|---|---|---|---|" + "---|---|" * len(peers)]
    for k in sorted(set(cells).union(*(set(pc) for _, pc in peers))):
        c = cells.get(k)
        if c:
            w, r, u = c.winner, c.rival(), c.runner_up()
            row = (f"| {k[0]:g} ms | {k[1]:g} ms | {k[2]:,} | {c.label[w]} {fmt_ms(c.times[w])} | "
                   + (f"{c.label[r]} +{c.margin() * 100:.0f}%" if r else "—") + " | "
                   + (f"{c.label[u]} +{(c.times[u] / c.times[w] - 1) * 100:.0f}%" if u else "—") + " | "
                   + f"{M.rule(*k) or 'nothing'} | {said_held(M.held(c))} |")
        else:
            row = f"| {k[0]:g} ms | {k[1]:g} ms | {k[2]:,} | not run | — | — | {M.rule(*k) or 'nothing'} | — |"
        for _, pc in peers:
            p = pc.get(k)
            cw = p.concurrent() if p else None
            row += (f" {p.label[cw]} {fmt_ms(p.times[cw])} | {said_held(M.held(p))} |" if cw else " not run | — |")
        tbl.append(row)
    return tbl


def line_counts(cells, least_tasks=1):
    """Per rule line: (cells where its pick won or tied, cells it names, winners' families there),
    over the cells of at least least_tasks tasks."""
    out = {}
    for fam, _ in LINES:
        named = [c for c in cells.values() if M.rule(c.cpu, c.lat, c.tasks) == fam and M.held(c) is not None
                 and c.tasks >= least_tasks]
        wins = {}
        for c in named:
            f = M.concurrent_winner(c)
            wins[f] = wins.get(f, 0) + 1
        out[fam] = (sum(1 for c in named if M.held(c)), len(named), wins)
    return out


def crossovers(cells, ctx):
    """(I/O: {latency: N or None}, CPU level, CPU: {latency: N or None}): the event loop over
    threads with no CPU work; processes over threads at the most CPU, where it is CPU-bound."""
    cpus, lats, _ = M.axes(cells)
    io = {l: M.crossover(cells, 0, l, lambda c: c.fam_time("event loop"), lambda c: c.fam_time("threads"))
          for l in lats if (0, l) in {(k[0], k[1]) for k in cells}}
    top = max(cpus)
    cpu = {l: M.crossover(cells, top, l, lambda c: c.fam_time("processes"), lambda c: c.fam_time("threads"))
           for l in lats if top > 0 and l <= top and (top, l) in {(k[0], k[1]) for k in cells}}
    return io, top, cpu


def said(x):
    n, seen = x
    if n is None:
        return f"never in N = {', '.join(f'{v:,}' for v in seen)}"
    return "from N = 1 (always)" if n == min(seen) else f"from N = {n:,}"


def why_of(cells, ctx, gil=False):
    """The reasons, in this run's numbers: fork's cost per task, the cores' bound on CPU work,
    threads beside processes where the work is CPU-bound (gil: the map's language has one)."""
    out = []
    zero = [c for c in cells.values() if c.cpu == 0 and c.fam_time("processes") and c.fam_time("threads")]
    if zero:
        c = max(zero, key=lambda c: (c.tasks, -c.lat))
        extra = (c.fam_time("processes") - c.fam_time("threads")) / c.tasks
        out.append(f"a process per task cost {extra * 1000:+.2f} ms a task against a thread (fork, exit and "
                   f"reaping; N = {c.tasks:,}, L = {c.lat:g} ms)")
    cpub = [c for c in cells.values() if M.rule(c.cpu, c.lat, c.tasks) == "processes" and c.fam_time("threads")
            and c.fam_time("processes")]
    if cpub:
        t = sum(1 for c in cpub if c.fam_time("threads") <= c.fam_time("processes"))
        if gil:
            out.append(f"threads were as fast as processes or faster in {t} of {len(cpub)} CPU-bound cells: the "
                       f"GIL lets one thread compute at a time, where processes use every core")
        else:
            out.append(f"threads were as fast as processes or faster in {t} of {len(cpub)} CPU-bound cells: C has "
                       f"no GIL, so threads use every core as processes do")
    top = max(c.cpu for c in cells.values())
    loops = [c for c in cells.values() if c.cpu == top and c.tasks > 1]
    plain = [(c, x) for c in loops for x in c.times if c.fam[x] == "event loop"
             and not (ctx.models.props(c.model[x]) or {}).get("parallel")]
    if plain:
        c, x = max(plain, key=lambda p: p[0].tasks)
        best = min(c.times.values())
        out.append(f"CPU work gains at most {ctx.cores}× from {ctx.cores} cores: at C = {top:g} ms, N = {c.tasks:,} "
                   f"the single-threaded {x} took {c.times[x] / best:.2f}× the fastest")
    return out


def winners(wins):
    return ", ".join(f"{f} {v}" for f, v in sorted(wins.items(), key=lambda i: -i[1]))


def crossing(cells, ctx):
    """The crossovers in words: the event loop over threads with no CPU work, processes over
    threads at the most CPU."""
    out = ""
    io, top, cpu = crossovers(cells, ctx)
    if io:
        out += (" With no CPU work the event loop beat threads " +
                "; ".join(f"at L = {l:g} ms {said(x)}" for l, x in io.items()) + ".")
    if cpu:
        out += (f" At C = {top:g} ms processes beat threads " +
                "; ".join(f"at L = {l:g} ms {said(x)}" for l, x in cpu.items()) + ".")
    return out


def several(cells, fam):
    """', a of b with more than one task': a single task runs in parallel under no model, so where
    the one-task cells change a line's count the reader is told the count without them."""
    k, n, _ = line_counts(cells)[fam]
    k2, n2, _ = line_counts(cells, 2)[fam]
    return f", {k2} of {n2} with more than one task" if n2 and (k2, n2) != (k, n) and n2 != n else ""


def sentence_of(cells, ctx):
    counts = line_counts(cells)
    parts = []
    for fam, text in LINES:
        k, n, wins = counts[fam]
        if n:
            parts.append(f"{text.split(' → ')[0]} → {fam}: {k} of {n} cells{several(cells, fam)} (fastest "
                         f"family there: {winners(wins)})")
    out = ("Where the rule names a model, its pick was the fastest concurrent one or within 10%: "
           + "; ".join(parts) + ".")
    out += crossing(cells, ctx)
    why = why_of(cells, ctx)
    if why:
        out += " Why: " + "; ".join(why) + "."
    return out


LANG = {"python": "CPython", "go": "Go"}


def peer_sentence(cells, c_cells, ctx, name, gil):
    """A peer's map in words: per rule line, where it held there and where in C, over the same
    cells; its crossovers and its reasons."""
    counts, c_counts = line_counts(cells), line_counts(c_cells)
    parts = []
    for fam, text in LINES:
        k, n, wins = counts[fam]
        if n:
            ck, cn, _ = c_counts[fam]
            parts.append(f"{text.split(' → ')[0]} → {fam}: held in {k} of {n} "
                         f"cells in {name}{several(cells, fam)}, {ck} of {cn} in C{several(c_cells, fam)} "
                         f"(fastest family in {name}: {winners(wins)})")
    out = f"The same map in {name}, each cell's fastest by its own clock: " + "; ".join(parts) + "."
    out += crossing(cells, ctx)
    why = why_of(cells, ctx, gil)
    if why:
        out += " Why: " + "; ".join(why) + "."
    return out.rstrip(".")


def one_model_sentence(cells, c_cells, name):
    """A peer with one model for every cell (Go's goroutines: preempted, on every core, their I/O
    through one netpoller) has no choice for the rule to make; its line says how that one model
    fared against C's fastest concurrent series in the same cells."""
    both = [(k, c) for k, c in sorted(cells.items()) if k in c_cells and c_cells[k].concurrent_best()]
    if not both:
        return ""
    model = next(iter(both[0][1].model.values()))
    ratios = [(c.times[c.winner] / c_cells[k].concurrent_best(), k) for k, c in both]
    near = sum(1 for r, _ in ratios if r <= 1 + M.TIE)
    faster = sum(1 for r, _ in ratios if r < 1)
    worst, wk = max(ratios)
    return (f"{name} has one model for every cell, {model}, so the rule has no choice to make there: against "
            f"the fastest of C's concurrent models in the same {len(both)} cells it was within "
            f"{M.TIE * 100:.0f}% in {near} (faster in {faster}), and {worst:.2f}× at worst (C = {wk[0]:g} ms, "
            f"L = {wk[1]:g} ms, N = {wk[2]:,}): one scheduler, threads of work preempted on every core and I/O "
            f"through one poller, covering what the rule splits into three models")


def checks_of(cells):
    counts = line_counts(cells)
    return [(f"{text}: fastest or within 10% in {counts[f][0]} of {counts[f][1]} cells (at least "
             f"{SHARE * 100:.0f}%)", counts[f][0] >= SHARE * counts[f][1]) for f, text in LINES if counts[f][1]]


def judge(sweeps, ctx):
    whole = sweeps["c9_decision"]
    cells = M.cells_of(whole.only(""), ctx)
    if not cells:
        return Judgement("", "", "")
    peers, lines, tables = [], [], ""
    for key, v in views(whole):
        pc = M.cells_of(v, ctx)
        name = LANG.get(key, key)
        gil = any((ctx.models.props(m) or {}).get("gil") for c in pc.values() for m in c.model.values())
        if len({m for c in pc.values() for m in c.model.values()}) == 1:
            lines.append(line(ctx, key, one_model_sentence(pc, cells, name), []))
            continue
        peers.append((name, pc))
        lines.append(line(ctx, key, peer_sentence(pc, cells, ctx, name, gil), checks_of(pc)))
        tables += f", {name}'s charts/c9_decision_{key}.map.csv"
    cpus, lats, ns = M.axes(cells)
    checks = checks_of(cells)
    full = ctx.env.get("full") == "yes"
    return Judgement(
        params=(f"{'the whole map' if full else 'a reduced map (make bench-map runs the whole one)'}: "
                f"L = {', '.join(f'{x:g}' for x in lats)} ms (0: the loopback round trip alone), "
                f"N = {', '.join(f'{x:,}' for x in ns)}, C = {', '.join(f'{x:g}' for x in cpus)} ms of CPU time per "
                f"task; {len(cells)} cells, each model where it fits the sweep's budgets (see c9_decision.sweep); "
                f"{ctx.cores} cores; times are simul's own wall time of the run, one run per point; the map as a "
                f"table: charts/c9_decision.map.csv{tables}"),
        prediction=("the rule, read as: CPU-bound when C ≥ L (and C > 0); fast I/O when L ≤ "
                    f"{M.FAST_MS} ms; few connections when N ≤ {M.FEW}; the families are simul's (threads, "
                    "processes, and the event loop; where the work is CPU-bound a loop that hands it to an executor "
                    "counts as that executor's kind, which runs it: simul's loops' libuv pool threads, asyncio's "
                    "ProcessPoolExecutor processes)"),
        thresholds=(f"a cell is the rule's when its family's fastest series is within {M.TIE * 100:.0f}% of "
                    f"the cell's fastest concurrent series (sequential, drawn as the reference, is left out: with "
                    f"one task it ties everything); each line of the rule holds in at least {SHARE * 100:.0f}% "
                    f"of its cells"),
        checks=checks, table=table_of(cells, peers), sentence=sentence_of(cells, ctx),
        peers=(lines + [NOTE]) if lines else [])


CHARTS = {"c9_decision": chart, "c9_decision_python": chart_peer("python")}
