# SPDX-License-Identifier: MIT
# html_common.py: what REPORT.html and COMPARE.html share: escaping, a little Markdown, verdict badges, the page's style and script.
import html
import re

# A colour per verdict the harness and compare.py know; any other verdict string gets the neutral grey.
VERDICT_COLOURS = {
    "holds": "#2ca02c", "does not hold": "#d62728", "failed": "#8b0000", "not run": "#7f7f7f",
    "undecided": "#d99a00", "faster": "#2ca02c", "slower": "#d62728", "same": "#7f7f7f",
    "same (1 run)": "#a0a0a0", "machine": "#9467bd",
}
NEUTRAL = "#5a6b7b"


def esc(s):
    return html.escape(str(s), quote=True)


def colour(verdict):
    return VERDICT_COLOURS.get(str(verdict).strip().lower(), NEUTRAL)


def badge(verdict, href=None):
    text = f'<span class="badge" style="background:{colour(verdict)}" data-verdict="{esc(verdict)}">{esc(verdict)}</span>'
    return f'<a class="badge-link" href="{esc(href)}">{text}</a>' if href else text


def md_inline(s):
    """The Markdown the harness's sentences use: `code`, **bold**, *em*, [text](link); the rest escaped."""
    out, pos = [], 0
    for m in re.finditer(r"`([^`]+)`|\*\*(.+?)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)\s]+)\)", str(s)):
        out.append(esc(s[pos:m.start()]))
        if m.group(1) is not None:
            out.append(f"<code>{esc(m.group(1))}</code>")
        elif m.group(2) is not None:
            out.append(f"<b>{md_inline(m.group(2))}</b>")
        elif m.group(3) is not None:
            out.append(f"<i>{md_inline(m.group(3))}</i>")
        else:
            out.append(f'<a href="{esc(m.group(5))}">{md_inline(m.group(4))}</a>')
        pos = m.end()
    return "".join(out) + esc(s[pos:])


def md_cells(line):
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def md_table(lines, cls="data"):
    """A Markdown table (header, rule, rows) as an HTML table; '' when it is not one."""
    lines = [l for l in lines if l.strip()]
    if len(lines) < 2 or not re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", lines[1]):
        return ""
    head = "".join(f"<th>{md_inline(c)}</th>" for c in md_cells(lines[0]))
    body = "".join("<tr>" + "".join(f"<td>{md_inline(c)}</td>" for c in md_cells(l)) + "</tr>" for l in lines[2:])
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


CSS = """
body{font:15px/1.45 'DejaVu Sans',system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
main{max-width:1500px;margin:0 auto;padding:1em 2em 4em}
h1{font-size:1.6em;margin:.4em 0}h2{margin-top:2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
code{background:#eef1f4;padding:0 .25em;border-radius:3px;font-size:.92em}
blockquote{margin:.6em 0;padding:.3em 1em;border-left:4px solid #c6dbef;background:#f3f7fb}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em;background:#fff}
th,td{border:1px solid #d0d7de;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#eef1f4}
.badge{display:inline-block;color:#fff;border-radius:.8em;padding:.05em .7em;font-weight:bold;white-space:nowrap}
.badge-link{text-decoration:none}
.banner{background:#fff3cd;border:2px solid #d99a00;padding:.6em 1em;margin:.8em 0;font-weight:bold}
.banner.bad{background:#fde2e1;border-color:#d62728}
.missing{background:#fde2e1;border:1px solid #d62728;padding:.5em 1em;margin:.6em 0}
figure.chart{content-visibility:auto;contain-intrinsic-size:auto 760px;margin:1em 0;position:relative;background:#fff;border:1px solid #d0d7de;padding:.3em}
figure.chart svg{width:100%;height:auto;display:block}
figure.chart figcaption{font-size:.85em;color:#57606a}
.hit{fill:transparent;stroke:none;cursor:crosshair}
.keyhit{cursor:pointer}
.keyoff{opacity:.3}
#tip{position:fixed;pointer-events:none;background:#fffffe;border:1px solid #57606a;border-radius:4px;padding:.35em .6em;
  font-size:13px;max-width:480px;box-shadow:0 2px 6px rgba(0,0,0,.25);display:none;z-index:10;white-space:pre-line}
.checks li.ok::marker{content:'✔ ';color:#2ca02c}.checks li.no::marker{content:'✘ ';color:#d62728}.checks li.undecided::marker{content:'? ';color:#b8860b}
dl.env{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;font-size:.88em}
dl.env dt{font-weight:bold}dl.env dd{margin:0;font-family:monospace}
.filters{margin:.6em 0}.filters label{margin-right:1.2em}
nav.toc a{margin-right:.8em}
"""

