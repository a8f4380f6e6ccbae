# SPDX-License-Identifier: MIT
# lib.sh: helpers the end-to-end test scripts source: run simul, read JSON fields, assert.
set -uo pipefail
: "${SIMUL:?set SIMUL to the simul binary (ctest does)}"
: "${SIMUL_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${SIMUL_SANITIZE:=}"
T_FAILS=0
T_PASSES=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT

ok()   { T_PASSES=$((T_PASSES + 1)); echo "ok   $*"; }
bad()  { T_FAILS=$((T_FAILS + 1)); echo "FAIL $*"; }
# Timing ratios mean little under sanitizers, which slow everything unevenly.
timing() { [[ -z $SIMUL_SANITIZE ]]; }

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
run_json() { "$SIMUL" run "$@" --format json; }

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
  LIMIT_REC=$(run_json sleep "$@" --limit 2 --tasks 6 --ms 200 --trace "$T_TMP/limit.csv")
  [[ $(json verified <<<"$LIMIT_REC") == true ]] && ok "$*, --limit 2: verified" || bad "$*, --limit 2: $LIMIT_REC"
  check "$*, --limit 2 over 6: 3 waves predicted" "$(json predicted_s <<<"$LIMIT_REC") == 0.6"
  timing && check "$*, --limit 2 over 6: 3 waves ($(json wall_s <<<"$LIMIT_REC") s)" \
    "$(json wall_s <<<"$LIMIT_REC") >= 0.6 && $(json wall_s <<<"$LIMIT_REC") < 0.6 * 1.5"
  local peak
  peak=$(peak_in_flight "$T_TMP/limit.csv")
  [[ $peak -eq 2 ]] && ok "$*, --limit 2: 2 tasks in flight at most, and at once (saw $peak)" || bad "$*, --limit 2: $peak in flight"
}

# check DESCRIPTION EXPR: EXPR evaluated by awk (floating point), e.g. check "x < 2" "$a < 2*$b"
check() {
  if awk "BEGIN { exit !($2) }"; then ok "$1"; else bad "$1 [$2]"; fi
}

finish() {
  echo "$T_PASSES passed, $T_FAILS failed"
  [[ $T_FAILS -eq 0 ]]
}
