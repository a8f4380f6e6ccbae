#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_conformance.sh: every model simul lists (and every peer's, where its toolchain is here) through the runtime's contract; each peer's record through simul's.
# The models come from `simul list --format json` and `PROGRAM list --format json`, so a new
# model is walked with no edit here: every workload it runs runs and verifies with tiny
# parameters, its record has the common fields, and it honours --limit, --timeout and SIGINT
# (no record, the exit status of the program's contract, no process left).
source "$SIMUL_ROOT/tests/lib.sh"
cd "$T_TMP" || exit 1

# Tiny parameters per workload; a workload not named here runs with its defaults and 2 tasks.
declare -A TINY=(
  [sleep]="--tasks 3 --ms 20" [sumsq]="--tasks 2 --n 1000000" [fetch]="--tasks 3 --latency-ms 5"
  [chess]="--opponents 2 --pairs 1" [spawn]="--tasks 50" [switch]="--rounds 200"
  [lag]="--tasks 2 --block-ms 5 --duration-s 0.2" [mixed]="--tasks 3 --latency-ms 5 --cpu-ms 1"
)
COMMON="workload model tasks workers wall_s predicted_s user_s sys_s max_rss_kib voluntary_ctx involuntary_ctx verified limit gil mem_kib mem_method"

# simul_record MODEL WORKLOAD: simul's record of the tiny run, the fastest of three (its unit
# check sets the peer's run against it, and one run slowed by a busy machine is off by more).
simul_record() {
  local i
  for i in 1 2 3; do
    # shellcheck disable=SC2086
    "$SIMUL" run "$2" --model $1 ${TINY[$2]:---tasks 2} --format json 2>/dev/null
  done | jq -s -c 'if length > 0 then min_by(.wall_s) else empty end'
}

# contract_ok WHO WORKLOAD MODEL_JSON RUN...: a peer's record (in out) field by field against
# simul's for the same workload and sizes (tests/peer_contract.py: names, order, JSON types,
# units); a model that hands blocking work to a pool against simul's that does (its pool's
# fields), others against the thread pool's. The units are judged on wall times, so a record
# that fails is run again (RUN) once: a fault of the record fails twice, a busy moment once.
contract_ok() {
  local why ref=threadpool theirs
  [[ $(jq -r '.offload // false' <<<"$3") == true ]] && ref=eventloop-offload
  theirs=../simul.$ref.$2.json
  conforms() { why=$(/usr/bin/python3 "$SIMUL_ROOT/tests/peer_contract.py" "$(cat "$theirs")" "$(cat out)"); }
  if conforms || { "${@:4}" >out 2>err && conforms; }; then
    ok "$1: $2: simul's fields in simul's order, their types and units, then the peers' own"
  else
    bad "$1: $2: the peer contract: $why"
  fi
}

# spelled MODEL_JSON: the model's --model argument, a pool with a worker per task.
spelled() { jq -r 'if .pool then "\(.name) --workers 0" else .name end' <<<"$1"; }