# The charts' behaviour: a tooltip with the nearest visible point's values, and a click on a key
# entry hiding or showing its series (and the unnamed lines drawn in its colour, once every series
# of that colour is hidden). Everything is in the page: no library, nothing fetched.
JS = r"""
(function(){
var tip=document.getElementById('tip');
function owned(svg){
  svg.querySelectorAll('[data-owners]').forEach(function(g){
    var all=g.getAttribute('data-owners').split(' ').every(function(k){
      var o=svg.querySelector('[data-s="'+k+'"]');return o&&o.getAttribute('visibility')==='hidden';});
    g.setAttribute('visibility',all?'hidden':'visible');});
}
function toggle(svg,k){
  var g=svg.querySelector('[data-s="'+k+'"]');if(!g)return;
  var off=g.getAttribute('visibility')!=='hidden';
  g.setAttribute('visibility',off?'hidden':'visible');
  svg.querySelectorAll('[data-key="'+k+'"]').forEach(function(e){e.classList.toggle('keyoff',off);});
  owned(svg);
}
function visible(e){for(;e&&e.tagName!=='svg';e=e.parentNode){if(e.getAttribute&&e.getAttribute('visibility')==='hidden')return false;}return true;}
document.querySelectorAll('figure.chart svg').forEach(function(svg){
  svg.querySelectorAll('[data-key]').forEach(function(e){
    e.addEventListener('click',function(ev){ev.stopPropagation();toggle(svg,e.getAttribute('data-key'));});});
  var hits=Array.prototype.slice.call(svg.querySelectorAll('.hit'));
  svg.addEventListener('mousemove',function(ev){
    var pt=svg.createSVGPoint();pt.x=ev.clientX;pt.y=ev.clientY;
    var m=svg.getScreenCTM();if(!m){return;}var p=pt.matrixTransform(m.inverse());
    var best=null,bd=1e9,scale=svg.viewBox.baseVal.width/svg.getBoundingClientRect().width,lim=14*Math.max(1,scale);
    hits.forEach(function(h){if(!visible(h))return;var dx=h.cx.baseVal.value-p.x,dy=h.cy.baseVal.value-p.y,d=Math.sqrt(dx*dx+dy*dy);
      if(d<bd){bd=d;best=h;}});
    if(best&&bd<=lim){tip.textContent=best.getAttribute('data-tip');tip.style.display='block';
      tip.style.left=Math.min(ev.clientX+14,window.innerWidth-500)+'px';tip.style.top=(ev.clientY+14)+'px';
      svg.setAttribute('data-hover',best.getAttribute('data-tip'));}
    else{tip.style.display='none';svg.removeAttribute('data-hover');}
  });
  svg.addEventListener('mouseleave',function(){tip.style.display='none';});
});
document.querySelectorAll('.filters select').forEach(function(sel){sel.addEventListener('change',filter);});
function filter(){
  var want={};document.querySelectorAll('.filters select').forEach(function(s){want[s.name]=s.value;});
  document.querySelectorAll('[data-row]').forEach(function(r){
    var ok=Object.keys(want).every(function(k){return !want[k]||r.getAttribute('data-'+k)===want[k];});
    r.style.display=ok?'':'none';});
}
})();
"""


def page(title, body):
    """A whole page: style and script inline, no external resource of any kind."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>{body}</main>"
            f"<div id=\"tip\"></div><script>{JS}</script></body></html>\n")
