# SPDX-License-Identifier: MIT
# html_svg.py: a gnuplot SVG made ready to sit inline in REPORT.html: ids unique, its script dropped, a hover target per point, a click target per key entry.
import json
import re
import xml.etree.ElementTree as ET

SVG, XL = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XL)
G, USE, PATH, POLY, TEXT = (f"{{{SVG}}}{t}" for t in ("g", "use", "path", "polygon", "text"))
PLOT = re.compile(r"gnuplot_plot_(\d+)([a-z]*)")  # a multiplot's panels are a, b, ...
# gnuplot's own mouse machinery (the `mouse` terminal option): the page has its own.
DROP_IDS = {"coord_text", "hypertextbox", "hypertext", "hyperimage"}


class Group:
    def __init__(self, el, num):
        self.el, self.num = el, num
        self.keys = []       # keyentry elements (here or in the opaque key's second pass)
        self.title = ""
        self.marks = []      # (x, y) of each point or bar top, in order
        self.colours = {}    # the colours of its data (of everything, key included, in allcolours)
        self.allcolours = {}
        self.data = False


def _walk(el, inkey, out):
    """The drawables of a plot group, each with whether it belongs to a key entry."""
    for c in el:
        k = inkey or c.get("id", "").endswith("_keyentry")
        out.append((c, k))
        _walk(c, k, out)


def _translate(el):
    m = re.search(r"translate\(\s*([-\d.]+)\s*,\s*([-\d.]+)", el.get("transform", ""))
    return (float(m.group(1)), float(m.group(2))) if m else None


def _box(pts):
    """The top centre of an axis-aligned rectangle given as 4 or 5 vertices, else None."""
    if len(pts) == 5 and pts[0] == pts[-1]:
        pts = pts[:4]
    if len(pts) != 4:
        return None
    xs, ys = {round(p[0], 1) for p in pts}, {round(p[1], 1) for p in pts}
    if len(xs) != 2 or len(ys) != 2 or max(xs) - min(xs) < 2:
        return None
    return ((min(xs) + max(xs)) / 2, min(ys))


def _points(s):
    return [(float(a), float(b)) for a, b in re.findall(r"([-\d.]+)\s*,\s*([-\d.]+)", s)]


def _colour(el):
    for a in ("stroke", "fill", "color"):
        v = el.get(a, "")
        if v.startswith("rgb"):
            return re.sub(r"\s+", "", v)
    return None


def _scan(g):
    items = []
    _walk(g.el, False, items)
    for el, inkey in items:
        c = _colour(el)
        if c and (el.tag in (USE, PATH, POLY) or inkey):
            g.allcolours[c] = g.allcolours.get(c, 0) + 1
        if el.get("id", "").endswith("_keyentry"):
            g.keys.append(el)
            continue
        if inkey:
            if el.tag == TEXT and not g.title:
                g.title = "".join(el.itertext()).strip()
            continue
        if el.tag in (USE, PATH, POLY):
            g.data = True
            c = _colour(el)
            if c:
                g.colours[c] = g.colours.get(c, 0) + 1
        if el.tag == USE:
            p = _translate(el)
            if p:
                g.marks.append(p)
        elif el.tag == POLY:
            b = _box(_points(el.get("points", "")))
            if b:
                g.marks.append(b)
        elif el.tag == PATH and "Z" in el.get("d", ""):
            b = _box(_points(el.get("d", "")))
            if b:
                g.marks.append(b)


def _dedupe(marks):
    seen, out = set(), []
    for x, y in marks:
        k = (round(x), round(y))
        if k not in seen:
            seen.add(k)
            out.append((x, y))
    return out


def _groups(root):
    """The plot groups, per panel: a panel's groups number from 1 (a multiplot's panels add a
    letter); an opaque key is drawn in a second pass of groups with the same numbers, after a pass
    with no key entry at all: its entries are joined to the first pass's groups."""
    runs, last = [], (None, 1 << 30)
    for el in root.iter(G):
        m = PLOT.fullmatch(el.get("id", ""))
        if not m:
            continue
        n, panel = int(m.group(1)), m.group(2)
        if panel != last[0] or n <= last[1]:
            runs.append([])
        last = (panel, n)
        g = Group(el, n)
        _scan(g)
        runs[-1].append(g)
    panels = []
    for run in runs:
        if panels and not any(g.keys for g in panels[-1]) and any(g.keys for g in run):
            prev = {g.num: g for g in panels[-1]}
            for g in run:
                if g.num in prev:
                    prev[g.num].keys += g.keys
                    prev[g.num].title = prev[g.num].title or g.title
                    for c, n in g.allcolours.items():
                        prev[g.num].allcolours[c] = prev[g.num].allcolours.get(c, 0) + n
            continue
        panels.append(run)
    return panels


def _primary(colours):
    return max(colours, key=colours.get) if colours else None


def _owners(panel):
    """{unnamed group: the named one it draws for}. A chart draws each series with several
    `for [i=1:NS]` plots, one titled: a run of unnamed groups as long as a run of titled ones,
    in the same colours in the same order (a group with nothing drawn matches any), is the
    same series' other marks (error bars, predictions, points)."""
    named = lambda g: bool(g.keys and g.title)
    blocks, cur = [], []
    for g in panel:
        if named(g):
            cur.append(g)
        else:
            if len(cur) >= 2:
                blocks.append(cur)
            cur = []
    if len(cur) >= 2:
        blocks.append(cur)
    owner = {}
    for block in blocks:
        want = [_primary(g.allcolours) for g in block]
        i = 0
        while i + len(block) <= len(panel):
            win = panel[i:i + len(block)]
            got = [_primary(w.colours) for w in win]
            if (not any(named(w) or w in owner for w in win) and any(c is not None for c in got)
                    and all(c is None or c == b for c, b in zip(got, want))):
                owner.update(zip(win, block))
                i += len(block)
            else:
                i += 1
    return owner


