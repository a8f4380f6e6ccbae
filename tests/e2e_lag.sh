#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_lag.sh: claim C6 end to end: a 200 ms block makes the loop's ticker about 200 ms late, not the pool's or the threads'; bad input.
source "$SIMUL_ROOT/tests/lib.sh"

# The three models, one run each: a ticker every 10 ms beside one task blocking 200 ms of CPU.
for m in eventloop eventloop-offload threadpool; do
  r=$(run_json lag --model $m --block-ms 200 --duration-s 1)
  [[ $(json verified <<<"$r") == true ]] && ok "$m: lag verifies" || bad "$m lag: $r"
  late=$(json late_max_ms <<<"$r") block=$(json block_max_ms <<<"$r") ticks=$(json ticks <<<"$r")
  check "$m: the ticker woke ($ticks times) and the blocks ran ($(json blocks <<<"$r"))" \
    "$ticks >= 1 && $(json blocks <<<"$r") >= 1"
  check "$m: every block lasted its 200 ms of CPU time at least ($block ms, the longest)" "$block >= 199"
  if [[ $m == eventloop ]]; then
    # Generous: a wake can fall anywhere in a block; the worst waits out most of one.
    check "eventloop: the worst wake waited out a block ($late ms late, blocks up to $block ms)" \
      "$late >= 0.5 * 200 && $late <= 1.5 * $block + 20"
  elif timing; then
    tcheck "$m: the ticker kept time beside the block ($late ms late at worst; on the loop ~200)" "$late < 60"
  fi
done

# The pool's threads are counted from the threads that ran work, within libuv's pool size.
r=$(UV_THREADPOOL_SIZE=1 run_json lag --model eventloop-offload --tasks 3 --block-ms 20 --duration-s 0.3)
[[ $(json pool_size <<<"$r") == 1 && $(json pool_threads <<<"$r") == 1 ]] &&
  ok "UV_THREADPOOL_SIZE=1: one pool thread ran the blocks" || bad "pool of 1: $r"
r=$(UV_THREADPOOL_SIZE=3 run_json lag --model eventloop-offload --tasks 4 --block-ms 50 --rest-ms 0 --duration-s 0.4)
check "UV_THREADPOOL_SIZE=3, three blockers: 2 or 3 pool threads ran ($(json pool_threads <<<"$r") of $(json pool_size <<<"$r"))" \
  "$(json pool_threads <<<"$r") >= 2 && $(json pool_threads <<<"$r") <= 3 && $(json pool_size <<<"$r") == 3"
r=$(run_json lag --model eventloop --block-ms 10 --duration-s 0.2)
[[ $(json pool_threads <<<"$r") == null ]] && ok "eventloop's record has no pool fields" || bad "eventloop pool: $r"
[[ $(json late_max_pred_ms <<<"$r") == 11 ]] && ok "eventloop: predicted worst lateness one block (+1 ms)" || bad "pred: $r"

# Bad input: one line naming the problem, exit 2.
one_line() { # the error is one line naming the problem (then, for exit 2, the usage line); no record
  [[ $(grep -vc '^usage: ' "$T_TMP/err") -eq 1 ]] && grep -q -- "$1" "$T_TMP/err" && [[ ! -s $T_TMP/out ]] &&
    ok "  says: $(head -1 "$T_TMP/err")" || bad "  message: $(cat "$T_TMP/err")"
}
expect_exit 2 "a tick longer than the duration" -- "$SIMUL" run lag --model eventloop --tick-ms 3000 --duration-s 2
one_line "longer than --duration-s"
expect_exit 2 "a block of 0 under offload" -- "$SIMUL" run lag --model eventloop-offload --block-ms 0
one_line "nothing would be measured"
expect_exit 2 "a block below the CPU clock's resolution" -- "$SIMUL" run lag --model eventloop --block-ms 0.01
one_line "below the 0.1 ms"
expect_exit 2 "a tick below the timers' millisecond" -- "$SIMUL" run lag --model threadpool --tick-ms 0.5
one_line "whole milliseconds"
expect_exit 2 "a ticker alone" -- "$SIMUL" run lag --model eventloop --tasks 1
one_line "tasks 2 or more"
expect_exit 1 "UV_THREADPOOL_SIZE that libuv would bend" -- env UV_THREADPOOL_SIZE=0 "$SIMUL" run lag --model eventloop-offload
one_line "UV_THREADPOOL_SIZE='0'"
r=$(run_json lag --model eventloop --block-ms 0 --duration-s 0.1)
[[ $(json verified <<<"$r") == true ]] && ok "a block of 0 on the loop: the ticker alone, as a baseline" || bad "block 0: $r"
finish
