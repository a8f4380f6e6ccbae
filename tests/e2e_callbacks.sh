#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_callbacks.sh: eventloop-callbacks end to end (sleep and fetch as plain callbacks, the refusal of the rest) and the c-libuv-floor program.
source "$SIMUL_ROOT/tests/lib.sh"
M=eventloop-callbacks
FLOOR=$(dirname "$SIMUL")/c-libuv-floor

out=$("$SIMUL" list)
grep -Eq "^  $M +every task plain libuv callbacks" <<<"$out" && ok "list: $M's summary" || bad "list: $out"
grep -q "runs the workloads with a callback form: sleep fetch" <<<"$out" && ok "list: says which workloads it runs" || bad "list: $out"
l=$("$SIMUL" list --format json)
[[ $(jq -r '[.workloads[] | select(.callback_form) | .name] | join(" ")' <<<"$l") == "sleep fetch" ]] \
  && ok "list json: the workloads with a callback form" || bad "list json: $l"

# A workload with no callback form is refused up front, naming those that have one.
for w in sumsq chess; do
  expect_exit 2 "$w under $M" -- "$SIMUL" run $w --model $M
  grep -q "^simul run: $M runs only the workloads with a callback form (sleep, fetch); $w has none" "$T_TMP/err" \
    && ok "$w: one line naming sleep and fetch" || bad "$w: $(cat "$T_TMP/err")"
done
expect_exit 2 "simul predict sumsq under $M" -- "$SIMUL" predict sumsq --model $M
expect_exit 2 "--stack-kib under $M (it has no stacks)" -- "$SIMUL" run sleep --model $M --stack-kib 16
expect_exit 2 "--workers under $M" -- "$SIMUL" run sleep --model $M --workers 2

# C1: 20 sleeps of 50 ms: about 50 ms as callbacks, 1 s one after another.
r=$(run_json sleep --model $M --tasks 20 --ms 50)
seq=$(run_json sleep --model sequential --tasks 20 --ms 50 | json wall_s)
w=$(json wall_s <<<"$r")
[[ $(json verified <<<"$r") == true && $(json model <<<"$r") == "$M" ]] && ok "sleep verifies" || bad "sleep: $r"
check "the sleeps take at least the 50 ms asked ($w s)" "$w >= 0.05"
check "predicted one sleep ($(json predicted_s <<<"$r") s)" "$(json predicted_s <<<"$r") == 0.05"
tcheck "the sleeps overlap: $w s against sequential's $seq s (at least 5x faster)" "$w * 5 <= $seq"
r=$(run_best 3 sleep --model $M --tasks 3 --ms 50 --rounds 3)
[[ $(json verified <<<"$r") == true ]] && ok "3 rounds verify" || bad "rounds: $r"
tcheck "3 rounds of 50 ms take 3 sleeps ($(json wall_s <<<"$r") s)" \
  "$(json wall_s <<<"$r") >= 0.15 && $(json wall_s <<<"$r") < 0.3"

# C10: --limit 2 over 6 makes 3 waves on two slots; one trace line per sleep.
limit_waves --model $M
[[ $(json in_flight_max <<<"$LIMIT_REC") == 2 ]] && ok "--limit 2: the record says 2 in flight at most" || bad "in_flight_max: $LIMIT_REC"
slots=$(tail -n +2 "$T_TMP/limit.csv" | cut -d, -f2 | sort -u | tr '\n' ' ')
[[ $slots == "0 1 " ]] && ok "--limit 2: tasks ran in slots 0 and 1" || bad "--limit 2: slots '$slots'"
r=$(run_json sleep --model $M --tasks 2000 --ms 5 --rounds 4 --limit 500)
[[ $(json verified <<<"$r") == true ]] && ok "2000 tasks x 4 rounds on 500 slots verify" || bad "reused slots: $r"

# Many at once: 10,000 (2,000 under the sanitizers) sleeps of 300 ms take one sleep.
n=10000
[[ -n $SIMUL_SANITIZE ]] && n=2000
r=$(run_best 3 sleep --model $M --tasks $n --ms 300)
[[ $(json verified <<<"$r") == true ]] && ok "$n tasks verify" || bad "$n tasks: $r"
[[ $(json in_flight_max <<<"$r") == $n ]] && ok "$n tasks: all $n in flight at once" || bad "$n tasks in flight: $r"
tcheck "$n sleeps of 300 ms in one sleep ($(json wall_s <<<"$r") s < 0.45 s)" "$(json wall_s <<<"$r") < 0.45"

