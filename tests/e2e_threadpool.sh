#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_threadpool.sh: the threadpool model: a thread per task, pool waves, --limit, sumsq speed-up, limits hit.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/speedup.sh"

cores=$(nproc)
M=(--model threadpool)

# A thread per task: every sleep at once, so the run takes about one sleep (C1).
j=$(run_best 3 sleep "${M[@]}" --workers 0 --tasks 50 --ms 300 --trace "$T_TMP/t.csv")
[[ $(json verified <<<"$j") == true && $(json workers <<<"$j") == 0 ]] && ok "thread per task: verified" || bad "thread per task: $j"
check "thread per task: predicted one sleep" "$(json predicted_s <<<"$j") == 0.3"
tcheck "thread per task: 50 sleeps of 0.3 s take about 0.3 s" "$(json wall_s <<<"$j") >= 0.3 && $(json wall_s <<<"$j") < 0.3 * 1.5"
[[ $(tail -n +2 "$T_TMP/t.csv" | wc -l) -eq 50 && $(tail -n +2 "$T_TMP/t.csv" | cut -d, -f2 | sort -u | wc -l) -eq 50 ]] \
  && ok "trace: one line per task, 50 threads" || bad "trace: $(head -3 "$T_TMP/t.csv")"

# The default pool is Python's: min(32, cores + 4); 14 tasks in waves of W (C1, C10).
W=$(( cores + 4 < 32 ? cores + 4 : 32 ))
N=$(( 2 * W + 1 ))
j=$(run_best 3 sleep "${M[@]}" --tasks $N --ms 200)
[[ $(json workers <<<"$j") == "$W" && $(json verified <<<"$j") == true ]] && ok "default pool is min(32, cores+4) = $W" || bad "default pool: $j"
check "pool of $W, $N tasks: 3 waves predicted" "$(json predicted_s <<<"$j") == 0.6"
tcheck "pool of $W, $N tasks: about 3 waves of 0.2 s" \
  "$(json wall_s <<<"$j") >= 0.6 && $(json wall_s <<<"$j") < 0.6 * 1.5"

j=$(run_best 3 sleep "${M[@]}" --workers 2 --tasks 6 --ms 200)
tcheck "pool of 2, 6 tasks: 3 waves" "$(json wall_s <<<"$j") >= 0.6 && $(json wall_s <<<"$j") < 0.6 * 1.5"

# --limit caps the threads alive even with a thread per task (a semaphore of 2 over 6, C10).
limit_waves "${M[@]}" --workers 0

# sumsq: threads use every core in C (no GIL), run back to back against sequential.
if timing && [[ $cores -ge 2 ]]; then
  race_check "sumsq: threadpool faster than sequential by > 1.4" 600000000 "a / b > 1.4" --model sequential -- --model threadpool
else
  ok "sumsq speed-up skipped (sanitizer build or one core)"
fi
j=$(run_json sumsq "${M[@]}" --n 30000000 --tasks 7)
[[ $(json verified <<<"$j") == true ]] && ok "sumsq over 7 threads verifies" || bad "sumsq: $j"

# Beyond pid_max: refused up front (exit 2), naming the limit.
expect_exit 2 "a thread per task for 40000 tasks" -- "$SIMUL" run sleep "${M[@]}" --workers 0 --tasks 40000 --ms 1
grep -q "pid_max\|threads-max\|ulimit" "$T_TMP/err" && ok "message names the limit" || bad "message: $(cat "$T_TMP/err")"

