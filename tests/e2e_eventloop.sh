#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_eventloop.sh: the eventloop model end to end: sleeps overlap, --limit makes waves, CPU work does not overlap.
source "$SIMUL_ROOT/tests/lib.sh"

# min A B
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b < a) ? b : a }'; }

out=$("$SIMUL" list)
grep -Eq '^  eventloop +stackful coroutines' <<<"$out" && ok "list: eventloop's summary" || bad "list: $out"
grep -Eq 'switch: (x86-64 assembly|ucontext|aarch64)' <<<"$out" && ok "list: names the switch in use" || bad "list: $out"
grep -Eq 'stacks \(--stack\): copy, the default: [12] run stacks? of 64 KiB' <<<"$out" && grep -q 'guarded: 64 KiB each' <<<"$out" &&
  ok "list: names the stacks, copy the default" || bad "list stacks: $out"

# C1: 20 sleeps of 50 ms: one after another 1 s, on the loop about 50 ms.
seq_r=$(run_json sleep --model sequential --tasks 20 --ms 50)
el_r=$(run_best 3 sleep --model eventloop --tasks 20 --ms 50)
[[ $(json verified <<<"$el_r") == true ]] && ok "eventloop sleep verifies" || bad "eventloop sleep: $el_r"
el=$(json wall_s <<<"$el_r")
seq=$(json wall_s <<<"$seq_r")
check "eventloop sleeps take at least the 50 ms asked ($el s)" "$el >= 0.05"
check "eventloop predicts one sleep: $(json predicted_s <<<"$el_r") s" "$(json predicted_s <<<"$el_r") == 0.05"
if timing; then
  tcheck "eventloop overlaps the sleeps: $el s vs sequential $seq s (at least 5x faster)" "$el * 5 <= $seq"
  tcheck "eventloop wall is near one sleep ($el s <= 0.15 s)" "$el <= 0.15"
fi

# C10: 6 sleeps of 200 ms under --limit 2 run in three waves, on two coroutine slots.
limit_waves --model eventloop
trace="$T_TMP/limit.csv"
w=$(json wall_s <<<"$LIMIT_REC")
check "--limit 2: the waves take at least 0.6 s ($w s)" "$w >= 0.6"
tcheck "--limit 2: three waves, not four ($w s < 0.78 s)" "$w < 0.78"
slots=$(tail -n +2 "$trace" | cut -d, -f2 | sort -u | tr '\n' ' ')
[[ $slots == "0 1 " ]] && ok "--limit 2: tasks ran on coroutine slots 0 and 1" || bad "--limit 2: slots '$slots'"
lines=$(tail -n +2 "$trace" | wc -l)
[[ $lines -eq 6 ]] && ok "the trace has one sleep per task" || bad "trace has $lines lines"

# Many at once: 10000 tasks (1000 under the sanitizers, whose fibers are heavy) sleep 300 ms.
n=10000
[[ -n $SIMUL_SANITIZE ]] && n=1000
r=$(run_best 3 sleep --model eventloop --tasks $n --ms 300)
[[ $(json verified <<<"$r") == true ]] && ok "$n tasks verify" || bad "$n tasks: $r"
w=$(json wall_s <<<"$r")
tcheck "$n tasks of 300 ms take one sleep, not more ($w s < 0.9 s)" "$w < 0.9"

# Small stacks, many tasks, several rounds each: stacks and timers are reused.
for k in copy guarded; do
  r=$(run_json sleep --model eventloop --stack $k --tasks 2000 --ms 5 --rounds 4 --stack-kib 16 --limit 500)
  [[ $(json verified <<<"$r") == true && $(json stack <<<"$r") == "$k" ]] &&
    ok "--stack $k: 2000 tasks x 4 rounds on 500 slots of 16 KiB verify; the record says stack=$k" || bad "rounds: $r"
done
[[ $(run_json sleep --model eventloop --tasks 2 --ms 1 | json stack) == copy ]] && ok "the copied stack is the default" ||
  bad "default stack"

# What a sleeping task costs: 100000 at once (eventloop's copied stack measured 0.6 KiB
# each, results included) stay under 2 KiB each; guarded stacks, a touched page each, cost
# several times more. (Not under the sanitizers, whose shadow and fibers cost more.)
if timing; then
  base=$(run_json sleep --model eventloop --tasks 1 --ms 1 | json max_rss_kib)
  r=$(run_json sleep --model eventloop --tasks 100000 --ms 200)
  copy=$(awk -v r="$(json max_rss_kib <<<"$r")" -v b="$base" 'BEGIN { printf "%.3f", (r - b) / 100000 }')
  check "100000 sleeping tasks, copied stack: $copy KiB each (< 2 KiB)" "$copy < 2"
  r=$(run_json sleep --model eventloop --stack guarded --tasks 20000 --ms 200)
  guarded=$(awk -v r="$(json max_rss_kib <<<"$r")" -v b="$base" 'BEGIN { printf "%.3f", (r - b) / 20000 }')
  check "guarded stacks cost more than twice as much per task ($guarded KiB vs $copy)" "$guarded > 2 * $copy"
fi

# C5: CPU work gains nothing on the loop: eventloop ~ sequential (best of three, interleaved).
r=$(run_json sumsq --model eventloop --n 3000000 --tasks 4)
[[ $(json verified <<<"$r") == true ]] && ok "eventloop sumsq verifies" || bad "eventloop sumsq: $r"
if timing; then
  s=9 e=9
  for _ in 1 2 3; do
    s=$(min "$s" "$(run_json sumsq --model sequential --n 200000000 --tasks 2 | json wall_s)")
    e=$(min "$e" "$(run_json sumsq --model eventloop --n 200000000 --tasks 2 | json wall_s)")
  done
  tcheck "sumsq: eventloop ($e s) within 0.7-1.4x of sequential ($s s)" "$e >= 0.7 * $s && $e <= 1.4 * $s"
fi

# Running out of memory for stacks fails the run: exit 1, one line naming what to lower, no
# record. (Not under the sanitizers: their shadow memory needs the address space.)
if [[ -z $SIMUL_SANITIZE ]]; then
  (ulimit -v $((1024 * 1024)); exec "$SIMUL" run sleep --model eventloop --stack guarded --tasks 100000 --ms 1) \
    >"$T_TMP/out" 2>"$T_TMP/err"
  st=$?
  [[ $st -eq 1 ]] && ok "stacks beyond the address space: exit 1" || bad "stack exhaustion: exit $st: $(cat "$T_TMP/err")"
  [[ ! -s $T_TMP/out ]] && ok "stack exhaustion: no record" || bad "stack exhaustion printed: $(cat "$T_TMP/out")"
  [[ $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q -- '--stack-kib' "$T_TMP/err" && grep -q '100000' "$T_TMP/err" &&
    ok "stack exhaustion: one line naming the stack size and the count: $(cat "$T_TMP/err")" ||
    bad "stack exhaustion message: $(cat "$T_TMP/err")"
fi
finish
