# SPDX-License-Identifier: MIT
# compare_html.py: COMPARE.html beside COMPARE.md: the summary, every shared point's ratio and interval on a log axis, the table filterable.
import math
import os

try:  # compare.py runs as a script (this folder on sys.path); the harness imports it as a package
    from .html_common import badge, colour, esc, md_inline, md_table, page
except ImportError:
    from html_common import badge, colour, esc, md_inline, md_table, page

W, H, L, R, T, B = 1400, 520, 80, 220, 40, 60


def noise_text(r):
    """A point's noise, and the CPU's swing beside it where the runs' watch added one."""
    return f"{r['noise']:.0%}" + (f", swing {r['swing']:.0%}" if r.get("swing") else "")


def _y(v, lo, hi):
    return T + (H - T - B) * (1 - (math.log10(v) - lo) / (hi - lo))


def chart(rows):
    """The ratios, smallest first, as an inline SVG: a dot per point coloured by its verdict, its
    95% interval as a bar, a log axis; a key entry per verdict hides or shows its points."""
    pts = sorted(rows, key=lambda r: r["ratio"])
    vals = [v for r in pts for v in (r["ratio"], r["ci_low"], r["ci_high"]) if isinstance(v, float) and v > 0]
    lo, hi = math.floor(math.log10(min(vals + [0.5]))), math.ceil(math.log10(max(vals + [2.0])))
    if hi - lo < 1:
        hi = lo + 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" data-chart="compare" '
           f'font-family="DejaVu Sans" font-size="12">',
           f'<text x="{(L + W - R) / 2}" y="22" text-anchor="middle" font-size="15">NEW / BASE mean time of every '
           f'shared point, smallest first (log scale; bar: 95% interval)</text>']
    for e in range(lo, hi + 1):
        for m in ((1, 2, 5) if hi - lo <= 3 else (1,)):
            v = m * 10 ** e
            if lo <= math.log10(v) <= hi:
                y = _y(v, lo, hi)
                stroke = 'stroke="#999" stroke-width="2"' if v == 1 else 'stroke="#e4e4e4"'
                out.append(f'<line x1="{L}" x2="{W - R}" y1="{y:.1f}" y2="{y:.1f}" {stroke}/>'
                           f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{v:g}×</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 20}" text-anchor="middle">shared points, sorted by ratio '
               f'({len(pts)})</text>')
    verdicts = list(dict.fromkeys(r["verdict"] for r in pts))
    step = (W - L - R) / max(1, len(pts))
    dot = 4 if step >= 6 else 2.5  # many points: smaller dots, still a hover target each
    for k, v in enumerate(verdicts, 1):
        out.append(f'<g data-s="{k}" visibility="visible" data-verdict="{esc(v)}">')
        for i, r in enumerate(pts):
            if r["verdict"] != v:
                continue
            x, y = L + step * (i + 0.5), _y(r["ratio"], lo, hi)
            c = colour(v)
            if isinstance(r["ci_low"], float):
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_y(r["ci_low"], lo, hi):.1f}" '
                           f'y2="{_y(r["ci_high"], lo, hi):.1f}" stroke="{c}" stroke-width="1.5"/>')
            params = " ".join(f"{a}={b}" for a, b in r["params"].items())
            ci = (f"95% interval {r['ci_low']:.3f} to {r['ci_high']:.3f} ({r['method']})"
                  if isinstance(r["ci_low"], float) else "no interval (one run on a side)")
            tip = (f"{r['sweep']} / {r['series']}\n{params}\nBASE {r['base_s']:.4g} s, NEW {r['new_s']:.4g} s\n"
                   f"ratio {r['ratio']:.3f}, {ci}\nruns {r['n_base']}/{r['n_new']}, noise {noise_text(r)}\nverdict {v}")
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{dot}" fill="{c}"/>'
                       f'<circle class="hit" cx="{x:.1f}" cy="{y:.1f}" r="6" data-tip="{esc(tip)}"/>')
        out.append("</g>")
    for k, v in enumerate(verdicts, 1):
        y = T + 10 + 20 * k
        n = sum(1 for r in pts if r["verdict"] == v)
        out.append(f'<g class="keyhit" data-key="{k}"><rect x="{W - R + 15}" y="{y - 12}" width="{R - 20}" height="18" '
                   f'fill="#fff"/><circle cx="{W - R + 25}" cy="{y - 3}" r="5" fill="{colour(v)}"/>'
                   f'<text x="{W - R + 36}" y="{y + 1}">{esc(v)} ({n})</text></g>')
    out.append(f'<text x="{W - R + 15}" y="{T + 8}" font-size="11" fill="#57606a">click to hide or show:</text>')
    out.append("</svg>")
    return "".join(out), verdicts


def table(rows):
    head = ["sweep", "series", "params", "base s", "new s", "ratio", "95% interval", "n", "noise", "verdict"]
    body = []
    for r in rows:
        params = " ".join(f"{k}={v}" for k, v in r["params"].items())
        ci = f"{r['ci_low']:.3f} – {r['ci_high']:.3f}" if isinstance(r["ci_low"], float) else "—"
        cells = [r["sweep"], r["series"], params, f"{r['base_s']:.4g}", f"{r['new_s']:.4g}", f"{r['ratio']:.3f}",
                 ci, f"{r['n_base']}/{r['n_new']}", noise_text(r)]
        body.append(f'<tr data-row="1" data-sweep="{esc(r["sweep"])}" data-verdict="{esc(r["verdict"])}">'
                    + "".join(f"<td>{esc(c)}</td>" for c in cells) + f"<td>{badge(r['verdict'])}</td></tr>")
    return ('<table class="data" id="points"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>")


def select(name, values):
    opts = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
    return f'<label>{esc(name)}: <select name="{esc(name)}"><option value="">(all)</option>{opts}</select></label>'


def write(path, base, new, rows, apart, rule, summary, env_lines):
    """COMPARE.html at path. rows: compare.py's judged points; apart: {title: [lines]};
    env_lines: the Markdown table of the two env.txt files."""
    body = ["<h1>Comparison of two bench runs</h1>",
            f"<p>BASE <code>{esc(base['dir'])}</code>, NEW <code>{esc(new['dir'])}</code>: ratio = NEW mean_s / "
            "BASE mean_s.</p>", f"<p>{md_inline(rule)}</p>", f'<p id="summary"><b>{md_inline(summary)}</b></p>']
    if rows:
        svg, verdicts = chart(rows)
        body.append(f'<figure class="chart" id="chart-compare">{svg}<figcaption>hover a point for its values; click a '
                    "verdict in the key to hide or show its points</figcaption></figure>")
        body.append('<div class="filters">' + select("sweep", sorted({r["sweep"] for r in rows}))
                    + select("verdict", verdicts) + "</div>")
        body.append(table(rows))
    else:
        body.append("<p>(no point is in both runs)</p>")
    for title, items in apart.items():
        if items:
            body.append(f"<h2>Points {esc(title)} ({len(items)})</h2><ul>"
                        + "".join(f"<li>{md_inline(s)}</li>" for s in items) + "</ul>")
    body.append("<h2>The two machines (≠: differs)</h2>" + (md_table(env_lines) or "<p>(neither run has env.txt)</p>"))
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page("simul: comparison of two runs", "\n".join(body)))
    os.replace(tmp, path)