def _fmt(v):
    try:
        return "%.4g" % float(v)
    except (TypeError, ValueError):
        return v


def row_tip(title, row):
    """What a point says on hover: its series, parameters, mean ± sd, runs and prediction."""
    if "series" in row and "mean_s" in row:
        lines = [row["series"] + ("" if row["series"] == title else f"  ({title})")]
        params = [f"{k[2:]} = {v}" for k, v in row.items() if k.startswith("p_") and v not in ("", None)]
        if params:
            lines.append(", ".join(params))
        if row.get("status") == "predicted":
            lines.append("not run (over the budget)")
        else:
            lines.append(f"mean {_fmt(row['mean_s'])} ± {_fmt(row.get('sd_s') or 0)} s (hyperfine)")
            if row.get("run_mean_s"):
                lines.append(f"own clock {_fmt(row['run_mean_s'])} ± {_fmt(row.get('run_sd_s') or 0)} s")
            lines.append(f"runs {row.get('runs_ok', '?')} of {row.get('runs_total', '?')}")
            try:  # what the memory charts draw
                lines.append(f"memory {float(row['mem_kib']) / 1024:.1f} MiB ({row.get('mem_method') or 'peak RSS'})")
            except (KeyError, TypeError, ValueError):
                pass
        if row.get("predicted_s"):
            lines.append(f"predicted {_fmt(row['predicted_s'])} s")
        return "\n".join(lines)
    return "\n".join([title] + [f"{k} = {_fmt(v)}" for k, v in row.items() if v not in ("", None)])


def _match(g, tables):
    """The rows a group's marks stand for, in order, where a table's rows line up with them."""
    n = len(g.marks)
    if not n:
        return None
    for rows in tables:
        named = [r for r in rows if g.title and g.title in (r.get("series"), r.get("label"))]
        ok = [r for r in named if r.get("status", "ok") == "ok"]
        for cand in (ok, named):
            if len(cand) == n:
                return cand
    for rows in tables:
        if len(rows) == n and not any("series" in r for r in rows):
            return rows
    return None


def inline(path, prefix, tables):
    """The SVG at path as an <svg> element string for the page, and the series titles of its key
    entries (what the browser test checks the CSV's series against). tables: lists of CSV rows
    (dicts) the chart was drawn from, tried in order to name each point's values."""
    tree = ET.parse(path)
    root = tree.getroot()
    parent = {c: p for p in root.iter() for c in p}
    for el in list(root.iter()):
        if el.tag == f"{{{SVG}}}script" or el.tag == f"{{{SVG}}}image" or el.get("id") in DROP_IDS:
            if el in parent:
                parent[el].remove(el)
    for el in root.iter():
        for a in [a for a in el.attrib if a.startswith("on")]:
            del el.attrib[a]
    titles, serial = [], 0
    for panel in _groups(root):
        titled = [g for g in panel if g.keys and g.title]
        for g in panel:
            serial += 1
            g.el.set("data-s", str(serial))
            g.serial = serial
            g.el.set("visibility", "visible")
        owner = _owners(panel)
        for g in titled:
            if g.data or g in owner.values():
                titles.append(g.title)
                for k in g.keys:
                    k.set("data-key", str(g.serial))
                    k.set("class", "keyhit")
        for g in panel:
            if g in owner:
                g.el.set("data-owners", str(owner[g].serial))
                g.title = owner[g].title
            elif g.data and not (g.keys and g.title) and g.colours:
                owners = [str(t.serial) for t in titled if t.data and _primary(t.allcolours) == _primary(g.colours)]
                if owners:
                    g.el.set("data-owners", " ".join(owners))
            marks = _dedupe(g.marks)
            g.marks = marks
            rows = _match(g, tables)
            title = g.title or "(unnamed line)"
            for i, (x, y) in enumerate(marks):
                tip = row_tip(title, rows[i]) if rows else title
                ET.SubElement(g.el, f"{{{SVG}}}circle", {"class": "hit", "cx": "%.2f" % x, "cy": "%.2f" % y,
                                                         "r": "6", "data-tip": tip})
    # gnuplot opens a style group for every plot element, most left empty: a smaller page.
    for p in list(root.iter()):
        for c in [c for c in p if c.tag == G and len(c) == 0 and not (c.text or "").strip() and "id" not in c.attrib]:
            p.remove(c)
    # Ids unique in the page: several gnuplot SVGs each define gpPt0, gnuplot_plot_1, ...
    for el in root.iter():
        if "id" in el.attrib:
            el.set("id", prefix + el.get("id"))
        h = el.get(f"{{{XL}}}href", "")
        if h.startswith("#"):
            el.set(f"{{{XL}}}href", "#" + prefix + h[1:])
        for a in ("filter", "clip-path", "fill", "marker-end"):
            v = el.get(a, "")
            if v.startswith("url(#"):
                el.set(a, "url(#" + prefix + v[5:])
    root.set("data-chart", prefix.rstrip("-"))
    root.set("data-series", json.dumps(titles))
    text = ET.tostring(root, encoding="unicode")
    return text, titles

