# SPDX-License-Identifier: MIT
# _decision_chart.py: claim C9's heat maps: per CPU level, latency × tasks coloured by the fastest family, shaded by its margin, the rule's regions drawn.
import math

from ..charts import Plot, gp_array, gp_str, write_table
from . import _decision_map as M

COLOR = {"processes": 0x2ca02c, "threads": 0xff7f0e, "event loop": 0x1f77b4}
NOT_RUN = -1    # drawn hatched, not coloured
FULL_AT = 2.0   # a margin of this (3× the fastest) or more is drawn in full colour


def shade(rgb, margin):
    """The family's colour, paler the closer the call: a tie is a tint, FULL_AT and more full."""
    # At most 70% of the colour: the labels stay readable on the strongest.
    a = 0.15 + 0.55 * min(1.0, math.log1p(max(margin, 0)) / math.log1p(FULL_AT))
    out = 0
    for sh in (16, 8, 0):
        c = (rgb >> sh) & 0xff
        out |= int(round(255 - a * (255 - c))) << sh
    return out


def cell_rows(cells, cpus, lats, ns, strip=""):
    """Per cell: its colour (the fastest concurrent family, shaded by its margin over the next
    concurrent family) and three lines: that model (its name without strip, the map's title
    saying it), the margin, sequential when it was faster."""
    rows = []
    for p, c in enumerate(cpus, 1):
        for i, lat in enumerate(lats):
            for j, n in enumerate(ns):
                cell = cells.get((c, lat, n))
                w = cell.concurrent() if cell else None
                if not w:
                    rows.append([p, i, j, NOT_RUN, "not run", "over budget", ".", "."])
                    continue
                model, _, variant = cell.label[w].partition(": ")
                model = model[len(strip):] if strip and model.startswith(strip) else model
                r, m = cell.rival(w), cell.margin(w)
                seq = cell.best("sequential")
                note = "."  # none: gnuplot misreads an empty or blank field (the last field's bytes)
                if seq and cell.times[seq] < 0.99 * cell.times[w]:
                    note = f"sequential {(1 - cell.times[seq] / cell.times[w]) * 100:.0f}% faster"
                how = "alone" if r is None else f"{'≈ ' if m < M.TIE else '+'}{m * 100:.0f}% vs {cell.fam[r]}"
                rows.append([p, i, j, shade(COLOR[cell.fam[w]], m or 0), model, variant or ".", how, note])
    return rows


def rule_geometry(cpu, lats, ns):
    """The rule's borders (x1, y1, x2, y2) and region names (x, y, text) in cell coordinates:
    CPU-bound columns on the left; of the I/O-bound ones, fast then slow; few tasks below."""
    NL, NN = len(lats), len(ns)
    k = sum(1 for l in lats if cpu > 0 and cpu >= l)
    fast = [i for i in range(k, NL) if lats[i] <= M.FAST_MS]
    slow = [i for i in range(k, NL) if lats[i] > M.FAST_MS]
    g = max([j for j, n in enumerate(ns) if n <= M.FEW] + [-1])
    top = NN - 0.5
    lines, names = [], []
    if 0 < k < NL:
        lines.append((k - 0.5, -0.5, k - 0.5, top))
    if fast and slow:
        lines.append((fast[-1] + 0.5, -0.5, fast[-1] + 0.5, top))
    if k < NL and 0 <= g < NN - 1:
        lines.append((k - 0.5, g + 0.5, NL - 0.5, g + 0.5))
    if k:
        names.append((-0.45, NN - 0.6, "rule: processes"))
    for cols, few, many in ((fast, "rule: threads", "rule silent"), (slow, "rule silent", "rule: event loop")):
        if cols and g >= 0:
            names.append((cols[0] - 0.45, g + 0.4, few))
        if cols and g < NN - 1:
            names.append((cols[0] - 0.45, NN - 0.6, many))
    return lines, names



