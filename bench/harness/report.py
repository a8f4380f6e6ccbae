# SPDX-License-Identifier: MIT
# report.py: REPORT.md from a run folder: every claim's verdict, numbers and charts, the claims table and the documents.
import os
import sys

from . import charts, claims, fingerprint, models, results, sweeps, verdicts
from .context import Context
from .documents import DOCUMENTS, anchor
from .util import write_atomic

VERDICTS = ("Verdicts: **holds** (every check below passed), **does not hold** (a check failed: a finding, said "
            "why), **failed** (runs failed; the first error is shown), **not run** (no sweep or workload yet, or "
            "not selected). The column *in CPython* is the verdict of the claim's line for the documents' Python, "
            "judged by the same checks on the CPython programs' own rows (— where no CPython program ran).")


def header(run_dir, env, quick):
    out = ["# simul: the documents' claims, measured" + (" (QUICK run)" if quick else ""), "",
           f"Run {os.path.basename(os.path.abspath(run_dir))}, commit {env.get('git_commit', '?')}.  ",
           f"Machine: {env.get('cpu_model', '?')}, {env.get('cores', '?')} cores, {env.get('kernel', '?')}, "
           f"load average {env.get('loadavg_start', '?')} at the start and {env.get('loadavg_end', '?')} at the end"
           f"{fingerprint.others_phrase(env)}.  ",
           f"Build and tools: {env.get('compiler', '?')} {env.get('cflags', '')}, libuv {env.get('libuv', '?')}, "
           f"{env.get('hyperfine', '?')}, {env.get('gnuplot', '?')}; ulimit -n {env.get('ulimit_n', '?')}, "
           f"-u {env.get('ulimit_u', '?')}, pid_max {env.get('pid_max', '?')}. Everything else in env.txt.", ""]
    if quick:
        out += ["> A QUICK run: fewer and smaller points, one run each, so its verdicts are a smoke test, not a "
                "finding. `make bench` without QUICK=1 gives the figures to quote.", ""]
    out += ["Wall times are hyperfine's (mean ± sd over the runs, warm-up excluded), taken from the shell that "
            "starts `simul run`, whose spawn time hyperfine subtracts (C4 judges simul's own wall time of the "
            "exhibition instead, set-up excluded: its thresholds say so); memory, context switches and `verified` "
            "are simul's own records (median over the runs). Every model of a comparison ran in the same hyperfine "
            "invocation, one after another, and every ratio divides figures from one sweep. Each vCPU of the "
            "project's machine runs at one of two speeds about 2× apart, switching every tens to hundreds of "
            "milliseconds, each apart from the other, and its cores are shared (this run had "
            f"{env.get('cores', '?')}), so treat differences under 10% as noise; a check of one-core work against "
            "one-core work takes the fastest runs, which the slow spells only ever lengthen. " + VERDICTS, ""]
    peers = [v for k, v in env.items() if k.startswith("peer_") and k != "peer_absent"]
    if peers:
        runtimes = sorted({v.split(":", 1)[0] for v in peers})
        out += ["The documents' own programs (`bench/peers/`: " + ", ".join(runtimes) + ") ran in the same hyperfine "
                "invocations, interleaved with simul's models, with the same parameters (sumsq's n excepted, said "
                "where it differs). Their figures are each program's own wall time of the workload (its record's "
                "`wall_s`): interpreter start-up, imports and set-up, outside it, are in the records as `startup_s` "
                "and `setup_s`. The checks judge simul's models; a line per claim says whether the claim holds in "
                "the documents' Python (and in Go), by the same tests.", ""]
    return out


def cite(key):
    return f"[{DOCUMENTS[key].short()}](#{anchor(key)})"


def python_verdict(r):
    """The verdict of a claim's "In the documents' Python" line (claims/_peers.Line, judged on the
    same resamples as the claim), or '—' where the claim has none."""
    line = next((p for p in (r.detail.peers if r.detail else []) if getattr(p, "key", "") == "python"), None)
    return line.state if line is not None else "—"


def summary(res_list):
    out = ["| claim | what the documents say | verdict | in CPython | the numbers |", "|---|---|---|---|---|"]
    for r in res_list:
        d = r.detail
        nums = (d.sentence if d and d.sentence else r.why).replace("|", "\\|")
        out.append(f"| [{r.claim.ID}](#{r.claim.ID.lower()}) | {r.claim.TITLE} | **{r.verdict}** | "
                   f"{python_verdict(r)} | {nums} |")
    return out + [""]


