#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_nodepeers.sh: the Node.js and Rust tokio peers run sleep, fetch, spawn and switch, verify, print simul's record, refuse bad input; a missing one is skipped.
source "$SIMUL_ROOT/tests/lib.sh"
NODE=(/usr/bin/node "$SIMUL_ROOT/bench/peers/node/peer.js")
TOKIO=("$(dirname "$SIMUL")/tokio-simul")
PEER_EXTRA='["runtime","startup_s","setup_s","base_rss_kib","pool_prestarted"]'
export SIMUL # the peers' fetch starts this simul's server

# keys RECORD: its field names in order, the peers' own extras left out
keys() { jq -c --argjson x "$PEER_EXTRA" '[keys_unsorted[] | select(. as $k | $x | index($k) | not)]'; }
declare -A ARGS=([sleep]="--tasks 3 --ms 100" [fetch]="--tasks 5 --latency-ms 20" [spawn]="--tasks 100"
                 [switch]="--rounds 1000")
declare -A SIMUL_KEYS
# simul's record for each workload, for its field names (models whose record has no stack field)
for w in sleep fetch spawn switch; do
  m=sequential; [[ $w == switch ]] && m=threadpool
  # shellcheck disable=SC2086
  SIMUL_KEYS[$w]=$(run_json $w --model $m ${ARGS[$w]} | keys)
done

