#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_leftovers.sh: no file left after a failure: hang-up, quit, SIGKILL, a full stdout, a trace path that cannot be one.
source "$SIMUL_ROOT/tests/lib.sh"
cd "$T_TMP" || exit 1

# wait_tmp TRACE: until the run's temporary trace exists (5 s at most).
wait_tmp() {
  local i
  for ((i = 0; i < 50; i++)); do ls "$1".tmp.* >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# SIGHUP (the terminal closed) and SIGQUIT end a run as SIGTERM does: one line, exit 128 + the
# signal, children killed, no trace, temporary or final. (env --default-signal: a background
# job of a script starts with SIGQUIT ignored, which the run respects.)
for sig in HUP QUIT TERM; do
  for m in threadpool multiprocess; do
    env --default-signal=QUIT "$SIMUL" run sleep --model $m --tasks 2 --ms 4000 --trace "$sig.csv" >out 2>err &
    pid=$!
    wait_tmp "$sig.csv" || bad "SIG$sig under $m: no temporary trace appeared"
    kill -s $sig $pid
    wait $pid
    rc=$?
    want=$((128 + $(kill -l $sig)))
    if [[ $rc -eq $want && $(wc -l <err) -eq 1 && ! -s out ]] && grep -q "children killed, no record written" err \
       && ! ls "$sig".csv* >/dev/null 2>&1; then
      ok "SIG$sig under $m: exit $rc, one line, no trace left"
    else
      bad "SIG$sig under $m: exit $rc (want $want), stderr [$(cat err)], files: $(ls "$sig".csv* 2>&1)"
    fi
  done
done
# ... unless it came ignored: nohup means to outlive the terminal.
nohup "$SIMUL" run sleep --model multiprocess --tasks 2 --ms 1000 --trace nohup.csv >out 2>/dev/null &
pid=$!
wait_tmp nohup.csv
kill -HUP $pid
wait $pid && [[ -s nohup.csv ]] && ok "under nohup, SIGHUP is ignored and the run completes" || bad "nohup: exit $?"

# ... and so does any of the caller's signals that came ignored: a script's background job
# (this one) starts with SIGINT and SIGQUIT ignored, and a program keeps them so, as coreutils'
# do. Sent to the whole group (setsid: a group of its own), the workers keep them ignored too,
# and the run completes with its record.
for m in eventloop multiprocess; do
  setsid "$SIMUL" run sleep --model $m --tasks 2 --ms 1500 --format json >out 2>err &
  pid=$!
  sleep 0.5
  kill -s INT -- -$pid; kill -s QUIT -- -$pid
  wait $pid; rc=$?
  [[ $rc -eq 0 && $(jq -r .verified <out 2>/dev/null) == true && ! -s err ]] \
    && ok "SIGINT and SIGQUIT that came ignored stay ignored under $m: exit 0, record verified" \
    || bad "ignored SIGINT/SIGQUIT under $m: exit $rc, stderr [$(cat err)]"
done

# SIGKILL cannot be caught: the next run with the same --trace removes what it left (its
# process is gone), and keeps the temporary trace of a run still alive.
"$SIMUL" run sleep --model multiprocess --tasks 2 --ms 4000 --trace k.csv >/dev/null 2>&1 &
dead=$!
wait_tmp k.csv
kill -KILL $dead
wait $dead 2>/dev/null
ls k.csv.tmp.$dead >/dev/null 2>&1 && ok "SIGKILL leaves k.csv.tmp.$dead" || bad "no leftover to clean: $(ls)"
"$SIMUL" run sleep --model sequential --tasks 2 --ms 3000 --trace k.csv >/dev/null 2>&1 &
alive=$!
for ((i = 0; i < 50; i++)); do [[ -e k.csv.tmp.$alive ]] && break; sleep 0.1; done
: >k.csv.tmp.1x; echo "not a trace" >k.csv.tmp.99999999
expect_exit 0 "the next run with --trace k.csv" -- "$SIMUL" run sleep --model sequential --tasks 1 --ms 1 --trace k.csv
[[ ! -e k.csv.tmp.$dead && -e k.csv.tmp.$alive && -e k.csv.tmp.1x && -e k.csv.tmp.99999999 && -s k.csv ]] \
  && ok "the killed run's leftover removed; a live run's, and files not ours, kept" || bad "after the next run: $(ls)"
wait $alive && [[ ! -e k.csv.tmp.$alive ]] && ok "the live run finished and renamed its own" || bad "the live run: $(ls)"

# The record is printed before the trace is renamed: a record that cannot be written (a full
# disk) leaves no trace.
for m in sequential multiprocess; do
  "$SIMUL" run sleep --model $m --tasks 2 --ms 1 --trace full.csv >/dev/full 2>err
  rc=$?
  [[ $rc -eq 1 ]] && grep -q "cannot write the record" err && ! ls full.csv* >/dev/null 2>&1 \
    && ok "$m, stdout on /dev/full: exit 1, no trace" || bad "$m, /dev/full: exit $rc, $(cat err), $(ls full.csv* 2>&1)"
done

# A trace path that cannot be one is refused before the run (exit 2, at once, nothing made).
# (Not a regular file: a FIFO of our own stands for /dev/null, which a run as root would
# have replaced by renaming its trace over it.)
mkdir -p adir
mkfifo afifo
for p in "" adir adir/ afifo; do
  t0=$(date +%s.%N)
  expect_exit 2 "--trace '$p'" -- "$SIMUL" run sleep --model sequential --tasks 2 --ms 1500 --trace "$p"
  t1=$(date +%s.%N)
  [[ $(wc -l <"$T_TMP/err") -eq 2 ]] && grep -q -- "--trace '$p'" "$T_TMP/err" \
    && tcheck "--trace '$p': refused before the run ($(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s)" "$t1 - $t0 < 1" \
    || bad "--trace '$p': $(cat "$T_TMP/err")"
done
[[ -p afifo && -z $(ls -A adir) && -z $(ls -d .tmp.* afifo.* 2>/dev/null) ]] && ok "nothing made by the refused paths" || bad "$(ls -a . adir)"

finish
