# SPDX-License-Identifier: MIT
# _scale_charts.py: claim C11's two charts: memory per task against tasks, and the largest count each model completed.
from ..charts import Plot, gp_array, gp_str, write_table
from . import _scale as sc



def clean(text):
    """Text a gnuplot CSV column can hold: no separators, no quotes."""
    return text.replace(",", " ").replace('"', "'")


def point_note(r, held, n):
    """What a reader must know beside a point that is not N tasks each sleeping 1 s: how many were
    alive at once (a creator slower than the sleep), and a longer sleep given for that reason."""
    notes = []
    if held < n:
        notes.append(f"{held / 1000:.0f}k alive" if held >= 1000 else f"{held} alive")
    if r.get("ms") and float(r["ms"]) != 1000:
        notes.append(f"{float(r['ms']) / 1000:g}-s sleep")
    return clean(" / ".join(notes)) or "-"  # an empty CSV field would shift gnuplot's columns


def memory_chart(s, ctx):
    """c11_memory.gp: bytes per task against tasks for every series, and the figures this run did not
    measure: the issue's table (here, earlier) and published ones (another machine)."""
    rs = [r for r in sc.reaches(s, ctx) if r.row]
    names = [r.series for r in rs]
    pts, measured = [], set()
    for i, x in enumerate(names, 1):
        for r in sorted((r for r in s.ok_rows() if r["series"] == x), key=lambda r: int(r["p_tasks"])):
            b = sc.bytes_per_task(r)
            if b:
                held, n = sc.held(r), int(r["p_tasks"])
                together = 1 if held == n else 0
                pts.append([i, clean(x), r["p_tasks"], "%.1f" % b, r.get("mem_method") or "rss", together,
                            point_note(r, held, n)])
                measured.add((x, int(r["p_tasks"])))
    refs = []
    for x, by_n in sc.EARLIER.items():
        for n, m in by_n.items():
            if (x, n) not in measured:
                refs.append([clean(f"{x} (here; earlier)"), n, "%.1f" % (m * sc.MIB / n), "earlier", clean(x)])
    for x, m in sc.PUBLISHED.items():
        refs.append([clean(f"{x} (published; another machine)"), 1000000, "%.1f" % (m * sc.MIB / 1e6), "published", clean(x)])
    k, v = gp_array("S", [gp_str(x) for x in names])
    stops = [r for r in rs if r.stop]
    ks, vs = gp_array("STOP", [gp_str(f"{r.series}: {r.why}") for r in stops] or ["''"])
    return Plot({"pts": write_table(ctx, "c11_memory.points.csv", ["i", "series", "tasks", "bpt", "method", "together", "note"], pts),
                 "refs": write_table(ctx, "c11_memory.refs.csv", ["label", "tasks", "bpt", "kind", "series"], refs),
                 "NS": len(names), k: v, "NSTOP": len(stops), ks: vs,
                 "NEARLIER": sum(1 for r in refs if r[3] == "earlier"),
                 "xmax": max(int(r["p_tasks"]) for r in s.rows)}, size=(1200, 760))


def largest_chart(s, ctx):
    """c11_largest.gp: one bar per series, the most tasks it completed, and why it went no further."""
    bars = []
    for i, r in enumerate(sc.reaches(s, ctx)):
        # Three short lines over the bar, '|' between them (the script splits them).
        if not r.stop:
            why = "all done:|the sweep gave|it no more" if r.largest else "||no count completed"
        else:
            head, _, tail = r.why.partition(": ")
            count, _, what = head.partition(" ")
            why = f"next: {count}|{what}|{tail}"
        held = clean(f"{r.held:,} at once") if r.held < r.largest else "-"
        bars.append([i, clean(r.series), r.largest or 1, clean(f"{r.largest:,}"), clean(why),
                     "stopped" if r.stop else "done", r.held or 1, held])
    top = max((int(r["p_tasks"]) for r in s.rows), default=1)
    rows = s.ok_rows()
    D = float(rows[0]["ms"]) / 1000 if rows and rows[0].get("ms") else 1.0
    return Plot({"bars": write_table(ctx, "c11_largest.bars.csv",
                                   ["i", "label", "value", "shown", "why", "kind", "held", "held_shown"], bars),
                 "NB": len(bars), "top": top, "D": D, "pidmax": int(ctx.env.get("pid_max") or 0)}, size=(1200, 700))
