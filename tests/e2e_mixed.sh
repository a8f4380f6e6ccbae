#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_mixed.sh: the mixed workload (a GET, then CPU time) under every model, verified; its shape in time; bad input.
source "$SIMUL_ROOT/tests/lib.sh"

# Every model that runs a blocking body; one of plain callbacks runs only the workloads with
# a callback form, and mixed has none: it is refused up front.
models=$("$SIMUL" list --format json | jq -r '.models[] | select(.callbacks | not) | .name')
for m in $("$SIMUL" list --format json | jq -r '.models[] | select(.callbacks) | .name'); do
  expect_exit 2 "$m refuses mixed (no callback form)" -- "$SIMUL" run mixed --model $m --tasks 2
done
for m in $models; do
  r=$(run_json mixed --model $m --tasks 6 --latency-ms 20 --cpu-ms 5)
  [[ $(json verified <<<"$r") == true && $(json latency_ms <<<"$r") == 20 && $(json cpu_ms <<<"$r") == 5 ]] &&
    ok "$m: 6 GETs of 20 ms then 5 ms of CPU each, verified" || bad "$m mixed: $r"
done
r=$(run_json mixed --model eventloop --tasks 50 --latency-ms 0 --cpu-ms 0)
[[ $(json verified <<<"$r") == true ]] && ok "no latency, no CPU: the loopback round trip alone ($(json c_ms <<<"$r") ms each)" ||
  bad "mixed 0/0: $r"

if timing; then
  # The latencies overlap under the loop; the CPU does not (C5), unless it goes to the pool.
  r=$(run_best 3 mixed --model eventloop --tasks 50 --latency-ms 100 --cpu-ms 0)
  w=$(json wall_s <<<"$r")
  tcheck "eventloop: 50 GETs of 100 ms overlap ($w s, one after another 5 s)" "$w >= 0.1 && $w < 0.6"
  r=$(run_json mixed --model sequential --tasks 4 --latency-ms 0 --cpu-ms 50)
  w=$(json wall_s <<<"$r")
  check "sequential: 4 × 50 ms of CPU time take at least 0.2 s ($w s)" "$w >= 0.19"
  r=$(run_json mixed --model eventloop-offload --tasks 4 --latency-ms 0 --cpu-ms 50)
  check "eventloop-offload: the CPU work ran on the pool ($(json pool_threads <<<"$r") threads)" \
    "$(json pool_threads <<<"$r") >= 1"
fi

one_line() { # the error is one line naming the problem (then, for exit 2, the usage line); no record
  [[ $(grep -vc '^usage: ' "$T_TMP/err") -eq 1 ]] && grep -q -- "$1" "$T_TMP/err" && [[ ! -s $T_TMP/out ]] &&
    ok "  says: $(head -1 "$T_TMP/err")" || bad "  message: $(cat "$T_TMP/err")"
}
expect_exit 2 "a latency the server's timers cannot make" -- "$SIMUL" run mixed --model eventloop --latency-ms 0.1
one_line "whole milliseconds"
expect_exit 2 "a CPU level below the CPU clock's resolution" -- "$SIMUL" run mixed --model eventloop --cpu-ms 0.05
one_line "below the 0.1 ms"
expect_exit 2 "a negative latency" -- "$SIMUL" run mixed --model eventloop --latency-ms -1
one_line "latency-ms"
finish
