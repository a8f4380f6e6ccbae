#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# html_browser.py: REPORT.html and COMPARE.html opened in headless Chromium (selenium): console, network, charts, hover, key, links; screenshots.
"""usage: html_browser.py RUN_DIR COMPARE_HTML OUT_DIR [--bad RUN_DIR ...]

Prints `ok ...` / `FAIL ...` lines (tests/lib.sh's style) and exits 1 on a failure, 77 when
selenium or chromium is missing (said in one line)."""
import json
import os
import re
import sys
import tempfile
import time

try:
    from selenium import webdriver
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.chrome.service import Service
except ImportError:
    print("skip: python3-selenium is missing (make deps installs it with chromium and chromium-driver)")
    sys.exit(77)

FAILS = []


def ok(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)
    return cond


def browser(profile):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1400,1000"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def open_page(d, path):
    """Loads a page; its load time (navigation start to load event end, ms) from the browser's own clock."""
    d.get_log("performance")  # what the browser did before this page (its own new-tab page) is not the page's
    d.get_log("browser")
    d.get("file://" + os.path.abspath(path))
    for _ in range(100):
        ms = d.execute_script("var t=performance.getEntriesByType('navigation')[0];return t&&t.loadEventEnd>0?t.loadEventEnd:0;")
        if ms:
            return ms
        time.sleep(0.05)
    return -1


def logs_clean(d, page, url):
    """No console error, and every request the page made is the file itself (or a data: URI)."""
    errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
    ok(not errors, f"{page}: no console error" + (f" (got: {errors[:2]})" if errors else ""))
    urls = []
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        # The page's requests (its document's); the browser's own start page is not the page's.
        if m.get("method") == "Network.requestWillBeSent" and m["params"].get("documentURL") == url:
            urls.append(m["params"]["request"]["url"])
    away = [u for u in urls if not (u.startswith("file://") or u.startswith("data:"))]
    files = sorted({u for u in urls if u.startswith("file://")})
    ok(not away and len(files) == 1, f"{page}: no request leaves the file ({len(urls)} request(s): "
       f"{', '.join(os.path.basename(u) for u in files)}{'; away: ' + ', '.join(away[:3]) if away else ''})")


def vars_series(run_dir, chart):
    """The series the harness asked the chart to draw (its .vars.gp's S array) and the CSV it reads."""
    try:
        text = open(os.path.join(run_dir, "charts", f"{chart}.vars.gp"), encoding="utf-8").read()
    except OSError:
        return None, None
    m = re.search(r"^array S\[\d+\] = \[(.*)\]$", text, re.M)
    c = re.search(r"^csv = '([^']*)'", text, re.M)
    if not m:
        return None, c and c.group(1)
    return [s.replace("''", "'") for s in re.findall(r"'((?:[^']|'')*)'", m.group(1))], c and c.group(1)


def csv_series(path):
    import csv
    with open(path, newline="") as f:
        return {r["series"] for r in csv.DictReader(f) if r.get("status") == "ok"}


def hover(d, hit):
    d.execute_script("arguments[0].scrollIntoView({block:'center'})", hit)
    ActionChains(d).move_to_element(hit).perform()
    time.sleep(0.1)
    tip = d.find_element(By.ID, "tip")
    return tip.text if tip.is_displayed() else ""


def hover_at(d, svg, hit):
    """The mouse where a (perhaps hidden) point is, by its place in the chart."""
    d.execute_script("arguments[0].scrollIntoView({block:'center'})", svg)
    r = d.execute_script("var a=arguments[0].getBoundingClientRect(),b=arguments[1].getBoundingClientRect();"
                         "return [b.x+b.width/2-(a.x+a.width/2), b.y+b.height/2-(a.y+a.height/2)]", svg, hit)
    ActionChains(d).move_to_element_with_offset(svg, int(r[0]), int(r[1])).perform()
    time.sleep(0.1)
    tip = d.find_element(By.ID, "tip")
    return tip.text if tip.is_displayed() else ""


