#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_fetch.sh: fetch against its embedded server under all four models: waves, overlap, records, limits (C2, C3).
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/http_lib.sh"
R() { timeout 120 "$SIMUL" run fetch "$@" --format json 2>"$T_TMP/err"; }
# The embedded server is a forked child: its command line is its run's, whose unusual latency
# marks this test's; once the run has ended, nothing may be left with it.
no_server_left() { ! pgrep -f -- "run fetch .*--latency-ms $1( |$)" >/dev/null; }

# C3: 20 GETs of 100 ms: a plain loop ~2 s, a pool of 4 ~5 waves, an event loop ~1 round trip.
declare -A want=([sequential]=2.0 [threadpool]=0.5 [multiprocess]=0.5 [eventloop]=0.1)
for m in sequential threadpool multiprocess eventloop; do
  args=(--model $m --tasks 20 --latency-ms 100)
  [[ $m == threadpool || $m == multiprocess ]] && args+=(--workers 4)
  j=$(R "${args[@]}") || { bad "$m: $(cat "$T_TMP/err" 2>/dev/null)"; continue; }
  w=$(json wall_s <<<"$j") p=$(json predicted_s <<<"$j")
  [[ $(json verified <<<"$j") == true && $(json requests <<<"$j") == 20 && $(json bytes <<<"$j") == 20480 ]] \
    && ok "$m: 20 GETs verified, 20480 bytes (wall $w s, predicted $p s)" || bad "$m: $j"
  check "$m: predicted about ${want[$m]} s" "$p >= ${want[$m]} && $p < ${want[$m]} * 1.3"
  tcheck "$m: wall about ${want[$m]} s ($w)" "$w >= ${want[$m]} * 0.95 && $w < ${want[$m]} * 1.8 + 0.05"
  check "$m: p50 <= p99 <= max, about the latency" \
    "$(json p50_s <<<"$j") <= $(json p99_s <<<"$j") && $(json p99_s <<<"$j") <= $(json max_s <<<"$j") && $(json p50_s <<<"$j") >= 0.1"
done

# C2: 100 downloads of 1 s: about 1 s with an event loop and with a thread per task.
for m in eventloop "threadpool --workers 0"; do
  j=$(R --model $m --tasks 100 --latency-ms 1000) || { bad "$m 100 x 1 s: $(cat "$T_TMP/err" 2>/dev/null)"; continue; }
  w=$(json wall_s <<<"$j")
  [[ $(json verified <<<"$j") == true ]] && ok "$m: 100 downloads of 1 s verified in $w s" || bad "$m: $j"
  tcheck "$m: 100 downloads of 1 s in about 1 s ($w)" "$w >= 1 && $w < 1.6"
done

# C11: 10,000 at once on the event loop (fewer under the sanitizers, which are slow).
n=10000
[[ -n $SIMUL_SANITIZE ]] && n=2000
j=$(R --model eventloop --tasks $n --latency-ms 1000) || bad "eventloop $n: $(cat "$T_TMP/err" 2>/dev/null)"
w=$(json wall_s <<<"$j")
[[ $(json verified <<<"$j") == true && $(json requests <<<"$j") == $n ]] && ok "eventloop: $n downloads of 1 s verified in $w s" || bad "eventloop $n: $j"
# The issue's target is under 2 s, met when the machine is quiet; its speed flips 2x, so the
# test holds the run to its own prediction (1 s + N·c, c calibrated now) with a margin.
p=$(json predicted_s <<<"$j")
tcheck "eventloop: $n downloads of 1 s in $w s, predicted $p s" "$w >= 1 && $w < 1.5 * $p + 0.5"

# --requests over keep-alive: R round trips per task, in the record and the prediction.
j=$(R --model eventloop --tasks 5 --requests 4 --latency-ms 50 --bytes 3000 --trace "$T_TMP/t.csv")
[[ $(json verified <<<"$j") == true && $(json requests <<<"$j") == 20 && $(json bytes <<<"$j") == 60000 \
   && $(json requests_per_task <<<"$j") == 4 ]] && ok "--requests 4 --bytes 3000: 20 requests, 60000 bytes" || bad "--requests: $j"
check "--requests 4: predicted about 4 x 50 ms" "$(json predicted_s <<<"$j") >= 0.2 && $(json predicted_s <<<"$j") < 0.3"
[[ $(grep -c ',connect,' "$T_TMP/t.csv") -eq 5 && $(grep -c ',request,' "$T_TMP/t.csv") -eq 20 ]] \
  && ok "trace: one connect per task (keep-alive), one line per request" || bad "trace: $(head -5 "$T_TMP/t.csv")"
