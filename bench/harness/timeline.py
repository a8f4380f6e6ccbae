# SPDX-License-Identifier: MIT
# timeline.py: a sweep's traced runs as timelines: one panel per command (plots/timeline.gp), stacked into one PNG.
import os

from .charts import ChartError, Plot, gnuplot, gp_array, gp_path, gp_str


def png_size(path):
    """Width and height from a PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def stack(ctx, sweep, chart, title_of):
    """Draws charts/CHART_1.png, _2, ... (one per traced command with a measured row, its title
    from title_of(sweep, command, row)) and returns the Plot of plots/timeline_side.gp that stacks
    them; None when no command left a trace. PNG only: the panels are raster images."""
    panels = []
    for c in sweep.plan["commands"]:
        r = sweep.ok(c["series"])
        trace = sweep.trace(c)
        if not r or not trace:
            continue
        out = ctx.chart_file(f"{chart}_{len(panels) + 1}.png")
        setup = [f"trace = {gp_str(os.path.relpath(trace, ctx.run_dir))}; out = {gp_str(out)}; "
                 f"title = {gp_str(title_of(sweep, c, r))}"]
        e = gnuplot(ctx, "timeline", setup, out)
        if e:
            raise ChartError("plots/timeline.gp: " + e)
        panels.append(out)
    if not panels:
        return None
    # The panels keep their own size: the stack is as wide as one and as tall as all of them.
    w, _ = png_size(panels[0])
    total = sum(png_size(x)[1] for x in panels)
    k, v = gp_array("PANEL", [gp_path(x, ctx.run_dir) for x in panels])
    return Plot({"NP": len(panels), k: v}, script="timeline_side", size=(w, int(total / 0.95)), svg=False)