# fetch against the embedded server: every body counted; the GETs overlap (C3's shape).
R() { timeout 60 "$SIMUL" run fetch "$@" --format json 2>"$T_TMP/err"; }
r=$(R --model $M --tasks 20 --requests 3 --latency-ms 50)
[[ $(json verified <<<"$r") == true && $(json requests <<<"$r") == 60 && $(json bytes <<<"$r") == 61440 ]] \
  && ok "fetch: 60 GETs verified, 61440 bytes" || bad "fetch: $r $(cat "$T_TMP/err")"
w=$(json wall_s <<<"$r")
seq=$(R --model sequential --tasks 4 --requests 3 --latency-ms 50 | json wall_s)
tcheck "fetch: 20 tasks x 3 GETs of 50 ms take 3 round trips ($w s), 4 tasks one after another $seq s" \
  "$w >= 0.15 && $w < 0.3 && $w * 2 < $seq"
r=$(R --model $M --tasks 20 --latency-ms 100 --limit 5 --trace "$T_TMP/f.csv")
[[ $(json verified <<<"$r") == true ]] && ok "fetch --limit 5: verified" || bad "fetch --limit: $r"
tcheck "fetch --limit 5 over 20: 4 waves ($(json wall_s <<<"$r") s)" "$(json wall_s <<<"$r") >= 0.4 && $(json wall_s <<<"$r") < 0.6"
[[ $(grep -c ',connect,' "$T_TMP/f.csv") -eq 20 && $(grep -c ',request,' "$T_TMP/f.csv") -eq 20 ]] \
  && ok "fetch trace: a connect and a request per task" || bad "fetch trace: $(head -3 "$T_TMP/f.csv")"
n=1000
r=$(R --model $M --tasks $n --latency-ms 200)
[[ $(json verified <<<"$r") == true && $(json requests <<<"$r") == $n ]] && ok "fetch: $n at once verified" || bad "fetch $n: $r"
tcheck "fetch: $n GETs of 200 ms at once in about one ($(json wall_s <<<"$r") s)" "$(json wall_s <<<"$r") < 0.6"

# The floor: plain libuv, one timer per task, printing simul's sleep record.
if [[ -x $FLOOR ]]; then
  f=$("$FLOOR" run sleep --model c-libuv-floor --tasks 1000 --ms 200 --rounds 2 --format json)
  s=$(run_json sleep --model $M --tasks 1000 --ms 200 --rounds 2)
  keys() { jq -c '[keys_unsorted[] | select(. as $k | ["runtime","startup_s","setup_s","base_rss_kib","pool_prestarted"] | index($k) | not)]'; }
  [[ $(keys <<<"$f") == "$(keys <<<"$s")" ]] && ok "floor: simul's fields in simul's order" || bad "floor fields $(keys <<<"$f") vs $(keys <<<"$s")"
  [[ $(json verified <<<"$f") == true && $(json model <<<"$f") == c-libuv-floor && $(json mem_method <<<"$f") == rss-peak ]] \
    && ok "floor: verified, its model, its memory method" || bad "floor: $f"
  check "floor: 2 rounds of 200 ms take 2 sleeps ($(json wall_s <<<"$f") s)" "$(json wall_s <<<"$f") >= 0.4 && $(json wall_s <<<"$f") < 0.6"
  expect_exit 2 "floor: an option it does not have" -- "$FLOOR" run sleep --model c-libuv-floor --limit 3
  [[ $(wc -l <"$T_TMP/err") -eq 2 ]] && grep -q "unknown option --limit" "$T_TMP/err" && ok "floor: one line and the usage" || bad "floor: $(cat "$T_TMP/err")"
  expect_exit 2 "floor: --tasks 0" -- "$FLOOR" run sleep --model c-libuv-floor --tasks 0
  # The coroutine-free model against the floor, back to back, best of two each: a generous
  # ratio of their walls (the machine is shared; each run is under a second).
  if timing; then
    n=100000 a=99 b=99
    for _ in 1 2; do
      a=$(awk -v x="$a" -v y="$("$FLOOR" run sleep --model c-libuv-floor --tasks $n --ms 300 --format json | json wall_s)" 'BEGIN { print (y < x) ? y : x }')
      b=$(awk -v x="$b" -v y="$(run_json sleep --model $M --tasks $n --ms 300 | json wall_s)" 'BEGIN { print (y < x) ? y : x }')
    done
    tcheck "$n sleeps of 300 ms: $M ($b s) within 2x of the floor ($a s)" "$b <= 2 * $a"
  fi
else
  bad "no $FLOOR: the build makes it (bench/peers/peers.cmake)"
fi
finish
