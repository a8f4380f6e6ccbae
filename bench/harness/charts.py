# SPDX-License-Identifier: MIT
# charts.py: every chart a sweep file names, drawn by gnuplot from the values its claim module gives, or a placeholder.
import csv
import io
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .util import PLOTS, first_line, write_atomic


class ChartError(Exception):
    """A chart function that could not draw (e.g. a panel's gnuplot failed): one line, said in the report."""


@dataclass
class Plot:
    variables: dict
    script: str = ""         # plots/<script>.gp; the chart's own name when empty
    size: tuple = (1100, 700)
    svg: bool = True         # False: PNG only (a chart stacking PNG panels)


def gp_str(s):
    return "'" + str(s).replace("'", "''") + "'"


def gp_path(path, run_dir):
    """A file of the run as gnuplot reads it from the run folder (its working directory), so
    that a run folder's .vars.gp still work after the folder is moved or cloned elsewhere."""
    return gp_str(os.path.relpath(path, run_dir))


def gp_array(name, values):
    """('array S[3]', "['a', 'b', 'c']"): a gnuplot array assignment as a key and a value."""
    return f"array {name}[{len(values)}]", "[" + ", ".join(values) + "]"


def gnuplot_terminal():
    """pngcairo where this gnuplot has it (gnuplot-nox does), else libgd's png."""
    p = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True, text=True)
    return "pngcairo" if p.returncode == 0 and not p.stderr.strip() else "png"


def peer_note(ctx, keys):
    """The key's two lines for the dashed series: what they are, and the runtimes that ran
    them; '' without peers (the chart then keeps its key inside, as before peers)."""
    if not keys:
        return "", ""
    names = {"python": "CPython", "go": "Go", "node": "Node.js", "tokio": "Rust tokio"}
    runs = [ctx.models.runtime(k) or names.get(k, k) for k in keys]
    return "dashed: the documents' own programs, by their own clock", f"    ({', '.join(runs)})"


def series_vars(ctx, sweep, series=None):
    """What most charts read: the sweep's CSV, the cores, the series S[1..NS] to draw, and
    P[1..NS], 1 for a peer's series (drawn dashed, timed by its own clock)."""
    ser = sweep.series() if series is None else series
    prog = {r["series"]: sweep.peer_of(r) for r in sweep.rows}
    k, v = gp_array("S", [gp_str(x) for x in ser])
    kp, vp = gp_array("P", ["1" if prog.get(x) else "0" for x in ser])
    keys = list(dict.fromkeys(prog[x] for x in ser if prog.get(x)))
    note, who = peer_note(ctx, keys)
    return {"csv": gp_str(f"{sweep.name}.csv"), "cores": ctx.env.get("cores", "2"), "NS": len(ser), k: v, kp: vp,
            "peernote": gp_str(note), "peerwho": gp_str(who)}


def _ranks(ctx):
    """{model: its rank in its family}: 0 for the first model the lists give of a family, 1 for
    the next, so a new model of a family is drawn in its colour with its own marker and dash
    (simul's models and the peers' counted apart: a peer is drawn with open points anyway)."""
    seen, out = {}, {}
    for name in ctx.models.names():
        p = ctx.models.props(name) or {}
        key = (p.get("family") or "other", bool(p.get("peer")))
        out[name] = seen.get(key, 0)
        seen[key] = out[name] + 1
    return out


def looks(ctx, sweeps):
    """LOOK for common.gp: '|NAME=FAMILY RANK VARIANT PROGRAM|...' for every model of the lists
    and every series of the run: the family its model declares ('gil' for a run under --gil, the
    odd one the charts single out), its rank in the family, 1 for a bounded pool (drawn as a
    variant), and the peer program ('-': simul's). Colours and markers come from these, not
    from the names; a name the lists do not know (another program) is family 'other'."""
    rank = _ranks(ctx)

    def look(model, gil=False, pool=False):
        p = ctx.models.props(model) or {}
        fam = "gil" if gil and not p.get("peer") else (p.get("family") or "other")  # a peer's gil is CPython's own
        return f"{fam} {rank.get(model, 0)} {1 if pool else 0} {p.get('peer') or '-'}"
    out = {name: look(name) for name in ctx.models.names()}
    for sweep in sweeps.values():
        for r in sweep.rows:
            if r.get("model") and r["series"] not in out and "|" not in r["series"]:
                out[r["series"]] = look(r["model"], r.get("gil") == "true", ctx.models.role(r) == "pool")
    return "|" + "".join(f"{k}={v}|" for k, v in out.items() if "|" not in k)


def write_table(ctx, name, header, rows):
    """A small CSV a chart reads (charts/NAME), written whole or not at all; its path as
    gnuplot reads it, relative to the run folder."""
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(header)
    wr.writerows(rows)
    path = ctx.chart_file(name)
    write_atomic(path, buf.getvalue())
    return gp_path(path, ctx.run_dir)


