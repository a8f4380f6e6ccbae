# SPDX-License-Identifier: MIT
# c2_fetch.py: claim C2: N downloads of latency L take N·L one after another and about L concurrently.
import re

from ..charts import Plot, gp_path, series_vars, write_bars
from ..results import mean, near, secs, span
from ..util import fnum
from . import Judgement
from ._peers import NOTE, line, timed, timed_ms, views, wall

ID = "C2"
TITLE = "100 downloads of 1 s: at least 100 s sequentially, about 1 s concurrently"
QUOTE = "100 web pages … will take at least 100 seconds … in as little as 1 second"
SOURCE = "fowler-2022"
WORKLOAD = "fetch, server latency 1 s"
HOLDS = "sequential ≈ 100 s, concurrent models ≈ 1 s"

# The documents' own case; the sweep's other points scan the task count at a shorter latency.
DOCS_CASE = {"p_tasks": "100", "p_latency": "1000"}


def is_docs_case(r):
    return all(r.get(k) == v for k, v in DOCS_CASE.items())


def table_of(s):
    tbl = ["| series | tasks | latency | predicted | measured (mean ± sd) | p99 request |", "|---|---:|---:|---:|---:|---:|"]
    for r in s.rows:
        head = f"| {r['series']} | {r['p_tasks']} | {r.get('p_latency', '')} ms | {secs(fnum(r['predicted_s']))} | "
        if r["status"] == "predicted":
            tbl.append(head + "not measured (predicted only) | |")
        elif r["status"] == "ok":
            # p99_s: the fetch record's 99th percentile of one request's time, over the run.
            p99 = fnum(r.get("p99_s"))
            tbl.append(head + f"{timed_ms(s, r)} | {'%.3f s' % p99 if p99 is not None else ''} |")
    return tbl


def sentence_of(s, ctx, head, scan, t=mean):
    if not head:
        return ""
    lo, hi = min(t(r) for r in head), max(t(r) for r in head)
    out = f"100 fetches of 1 s took {span(lo, hi)} concurrently"
    out += f" ({', '.join(short(r['series']) for r in head)})" if s.peer_of(head[0]) else ""
    pred_seq = next((r for r in s.rows if r["status"] == "predicted"), None)
    if pred_seq:
        out += f", against {fnum(pred_seq['predicted_s']):.0f} s predicted one after another"
    seqs = [r for r in scan if ctx.models.role(r) == "serial"]
    if seqs:
        r = max(seqs, key=lambda r: int(r["p_tasks"]))
        out += (f" ({r['series']} {r['p_tasks']} × {r.get('p_latency')} ms measured {t(r):.3f} s, "
                f"{t(r) / fnum(r['predicted_s']):.2f}× its prediction)")
    return out + "."


def split(s):
    rows = s.ok_rows()
    return [r for r in rows if is_docs_case(r)], [r for r in rows if not is_docs_case(r)]


def checks_of(ctx, head, scan, t=mean):
    checks = [(f"{r['series']} ≈ one latency", t(r) <= 1.5 * fnum(r["p_latency"]) / 1000 + 0.2) for r in head]
    return checks + [(f"{r['series']}, {r['p_tasks']} tasks ≈ N·(L + c)",
                      near(t(r), fnum(r["predicted_s"]), 0.15, 0.05)) for r in scan if ctx.models.role(r) == "serial"]


def peer_lines(s, ctx):
    out = []
    for key, v in views(s):
        head, scan = split(v)
        text = sentence_of(v, ctx, head, scan, wall).rstrip(".") or "the documents' case did not run"
        out.append(line(ctx, key, text, checks_of(ctx, head, scan, wall)))
    return out


def judge(sweeps, ctx):
    whole = sweeps["c2_fetch"]
    s = whole.only("")
    head, scan = split(s)
    checks = checks_of(ctx, head, scan)
    return Judgement(
        params="a loopback `simul serve` with injected latency; tasks swept at a fixed latency, and the "
               "documents' 100 downloads of 1 s under each concurrent model",
        prediction="sequential N·(L + c); a connection per task L + N·c; c measured against the same server",
        thresholds="each concurrent model at 100 × 1 s within 1.5·L + 0.2 s; sequential within 15% + 50 ms of N·(L + c)",
        checks=checks, table=table_of(whole), sentence=sentence_of(s, ctx, head, scan),
        peers=(peer_lines(whole, ctx) + [NOTE]) if views(whole) else [])


def short(label):
    """A bar's label: the series without its '(100 × 1 s)' (the panel's title says it)."""
    return re.sub(r" \([^()]*\)$", "", label)


def chart(s, ctx):
    """Left: wall time against tasks at the scan's latency; right: bars for the documents' case."""
    rows = s.ok_rows()
    srows = [r for r in rows if not is_docs_case(r)]
    if not srows:
        return None
    scan = [x for x in s.series() if any(r["series"] == x for r in srows)]
    v = series_vars(ctx, s, scan)
    v["LAT"] = fnum(srows[0]["p_latency"]) / 1000
    v["xmax"] = max(int(r["p_tasks"]) for r in srows)
    bars = [(short(r["series"]), timed(s, r), fnum(r["run_sd_s" if s.peer_of(r) else "sd_s"]),
             fnum(r["predicted_s"]), "measured", s.peer_of(r)) for r in rows if is_docs_case(r)]
    bars += [(short(r["series"]), fnum(r["predicted_s"]), 0.0, fnum(r["predicted_s"]), "predicted only", s.peer_of(r))
             for r in s.rows if r["status"] == "predicted"]
    v["bars"] = gp_path(write_bars(ctx, "c2_fetch", bars), ctx.run_dir)
    v["NB"] = len(bars)
    # Two panels and, with the peers, a key beside the line panel: a wider canvas.
    return Plot(v, size=(1600, 780)) if v["peernote"] != "''" else v


CHARTS = {"c2_fetch": chart}
