#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_html.sh: REPORT.html and COMPARE.html of results/reference (re-rendered, no bench run) checked in headless Chromium, with a broken and an INCOMPLETE run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$SIMUL_ROOT
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]] || ! /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
  echo "skip: chromium, chromium-driver or python3-selenium is missing (make deps installs them)"
  exit 0
fi
OUT=${SIMUL_TEST_OUT:-$PWD/e2e_html.out}
mkdir -p "$OUT"
harness() { env PYTHONPATH="$ROOT/bench" PYTHONDONTWRITEBYTECODE=1 python3 -m harness "$@"; }

# The fixture: the committed reference run, its charts and both reports drawn again by this code.
run=$T_TMP/run
cp -r "$ROOT/results/reference" "$run"
rm -f "$run/REPORT.html"
harness report "$run" >"$T_TMP/report.out" 2>&1 && ok "harness report re-renders results/reference" ||
  bad "harness report: $(tail -3 "$T_TMP/report.out")"
[[ -s $run/REPORT.html && -s $run/REPORT.md ]] && ok "REPORT.html beside REPORT.md ($(du -k "$run/REPORT.html" | cut -f1) KiB)" ||
  bad "no REPORT.html"
grep -Eq '(src|href)="https?:' "$run/REPORT.html" && bad "REPORT.html links a resource on the network" ||
  ok "REPORT.html names no network resource (src/href)"

# COMPARE.html: the reference against a copy with some of C1's times changed.
new=$T_TMP/new
cp -r "$ROOT/results/reference" "$new"
python3 - "$new/c1_sleep.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
for i, r in enumerate(rows[:8]):
    if r["status"] == "ok":
        r["mean_s"] = "%.6g" % (float(r["mean_s"]) * (2.5 if i % 2 else 0.4))
w = csv.DictWriter(open(sys.argv[1], "w", newline=""), list(rows[0]))
w.writeheader(); w.writerows(rows)
PY
python3 "$ROOT/bench/harness/compare.py" "$ROOT/results/reference" "$new" >"$T_TMP/compare.out" 2>&1 &&
  [[ -s $new/COMPARE.html ]] && ok "compare.py writes COMPARE.html" || bad "compare: $(tail -3 "$T_TMP/compare.out")"

# A broken run: gnuplot fails on one chart, and one sweep's CSV is cut mid-line.
broken=$T_TMP/broken
cp -r "$ROOT/results/reference" "$broken"
rm -f "$broken"/charts/c4_chess.{svg,png}
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/gnuplot" <<SH
#!/bin/sh
case "\$*" in *c4_chess.gp*) echo 'line 3: fake failure for the test' >&2; exit 1 ;; esac
exec $(command -v gnuplot) "\$@"
SH
chmod +x "$T_TMP/bin/gnuplot"
size=$(stat -c %s "$broken/c6_loop_lag.csv")
truncate -s $((size * 2 / 3)) "$broken/c6_loop_lag.csv"
PATH=$T_TMP/bin:$PATH harness report "$broken" >"$T_TMP/broken.out" 2>&1
[[ -s $broken/REPORT.html ]] && ok "a run with a failed chart and a cut CSV still gets REPORT.html" ||
  bad "no REPORT.html for the broken run: $(tail -3 "$T_TMP/broken.out")"
grep -q "fake failure" "$broken/REPORT.html" && ok "REPORT.html says why chart c4_chess is missing" || bad "no reason for c4_chess"
echo c4_chess c6_loop_lag >"$broken/expect"

# An interrupted run: marked INCOMPLETE, rendered as it is.
inc=$T_TMP/incomplete
cp -r "$run" "$inc"
printf 'started 2026-12-02T17:34:49Z; incomplete: interrupted, failed, or still running\ninterrupted by SIGINT during c5_sumsq\n' >"$inc/INCOMPLETE"
harness html "$inc" >/dev/null 2>"$T_TMP/inc.err" && ok "harness html renders an INCOMPLETE run" || bad "harness html: $(cat "$T_TMP/inc.err")"

/usr/bin/python3 "$ROOT/tests/html_browser.py" "$run" "$new/COMPARE.html" "$OUT" --bad "$broken" "$inc" >"$T_TMP/browser.out" 2>&1
st=$?
cat "$T_TMP/browser.out"
T_PASSES=$((T_PASSES + $(grep -c '^ok ' "$T_TMP/browser.out")))
T_FAILS=$((T_FAILS + $(grep -c '^FAIL ' "$T_TMP/browser.out")))
[[ $st -eq 0 || $st -eq 1 ]] || bad "the browser driver exited $st"
finish
