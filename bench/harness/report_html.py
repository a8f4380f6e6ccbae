# SPDX-License-Identifier: MIT
# report_html.py: REPORT.html from a run folder: the verdicts, each claim with its interactive charts, the environment; one offline file.
import base64
import csv
import glob
import os
import re

from . import claims, fingerprint, html_svg, models, results, sweeps, verdicts
from .context import Context
from .documents import DOCUMENTS, anchor
from .html_common import badge, esc, md_inline, md_table, page
from .report import VERDICTS, python_verdict
from .util import write_atomic


def read_rows(path):
    """A CSV's rows as dicts, a truncated or ragged one included (missing fields empty)."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            return [{k: (v if isinstance(v, str) else "") for k, v in r.items() if k is not None}
                    for r in csv.DictReader(f)]
    except (OSError, csv.Error):
        return []


def chart_tables(run_dir, chart, sweep_names, loaded):
    tables = [read_rows(os.path.join(run_dir, f"{n}.csv")) for n in sweep_names if n in loaded]
    small = sorted(glob.glob(os.path.join(run_dir, "charts", f"{glob.escape(chart)}.*.csv")))
    return tables + [read_rows(p) for p in small]


def figure(run_dir, chart, sweep_names, loaded, errors):
    """One chart inline (SVG with its hover and key), a PNG-only chart as an image, or why it is missing."""
    svg = os.path.join(run_dir, "charts", f"{chart}.svg")
    png = os.path.join(run_dir, "charts", f"{chart}.png")
    link = f'<a href="charts/{esc(chart)}.svg">{esc(chart)}.svg</a>'
    if chart in errors:  # a file left from an earlier drawing is not this run's chart
        return (f'<div class="missing" data-missing="{esc(chart)}">Chart {esc(chart)} is missing: it failed: '
                f'{esc(errors[chart])}.</div>')
    if os.path.exists(svg):
        try:
            text, titles = html_svg.inline(svg, f"{chart}-", chart_tables(run_dir, chart, sweep_names, loaded))
        except Exception as e:  # a cut or broken SVG: said, not a traceback
            return (f'<div class="missing" data-missing="{esc(chart)}">Chart {esc(chart)} could not be read '
                    f'({esc(type(e).__name__)}: {esc(e)}): redraw it with <code>python3 -m harness report RUN</code>.</div>')
        how = ("hover a point for its values; click a key entry to hide or show its series" if titles
               else "hover a point for its values")
        return (f'<figure class="chart" id="chart-{esc(chart)}">{text}<figcaption>{esc(chart)}: {how} '
                f'({link}, <a href="charts/{esc(chart)}.png">PNG</a>)</figcaption></figure>')
    if os.path.exists(png):
        with open(png, "rb") as f:
            data = base64.b64encode(f.read()).decode()
        return (f'<figure class="chart" id="chart-{esc(chart)}"><img alt="{esc(chart)}" style="max-width:100%" '
                f'src="data:image/png;base64,{data}"><figcaption>{esc(chart)} (an image: drawn as PNG panels)'
                f'</figcaption></figure>')
    why = f"charts/{chart}.svg is not in the run folder"
    return f'<div class="missing" data-missing="{esc(chart)}">Chart {esc(chart)} is missing: {esc(why)}.</div>'


def judgement(d, skipped):
    out = []
    if d.params:
        out.append(f"<p><b>Parameters:</b> {md_inline(d.params)}.</p>")
    out.append(f"<p><b>Prediction:</b> {md_inline(d.prediction)}.<br><b>Thresholds:</b> {md_inline(d.thresholds)}.</p>")
    if d.checks:
        out.append('<ul class="checks">' + "".join(
            f'<li class="{"ok" if ok else "undecided" if ok is None else "no"}">{md_inline(name)}</li>' for name, ok in d.checks) + "</ul>")
    if d.sentence:
        out.append(f"<p><b>What the numbers mean:</b> {md_inline(d.sentence)}</p>")
    out += [f"<p>{md_inline(x)}</p>" for x in list(d.peers) + list(skipped)]
    if len(d.table) > 2:
        out.append(md_table(d.table) or "<pre>" + esc("\n".join(d.table)) + "</pre>")
    return out


def cite(key):
    return f'<a href="#{anchor(key)}">{esc(DOCUMENTS[key].short())}</a>'


def section(run_dir, r, chart_names, errors, loaded):
    c = r.claim
    out = [f'<section id="{esc(c.ID.lower())}" data-claim="{esc(c.ID)}">',
           f"<h2>{esc(c.ID)} {badge(r.verdict)}</h2>",
           f"<blockquote>“{esc(c.QUOTE)}” ({cite(c.SOURCE)})</blockquote>",
           f"<p><b>Claim:</b> {md_inline(c.TITLE)}.<br><b>Verdict: {esc(r.verdict)}</b>"
           + (f" ({md_inline(r.why)})" if r.why else "") + ".</p>"]
    skipped = [f"*Not run here:* {', '.join(series)}: {line}." for n in r.sweeps if n in loaded
               for line, series in loaded[n].skipped().items()]
    if r.detail:
        out += judgement(r.detail, skipped)
    else:
        out += [f"<p>{md_inline(x)}</p>" for x in skipped]
    csvs = [n for n in r.sweeps if os.path.exists(os.path.join(run_dir, f"{n}.csv"))]
    if csvs:
        out.append("<p>Data: " + ", ".join(f'<a href="{esc(n)}.csv">{esc(n)}.csv</a>' for n in csvs) + "</p>")
    out += [figure(run_dir, ch, r.sweeps, loaded, errors) for ch in chart_names]
    return out + ["</section>"]


def environment(run_dir, env):
    fp = [(k, v) for k, v in env.items() if k.startswith("fingerprint")]
    out = ['<section id="environment"><h2>The run\'s environment</h2>']
    if fp:  # the machine's fingerprint, when env.txt has one: first, as it says whether two runs compare
        out += ['<h3 id="fingerprint">The machine\'s fingerprint</h3><dl class="env">']
        out += [f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in fp] + ["</dl><h3>env.txt</h3>"]
    out += ["<p>env.txt, line by line (the machine, the tools, the models; any line a later version adds is "
            "shown as it is).</p>", '<dl class="env">']
    out += [f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in env.items()]
    out.append("</dl>")
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(run_dir, "*.csv")))
    raw = sorted(os.listdir(os.path.join(run_dir, "raw"))) if os.path.isdir(os.path.join(run_dir, "raw")) else []
    out += ["<h3>Files</h3><p>The sweeps' CSVs (one row per command): "
            + ", ".join(f'<a href="{esc(f)}">{esc(f)}</a>' for f in files) + '. <a href="env.txt">env.txt</a>, '
            '<a href="REPORT.md">REPORT.md</a>, <a href="raw/">raw/</a> (hyperfine\'s JSON per round, simul\'s records '
            "per command, the plans), <a href=\"charts/\">charts/</a>.</p>"]
    if raw:
        out.append("<details><summary>The raw records (" + str(len(raw)) + " files)</summary><p>"
                   + ", ".join(f'<a href="raw/{esc(f)}">{esc(f)}</a>' for f in raw) + "</p></details>")
    return out + ["</section>"]


def incomplete_banner(run_dir):
    p = os.path.join(run_dir, "INCOMPLETE")
    if not os.path.exists(p):
        return ""
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            text = f.read().strip()
    except OSError:
        text = ""
    return (f'<div class="banner bad" id="incomplete">This run is marked INCOMPLETE: {esc(text or "no reason given")}. '
            "Its verdicts and charts cover only what finished.</div>")


def write(run_dir, env, res_list, chart_of, errors, loaded):
    """REPORT.html beside REPORT.md; its path."""
    name = os.path.basename(os.path.abspath(run_dir))
    quick = env.get("quick") == "yes"
    rows = "".join(
        f'<tr><td><a href="#{esc(r.claim.ID.lower())}">{esc(r.claim.ID)}</a></td><td>{md_inline(r.claim.TITLE)}</td>'
        f'<td>{badge(r.verdict, "#" + r.claim.ID.lower())}</td>'
        f'<td>{badge(python_verdict(r)) if python_verdict(r) != "—" else "—"}</td>'
        f'<td>{md_inline(r.detail.sentence if r.detail and r.detail.sentence else r.why)}</td></tr>' for r in res_list)
    body = [incomplete_banner(run_dir),
            f"<h1>simul: the documents' claims, measured{' (QUICK run)' if quick else ''}</h1>",
            f"<p>Run {esc(name)}, commit {esc(env.get('git_commit', '?'))}, {esc(env.get('date_utc', ''))}. Machine: "
            f"{esc(env.get('cpu_model', '?'))}, {esc(env.get('cores', '?'))} cores, {esc(env.get('kernel', '?'))}; "
            f"load average {esc(env.get('loadavg_start', '?'))} at the start and {esc(env.get('loadavg_end', '?'))} "
            f"at the end{esc(fingerprint.others_phrase(env))}. "
            f'<a href="#environment">The whole environment</a>.</p>']
    if quick:
        body.append('<div class="banner">A QUICK run: fewer and smaller points, one run each: its verdicts are a '
                    "smoke test, not a finding.</div>")
    body += [f"<p>{md_inline(VERDICTS)}</p>",
             '<table class="verdicts" id="verdicts"><thead><tr><th>claim</th><th>what the documents say</th>'
             f"<th>verdict</th><th>in CPython</th><th>the numbers</th></tr></thead><tbody>{rows}</tbody></table>"]
    for r in res_list:
        body += section(run_dir, r, [ch for n in r.sweeps for ch in chart_of.get(n, ())], errors, loaded)
    body += environment(run_dir, env)
    body += ['<section id="documents"><h2>The documents</h2><ul>']
    body += [f'<li id="{anchor(k)}">{md_inline(d.full())}</li>' for k, d in DOCUMENTS.items()]
    body += ["</ul></section>"]
    path = os.path.join(run_dir, "REPORT.html")
    write_atomic(path, page(f"simul run {name}", "\n".join(body)))
    return path


def chart_errors(run_dir):
    """The chart failures REPORT.md recorded, for a page rendered without drawing the charts again."""
    try:
        with open(os.path.join(run_dir, "REPORT.md"), encoding="utf-8", errors="replace") as f:
            return dict(re.findall(r"^\(chart (\S+) failed: (.*)\)$", f.read(), re.M))
    except OSError:
        return {}


def render(run_dir):
    """REPORT.html alone, from a run's CSVs and charts as they are (nothing is drawn again)."""
    env = results.read_env(run_dir)
    try:
        with open(os.path.join(run_dir, "sweeps.txt")) as f:
            selected = f.read().split()
    except OSError:
        selected = []
    loaded = results.load(run_dir, selected)
    ctx = Context(run_dir, env, models.load(run_dir), env.get("quick") == "yes", "png")
    specs = sweeps.all_specs()
    res_list = verdicts.judge_all(claims.discover(), specs, selected, loaded, ctx)
    return write(run_dir, env, res_list, {s.name: s.charts for s in specs}, chart_errors(run_dir), loaded)
