#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_memory.sh: mem_kib counts a page shared by a run's processes once, and mem_method says how it was counted.
source "$SIMUL_ROOT/tests/lib.sh"

# One process: its peak RSS counts each page once, whatever its threads or coroutines.
for m in sequential "threadpool --workers 0" eventloop eventloop-callbacks; do
  # shellcheck disable=SC2086
  r=$(run_json sleep --model $m --tasks 20 --ms 10)
  [[ $(json mem_method <<<"$r") == rss-peak && $(json mem_kib <<<"$r") == $(json max_rss_kib <<<"$r") ]] \
    && ok "$m: rss-peak, mem_kib = max_rss_kib ($(json mem_kib <<<"$r") KiB)" || bad "$m: $r"
done
one=$(run_json sleep --model sequential --tasks 1 --ms 1 | json mem_kib)

# 200 sleeping processes share most of their pages with the parent: summing each one's RSS
# counts those pages 200 times over; mem_kib counts them once.
r=$(run_json sleep --model multiprocess --workers 0 --tasks 200 --ms 300)
mem=$(json mem_kib <<<"$r") sum=$(json max_rss_kib <<<"$r")
[[ $(json mem_method <<<"$r") == rss+uss ]] && ok "multiprocess: mem_method rss+uss" || bad "multiprocess: $r"
check "200 processes: mem_kib $mem KiB is under a fifth of the RSS sum $sum KiB" "$mem * 5 < $sum"
check "200 processes: mem_kib $mem KiB is under a fifth of 200 x one process's $one KiB" "$mem * 5 < 200 * $one"
check "200 processes: mem_kib $mem KiB is at least one process's $one KiB" "$mem >= $one"
# All 200 are alive at once when their forks take less than the sleep: a slow or busy
# machine's 200 forks can take longer (800 us each here on a bad day), so the sleep is 1 s,
# the best of three tries counts, and a busy machine skips it with a line.
n=$(json in_flight_max <<<"$r")
for _ in 1 2; do
  [[ $n == 200 ]] && break
  n=$(run_json sleep --model multiprocess --workers 0 --tasks 200 --ms 1000 | json in_flight_max)
done
tcheck "200 processes of 300 ms (then 1 s): all 200 alive at once (best of up to 3: $n)" "$n == 200"
# Tasks completed need not have been alive together: 300 forks take longer than a 1 ms sleep.
r=$(run_json sleep --model multiprocess --workers 0 --tasks 300 --ms 1)
check "300 processes of 1 ms: fewer than 300 alive at once ($(json in_flight_max <<<"$r"))" \
  "$(json in_flight_max <<<"$r") >= 1 && $(json in_flight_max <<<"$r") < 300"
r=$(run_json sleep --model multiprocess --workers 2 --tasks 6 --ms 10)
[[ $(json mem_method <<<"$r") == rss+uss ]] && check "a pool of 2: mem_kib under the RSS sum" "$(json mem_kib <<<"$r") < $(json max_rss_kib <<<"$r")" \
  || bad "pool of 2: $r"

# Against an independent count: the proportional set sizes (PSS) of the run's processes,
# summed while all of them sleep, are the same memory counted another way. mem_kib is the
# conservative one (the parent's whole RSS, each worker at its size as it ends): never much
# below, and within a few times of it for workers this small.
if [[ -r /proc/self/smaps_rollup ]]; then
  "$SIMUL" run sleep --model multiprocess --workers 0 --tasks 200 --ms 4000 --format json >"$T_TMP/mp.json" &
  p=$!
  # Sampled once all 200 have started (polled: a busy machine's forks take their time).
  kids=""
  for _ in $(seq 30); do
    sleep 0.1
    kids=$(cat /proc/$p/task/*/children 2>/dev/null)
    [[ $(wc -w <<<"$kids") -ge 200 ]] && break
  done
  # One read of all 201 files (a process per file outlasts the sleep on a busy machine); n:
  # how many processes it read, all of them when the sample is whole.
  read -r pss n < <(for k in $p $kids; do cat "/proc/$k/smaps_rollup" 2>/dev/null; done |
    awk '/^Pss:/ { s += $2; n++ } END { print s + 0, n + 0 }')
  wait $p
  mem=$(json mem_kib <"$T_TMP/mp.json")
  tcheck "PSS sample: the parent and its 200 processes read while all slept ($n)" "$n >= 201"
  [[ $n -ge 201 ]] &&
    check "200 processes: mem_kib $mem KiB within 0.8-5x of their summed PSS, $pss KiB" "$mem >= 0.8 * $pss && $mem <= 5 * $pss"
else
  ok "PSS cross-check skipped: no /proc/self/smaps_rollup (kernel before 4.14)"
fi
finish
