#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_chess.sh: the chess exhibition end to end: bad input, predictions, a small game under each model, the trace.
source "$SIMUL_ROOT/tests/lib.sh"

# ---- bad input: one line, exit 2 ---------------------------------------------------------
# refuse DESCRIPTION -- CMD...: exit 2 with the message and the usage hint, two lines in all.
refuse() {
  expect_exit 2 "$@"
  [[ $(wc -l <"$T_TMP/err") -eq 2 ]] && ok "$1: one line (and the usage hint)" || bad "$1: stderr spans $(wc -l <"$T_TMP/err") lines"
}
refuse "zero master move" -- "$SIMUL" run chess --model sequential --master-s 0
refuse "negative opponent move" -- "$SIMUL" run chess --model sequential --opponent-s -5
refuse "zero pairs" -- "$SIMUL" run chess --model sequential --pairs 0
refuse "zero opponents" -- "$SIMUL" run chess --model sequential --opponents 0
refuse "zero scale" -- "$SIMUL" predict chess --model sequential --scale 0
refuse "non-numeric scale" -- "$SIMUL" run chess --model sequential --scale fast
refuse "a scale too small for the timer" -- "$SIMUL" run chess --model eventloop --scale 0.00001
# The message names the smallest scale that works, and that scale is accepted.
least=$(grep -o 'use --scale [0-9.e-]*' "$T_TMP/err" | awk '{print $3}')
if [[ -n $least ]]; then ok "the error names the smallest scale ($least)"; else bad "no smallest scale in: $(cat "$T_TMP/err")"; fi
expect_exit 0 "that smallest scale works" -- "$SIMUL" predict chess --model eventloop --scale "$least"
refuse "a master move too short to time" -- "$SIMUL" run chess --model sequential --master-s 0.001
refuse "--tasks disagreeing with --opponents" -- "$SIMUL" run chess --model sequential --tasks 5
refuse "a run predicted to outlast --timeout" -- "$SIMUL" run chess --model sequential --timeout 2
refuse "too many moves to simulate" -- "$SIMUL" predict chess --model threadpool --opponents 1000000 --pairs 1000000

# ---- the help and the list name the mapping -------------------------------------------------
"$SIMUL" list | grep -q 'chess.*sequential = synchronous.*eventloop = asynchronous' && ok "list names the mapping" || bad "list lacks the mapping"
"$SIMUL" run chess --help | grep -q 'a clone of the master per table' && ok "--help names the mapping" || bad "--help lacks the mapping"

# ---- predictions: the documents' figures at the defaults -----------------------------------------
p() { "$SIMUL" predict chess "$@" --format json; }
r=$(p --model sequential)
check "synchronous: the documents' 12 h" "$(json documents_h <<<"$r") == 12"
# This machine's figure adds the timers' measured lateness: a little above 12 h.
check "synchronous here: 12 h and the timers' lateness" "$(json predicted_h <<<"$r") >= 12 && $(json predicted_h <<<"$r") < 13.5"
check "asynchronous: the documents' 1 h" "$(p --model eventloop | json documents_h) > 0.99 && $(p --model eventloop | json documents_h) < 1.03"
check "a clone per table: the documents' 30 min" "$(p --model threadpool --workers 0 | json documents_h) == 0.5"
r=$(p --model multiprocess --workers 0 --cores 24)
# The last of the 24 processes starts 23 forks after the first, and each of its 30 answers
# comes a wake-up late (0.0002 wall s per exhibition s).
check "--cores 24: a clone per table in 30 min (+ timer lateness, wake-ups, 23 forks)" \
  "$(json predicted_h <<<"$r") >= 0.5 && $(json predicted_h <<<"$r") < 0.5 * (12 + $(json timer_late_ms <<<"$r")) / 12 + (23 * $(json create_us <<<"$r") + 30 * $(json wake_us <<<"$r")) * 1e-6 / 0.0002 / 3600 + 0.01"
