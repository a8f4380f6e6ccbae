#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_gopeers.sh: the Go peers of lag, spawn, switch and mixed run tiny, verify, print simul's fields, refuse what they cannot do.
source "$SIMUL_ROOT/tests/lib.sh"
GO=$(dirname "$SIMUL")/go-simul
[[ -x $GO ]] || { echo "skip: go-goroutines: no $GO (apt-get install golang-go, then rebuild)"; finish; exit; }

# names RECORD: its field names in order, without the peers' own extras and simul's stack.
DROP='["stack","runtime","startup_s","setup_s","base_rss_kib","pool_prestarted"]'
names() { jq -c --argjson x "$DROP" '[keys_unsorted[] | select(. as $k | $x | index($k) | not)]'; }

declare -A ARGS=([lag]="--tasks 2 --tick-ms 5 --block-ms 30 --rest-ms 10 --duration-s 0.2" [spawn]="--tasks 20"
                 [switch]="--rounds 200" [mixed]="--tasks 4 --latency-ms 5 --cpu-ms 2")
declare -A SIMUL_NAMES
for w in lag spawn switch mixed; do
  # shellcheck disable=SC2086
  SIMUL_NAMES[$w]=$(run_json $w --model threadpool ${ARGS[$w]} | names)
done

# one WORKLOAD [OPTIONS]: exit 0, verified, simul's fields in simul's order; the record in LAST.
one() {
  local w=$1 r st; shift
  # shellcheck disable=SC2086
  r=$("$GO" run "$w" --model go-goroutines ${ARGS[$w]} "$@" --format json 2>"$T_TMP/err")
  st=$?
  if [[ $st -ne 0 || $(json verified <<<"$r" 2>/dev/null) != true ]]; then
    bad "$w $*: exit $st: $r $(head -c 300 "$T_TMP/err")"; LAST='{}'; return
  fi
  [[ $(names <<<"$r") == "${SIMUL_NAMES[$w]}" ]] && ok "$w $*: verified, simul's fields in simul's order" \
    || bad "$w $*: fields $(names <<<"$r"), simul's ${SIMUL_NAMES[$w]}"
  LAST=$r
}

one lag
one lag --gomaxprocs 1
one spawn
[[ $(json made <<<"$LAST") == 20 && $(json primitive <<<"$LAST") == "a goroutine" && $(json pinned <<<"$LAST") == false ]] \
  && ok "spawn: 20 goroutines made, unpinned" || bad "spawn: $LAST"
one spawn --pin
[[ $(json pinned <<<"$LAST") == true && $(json cpu <<<"$LAST") -ge 0 ]] && ok "spawn --pin: on one CPU ($(json cpu <<<"$LAST"))" \
  || bad "spawn --pin: $LAST"
one switch
[[ $(json via <<<"$LAST") == "unbuffered chan" ]] && ok "switch: through unbuffered channels" || bad "switch: $LAST"
one switch --pin
one mixed
[[ $(json bytes_per_response <<<"$LAST") == 1024 && $(json elems_per_cpu_ms <<<"$LAST") -gt 0 ]] \
  && ok "mixed: one GET of 1024 bytes and the CPU work per task" || bad "mixed: $LAST"

# --pin holds every thread of the process on one CPU: each thread's allowed list is one CPU.
"$GO" run switch --model go-goroutines --rounds 3000000 --pin --format json >"$T_TMP/pin" 2>&1 &
pid=$!
sleep 0.3
lists=$(for t in /proc/$pid/task/*; do awk '/^Cpus_allowed_list/ { print $2 }' "$t/status" 2>/dev/null; done | sort -u)
wait $pid
[[ -n $lists && $(wc -l <<<"$lists") -eq 1 && $lists != *[-,]* ]] && ok "--pin: every thread on CPU $lists" \
  || bad "--pin: the threads may run on [$lists]"

# C6 in Go: the blocking call does not block the ticker. With a P free, the timer's own lateness;
# with one P, the scheduler preempts the block after 10 ms: well under the 150 ms block either way.
r=$("$GO" run lag --model go-goroutines --tasks 2 --block-ms 150 --duration-s 0.5 --format json)
tcheck "go lag: a 150 ms block beside the ticker, worst wake $(json late_max_ms <<<"$r") ms late (< 50)" \
  "$(json late_max_ms <<<"$r") < 50"
r=$("$GO" run lag --model go-goroutines --gomaxprocs 1 --tasks 2 --block-ms 150 --duration-s 0.5 --format json)
tcheck "go lag, GOMAXPROCS 1: preempted, worst wake $(json late_max_ms <<<"$r") ms late (< 100 of 150 ms blocks)" \
  "$(json late_max_ms <<<"$r") < 100 && $(json block_max_ms <<<"$r") >= 150"
[[ $(json late_max_pred_ms <<<"$r") == 21 ]] && ok "go lag, GOMAXPROCS 1: predicted 21 ms (preemption)" || bad "lag pred: $r"

# Bad input: exit 2, the problem and the fix on one line (then the usage), no record.
refused() {
  local what=$1 want=$2; shift 2
  expect_exit 2 "$what" -- "$GO" run "$@" --format json
  grep -q -- "$want" "$T_TMP/err" && [[ ! -s $T_TMP/out ]] && ok "$what: says '$want', no record" \
    || bad "$what: [$(head -c 200 "$T_TMP/out")] [$(head -c 300 "$T_TMP/err")]"
}
refused "switch --direct" "drop it" switch --model go-goroutines --direct
refused "switch --tasks 3" "give --tasks 2" switch --model go-goroutines --tasks 3
refused "switch --limit 1 (it would deadlock)" "does not apply" switch --model go-goroutines --limit 1
refused "spawn --limit" "does not apply" spawn --model go-goroutines --limit 2
refused "lag --tasks 1" "task 0 ticks" lag --model go-goroutines --tasks 1
refused "lag --block-ms 0.05" "at least 0.1" lag --model go-goroutines --block-ms 0.05
refused "mixed --workers" "drop it" mixed --model go-goroutines --workers 2
refused "--gomaxprocs 0" "out of range" lag --model go-goroutines --gomaxprocs 0
finish