def write_bars(ctx, chart, bars):
    """A small CSV of labelled bars (label, value, sd, predicted, kind[, peer]) for a bar panel;
    peer is 1 for a bar of the documents' own programs (drawn hatched)."""
    path = ctx.chart_file(f"{chart}.bars.csv")
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(["i", "label", "value", "sd", "predicted", "kind", "peer"])
    for i, (label, val, sd, pred, kind, *peer) in enumerate(bars):
        wr.writerow([i, label, "%.6g" % val, "%.6g" % sd, "%.6g" % pred, kind, 1 if peer and peer[0] else 0])
    write_atomic(path, buf.getvalue())
    return path


def gnuplot(ctx, script, setup, out):
    """Runs plots/SCRIPT.gp after the setup commands, in the run folder; '' or gnuplot's error."""
    p = subprocess.run(["gnuplot"] + [a for s in setup for a in ("-e", s)] + [os.path.join(PLOTS, f"{script}.gp")],
                       capture_output=True, text=True, cwd=ctx.run_dir)
    if p.returncode == 0 and os.path.exists(out) and os.path.getsize(out) > 0:
        return ""
    # gnuplot echoes the offending line, a caret, then the error: keep the error.
    real = [l for l in p.stderr.splitlines() if l.strip() and "warning" not in l.lower()]
    return (real[-1].strip() if real else first_line(p.stderr)) or f"gnuplot exited {p.returncode}"


def render(ctx, chart, plot):
    """Draws plots/SCRIPT.gp to charts/CHART.png (and .svg); '' or the first error."""
    script = plot.script or chart
    lines = [f"{k} = {v}" for k, v in plot.variables.items()]
    lines += [f"LOOK = {gp_str(getattr(ctx, 'looks', '|'))}"]
    lines += [f"quick = {1 if ctx.note else 0}", f"note = {gp_str(ctx.note)}"]
    varsfile = ctx.chart_file(f"{chart}.vars.gp")
    write_atomic(varsfile, f"# generated by bench/harness: the values plots/{script}.gp reads\n" + "\n".join(lines) + "\n")
    w, h = plot.size
    kinds = [("png", f"{ctx.png_term} size {w},{h} font 'DejaVu Sans,11' noenhanced")]
    if plot.svg:
        # mouse standalone: the key entries become groups a click can toggle (in the file alone, by
        # gnuplot's own script; in REPORT.html, by the page's).
        kinds.append(("svg", f"svg size {w},{h} font 'DejaVu Sans,11' noenhanced dynamic mouse standalone"))
    errs = []
    for ext, term in kinds:
        out = ctx.chart_file(f"{chart}.{ext}")
        setup = [f"set terminal {term}; set output {gp_str(out + '.tmp')}",
                 f"load {gp_str(varsfile)}; load {gp_str(os.path.join(PLOTS, 'common.gp'))}"]
        e = gnuplot(ctx, script, setup, out + ".tmp")
        if e:
            errs.append(e)
            if os.path.exists(out + ".tmp"):
                os.unlink(out + ".tmp")
        else:
            os.replace(out + ".tmp", out)
    return errs[0] if errs else ""


def why_nothing(sweep, chart, fn, script):
    """Why a chart has no figure: its sweep failed, it is not written, or nothing was measured."""
    if sweep.failures():
        return "failed: " + sweep.failures()[0]["first_error"]
    if fn is None:
        return f"claim {sweep.plan['claim']} has no CHARTS['{chart}']"
    if not os.path.exists(os.path.join(PLOTS, f"{script}.gp")):
        return f"plots/{script}.gp is not written yet"
    return "no measured point"


def draw(ctx, sweep, chart, fn):
    """One chart of a sweep: its claim's values drawn, or a placeholder that says why not."""
    plot = None
    try:
        if fn is not None and sweep.series():
            plot = fn(sweep, ctx)
    except ChartError as e:
        return str(e)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:  # odd data (a CSV cut short): said, not a traceback
        return f"{chart}: {type(e).__name__}: {e}"
    if isinstance(plot, dict):
        # With the peers, twice the series: the key goes beside the plot, on a wider canvas.
        plot = Plot(plot, size=(1450, 760) if plot.get("peernote", "''") != "''" else Plot.size)
    script = (plot.script if plot else "") or chart
    if plot is None or not os.path.exists(os.path.join(PLOTS, f"{script}.gp")):
        why = why_nothing(sweep, chart, fn, script)
        return render(ctx, chart, Plot({"what": gp_str(chart), "why": gp_str(why)}, script="placeholder"))
    return render(ctx, chart, plot)


def draw_all(ctx, sweeps, claims_by_id):
    """Every chart of every sweep, in the sweeps' order; {chart: error} for those that failed."""
    errors = {}
    ctx.looks = looks(ctx, sweeps)
    todo = []
    for sweep in sweeps.values():
        mod = claims_by_id.get(sweep.plan["claim"])
        table = getattr(mod, "CHARTS", {}) if mod else {}
        todo += [(sweep, chart, table.get(chart)) for chart in sweep.plan["charts"]]
    # gnuplot is a process per chart: one per core at a time (each writes its own files).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for (_, chart, _), e in zip(todo, pool.map(lambda t: draw(ctx, *t), todo)):
            if e:
                errors[chart] = e
    return errors
