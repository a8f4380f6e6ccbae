#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_fetch_faults.sh: fetch against servers that fail (each a counted error, exit 1 with the first, never a hang) or answer oddly but validly.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/http_lib.sh"
MODELS=(sequential threadpool multiprocess eventloop eventloop-offload eventloop-callbacks)

# fault URL WANT DESCRIPTION [ARGS...]: under every model, 3 tasks fail with exit 1, one line
# that counts them and quotes the first error (matching WANT), and the run ends well within
# its watchdog.
fault() {
  local url=$1 want=$2 what=$3 m t0 t1
  shift 3
  for m in "${MODELS[@]}"; do
    t0=$(date +%s.%N)
    timeout 30 "$SIMUL" run fetch --model $m --tasks 3 --url "$url" --io-timeout-ms 300 "$@" >"$T_TMP/out" 2>"$T_TMP/err"
    local rc=$?
    t1=$(date +%s.%N)
    if [[ $rc -eq 1 && ! -s $T_TMP/out && $(wc -l <"$T_TMP/err") -eq 1 ]] \
       && grep -q "3 of 3 tasks failed" "$T_TMP/err" && grep -q -- "$want" "$T_TMP/err"; then
      ok "$what under $m: exit 1, no record, $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
    else
      bad "$what under $m: exit $rc, stdout $(head -c 100 "$T_TMP/out"), stderr $(cat "$T_TMP/err")"
    fi
  done
}

# fine URL DESCRIPTION: under every model, 3 tasks verified against a server that answers
# validly but unusually.
fine() {
  local url=$1 what=$2 m j
  for m in "${MODELS[@]}"; do
    j=$(timeout 30 "$SIMUL" run fetch --model $m --tasks 3 --url "$url" --io-timeout-ms 2000 --format json 2>"$T_TMP/err")
    [[ $(json verified <<<"$j" 2>/dev/null) == true && $(json requests <<<"$j") == 3 && $(json bytes <<<"$j") == 15 ]] \
      && ok "$what under $m: verified, 3 bodies of 5 bytes" || bad "$what under $m: $j $(cat "$T_TMP/err")"
  done
}

# requests MODE: how many requests the misbehaving server of that mode has read so far.
requests() { grep -c '^request$' "$T_TMP/bad-$1.out"; }

# Connection refused: a port nobody listens on.
fault "http://127.0.0.1:$(python3 "$PEERS" freeport)/" "Connection refused" "connection refused"
start_bad reset;        fault "$BAD_URL" "reset by peer" "reset after the request"
start_bad reset-mid;    fault "$BAD_URL" "reset by peer" "reset mid-response"
start_bad status404;    fault "$BAD_URL" "status 404, want 200" "non-200 status"
start_bad truncated;    fault "$BAD_URL" "truncated" "a truncated body"
start_bad malformed;    fault "$BAD_URL" "malformed response" "malformed HTTP"
start_bad silent-close; fault "$BAD_URL" "without answering" "closed without an answer"

# Interim answers (RFC 9110 15.2: 100 Continue, 103 Early Hints, 102 Processing, whole or in
# pieces) are skipped, the final answer taken; 101 Switching Protocols is not ours to follow.
start_bad continue;      fine "$BAD_URL" "100 Continue, then 200"
start_bad early-hints;   fine "$BAD_URL" "two 103 Early Hints, then 200"
start_bad interim-split; fine "$BAD_URL" "100 and 102 in reads of their own, then 200 in two"
start_bad switching;     fault "$BAD_URL" "status 101 Switching Protocols: fetch speaks HTTP/1.1 only" "101 Switching Protocols"
# A pipelined shape: two answers to one request. The second is nobody's: malformed.
start_bad two-answers;   fault "$BAD_URL" "bytes after the end of the response (malformed)" "two answers to one request"

# A server that times out fails the run once, in the calibration before it (one GET), not
# again in every task: one line that says where, and the server read one request per run.
start_bad stall
for m in "${MODELS[@]}"; do
  before=$(requests stall)
  expect_exit 1 "a server that stalls, under $m" -- timeout 30 "$SIMUL" run fetch --model $m --tasks 3 --url "$BAD_URL" --io-timeout-ms 300
  [[ $(wc -l <"$T_TMP/err") -eq 1 && ! -s $T_TMP/out ]] \
    && grep -q "set-up failed: calibrating c before the run: GET $BAD_URL: no answer within --io-timeout-ms 300\$" "$T_TMP/err" \
    && ok "stall under $m: one line, in the calibration" || bad "stall under $m: $(cat "$T_TMP/err")"
  check "stall under $m: one request waited out, not one per calibration task and task (saw $(( $(requests stall) - before )))" \
    "$(requests stall) - $before == 1"
done