def check_report(d, run_dir, out):
    path = os.path.join(run_dir, "REPORT.html")
    ms = open_page(d, path)
    print(f"info REPORT.html: {os.path.getsize(path) / 1e6:.2f} MB, loaded in {ms:.0f} ms (navigation start to load event end)")
    d.save_screenshot(os.path.join(out, "report_first_screen.png"))
    logs_clean(d, "REPORT.html", "file://" + os.path.abspath(path))
    figs = d.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    ok(len(figs) >= 10, f"REPORT.html: {len(figs)} charts inline as SVG")
    for svg in figs:
        chart = svg.get_attribute("data-chart")
        drawn = json.loads(svg.get_attribute("data-series") or "[]")
        want, csvname = vars_series(run_dir, chart)
        paths = len(svg.find_elements(By.CSS_SELECTOR, "path, use, polygon"))
        if want is None:
            ok(paths > 10, f"chart {chart}: drawn ({paths} marks)")
            continue
        in_csv = csv_series(os.path.join(run_dir, csvname)) if csvname else set(want)
        # A series is drawn as a key entry, or (a bar chart) as the label under its bar.
        text = re.sub(r"\s+", "", svg.get_attribute("textContent"))
        missing = [s for s in want if s not in drawn and re.sub(r"\s+", "", s) not in text]
        ok(not missing and set(want) <= in_csv,
           f"chart {chart}: its SVG has the {len(want)} series its CSV has" + (f" (missing {missing})" if missing else ""))
    # Hover: a point of C1 shows its series, parameters and mean ± sd.
    c1 = d.find_element(By.CSS_SELECTOR, "svg[data-chart='c1_sleep']")
    hits = [h for h in c1.find_elements(By.CSS_SELECTOR, ".hit") if "mean" in (h.get_attribute("data-tip") or "")]
    text = hover(d, hits[len(hits) // 2]) if hits else ""
    d.save_screenshot(os.path.join(out, "c1_hover.png"))
    ok("mean" in text and "±" in text and "tasks =" in text, f"hover on a C1 point shows its value ({text.splitlines()[:3]})")
    # A click on a key entry hides its series, and a second click shows it again.
    keys = c1.find_elements(By.CSS_SELECTOR, "[data-key]")
    ks = list(dict.fromkeys(k.get_attribute("data-key") for k in keys))
    series = json.loads(c1.get_attribute("data-series"))
    want, _ = vars_series(run_dir, "c1_sleep")
    name = want[0]
    first = ks[series.index(name)]
    group = c1.find_element(By.CSS_SELECTOR, f"[data-s='{first}']")
    key = c1.find_element(By.CSS_SELECTOR, f"[data-key='{first}']")
    its = [h for h in group.find_elements(By.CSS_SELECTOR, ".hit")]
    d.execute_script("arguments[0].scrollIntoView({block:'center'})", c1)
    ActionChains(d).move_to_element(key).click().perform()
    marks = d.execute_script("""return Array.from(arguments[0].querySelectorAll('use'))
        .filter(u => !u.closest('[id$="_keyentry"]')).map(u => getComputedStyle(u).visibility)""", group)
    ok(group.get_attribute("visibility") == "hidden" and marks and all(v == "hidden" for v in marks),
       f"click on C1's key entry '{name}' hides that series ({len(marks)} points)")
    text = hover_at(d, c1, its[-1]) if its else ""
    ok(not text.startswith(name + "\n"), f"a hidden series' point shows no value on hover (got: {text.splitlines()[:1]})")
    d.execute_script("arguments[0].scrollIntoView({block:'center'})", c1)
    ActionChains(d).move_to_element(key).click().perform()
    ok(group.get_attribute("visibility") == "visible", "a second click shows it again")
    # Half of C1's series hidden, for the screenshot (the model series, every other one).
    for k in ks[2::2]:
        el = c1.find_element(By.CSS_SELECTOR, f"[data-key='{k}']")
        ActionChains(d).move_to_element(el).click().perform()
    n_off = len([k for k in ks if c1.find_element(By.CSS_SELECTOR, f"[data-s='{k}']").get_attribute("visibility") == "hidden"])
    ok(n_off == len(ks[2::2]), f"C1: {n_off} of {len(ks)} series hidden by clicks")
    d.execute_script("arguments[0].scrollIntoView({block:'start'})", c1)
    d.save_screenshot(os.path.join(out, "c1_half_hidden.png"))
    # The verdict table's badges scroll to their claims' sections.
    links = d.find_elements(By.CSS_SELECTOR, "#verdicts a.badge-link")
    good = 0
    for i in range(len(links)):
        d.execute_script("window.scrollTo(0,0)")
        a = d.find_elements(By.CSS_SELECTOR, "#verdicts a.badge-link")[i]
        target = a.get_attribute("href").split("#")[1]
        a.click()
        time.sleep(0.05)
        top = d.execute_script("return document.getElementById(arguments[0]).getBoundingClientRect().top", target)
        at_bottom = d.execute_script("return window.innerHeight + window.scrollY >= document.body.scrollHeight - 2")
        good += abs(top) < 3 or (at_bottom and top > 0)
    ok(links and good == len(links), f"the {len(links)} verdict links scroll to their sections ({good} did)")
    d.execute_script("document.getElementById('c2').scrollIntoView()")
    d.save_screenshot(os.path.join(out, "claim_c2_section.png"))


def check_compare(d, path, out):
    ms = open_page(d, path)
    print(f"info COMPARE.html: {os.path.getsize(path) / 1e6:.2f} MB, loaded in {ms:.0f} ms")
    logs_clean(d, "COMPARE.html", "file://" + os.path.abspath(path))
    d.save_screenshot(os.path.join(out, "compare.png"))
    svg = d.find_element(By.CSS_SELECTOR, "svg[data-chart='compare']")
    hits = svg.find_elements(By.CSS_SELECTOR, ".hit")
    rows = d.find_elements(By.CSS_SELECTOR, "tr[data-row]")
    ok(len(hits) == len(rows) > 0, f"COMPARE.html: a point per table row ({len(hits)}, {len(rows)})")
    slower = [h for h in hits if "verdict slower" in h.get_attribute("data-tip")]
    text = hover(d, slower[0]) if slower else ""
    ok("ratio" in text and "slower" in text, f"hover on a changed point shows its ratio ({text.splitlines()[:1]})")
    key = svg.find_element(By.CSS_SELECTOR, "[data-key]")
    k = key.get_attribute("data-key")
    ActionChains(d).move_to_element(key).click().perform()
    ok(svg.find_element(By.CSS_SELECTOR, f"[data-s='{k}']").get_attribute("visibility") == "hidden",
       "COMPARE.html: a click on a verdict in the key hides its points")
    d.execute_script("window.scrollTo(0,0)")
    sel = d.find_element(By.CSS_SELECTOR, ".filters select[name='verdict']")
    d.execute_script("arguments[0].value='slower';arguments[0].dispatchEvent(new Event('change'))", sel)
    shown = [r for r in rows if r.is_displayed()]
    ok(shown and all(r.get_attribute("data-verdict") == "slower" for r in shown),
       f"COMPARE.html: the verdict filter leaves the {len(shown)} slower rows")


def check_bad(d, run_dir):
    path = os.path.join(run_dir, "REPORT.html")
    open_page(d, path)
    logs_clean(d, f"bad run {os.path.basename(run_dir)}", "file://" + os.path.abspath(path))
    body = d.find_element(By.TAG_NAME, "body").text
    missing = [e.text for e in d.find_elements(By.CSS_SELECTOR, "[data-missing]")]
    inc = d.find_elements(By.ID, "incomplete")
    print(f"info {os.path.basename(run_dir)}: missing-chart notes {missing[:2]}; INCOMPLETE banner: {bool(inc)}")
    return body, missing, inc


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    run_dir, compare, out = argv[:3]
    bad = argv[argv.index("--bad") + 1:] if "--bad" in argv else []
    if not (os.path.exists("/usr/bin/chromium") and os.path.exists("/usr/bin/chromedriver")):
        print("skip: chromium or chromium-driver is missing (make deps installs them)")
        return 77
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        d = browser(profile)
        try:
            check_report(d, run_dir, out)
            check_compare(d, compare, out)
            for b in bad:
                body, missing, inc = check_bad(d, b)
                if os.path.exists(os.path.join(b, "INCOMPLETE")):
                    ok(inc and inc[0].is_displayed() and inc[0].location["y"] < 200,
                       f"{os.path.basename(b)}: REPORT.html says INCOMPLETE at the top")
                expect = open(os.path.join(b, "expect")).read().split() if os.path.exists(os.path.join(b, "expect")) else []
                for ch in expect:
                    ok(any(ch in m for m in missing), f"{os.path.basename(b)}: REPORT.html says chart {ch} is missing and why")
        finally:
            d.quit()
    print(f"screenshots in {out}")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