def map_rows(cells):
    """The map itself, one row per cell, for whoever wants it without the picture."""
    out = []
    for k in sorted(cells):
        c = cells[k]
        w, u, cw = c.winner, c.runner_up(), c.concurrent()
        r = c.rival(cw) if cw else None
        h = M.held(c)
        out.append([f"{k[0]:g}", f"{k[1]:g}", k[2], c.label[w], f"{c.times[w]:.6f}",
                    c.label[u] if u else "", f"{c.times[u]:.6f}" if u else "",
                    f"{c.times[u] / c.times[w] - 1:.4f}" if u else "", c.fam[cw] if cw else "",
                    c.fam[r] if r else "", f"{c.margin(cw):.4f}" if r else "", M.rule(*k) or "",
                    "" if h is None else "yes" if h else "no"])
    return out


# Whose map a chart draws: simul's models, or a peer program's (its title and its clock).
WHO = {"": ("in C (simul's models)", "simul's own wall time of the run"),
       "python": ("in {runtime} (the documents' own programs, named without 'python-')",
                  "each program's own wall time of the workload (interpreter start-up and set-up outside it)")}


def chart(s, ctx, key="", name="c9_decision"):
    """The map of simul's rows (key '') or of one peer program's, as chart `name`; its cells are
    those of the same grid, so the two maps read side by side."""
    cells = M.cells_of(s.only(key), ctx)
    if not cells:
        return None
    whole = M.cells_of(s, ctx)  # the grid of every program: each map draws the same axes
    cpus, lats, ns = M.axes(whole)
    who, clock = WHO.get(key, ("in {runtime} (its own programs)", "the program's own wall time of the workload"))
    who = who.format(runtime=(ctx.models.runtime(key) or key) if key else "")
    write_table(ctx, f"{name}.map.csv", ["cpu_ms", "latency_ms", "tasks", "fastest", "fastest_s", "runner_up",
                                       "runner_up_s", "runner_up_margin", "fastest_family", "next_family",
                                       "family_margin", "rule", "rule_held"], map_rows(cells))
    lines, names = [], []
    for p, c in enumerate(cpus, 1):
        ls, nm = rule_geometry(c, lats, ns)
        lines += [[p, x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in ls]
        names += [[p, x, y, t] for x, y, t in nm]
    v = {"cells": write_table(ctx, f"{name}.cells.csv", ["panel", "x", "y", "rgb", "model", "variant", "margin", "note"],
                              cell_rows(cells, cpus, lats, ns, "python-" if key == "python" else "")),
         "borders": write_table(ctx, f"{name}.borders.csv", ["panel", "x", "y", "dx", "dy"], lines or [[0, 0, 0, 0, 0]]),
         "regions": write_table(ctx, f"{name}.regions.csv", ["panel", "x", "y", "text"], names or [[0, 0, 0, ""]]),
         "NP": len(cpus), "NL": len(lats), "NN": len(ns), "cores": ctx.cores,
         "FAST": M.FAST_MS, "FEW": M.FEW, "TIE": int(M.TIE * 100),
         "who": gp_str(who), "clock": gp_str(clock)}
    for name, vals in (("CPU", [gp_str(f"{c:g}") for c in cpus]),
                       ("LX", [gp_str("0 (loopback)" if l == 0 else f"{l:g}") for l in lats]),
                       ("NY", [gp_str(f"{n:,}") for n in ns])):
        k, val = gp_array(name, vals)
        v[k] = val
    cols = 1 if len(cpus) == 1 else 2
    rows = math.ceil(len(cpus) / cols)
    v["COLS"], v["ROWS"] = cols, rows
    # Wide enough for a model's name in every column, tall enough for four lines in every row.
    v["PW"], v["PH"] = 150 * len(lats) + 170, 90 * len(ns) + 190
    return Plot(v, script="c9_decision", size=(max(v["PW"] * cols, 1240), v["PH"] * rows + 245), svg=True)


def chart_peer(key):
    """The chart function of a peer program's map (CHARTS['c9_decision_' + key])."""
    return lambda s, ctx: chart(s, ctx, key, f"c9_decision_{key}")