# The calibration against --url, said and bounded: a server answering in 500 ms gets at most
# 3 calibration GETs (none begun after 1 s), not 9; the record says how many, and what it took.
start_bad slow
j=$(timeout 60 "$SIMUL" run fetch --model eventloop --tasks 1 --url "$BAD_URL" --format json 2>"$T_TMP/err")
cal=$(json calibration_requests <<<"$j" 2>/dev/null)
[[ $(json verified <<<"$j" 2>/dev/null) == true && $cal =~ ^[0-9]+$ ]] && ok "slow server: verified, calibration_requests $cal in $(json calibration_s <<<"$j") s" \
  || bad "slow server: $j $(cat "$T_TMP/err")"
check "slow server: at most 3 calibration GETs of 500 ms ($cal)" "${cal:-99} >= 1 && ${cal:-99} <= 3"
check "slow server: it read the calibration's GETs and the run's one ($(requests slow) = $cal + 1)" "$(requests slow) == ${cal:-99} + 1"
check "slow server: calibration_s is the GETs' time, at least 0.5 s each ($(json calibration_s <<<"$j"))" \
  "$(json calibration_s <<<"$j") >= 0.5 * ${cal:-99} - 0.01"
expect_exit 0 "fetch --help" -- "$SIMUL" run fetch --help
help=$(tr -s '\n ' '  ' <"$T_TMP/out")
grep -q "none begun after 1 s" <<<"$help" && grep -q "timeout counts it" <<<"$help" && grep -q "times out ends the run" <<<"$help" \
  && ok "fetch --help says what the calibration is, its bound, and that --timeout counts it" || bad "$(grep -i calibrat "$T_TMP/out")"

# Servers that never finish a response: the body cap and the whole-response deadline end
# them (--io-timeout-ms bounds one wait only, and a byte every 500 ms never trips it).
start_bad endless;      fault "$BAD_URL" "longer than --max-body-bytes 1000000" "an endless body" --max-body-bytes 1000000
expect_exit 1 "an endless body, default cap" -- timeout 60 "$SIMUL" run fetch --model eventloop --tasks 1 --url "$BAD_URL"
grep -q "longer than --max-body-bytes 1073741824" "$T_TMP/err" && ok "the default cap is 1 GiB, named" || bad "$(cat "$T_TMP/err")"
start_bad endless-chunked; fault "$BAD_URL" "longer than --max-body-bytes 1000000" "an endless chunked body" --max-body-bytes 1000000
start_bad drip
for m in "${MODELS[@]}"; do
  expect_exit 1 "a byte every 500 ms, under $m" -- timeout 30 "$SIMUL" run fetch --model $m --tasks 3 --url "$BAD_URL" --response-timeout-ms 1500 --io-timeout-ms 2000
  [[ $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q "calibrating c before the run: .*did not complete within --response-timeout-ms 1500" "$T_TMP/err" \
    && ok "drip under $m: the response deadline, once, in the calibration" || bad "drip under $m: $(cat "$T_TMP/err")"
done
expect_exit 0 "fetch --help names the response limits" -- "$SIMUL" run fetch --help
help=$(tr -s '\n ' '  ' <"$T_TMP/out")
grep -q -- "--response-timeout-ms T .\{0,80\}(default 60000)" <<<"$help" && grep -q -- "--max-body-bytes B .\{0,80\}(default 1073741824)" <<<"$help" \
  && ok "--response-timeout-ms 60000 and --max-body-bytes 1 GiB by default" || bad "$(grep -A1 -- '-timeout-ms\|max-body' "$T_TMP/out")"
# Our own server told to break them is refused up front.
expect_exit 2 "--bytes over --max-body-bytes" -- "$SIMUL" run fetch --model sequential --bytes 2000 --max-body-bytes 1000
expect_exit 2 "--latency-ms past --response-timeout-ms" -- "$SIMUL" run fetch --model sequential --latency-ms 2000 --response-timeout-ms 1000
grep -q "raise --response-timeout-ms" "$T_TMP/err" && ok "says which to raise" || bad "$(cat "$T_TMP/err")"

# A name that does not resolve: a run-time failure counted per task. ('bad..host' is refused
# by the resolver library itself, so the test sends no query off this machine.)
expect_exit 1 "unresolvable host" -- timeout 30 "$SIMUL" run fetch --model sequential --tasks 2 --url 'http://bad..host/'
grep -q "2 of 2 tasks failed.*cannot resolve the host 'bad..host'" "$T_TMP/err" && ok "unresolvable host: counted, named" || bad "$(cat "$T_TMP/err")"

# A body of the wrong size, from a server that answers 200 correctly otherwise.
start_serve s --bytes 700
expect_exit 1 "--expect-bytes mismatch" -- timeout 30 "$SIMUL" run fetch --model eventloop --tasks 2 --url "$URL" --expect-bytes 600
grep -q "a body of 700 bytes, want 600" "$T_TMP/err" && ok "--expect-bytes mismatch: says both sizes" || bad "$(cat "$T_TMP/err")"
j=$(timeout 30 "$SIMUL" run fetch --model eventloop --tasks 2 --url "$URL" --expect-bytes 700 --format json)
[[ $(json verified <<<"$j") == true ]] && ok "--expect-bytes 700 against 700 bytes: verified" || bad "$j"
finish
