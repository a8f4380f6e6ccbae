#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_pypeers.sh: the CPython peers of lag, spawn, switch and mixed run tiny, verify, print simul's fields, refuse what they cannot do, leave no child behind.
source "$SIMUL_ROOT/tests/lib.sh"
PY=/usr/bin/python3
PEER=("$PY" "$SIMUL_ROOT/bench/peers/python/peer.py")
if ! [[ -x $PY ]] || ! "$PY" -c 'import uvloop' 2>/dev/null; then
  echo "skip: the Python peers: $PY lacks uvloop (apt-get install python3-uvloop)"; finish; exit
fi

# common RECORD: the field names up to mem_method; own RECORD: the workload's, after it. Left
# out: fields one model has and another not (simul's coroutine stack, an executor's pool).
DROP='["stack","pool_size","pool_threads","runtime","startup_s","setup_s","base_rss_kib","pool_prestarted"]'
names() { jq -c --argjson x "$DROP" '[keys_unsorted[] | select(. as $k | $x | index($k) | not)]'; }
common() { names | jq -c '.[: index("mem_method") + 1]'; }
own() { names | jq -c '.[index("mem_method") + 1 :]'; }

declare -A ARGS=([lag]="--tasks 2 --tick-ms 5 --block-ms 30 --rest-ms 10 --duration-s 0.2" [spawn]="--tasks 20"
                 [switch]="--rounds 200" [mixed]="--tasks 4 --latency-ms 5 --cpu-ms 2")
declare -A SIMUL_COMMON SIMUL_OWN
for w in lag spawn switch mixed; do
  # shellcheck disable=SC2086
  r=$(run_json $w --model threadpool ${ARGS[$w]})
  SIMUL_COMMON[$w]=$(common <<<"$r") SIMUL_OWN[$w]=$(own <<<"$r")
done

# one WORKLOAD MODEL [OPTIONS]: exit 0, verified, its model, simul's common and own fields in simul's order.
one() {
  local w=$1 m=$2 r st; shift 2
  # shellcheck disable=SC2086
  r=$("${PEER[@]}" run "$w" --model "$m" ${ARGS[$w]} "$@" --format json 2>"$T_TMP/err")
  st=$?
  if [[ $st -ne 0 || $(json verified <<<"$r" 2>/dev/null) != true || $(json model <<<"$r") != "$m" ]]; then
    bad "$w under $m $*: exit $st: $r $(head -c 300 "$T_TMP/err")"; return
  fi
  [[ $(common <<<"$r") == "${SIMUL_COMMON[$w]}" && $(own <<<"$r") == "${SIMUL_OWN[$w]}" ]] \
    && ok "$w under $m $*: verified, simul's fields in simul's order" \
    || bad "$w under $m $*: fields $(names <<<"$r"), simul's ${SIMUL_COMMON[$w]} ${SIMUL_OWN[$w]}"
  LAST=$r
}

for m in python-asyncio python-uvloop python-asyncio-threadpool python-asyncio-processpool; do one lag $m; done
[[ $(json pool_size <<<"$LAST") -ge 1 && $(json pool_threads <<<"$LAST") -ge 1 && $(json pool_prestarted <<<"$LAST") == true ]] \
  && ok "lag through a ProcessPoolExecutor: its size and workers, started before the timed region" || bad "processpool: $LAST"
for m in python-sequential python-asyncio python-uvloop python-threads python-processes; do one spawn $m; done
one spawn python-threads --workers 0
[[ $(json made <<<"$LAST") == 20 && $(json primitive <<<"$LAST") == "a thread" ]] && ok "a threading.Thread per task: 20 made" || bad "$LAST"
one spawn python-processes --workers 0 --pin
[[ $(json made <<<"$LAST") == 20 && $(json pinned <<<"$LAST") == true && $(json cpu <<<"$LAST") -ge 0 ]] \
  && ok "a multiprocessing.Process per task, pinned: 20 made on one CPU" || bad "$LAST"
for m in python-asyncio python-uvloop python-threads python-processes; do one switch $m; done
for m in python-sequential python-threads python-processes python-asyncio python-uvloop python-asyncio-threadpool \
         python-asyncio-processpool; do one mixed $m; done

