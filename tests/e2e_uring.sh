#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_uring.sh: eventloop-uring end to end: the coroutine core on io_uring sleeps, fetches and switches as eventloop does, and a refused ring is one line, exit 2.
source "$SIMUL_ROOT/tests/lib.sh"

if ! "$SIMUL" list | grep -q '^  eventloop-uring '; then
  echo "skip: built without liburing (apt-get install liburing-dev), so no eventloop-uring"
  exit 0
fi

# The refusals first: they hold wherever the model is built, io_uring allowed or not.
for why in ENOSYS EPERM; do
  expect_exit 2 "io_uring refused ($why)" -- env SIMUL_URING_REFUSE=$why "$SIMUL" run sleep --model eventloop-uring --tasks 3
  msg=$(head -1 "$T_TMP/err")
  [[ $msg == *"$why"* && $msg == *"--model eventloop"* ]] && ok "the line names $why and the model to use instead" ||
    bad "$why: $msg"
done
# A kernel that drops completions beyond its ring cannot hold N in flight: --limit can.
expect_exit 2 "a ring too small for 100000 in flight" -- env SIMUL_URING_REFUSE=NODROP "$SIMUL" run sleep --model eventloop-uring --tasks 100000 --ms 1
grep -q -- '--limit 65536' "$T_TMP/err" && ok "the line gives the --limit that fits" || bad "no --limit: $(cat "$T_TMP/err")"
r=$(SIMUL_URING_REFUSE=NODROP run_json sleep --model eventloop-uring --tasks 100000 --ms 1 --limit 1000)
[[ $(json verified <<<"$r") == true ]] && ok "... and under --limit 1000 the same run verifies" || bad "--limit 1000: $r"

if ! why=$("$SIMUL" run sleep --model eventloop-uring --tasks 1 --ms 0 2>&1 >/dev/null); then
  echo "skip: io_uring is refused on this machine: $why"
  finish
  exit $?
fi

# Sleeps overlap; --limit makes waves on two slots.
r=$(run_json sleep --model eventloop-uring --tasks 20 --ms 50)
[[ $(json verified <<<"$r") == true ]] && ok "20 sleeps of 50 ms verify" || bad "sleep: $r"
w=$(json wall_s <<<"$r")
check "the sleeps take at least the 50 ms asked ($w s)" "$w >= 0.05"
timing && check "they overlap ($w s < 0.5 s)" "$w < 0.5"
limit_waves --model eventloop-uring
slots=$(tail -n +2 "$T_TMP/limit.csv" | cut -d, -f2 | sort -u | tr '\n' ' ')
[[ $slots == "0 1 " ]] && ok "--limit 2: tasks ran on slots 0 and 1" || bad "--limit 2: slots '$slots'"

n=10000
[[ -n $SIMUL_SANITIZE ]] && n=1000
for k in copy guarded; do
  r=$(run_json sleep --model eventloop-uring --stack $k --tasks $n --ms 100 --rounds 2)
  [[ $(json verified <<<"$r") == true ]] && ok "--stack $k: $n tasks x 2 sleeps verify" || bad "--stack $k $n: $r"
done

# Fetches: connect, send and recv on the ring, buffers on the copied stack or not.
for k in copy guarded; do
  r=$(run_json fetch --model eventloop-uring --stack $k --tasks 20 --requests 3)
  [[ $(json verified <<<"$r") == true && $(json requests <<<"$r") == 60 ]] && ok "--stack $k: 20 tasks x 3 GETs verify" ||
    bad "fetch --stack $k: $r"
done
r=$(run_json fetch --model eventloop-uring --tasks 500 --latency-ms 200)
[[ $(json verified <<<"$r") == true ]] && ok "500 fetches of 200 ms verify in $(json wall_s <<<"$r") s" || bad "fetch 500: $r"
timing && check "... at once ($(json wall_s <<<"$r") s < 2 s)" "$(json wall_s <<<"$r") < 2"
# Nobody listens: the connect's error comes back from the ring, named.
expect_exit 1 "a refused connect fails the run" -- "$SIMUL" run fetch --model eventloop-uring --tasks 2 --url http://127.0.0.1:9/
grep -q 'Connection refused' "$T_TMP/err" && ok "the line names the refusal" || bad "refused: $(cat "$T_TMP/err")"

# Switches: through the loop and direct, verified.
for d in "" --direct; do
  r=$(run_json switch --model eventloop-uring --rounds 20000 $d)
  [[ $(json verified <<<"$r") == true ]] && ok "switch $d: verified, $(json switch_ns <<<"$r") ns a switch" || bad "switch $d: $r"
done
finish