# A limit hit at run time: the run fails (exit 1) with one line naming it and what to use,
# prints no record and leaves no trace, at once: the threads already running cannot be
# stopped, and their 15 s sleeps are not waited for. ulimit -v caps the stacks; the
# sanitizers need their own huge reservations, so only the plain build runs this.
if [[ -z $SIMUL_SANITIZE ]]; then
  t0=$(date +%s.%N)
  expect_exit 1 "thread creation failing under ulimit -v" -- \
    bash -c "ulimit -v 400000 && exec \"\$0\" run sleep --model threadpool --workers 0 --tasks 3000 --ms 15000 --trace '$T_TMP/v.csv'" "$SIMUL"
  check "... reported at once ($(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }") s), not after the 15 s sleeps" "$(date +%s.%N) - $t0 < 5"
  [[ $(wc -l <"$T_TMP/err") -eq 1 && ! -s $T_TMP/out ]] && grep -q "could make only .* threads.*ulimit -v.*--workers W or --limit L" "$T_TMP/err" \
    && ok "one line: threads made, the limit, what to use" || bad "EAGAIN message: $(cat "$T_TMP/err")"
  ls "$T_TMP"/v.csv* >/dev/null 2>&1 && bad "a trace was left: $(ls "$T_TMP"/v.csv*)" || ok "no trace left"
fi
# RLIMIT_NPROC, which root is exempt from: as nobody, beside 100 other processes of its own.
# What simul can see, it counts: refused up front (exit 2) with a --workers that fits. In a
# PID namespace of its own (a container's view) it cannot see them, though the kernel counts
# them: then the limit is hit at run time (exit 1, one line naming it). The sleeps are long
# enough that all 130 threads would be alive at once, even under TSan.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null && as_nobody true 2>/dev/null \
   && unshare --pid --fork --mount-proc true 2>/dev/null; then
  # A low limit that one worker fits runs; one that nothing fits says so and how to raise
  # it, never a --workers of 0 or less (ulimit -u 2: bash and simul are both).
  expect_exit 0 "one worker under ulimit -u 10" -- as_nobody \
    bash -c 'ulimit -u 10; exec "$0" run sleep --model threadpool --workers 1 --tasks 2 --ms 10' "$SIMUL"
  expect_exit 2 "one worker under ulimit -u 2" -- as_nobody \
    bash -c 'ulimit -u 2; exec "$0" run sleep --model threadpool --workers 1 --tasks 2 --ms 10' "$SIMUL"
  grep -q "none fit, by ulimit -u = 2 .*raise the hard limit as root (ulimit -Hu)" "$T_TMP/err" && ! grep -q -- "-[0-9]\|of at most 0" "$T_TMP/err" \
    && ok "... says none fit and how to raise the limit" || bad "ulimit -u 2: $(cat "$T_TMP/err")"
  # (setpriv itself, not as_nobody: a function in the background is a subshell of its own.)
  setpriv --reuid=65534 --regid=65534 --clear-groups \
    bash -c 'trap "kill \$(jobs -p); wait; exit 0" TERM; for i in $(seq 100); do sleep 30 & done; wait' &
  filler=$!
  for ((i = 0; i < 100; i++)); do (($(pgrep -c -P $filler) >= 100)) && break; sleep 0.1; done
  expect_exit 2 "130 threads beside 100 processes of the user's, under ulimit -u 200" -- as_nobody \
    bash -c 'ulimit -u 200; exec "$0" run sleep --model threadpool --workers 0 --tasks 130 --ms 15000' "$SIMUL"
  grep -qE "only [0-9]+ more fit, by ulimit -u = 200 \(all this user's threads; 1[0-9][0-9] in use\): use --workers W or --limit L of at most [1-9][0-9]*," "$T_TMP/err" \
    && ok "... refused up front: counts the user's 100, advises a --workers that fits" || bad "ulimit -u up front: $(cat "$T_TMP/err")"
  t0=$(date +%s.%N)
  expect_exit 1 "thread creation failing under ulimit -u (the 100 out of sight)" -- unshare --pid --fork --mount-proc \
    setpriv --reuid=65534 --regid=65534 --clear-groups \
    bash -c 'ulimit -u 200; "$0" run sleep --model threadpool --workers 0 --tasks 130 --ms 15000; exit $?' "$SIMUL"
  check "... reported at once ($(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }") s), not after the 15 s sleeps" "$(date +%s.%N) - $t0 < 5"
  grep -q "could make only .* of 130 threads.*ulimit -u = 200" "$T_TMP/err" && ok "names ulimit -u" || bad "ulimit -u message: $(cat "$T_TMP/err")"
  kill -TERM $filler; wait $filler
else
  ok "ulimit -u case skipped (needs root, setpriv and unshare)"
fi

finish