# c_ms is 0 when the calibration failed: against our own server it never should.
check "calibrated c is small and positive ($(json c_ms <<<"$j") ms)" "$(json c_ms <<<"$j") > 0 && $(json c_ms <<<"$j") < 50"

# --limit bounds the event loop's concurrency: 10 tasks, 2 at a time, 5 waves.
j=$(R --model eventloop --tasks 10 --limit 2 --latency-ms 100)
check "eventloop --limit 2 over 10: 5 waves predicted" "$(json predicted_s <<<"$j") >= 0.5 && $(json predicted_s <<<"$j") < 0.6"
tcheck "eventloop --limit 2 over 10: about 0.5 s" "$(json wall_s <<<"$j") >= 0.5 && $(json wall_s <<<"$j") < 0.9"

# csv and text carry the fetch fields; predict starts and stops the server too.
"$SIMUL" run fetch --model sequential --tasks 2 --latency-ms 0 --format csv >"$T_TMP/c.csv"
head -1 "$T_TMP/c.csv" | grep -q "requests,bytes,bytes_per_response,p50_s,p99_s,max_s" && ok "csv header has the fetch fields" || bad "csv: $(head -1 "$T_TMP/c.csv")"
j=$(timeout 60 "$SIMUL" predict fetch --model threadpool --workers 4 --tasks 20 --latency-ms 97 --format json)
check "predict: pool of 4 over 20 GETs of 97 ms = 5 waves" "$(json predicted_s <<<"$j") >= 0.485 && $(json predicted_s <<<"$j") < 0.65"
sleep 0.2
no_server_left 97 && ok "no embedded server left behind" || bad "a simul serve outlived its run"

# Bad command lines: exit 2 with one line.
expect_exit 2 "non-http URL" -- "$SIMUL" run fetch --model sequential --url https://127.0.0.1/
grep -q "only http://" "$T_TMP/err" && ok "non-http URL: says only http://" || bad "$(cat "$T_TMP/err")"
expect_exit 2 "bad URL syntax" -- "$SIMUL" run fetch --model sequential --url 'http//nope'
expect_exit 2 "--latency-ms with --url" -- "$SIMUL" run fetch --model sequential --url http://127.0.0.1:9/ --latency-ms 5
expect_exit 2 "--expect-bytes without --url" -- "$SIMUL" run fetch --model sequential --expect-bytes 5
expect_exit 2 "negative --latency-ms" -- "$SIMUL" run fetch --model sequential --latency-ms -1
expect_exit 2 "--requests 0" -- "$SIMUL" run fetch --model sequential --requests 0
expect_exit 2 "--io-timeout-ms x" -- "$SIMUL" run fetch --model sequential --io-timeout-ms x

# More sockets in flight than descriptors: refused before starting, with the numbers and the fix.
expect_exit 1 "1000 in flight with ulimit -n 256" -- bash -c "ulimit -n 256; exec \"$SIMUL\" run fetch --model eventloop --tasks 1000"
grep -q "ulimit -H\?n" "$T_TMP/err" && [[ $(wc -l <"$T_TMP/err") -eq 1 ]] && ok "descriptor limit: one line naming ulimit -n" || bad "$(cat "$T_TMP/err")"

# While the run runs, its server is its child (named simul-httpd); when it ends, the server goes.
"$SIMUL" run fetch --model sequential --tasks 2 --latency-ms 1517 >/dev/null 2>&1 &
run=$!
for _ in $(seq 50); do [[ -n $(pgrep -P $run -x simul-httpd) ]] && break; sleep 0.1; done
[[ $(pgrep -P $run -x simul-httpd | wc -l) -eq 1 ]] && ok "the embedded server is one child of the run" || bad "no simul-httpd child of run $run"
wait $run && ok "a run with a 1.5 s latency verified" || bad "the 1.5 s run failed"
no_server_left 1517 && ok "no embedded server left after the run" || bad "a server outlived its run"

# The run's watchdog kills the embedded server too.
expect_exit 1 "--timeout fires during a slow fetch" -- timeout 30 "$SIMUL" run fetch --model sequential --tasks 3 --latency-ms 2013 --timeout 1
sleep 0.2
no_server_left 2013 && ok "--timeout: no server left behind" || bad "--timeout left a server"

finish