# record_ok WHO WORKLOAD MODEL: the last run's record (in out) verified, with every common field.
record_ok() {
  local missing=() f
  for f in $COMMON; do jq -e "has(\"$f\")" out >/dev/null 2>&1 || missing+=("$f"); done
  if [[ $(jq -r .verified out 2>/dev/null) == true && $(jq -r .workload out) == "$2" && $(jq -r .model out) == "$3" \
        && ${#missing[@]} -eq 0 ]]; then
    ok "$1: $2 runs, verifies, reports the common fields"
  else
    bad "$1: $2: record [$(head -c 300 out)] missing [${missing[*]}], stderr [$(head -c 300 err)]"
  fi
}

# left MARK: the processes whose command line holds MARK, 2 s after the run ended (a child
# killed with its parent can take a moment to be gone on a busy machine; one still there then
# was left behind).
left() {
  local i
  for ((i = 0; i < 40; i++)); do pgrep -f -- "$1" >/dev/null || return 0; sleep 0.05; done
  pgrep -f -- "$1" | tr '\n' ' '
}

# armed PID: wait (10 s at most) until the process catches SIGTERM: its run's handlers are set
# (CPython catches SIGINT from its start, before the program's own handler is).
armed() {
  local i blk cgt
  for ((i = 0; i < 200; i++)); do
    # caught, or blocked in the main thread for one thread's sigwait (as the tokio peer does)
    read -r blk cgt < <(awk '/^SigBlk:/ { b = $2 } /^SigCgt:/ { c = $2 } END { print b, c }' "/proc/$1/status" 2>/dev/null)
    [[ -n $cgt ]] && ((((16#$blk | 16#$cgt) >> 14) & 1)) && return 0
    sleep 0.05
  done
  return 1
}

# settled PID: wait (10 s at most) until the process is asleep and has used no CPU for 0.2 s:
# its start-up is over and its run is waiting on its sleeps. A runtime may catch SIGINT and
# SIGTERM from its own start (Node.js does, to restore the terminal), so `armed` alone does not
# say the program's handlers are set; a start-up still running is not asleep, or uses CPU.
settled() {
  local i n=0 st cpu last=
  for ((i = 0; i < 200; i++)); do
    # after the command's name in parentheses: the state, then utime and stime at 12 and 13
    read -r st cpu < <(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $1, $12 + $13 }')
    if [[ $st == S && $cpu == "$last" ]]; then ((++n >= 4)) && return 0; else n=0; fi
    last=$cpu
    sleep 0.05
  done
  return 1
}

# walk WHO SIGINT_STATUS PROGRAM... < list: the contract for every model of one program's list.
walk() {
  local who=$1 want_int=$2 list m name spec w mark pid rc
  shift 2
  list=$("$@" list --format json) || { bad "$who: list --format json failed"; return; }
  [[ $(jq '.models | length' <<<"$list") -gt 0 ]] && ok "$who: lists $(jq -r '[.models[].name] | join(", ")' <<<"$list")" \
    || bad "$who: lists no model"
  while read -r m; do
    name=$(jq -r .name <<<"$m")
    spec=$(spelled "$m")
    [[ -n $(jq -r '.family // empty' <<<"$m") ]] && ok "$name: declares its family ($(jq -r .family <<<"$m"))" \
      || bad "$name: no family in its list entry"
    for w in $(jq -r '(.workloads // []) | .[]' <<<"$m"); do
      # shellcheck disable=SC2086 # the tiny parameters are words
      "$@" run "$w" --model $spec ${TINY[$w]:---tasks 2} --format json >out 2>err
      record_ok "$name" "$w" "$name"
      # shellcheck disable=SC2086
      [[ $who == simul ]] || contract_ok "$name" "$w" "$m" "$@" run "$w" --model $spec ${TINY[$w]:---tasks 2} --format json
    done
    # --limit 2 over 4 sleeps of 100 ms: two waves at least (a sleep never ends early), and
    # the record says the limit.
    # shellcheck disable=SC2086
    "$@" run sleep --model $spec --tasks 4 --ms 100 --limit 2 --format json >out 2>err
    if [[ $(jq -r .verified out 2>/dev/null) == true && $(jq -r .limit out) == 2 ]]; then
      check "$name: --limit 2 over 4 sleeps of 0.1 s takes two waves ($(jq -r .wall_s out) s)" "$(jq -r .wall_s out) >= 0.195"
    else
      bad "$name: --limit 2: [$(head -c 300 out)] [$(head -c 300 err)]"
    fi
    # --timeout: the run is stopped, exit 1, one line, no record.
    mark="--ms $((7000 + RANDOM % 1000))"
    # shellcheck disable=SC2086
    "$@" run sleep --model $spec --tasks 2 $mark --timeout 0.3 --format json >out 2>err
    rc=$?
    [[ $rc -eq 1 && ! -s out ]] && grep -qi "time" err && ok "$name: --timeout 0.3 stops the run: exit 1, no record" \
      || bad "$name: --timeout: exit $rc, [$(head -c 200 out)] [$(head -c 300 err)]"
    [[ -z $(left "$mark") ]] && ok "$name: nothing left after the timeout" || bad "$name: left after the timeout: $(left "$mark")"
    # SIGINT during a run (a script's background job starts with SIGINT ignored: restore it).
    mark="--ms $((8000 + RANDOM % 1000))"
    # shellcheck disable=SC2086
    env --default-signal=INT "$@" run sleep --model $spec --tasks 3 $mark --timeout 60 --format json >out 2>err &
    pid=$!
    armed $pid || bad "$name: its handlers were never set"
    settled $pid || bad "$name: still starting up after 10 s"
    sleep 0.1
    kill -INT $pid
    wait $pid
    rc=$?
    [[ $rc -eq $want_int && ! -s out ]] && ok "$name: SIGINT mid-run: exit $rc, no record" \
      || bad "$name: SIGINT: exit $rc (want $want_int), [$(head -c 200 out)] [$(head -c 300 err)]"
    [[ -z $(left "$mark") ]] && ok "$name: no process left after SIGINT" || bad "$name: left after SIGINT: $(left "$mark")"
  done < <(jq -c '.models[]' <<<"$list")
}

# The peers (bench/peers/README.md), one line each: its key, the probe that says it can run here,
# how to start it, and what to install when it cannot. A peer exits 1 on a signal, as on any
# failure. A new peer is added here by one line, and then passes what every peer passes.
BIN=${SIMUL%/*}
PEERS=(
  "python|/usr/bin/python3 -c 'import requests, aiohttp, uvloop'|/usr/bin/python3 $SIMUL_ROOT/bench/peers/python/peer.py|apt-get install python3-requests python3-aiohttp python3-uvloop"
  "go|test -x $BIN/go-simul|$BIN/go-simul|apt-get install golang-go, then rebuild"
  "node|test -x /usr/bin/node|/usr/bin/node $SIMUL_ROOT/bench/peers/node/peer.js|apt-get install nodejs"
  "tokio|test -x $BIN/tokio-simul|$BIN/tokio-simul|apt-get install rustc cargo librust-tokio-dev, then rebuild"
)
# simul's records of each workload, which every peer's is checked against (contract_ok), made
# before the walks run side by side.
for w in "${!TINY[@]}"; do
  for ref in threadpool eventloop-offload; do
    simul_record $ref "$w" >"simul.$ref.$w.json"
    [[ -s simul.$ref.$w.json ]] || bad "simul: $w under $ref failed"
  done
done
# Every program at once, each in its own folder (an interpreter's start-up is most of the time);
# their lines are printed in turn, and every FAIL counts.
mkdir simul
(cd simul && walk simul 130 "$SIMUL" >log 2>&1; echo "$T_PASSES $T_FAILS" >tally) &
dirs=(simul)
for p in "${PEERS[@]}"; do
  IFS='|' read -r key probe start install <<<"$p"
  if ! bash -c "$probe" 2>/dev/null; then echo "skip the $key peer: it cannot run here ($install)"; continue; fi
  read -ra cmd <<<"$start"
  mkdir "$key" && dirs+=("$key")
  (cd "$key" && walk "the $key peer" 1 "${cmd[@]}" >log 2>&1; echo "$T_PASSES $T_FAILS" >tally) &
done
wait
for d in "${dirs[@]}"; do
  [[ -f $d/log ]] && cat $d/log
  [[ -f $d/log && ! -f $d/tally ]] && bad "$d: its walk did not finish"
  [[ -f $d/tally ]] && read -r p f <$d/tally && T_PASSES=$((T_PASSES + p)) && T_FAILS=$((T_FAILS + f))
done
finish
