#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_fetch_faults.sh: fetch against servers that fail: each is a counted error, exit 1 with the first, never a hang.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/http_lib.sh"
MODELS=(sequential threadpool multiprocess eventloop eventloop-callbacks)

# fault URL WANT DESCRIPTION: under every model, 3 tasks fail with exit 1, one line that counts
# them and quotes the first error (matching WANT), and the run ends well within its watchdog.
fault() {
  local url=$1 want=$2 what=$3 m t0 t1
  for m in "${MODELS[@]}"; do
    t0=$(date +%s.%N)
    timeout 30 "$SIMUL" run fetch --model $m --tasks 3 --url "$url" --io-timeout-ms 300 >"$T_TMP/out" 2>"$T_TMP/err"
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

# Connection refused: a port nobody listens on.
fault "http://127.0.0.1:$(python3 "$PEERS" freeport)/" "Connection refused" "connection refused"
start_bad reset;        fault "$BAD_URL" "reset by peer" "reset after the request"
start_bad reset-mid;    fault "$BAD_URL" "reset by peer" "reset mid-response"
start_bad stall;        fault "$BAD_URL" "no answer within --io-timeout-ms 300" "a server that stalls"
start_bad status404;    fault "$BAD_URL" "status 404, want 200" "non-200 status"
start_bad truncated;    fault "$BAD_URL" "truncated" "a truncated body"
start_bad malformed;    fault "$BAD_URL" "malformed response" "malformed HTTP"
start_bad silent-close; fault "$BAD_URL" "without answering" "closed without an answer"

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