r=$(p --model threadpool --workers 0 --cores 2)
check "on 2 cores: the prediction inside its bounds" "$(json bound_lo_s <<<"$r") <= $(json predicted_s <<<"$r") && $(json predicted_s <<<"$r") <= $(json bound_hi_s <<<"$r")"
# 30 pairs of (1 + 11) ms, and of (24 * 1 / 2 + 11) ms, each opponent's move late by the
# lateness the workload measured before the run (more on a busy machine) and by a wake-up,
# each of the master's moves a switch longer on the shared cores (all three in ms here).
# The last of the 24 threads starts 23 creations after the first, and plays its game after that.
late=$(json timer_late_ms <<<"$r"); wake=$(jq -r '.wake_us / 1000' <<<"$r"); sw=$(jq -r '.switch_us / 1000' <<<"$r")
mk=$(jq -r '.create_us * 23 / 1000' <<<"$r") # the fields are rounded: the checks allow 30 us
lo_want=$(awk "BEGIN { a = $mk + 30 * (1 + $sw + 11 + $late + $wake); b = 360 * (1 + $sw); print (a > b ? a : b) / 1000 }")
hi_want=$(awk "BEGIN { print ($mk + 30 * (12 * (1 + $sw) + 11 + $late + $wake)) / 1000 }")
check "on 2 cores: bounds 30 and 57.5 min (+ timer lateness $late ms, wake-up $wake ms, switch $sw ms, 23 creations $mk ms)" \
  "(($(json bound_lo_s <<<"$r") - $lo_want)^2 < 1e-9) && (($(json bound_hi_s <<<"$r") - $hi_want)^2 < 1e-9)"
check "the clones' wake-up and switch measured (${wake} ms, ${sw} ms) and the prediction without them recorded" \
  "$wake > 0 && $sw > 0 && $(json predicted_plain_s <<<"$r") > 0 && $(json predicted_plain_s <<<"$r") <= $(json predicted_s <<<"$r") * 1.02"
"$SIMUL" predict chess --model eventloop | grep -Eq 'asynchronous  predicted 6[01]\.[0-9] min' && ok "text: the story's units" || bad "text lacks 'asynchronous  predicted 6x.x min'"

# ---- a small exhibition under each model: verified, one trace line per move -------------------------
# 6 tables × 4 pairs, 5 ms / 55 ms moves: synchronous 1.44 s, the rest about 0.27 s.
small=(--opponents 6 --pairs 4 --scale 0.001)
runs=("sequential" "eventloop" "threadpool --workers 0" "multiprocess --workers 0" "threadpool"
      "multiprocess" "threadpool --workers 0 --gil" "eventloop --limit 2")
for m in "${runs[@]}"; do
  tr="$T_TMP/trace.csv"
  # shellcheck disable=SC2086
  if ! r=$(run_json chess --model $m "${small[@]}" --trace "$tr" 2>"$T_TMP/err"); then
    bad "$m: the run failed: $(head -c 300 "$T_TMP/err")"
    continue
  fi
  [[ $(json verified <<<"$r") == true ]] && ok "$m: verified" || bad "$m: not verified"
  masters=$(grep -c ',master,' "$tr")
  opps=$(grep -c ',opponent,' "$tr")
  [[ $masters -eq 24 && $opps -eq 24 && $(wc -l <"$tr") -eq 49 ]] && ok "$m: the trace has one line per move (48)" \
    || bad "$m: trace has $masters master and $opps opponent lines of $(wc -l <"$tr")"
  per_table=$(awk -F, 'NR > 1 { n[$1]++ } END { for (t in n) if (n[t] != 8) bad++; print length(n) ":" bad + 0 }' "$tr")
  [[ $per_table == "6:0" ]] && ok "$m: 8 moves at each of 6 tables" || bad "$m: tables:bad = $per_table"
  if timing; then
    w=$(json wall_s <<<"$r"); pr=$(json predicted_s <<<"$r"); lo=$(json bound_lo_s <<<"$r")
    tcheck "$m: measured $w s near predicted $pr s" "$w >= 0.95 * $lo && $w <= 2 * $pr"
  fi
done

# The synchronous run against the asynchronous one: the documents' 12 to 1, here 1.44 s to 0.27 s.
if timing; then
  s=$(run_json chess --model sequential "${small[@]}" | json wall_s)
  a=$(run_json chess --model eventloop "${small[@]}" | json wall_s)
  tcheck "synchronous / asynchronous about 5.4 at 6 tables ($s / $a)" "$s / $a > 2.5 && $s / $a < 7"
fi

# The timeline chart renders from a trace.
if command -v gnuplot >/dev/null; then
  run_json chess --model eventloop "${small[@]}" --trace "$T_TMP/tl.csv" >/dev/null
  gnuplot -e "trace='$T_TMP/tl.csv'; out='$T_TMP/tl.png'" "$SIMUL_ROOT/plots/timeline.gp" 2>"$T_TMP/err" \
    && [[ -s $T_TMP/tl.png ]] && ok "plots/timeline.gp renders a PNG" || bad "timeline.gp failed: $(head -c 300 "$T_TMP/err")"
fi

finish