def judgement(d, skipped=()):
    out = []
    if d.params:
        out.append(f"**Parameters:** {d.params}.  ")
    out += [f"**Prediction:** {d.prediction}.  ", f"**Thresholds:** {d.thresholds}.", ""]
    if d.checks:
        out += ["Checks: " + "; ".join(f"{name} {'✔' if ok else '?' if ok is None else '✘'}" for name, ok in d.checks) + ".", ""]
    if d.sentence:
        out += [f"**What the numbers mean:** {d.sentence}", ""]
    for line in list(d.peers) + list(skipped):
        out += [line, ""]
    if len(d.table) > 2:
        out += ["\n".join(d.table), ""]
    return out


def section(r, chart_names, run_dir, errors, loaded):
    c = r.claim
    out = [f"## {c.ID}", "", f"> \"{c.QUOTE}\" ({cite(c.SOURCE)})", "", f"**Claim:** {c.TITLE}.  ",
           f"**Verdict: {r.verdict}**" + (f" ({r.why})" if r.why else "") + ".", ""]
    out += fingerprint.claim_lines(run_dir, results.read_env(run_dir), r.sweeps)
    skipped = [f"*Not run here:* {', '.join(series)}: {line}." for n in r.sweeps if n in loaded
               for line, series in loaded[n].skipped().items()]
    if r.detail:
        out += judgement(r.detail, skipped)
    else:
        out += [x for line in skipped for x in (line, "")]
    for ch in chart_names:
        if os.path.exists(os.path.join(run_dir, "charts", f"{ch}.png")):
            out += [f"![{ch}](charts/{ch}.png)", ""]
        elif ch in errors:
            out += [f"(chart {ch} failed: {errors[ch]})", ""]
    return out


def claims_table(res_list):
    """The claims the report checks, as their modules state them: the table a reader can check
    the verdicts against."""
    out = ["## The claims", "", "Each claim is a module of `bench/harness/claims/`, checked by the sweeps that "
           "name it (`bench/sweeps/`).", "",
           "| claim | what the documents claim | documents | workload | what \"holds\" means | sweeps |",
           "|---|---|---|---|---|---|"]
    for r in res_list:
        c = r.claim
        docs = ", ".join(cite(k) for k in (c.SOURCE,) + tuple(getattr(c, "ALSO", ())))
        out.append(f"| {c.ID} | {c.TITLE} | {docs} | {c.WORKLOAD} | {c.HOLDS} | "
                   f"{', '.join(r.sweeps) or 'none yet'} |")
    out += ["", "## The documents", ""]
    for key, d in DOCUMENTS.items():
        out.append(f"- <a id=\"{anchor(key)}\"></a>{d.full()}")
    return out + [""]


FILES = ("## Files", "", "`env.txt` the machine and tools; `<sweep>.csv` one row per command (hyperfine's "
         "statistics, then simul's record fields, medians over the runs); `raw/` hyperfine's JSON per round, simul's "
         "records (`.jsonl`) and errors (`.err`) per command, the plans, and `simul list`'s models; `charts/` PNG "
         "and SVG, and the `.vars.gp` each chart was drawn from.")


def report(run_dir):
    """Charts, then REPORT.md; 0, or 1 when a chart failed."""
    env = results.read_env(run_dir)
    with open(os.path.join(run_dir, "sweeps.txt")) as f:
        selected = f.read().split()
    loaded = results.load(run_dir, selected)
    ctx = Context(run_dir, env, models.load(run_dir), env.get("quick") == "yes", charts.gnuplot_terminal())
    mods = claims.discover()
    errors = charts.draw_all(ctx, loaded, claims.by_id())
    specs = sweeps.all_specs()
    res_list = verdicts.judge_all(mods, specs, selected, loaded, ctx)
    chart_of = {s.name: s.charts for s in specs}
    out = header(run_dir, env, ctx.quick) + summary(res_list)
    out[2:2] = fingerprint.report_lines(env)  # the machine's fingerprint, and its warnings, at the top
    for r in res_list:
        out += section(r, [ch for n in r.sweeps for ch in chart_of[n]], run_dir, errors, loaded)
    out += claims_table(res_list) + list(FILES)
    write_atomic(os.path.join(run_dir, "REPORT.md"), "\n".join(out) + "\n")
    from . import report_html  # the same run as one offline page, its charts interactive
    report_html.write(run_dir, env, res_list, chart_of, errors, loaded)
    for r in res_list:
        print(f"  {r.claim.ID:<4} {r.verdict:<14} " + (r.why or (r.detail.sentence if r.detail else ""))[:150])
    for ch, e in errors.items():
        print(f"simul bench: chart {ch}: {e}", file=sys.stderr)
    return 1 if errors else 0
