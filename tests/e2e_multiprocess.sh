#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_multiprocess.sh: the multiprocess model: waves, speed-up, and no child left behind on any path.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/speedup.sh"

cores=$(nproc)
M=(--model multiprocess)

# Our children carry the scratch directory in their argv (a --trace path): any process still
# naming it after a run has ended was left behind.
leftovers() { pgrep -f "$T_TMP/" | grep -v "^$$\$" || true; }
no_leftovers() { # DESCRIPTION: give SIGKILLed children a moment to be reaped by whoever owns them
  local left
  for _ in $(seq 20); do left=$(leftovers); [[ -z $left ]] && break; sleep 0.1; done
  [[ -z $left ]] && ok "$1: no process left behind" || bad "$1: left behind: $(ps -o pid,ppid,stat,args -p "$(tr '\n' ',' <<<"$left" | sed 's/,$//')")"
}
# wait_kids PID N: until PID has N children (at most 10 s)
wait_kids() { for _ in $(seq 100); do [[ $(pgrep -P "$1" | wc -l) -ge $2 ]] && return 0; sleep 0.1; done; return 1; }

# A process per task: every sleep at once.
j=$(run_best 3 sleep "${M[@]}" --workers 0 --tasks 30 --ms 300 --trace "$T_TMP/t.csv")
[[ $(json verified <<<"$j") == true && $(json workers <<<"$j") == 0 ]] && ok "process per task: verified" || bad "process per task: $j"
tcheck "process per task: 30 sleeps of 0.3 s take about 0.3 s" "$(json wall_s <<<"$j") >= 0.3 && $(json wall_s <<<"$j") < 0.3 * 1.5"
[[ $(tail -n +2 "$T_TMP/t.csv" | wc -l) -eq 30 && $(tail -n +2 "$T_TMP/t.csv" | cut -d, -f2 | sort -u | wc -l) -eq 30 ]] \
  && ok "trace across processes: one line per task, 30 workers" || bad "trace: $(head -3 "$T_TMP/t.csv")"
check "max_rss_kib counts the children (30 of them)" "$(json max_rss_kib <<<"$j") > 30 * 500"

# The default pool is ProcessPoolExecutor's: one process per core; waves of W (C1, C10).
N=$(( 2 * cores + 1 ))
j=$(run_best 3 sleep "${M[@]}" --tasks $N --ms 200)
[[ $(json workers <<<"$j") == "$cores" && $(json verified <<<"$j") == true ]] && ok "default pool is the cores, $cores" || bad "default pool: $j"
check "pool of $cores, $N tasks: 3 waves predicted" "$(json predicted_s <<<"$j") == 0.6"
tcheck "pool of $cores, $N tasks: about 3 waves of 0.2 s" "$(json wall_s <<<"$j") >= 0.6 && $(json wall_s <<<"$j") < 0.6 * 1.5"

# --limit caps the processes alive even with a process per task (a semaphore of 2 over 6, C10).
limit_waves "${M[@]}" --workers 0

# sumsq: processes use every core in C (no GIL), run back to back against sequential.
if timing && [[ $cores -ge 2 ]]; then
  race_check "sumsq: multiprocess faster than sequential by > 1.4" 600000000 "a / b > 1.4" --model sequential -- --model multiprocess
else
  ok "sumsq speed-up skipped (sanitizer build or one core)"
fi
for w in 0 3; do
  j=$(run_json sumsq "${M[@]}" --workers $w --n 30000000 --tasks 7)
  [[ $(json verified <<<"$j") == true ]] && ok "sumsq, --workers $w: results come back through shared memory" || bad "sumsq --workers $w: $j"
done

expect_exit 2 "a process per task for 40000 tasks" -- "$SIMUL" run sleep "${M[@]}" --workers 0 --tasks 40000 --ms 1
grep -q "pid_max\|threads-max\|ulimit" "$T_TMP/err" && ok "message names the limit" || bad "message: $(cat "$T_TMP/err")"

# --timeout: exit 1 soon after, children killed and reaped, no trace left.
t0=$(date +%s.%N)
expect_exit 1 "--timeout on 30 s sleeps" -- "$SIMUL" run sleep "${M[@]}" --workers 0 --tasks 6 --ms 30000 --timeout 0.5 --trace "$T_TMP/to.csv"
check "--timeout 0.5 returns within 5 s" "$(date +%s.%N) - $t0 < 5"
grep -q "timeout" "$T_TMP/err" && ok "timeout message" || bad "timeout message: $(cat "$T_TMP/err")"
[[ ! -e $T_TMP/to.csv ]] && ! ls "$T_TMP"/to.csv.tmp.* >/dev/null 2>&1 && ok "no trace left by the timeout" || bad "trace left"
no_leftovers "--timeout"

