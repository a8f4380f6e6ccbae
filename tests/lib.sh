# SPDX-License-Identifier: MIT
# lib.sh: helpers the end-to-end test scripts source: run simul, read JSON fields, assert.
set -uo pipefail
: "${SIMUL:?set SIMUL to the simul binary (ctest does)}"
: "${SIMUL_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${SIMUL_SANITIZE:=}"
T_FAILS=0
T_PASSES=0
T_SKIPS=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT

ok()   { T_PASSES=$((T_PASSES + 1)); echo "ok   $*"; }
bad()  { T_FAILS=$((T_FAILS + 1)); echo "FAIL $*"; }
# skipped DESCRIPTION WHY: an assertion this machine cannot judge now: one line, never a silent pass.
skipped() { T_SKIPS=$((T_SKIPS + 1)); echo "skip $1: SKIPPED, $2"; }
# Timing ratios mean little under sanitizers, which slow everything unevenly.
timing() { [[ -z $SIMUL_SANITIZE ]]; }

# ---- Timing assertions: what a busy or slow machine can break -----------------------------
# CPU seconds the whole machine spent busy (steal included: the host taking our vCPUs).
cpu_busy_s() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat; }

# The cores other processes keep busy, sampled over half a second while this test waits.
others_busy() {
  local c0 t0
  c0=$(cpu_busy_s) t0=${EPOCHREALTIME/,/.}
  sleep 0.5
  awk -v c0="$c0" -v c1="$(cpu_busy_s)" -v t0="$t0" -v t1="${EPOCHREALTIME/,/.}" \
    'BEGIN { x = (c1 - c0) / (t1 - t0); printf "%.2f", x < 0 ? 0 : x }'
}

# tcheck DESCRIPTION EXPR: a timing assertion (a wall time against a bound, a ratio of two):
# ok when EXPR holds; when it does not and other processes keep a quarter of a core or more
# busy (the cores it needed were theirs), one line says it is skipped and why; on a calm
# machine, a failure. Not judged under the sanitizers (a line says so). Measure with
# run_best, or the best of a few tries, before: load only ever makes a run slower.
tcheck() {
  if ! timing; then skipped "$1" "timing is not judged under the sanitizers"; return; fi
  if awk "BEGIN { exit !($2) }"; then ok "$1"; return; fi
  local o
  o=$(others_busy)
  if awk -v o="$o" 'BEGIN { exit !(o >= 0.25) }'; then skipped "$1 [$2]" "other processes keep $o cores busy: too loaded to judge"
  else bad "$1 [$2] (the machine was calm: others busy $o cores)"; fi
}

# run_best TRIES ARGS...: `simul run ARGS --format json` up to TRIES times; prints the record
# with the least wall_s, and stops at the first within 1.25 x its prediction + 50 ms.
run_best() {
  local tries=$1 best="" bw=0 r w p i
  shift
  for ((i = 0; i < tries; i++)); do
    r=$(run_json "$@") || { [[ -n $best ]] || best=$r; break; }
    w=$(jq -r '.wall_s // empty' <<<"$r" 2>/dev/null)
    [[ -n $w ]] || { [[ -n $best ]] || best=$r; break; }
    if [[ -z $best ]] || awk "BEGIN { exit !($w < $bw) }"; then best=$r bw=$w; fi
    p=$(jq -r '.predicted_s // empty' <<<"$r")
    [[ -n $p ]] && awk "BEGIN { exit !($w <= 1.25 * $p + 0.05) }" && break
  done
  echo "$best"
}

# json FIELD < record  -> the field's value
json() { jq -r ".$1"; }

# expect_exit CODE DESCRIPTION -- CMD...: runs CMD, checks its status; stderr in $T_TMP/err
expect_exit() {
  local want=$1 what=$2; shift 3
  "$@" >"$T_TMP/out" 2>"$T_TMP/err"
  local got=$?
  if [[ $got -eq $want ]]; then ok "$what (exit $got)"; else bad "$what: exit $got, want $want; stderr: $(head -c 300 "$T_TMP/err")"; fi
}

# run_json ARGS...: simul run ARGS --format json; the record on stdout, failing loudly
# A run that hangs fails its check with simul's own --timeout line, not the whole test at ctest's limit.
run_json() {
  if [[ " $* " == *" --timeout "* ]]; then "$SIMUL" run "$@" --format json; else "$SIMUL" run "$@" --timeout 120 --format json; fi
}

# peak_in_flight TRACE: the most tasks whose phases overlapped at any instant in a --trace
# file (a sweep over its start and end events, ends first at a tie)
peak_in_flight() {
  tail -n +2 "$1" | awk -F, '{ print $4, 1; print $5, -1 }' | sort -g -k1,1 -k2,2 \
    | awk '{ n += $2; if (n > m) m = n } END { print m + 0 }'
}

# limit_waves MODEL_ARGS...: claim C10 under one model: 6 sleeps of 200 ms under --limit 2 are
# verified, predicted and measured as 3 waves, with exactly 2 in flight at the peak. Leaves the
# record in $LIMIT_REC and the trace in $T_TMP/limit.csv for model-specific checks.
limit_waves() {
  LIMIT_REC=$(run_best 3 sleep "$@" --limit 2 --tasks 6 --ms 200 --trace "$T_TMP/limit.csv")
  [[ $(json verified <<<"$LIMIT_REC") == true ]] && ok "$*, --limit 2: verified" || bad "$*, --limit 2: $LIMIT_REC"
  check "$*, --limit 2 over 6: 3 waves predicted" "$(json predicted_s <<<"$LIMIT_REC") == 0.6"
  check "$*, --limit 2 over 6: at least 3 waves ($(json wall_s <<<"$LIMIT_REC") s)" "$(json wall_s <<<"$LIMIT_REC") >= 0.6"
  tcheck "$*, --limit 2 over 6: 3 waves, not more ($(json wall_s <<<"$LIMIT_REC") s)" "$(json wall_s <<<"$LIMIT_REC") < 0.6 * 1.5"
  local peak
  peak=$(peak_in_flight "$T_TMP/limit.csv")
  [[ $peak -eq 2 ]] && ok "$*, --limit 2: 2 tasks in flight at most, and at once (saw $peak)" || bad "$*, --limit 2: $peak in flight"
}

# check DESCRIPTION EXPR: EXPR evaluated by awk (floating point), e.g. check "x < 2" "$a < 2*$b"
check() {
  if awk "BEGIN { exit !($2) }"; then ok "$1"; else bad "$1 [$2]"; fi
}

finish() {
  echo "$T_PASSES passed, $T_FAILS failed$([[ $T_SKIPS -gt 0 ]] && echo ", $T_SKIPS skipped (see the skip lines)")"
  [[ $T_FAILS -eq 0 ]]
}