# The harness's skip: a peer program that is absent is one line naming what to install.
( cd "$SIMUL_ROOT/bench" && mkdir -p "$T_TMP/bin" && cp "$SIMUL" "$T_TMP/bin/simul" &&
  SIMUL="$T_TMP/bin/simul" python3 -c '
from harness import peers
rec, err, skip = peers.predict("tokio", ["sleep", "--model", "tokio-tasks"])
assert rec is None and not err and "apt-get install rustc cargo librust-tokio-dev" in skip, (rec, err, skip)
class Gone(peers.Program):
    def argv(self):
        return ["/nonexistent/node", "peer.js"]
n = peers.PROGRAMS["node"]
why = Gone(n.key, n.what, n.install).absent()
assert "apt-get install nodejs" in why, why
print(skip); print(why)' ) >"$T_TMP/skip" 2>&1 && ok "an absent peer is skipped with its package: $(paste -sd'|' "$T_TMP/skip")" \
  || bad "the harness's skip of an absent peer: $(cat "$T_TMP/skip")"

# peer NAME MODEL CMD...: every workload once, then the checks every peer passes.
peer() {
  local name=$1 model=$2 r st w; shift 2
  for w in sleep fetch spawn switch; do
    # shellcheck disable=SC2086
    r=$("$@" run $w --model "$model" ${ARGS[$w]} --format json 2>"$T_TMP/err"); st=$?
    if [[ $st -ne 0 || $(json verified <<<"$r" 2>/dev/null) != true || $(json model <<<"$r") != "$model" ]]; then
      bad "$w under $model: exit $st: $r $(head -c 300 "$T_TMP/err")"; continue
    fi
    [[ $(keys <<<"$r") == "${SIMUL_KEYS[$w]}" ]] && ok "$w under $model: verified, simul's fields in simul's order" \
      || bad "$w under $model: fields $(keys <<<"$r"), simul's ${SIMUL_KEYS[$w]}"
    [[ $(jq -c '[keys_unsorted[-5:][]]' <<<"$r") == "$PEER_EXTRA" ]] && ok "$w under $model: the peers' five fields last" \
      || bad "$w under $model: $(jq -c '[keys_unsorted[-5:][]]' <<<"$r")"
  done
  r=$("$@" run sleep --model "$model" --tasks 6 --ms 100 --limit 2 --format json)
  check "$name: 6 sleeps under --limit 2: 3 waves predicted, at least 3 taken ($(json wall_s <<<"$r") s), 2 in flight at most" \
    "$(json predicted_s <<<"$r") == 0.3 && $(json wall_s <<<"$r") >= 0.3 && $(json in_flight_max <<<"$r") == 2"
  r=$("$@" run sleep --model "$model" --tasks 1000 --ms 100 --format json)
  check "$name: 1000 sleeps of 100 ms: all in flight at once, none short" \
    "$(json in_flight_max <<<"$r") == 1000 && $(json sleep_p99_s <<<"$r") >= 0.099"
  tcheck "$name: 1000 sleeps of 100 ms take about one sleep ($(json wall_s <<<"$r") s < 0.3)" "$(json wall_s <<<"$r") < 0.3"
  r=$("$@" run fetch --model "$model" --tasks 4 --requests 3 --latency-ms 10 --bytes 777 --format json)
  check "$name: 4 tasks of 3 GETs: 12 bodies of 777 bytes" "$(json requests <<<"$r") == 12 && $(json bytes <<<"$r") == 12 * 777"
  r=$("$@" run switch --model "$model" --rounds 500 --format json)
  check "$name: 500 round trips of the token ($(json switch_ns <<<"$r") ns a switch)" "$(json switch_ns <<<"$r") > 0"
  r=$("$@" predict sleep --model "$model" --tasks 7 --ms 200 --rounds 3 --format json)
  check "$name: predict sleep: 3 rounds of 0.2 s" "$(json predicted_s <<<"$r") == 0.6"
  [[ $("$@" list --format json | jq -r '.models[0] | "\(.name) \(.family) \(.caps | index("per-task") != null)"') == "$model loop true" ]] \
    && ok "$name: list --format json names $model, family loop, per-task" || bad "$name: list: $("$@" list --format json)"

  expect_exit 2 "$name: an unknown model" -- "$@" run sleep --model nope
  expect_exit 2 "$name: --workers (simul's pools)" -- "$@" run sleep --model "$model" --workers 2
  expect_exit 2 "$name: --tasks 0" -- "$@" run sleep --model "$model" --tasks 0
  expect_exit 2 "$name: --ms x" -- "$@" run sleep --model "$model" --ms x
  expect_exit 2 "$name: switch between 3 tasks" -- "$@" run switch --model "$model" --tasks 3
  expect_exit 2 "$name: spawn --limit" -- "$@" run spawn --model "$model" --limit 2
  expect_exit 2 "$name: fetch --url ftp://" -- "$@" run fetch --model "$model" --url ftp://x/
  expect_exit 2 "$name: an unknown workload" -- "$@" run dns --model "$model"
  expect_exit 2 "$name: list --format xml" -- "$@" list --format xml
  [[ $(wc -l <"$T_TMP/err") -le 2 && -s $T_TMP/err ]] && ok "$name: a wrong command line is one line and the usage" \
    || bad "$name: stderr: $(cat "$T_TMP/err")"
  # A failed run: one line, no record. Nothing listens on port 1.
  expect_exit 1 "$name: fetch from a closed port fails" -- "$@" run fetch --model "$model" --url http://127.0.0.1:1/ --tasks 2 --format json
  [[ ! -s $T_TMP/out && $(wc -l <"$T_TMP/err") -eq 1 ]] && ok "$name: the failure is one line and no record ($(cat "$T_TMP/err"))" \
    || bad "$name: failed fetch: stdout $(head -c 200 "$T_TMP/out"), stderr $(cat "$T_TMP/err")"
  expect_exit 1 "$name: --timeout 0.3 over a 5-s sleep" -- "$@" run sleep --model "$model" --ms 5000 --timeout 0.3
  grep -q "timed out" "$T_TMP/err" && ok "$name: the timeout says so" || bad "$name: timeout: $(cat "$T_TMP/err")"
}

if [[ -x ${NODE[0]} ]]; then peer node node-promises "${NODE[@]}"
else skipped "node-promises" "no ${NODE[0]}: apt-get install nodejs"; fi
if [[ -x ${TOKIO[0]} ]]; then peer tokio tokio-tasks "${TOKIO[@]}"
else skipped "tokio-tasks" "no ${TOKIO[0]}: apt-get install rustc cargo librust-tokio-dev, then make build"; fi
# No server outlived its run.
# Left behind: orphaned (its peer gone) and still there 2 s on. A server another test started
# beside this one (ctest -j2) has its peer alive, and is that test's to judge.
orphans() { local p; for p in $(pgrep -f "$SIMUL serve"); do [[ $(ps -o ppid= -p "$p" | tr -d ' ') == 1 ]] && echo "$p"; done; }
left=$(orphans)
for _ in $(seq 20); do [[ -z $left ]] && break; sleep 0.1; left=$(orphans); done
[[ -n $left ]] && bad "a simul serve was left behind: $(ps -o pid,ppid,args -p "${left//$'\n'/,}")" || ok "no simul serve left behind"
finish