# SIGINT (and SIGTERM) while the workers sleep: exit 128+sig, children killed. (env
# --default-signal: a background job of a script starts with SIGINT ignored, which simul keeps.)
for sig in INT TERM; do
  env --default-signal=INT "$SIMUL" run sleep "${M[@]}" --workers 0 --tasks 8 --ms 30000 --trace "$T_TMP/sig.csv" >"$T_TMP/out" 2>"$T_TMP/err" &
  pid=$!
  wait_kids $pid 8 && ok "SIG$sig: 8 children running" || bad "SIG$sig: children did not start"
  kill -$sig $pid
  wait $pid; rc=$?
  want=$(( 128 + $(kill -l $sig) ))
  [[ $rc -eq $want && ! -s $T_TMP/out ]] && ok "SIG$sig: exit $rc, no record" || bad "SIG$sig: exit $rc (want $want); $(cat "$T_TMP/err")"
  no_leftovers "SIG$sig"
done

# A worker that crashes: the run fails (exit 1) naming the pid and signal, the rest are killed.
# The crash is real, sent from outside: no test hook in the model. The sanitizers catch
# SIGSEGV themselves (report, exit 1), so there the crash is a SIGKILL.
sig=SEGV; [[ -n $SIMUL_SANITIZE ]] && sig=KILL
signo=$(kill -l $sig)
for w in 2 0; do
  "$SIMUL" run sleep "${M[@]}" --workers $w --tasks 4 --ms 30000 --trace "$T_TMP/crash.csv" >"$T_TMP/out" 2>"$T_TMP/err" &
  pid=$!
  n=$(( w ? w : 4 ))
  wait_kids $pid $n || bad "crash, --workers $w: children did not start"
  victim=$(pgrep -P $pid | head -1)
  t0=$(date +%s.%N)
  kill -$sig "$victim"
  wait $pid; rc=$?
  [[ $rc -eq 1 && ! -s $T_TMP/out ]] && grep -q "worker process $victim died of signal $signo" "$T_TMP/err" \
    && ok "crash, --workers $w: exit 1, names pid $victim and signal $signo" || bad "crash, --workers $w: exit $rc; $(cat "$T_TMP/err")"
  [[ $(wc -l <"$T_TMP/err") -eq 1 ]] && ok "crash: one line" || bad "crash message: $(cat "$T_TMP/err")"
  check "crash, --workers $w: the parent did not wait for the 30 s sleeps" "$(date +%s.%N) - $t0 < 5"
  no_leftovers "crash, --workers $w"
done

# fork() failing at run time (RLIMIT_NPROC, which root is exempt from): as nobody, beside 100
# other processes of its own, 130 more cannot all be made. In a PID namespace of its own (a
# container's view) simul cannot see the 100 to refuse the run up front, as it does when it
# can (e2e_threadpool.sh). Exit 1, one line, no child left.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null && as_nobody true 2>/dev/null \
   && unshare --pid --fork --mount-proc true 2>/dev/null; then
  # (setpriv itself, not as_nobody: a function in the background is a subshell of its own.)
  setpriv --reuid=65534 --regid=65534 --clear-groups \
    bash -c 'trap "kill \$(jobs -p); wait; exit 0" TERM; for i in $(seq 100); do sleep 30 & done; wait' &
  filler=$!
  for ((i = 0; i < 100; i++)); do (($(pgrep -c -P $filler) >= 100)) && break; sleep 0.1; done
  t0=$(date +%s.%N)
  expect_exit 1 "fork failing under ulimit -u" -- unshare --pid --fork --mount-proc setpriv --reuid=65534 --regid=65534 \
    --clear-groups bash -c 'ulimit -u 200; "$0" run sleep --model multiprocess --workers 0 --tasks 130 --ms 30000 --timeout 20; exit $?' "$SIMUL"
  check "... reported at once ($(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }") s), the workers killed" "$(date +%s.%N) - $t0 < 5"
  [[ $(wc -l <"$T_TMP/err") -eq 1 && ! -s $T_TMP/out ]] && grep -q "could make only .* of 130 processes.*ulimit -u = 200.*--workers W or --limit L" "$T_TMP/err" \
    && ok "one line: processes made, ulimit -u, what to use" || bad "fork EAGAIN message: $(cat "$T_TMP/err")"
  left=$(pgrep -u 65534 -f "run sleep --model multiprocess" || true)
  [[ -z $left ]] && ok "fork failing: no worker left behind" || bad "fork failing: left $left"
  kill -TERM $filler; wait $filler
else
  ok "fork failure case skipped (needs root, setpriv and unshare)"
fi

finish