# The list: each model runs what it says, and the executors carry simul's offload word.
l=$("${PEER[@]}" list --format json)
[[ $(jq -r '.models[] | select(.name == "python-asyncio-processpool") | [.family, (.caps | index("offload") != null), (.workloads | join(","))] | join(" ")' <<<"$l") == "loop-offload true sleep,lag,mixed" ]] \
  && ok "python-asyncio-processpool: family loop-offload, caps offload, runs sleep, lag and mixed" || bad "list: $l"
[[ $(jq -r '.models[] | select(.name == "python-threads") | .workloads | join(",")' <<<"$l") == *spawn,switch* ]] \
  && ok "python-threads lists spawn and switch" || bad "list: $l"

# The documents' point, with margins: on the loop the ticker waits out the block; through a
# process pool it does not.
# (A busy machine only makes the pool's ticker later: the best of three tries, judged by tcheck.)
if timing; then
  a=$("${PEER[@]}" run lag --model python-asyncio --block-ms 100 --duration-s 0.5 --format json)
  check "lag on the loop: worst wake $(json late_max_ms <<<"$a") ms against blocks of $(json block_max_ms <<<"$a") ms (≥ half)" \
    "$(json late_max_ms <<<"$a") >= 0.5 * $(json block_max_ms <<<"$a")"
  p="" pl=0
  for _ in 1 2 3; do
    r=$("${PEER[@]}" run lag --model python-asyncio-processpool --block-ms 100 --duration-s 0.5 --format json)
    l=$(json late_max_ms <<<"$r")
    if [[ -z $p ]] || awk "BEGIN { exit !($l < $pl) }"; then p=$r pl=$l; fi
    awk "BEGIN { exit !($pl < $(json late_max_ms <<<"$a") / 3) }" && break
  done
  tcheck "lag through a ProcessPoolExecutor: worst wake $pl ms, under a third of the loop's $(json late_max_ms <<<"$a") ms" \
    "$pl < $(json late_max_ms <<<"$a") / 3"
fi

# Bad input: exit 2 and one line.
expect_exit 2 "lag with one task" -- "${PEER[@]}" run lag --model python-asyncio --tasks 1
expect_exit 2 "lag under python-threads (not one of its models)" -- "${PEER[@]}" run lag --model python-threads
grep -q "choose one of python-asyncio" "$T_TMP/err" && ok "the models it runs are named" || bad "$(cat "$T_TMP/err")"
expect_exit 2 "sumsq under an executor model" -- "${PEER[@]}" run sumsq --model python-asyncio-threadpool
expect_exit 2 "switch with three tasks" -- "${PEER[@]}" run switch --model python-threads --tasks 3
expect_exit 2 "switch --direct" -- "${PEER[@]}" run switch --model python-asyncio --direct
expect_exit 2 "switch --rounds 1" -- "${PEER[@]}" run switch --model python-asyncio --rounds 1
expect_exit 2 "spawn --limit" -- "${PEER[@]}" run spawn --model python-asyncio --limit 2
expect_exit 2 "lag --block-ms -1" -- "${PEER[@]}" run lag --model python-asyncio --block-ms -1

# Killed with SIGKILL, a peer leaves no worker behind (PR_SET_PDEATHSIG in each child).
# killed_leaves_none WHAT ARGS...: start the peer, wait for its children, SIGKILL it, check them.
killed_leaves_none() {
  local what=$1 pid kids="" i; shift
  "${PEER[@]}" "$@" >/dev/null 2>&1 &
  pid=$!
  for i in $(seq 50); do
    kids=$(pgrep -P "$pid" | tr '\n' ' ')
    [[ -n $kids ]] && break
    sleep 0.1
  done
  [[ -n $kids ]] || { bad "$what: no child seen"; kill -9 "$pid"; wait "$pid" 2>/dev/null; return; }
  sleep 0.3
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  sleep 0.5
  local left=""
  for k in $kids; do kill -0 "$k" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$k/stat" 2>/dev/null) != Z ]] && left+="$k "; done
  [[ -z $left ]] && ok "$what: SIGKILLed, its children ($kids) went with it" || { bad "$what: children left: $left"; kill -9 $left; }
}
killed_leaves_none "lag through a ProcessPoolExecutor" run lag --model python-asyncio-processpool --duration-s 30
killed_leaves_none "switch over a Pipe" run switch --model python-processes --rounds 100000000
finish
