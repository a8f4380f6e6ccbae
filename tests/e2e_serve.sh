#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_serve.sh: `simul serve`: answers, latency by timer, keep-alive, bad clients, 10,000 connections, signals.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/http_lib.sh"
probe() { timeout 90 python3 "$PEERS" probe "$@" >"$T_TMP/probe" 2>&1; }

# Bad command lines: exit 2, one line naming the problem.
expect_exit 2 "serve: negative port" -- "$SIMUL" serve --port -1
expect_exit 2 "serve: port too large" -- "$SIMUL" serve --port 70000
expect_exit 2 "serve: unknown flag" -- "$SIMUL" serve --nope
expect_exit 2 "serve: non-numeric latency" -- "$SIMUL" serve --latency-ms x
expect_exit 0 "serve --help" -- "$SIMUL" serve --help

start_serve s --latency-ms 0 --bytes 1000 --idle-ms 400
[[ $URL =~ ^http://127\.0\.0\.1:[0-9]+/$ ]] && ok "first line is the address: $URL" || bad "first line: $URL"
body=$(curl -s -D "$T_TMP/h" "$URL")
[[ ${#body} -eq 1000 ]] && grep -q "^HTTP/1.1 200" "$T_TMP/h" && ok "GET: 200 with 1000 bytes" || bad "GET: $(head -1 "$T_TMP/h") ${#body}"
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL") == 405 ]] && ok "POST: 405" || bad "POST not 405"
[[ $(curl -s -I -o /dev/null -w '%{http_code}' "$URL") == 200 ]] && ok "HEAD: 200" || bad "HEAD"
probe keepalive "$URL" && ok "keep-alive: 3 requests on one connection, then Connection: close honoured" || bad "keep-alive: $(cat "$T_TMP/probe")"
probe pipelined "$URL" && ok "3 pipelined requests answered in order" || bad "pipelined: $(cat "$T_TMP/probe")"

# Pipelined requests that wait on a latency: more than the server keeps answers for at once
# (32) are all answered, the connection read again as answers leave (back-pressure).
start_serve pipe --latency-ms 10
for n in 33 100 1000; do
  probe pipeline "$URL" $n && ok "$n pipelined requests with 10 ms latency: $(head -1 "$T_TMP/probe")" || bad "pipeline $n: $(cat "$T_TMP/probe")"
done
expect_exit 0 "serve --help" -- "$SIMUL" serve --help
tr -s '\n ' '  ' <"$T_TMP/out" | grep -q "Back-pressure: .*nothing is dropped" && ok "serve --help says how back-pressure works" || bad "$(cat "$T_TMP/out")"
start_serve s --latency-ms 0 --bytes 1000 --idle-ms 400

# ?latency-ms= is parsed as the command line's numbers are: anything else is a 400 naming it.
for v in -1 abc "" 3600001 1e3 1.5; do
  body=$(curl -s -w ' %{http_code}' "$URL?latency-ms=$v")
  [[ $body == *" 400" && $body == *"?latency-ms='$v'"* ]] && ok "?latency-ms='$v': 400, named" || bad "?latency-ms='$v': $body"
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL?latency-ms=5") == 200 ]] && ok "?latency-ms=5: 200" || bad "?latency-ms=5 refused"

# The header limit counts the whole section: 1,125 lines of 'X-H: v' (9,000 bytes) are over.
probe header-lines "$URL" 1125 431 && ok "1125 short header lines (9 KB): 431" || bad "header lines: $(cat "$T_TMP/probe")"
probe header-lines "$URL" 900 200 && ok "900 short header lines (7.2 KB): 200" || bad "header lines: $(cat "$T_TMP/probe")"

# Bad clients: each answered 400/431/408 or dropped, and everyone else still served.
probe garbage "$URL" && ok "garbage bytes: 400 and closed" || bad "garbage: $(cat "$T_TMP/probe")"
probe oversized "$URL" && ok "oversized headers: 431 and closed" || bad "oversized: $(cat "$T_TMP/probe")"
probe halfsent "$URL" 400 && ok "half-sent request left idle: 408 and closed after --idle-ms" || bad "half-sent: $(cat "$T_TMP/probe")"
probe huge-header "$URL" 2 && ok "a 2 MiB header: 431, read whole, no reset (3 times)" || bad "huge header: $(cat "$T_TMP/probe")"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL") == 200 ]] && ok "still serving after the bad clients" || bad "not serving after bad clients"
kill -0 "$SERVE_PID" 2>/dev/null && ok "server alive" || bad "server died"

# A request sent a byte at a time is never idle: the header deadline answers it 408.
start_serve slowloris --idle-ms 10000 --header-timeout-ms 1000
probe slowloris "$URL" 1000 && ok "a byte every 100 ms: $(head -1 "$T_TMP/probe") (--header-timeout-ms 1000)" || bad "slowloris: $(cat "$T_TMP/probe")"
expect_exit 0 "serve --help" -- "$SIMUL" serve --help
tr -s '\n ' '  ' <"$T_TMP/out" | grep -q -- "--header-timeout-ms H .\{0,80\}(default 20000)" && ok "the header deadline is 20 s by default" || bad "$(grep header "$T_TMP/out")"

# Clients that leave while their answers wait out an hour's latency: their connections are
# closed at once, not held in CLOSE_WAIT for the hour.
start_serve gone
fds() { ls /proc/"$SERVE_PID"/fd | wc -l; }
before=$(fds)
probe gone "$URL" 100 || bad "gone: $(cat "$T_TMP/probe")"
for ((i = 0; i < 50; i++)); do [[ $(fds) -le $((before + 2)) ]] && break; sleep 0.1; done
check "100 clients gone before their answers: descriptors back to $(fds) (from $before)" "$(fds) <= $before + 2"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL") == 200 ]] && ok "still serving after them" || bad "not serving after the gone clients"

# A client that resets mid-response: the server drops it and serves the next one.
start_serve big --bytes 33554432
probe reset "$URL" && [[ $(curl -s -o /dev/null -w '%{size_download}' "$URL") == 33554432 ]] \
  && ok "clients resetting mid-response (32 MiB body): next client gets all of it" || bad "reset: $(cat "$T_TMP/probe")"

# A client that never reads its answer: the stalled write counts as idle, and the connection goes.
start_serve stalled --bytes 33554432 --idle-ms 400
probe noread "$URL" 400 33554432 && ok "a client that never reads is dropped: $(head -1 "$T_TMP/probe")" || bad "noread: $(cat "$T_TMP/probe")"
[[ $(curl -s -o /dev/null -w '%{size_download}' "$URL") == 33554432 ]] && ok "still serving after the stalled reader" || bad "not serving after the stalled reader"

# Latency by timer: 200 concurrent requests of 300 ms take about 300 ms, not 200 x 300 ms.
start_serve slow --latency-ms 300
probe parallel "$URL" 200 300 && ok "200 concurrent requests with latency: $(head -1 "$T_TMP/probe")" || bad "parallel: $(cat "$T_TMP/probe")"
secs=$(grep -o 'in [0-9.]*' "$T_TMP/probe" | cut -d' ' -f2)
tcheck "200 requests of 300 ms overlap (took ${secs:-?} s)" "${secs:-99} >= 0.3 && ${secs:-99} < 1.5"
t=$(curl -s -o /dev/null -w '%{time_total}' "$URL?latency-ms=0")
tcheck "?latency-ms=0 overrides the latency (${t} s)" "$t < 0.2"
# libuv's timers count whole milliseconds of a cached clock: an answer may leave up to 1 ms early.
t=$(curl -s -o /dev/null -w '%{time_total}' "$URL")
check "the default latency applies (${t} s)" "$t >= 0.299"

# 10,000 connections open at once, each answered (C11: the server side of it).
n=10000
[[ -n $SIMUL_SANITIZE ]] && n=3000
if [[ $(ulimit -Hn) != unlimited && $(ulimit -Hn) -lt $((n + 200)) ]]; then
  n=$(( $(ulimit -Hn) - 200 ))
fi
start_serve many
probe many "$URL" $n && ok "$n concurrent connections: $(head -1 "$T_TMP/probe")" || bad "many: $(cat "$T_TMP/probe")"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL") == 200 ]] && ok "still serving after $n connections" || bad "not serving after many"

# More connections than it has descriptors for: the extra ones are shed, the rest served.
( ulimit -n 256; exec "$SIMUL" serve --port 0 >"$T_TMP/lim.out" 2>"$T_TMP/lim.err" ) &
T_PIDS+=($!)
URL=$(wait_line "$T_TMP/lim.out")
probe many "$URL" 600
echo "  (with 256 descriptors: $(head -1 "$T_TMP/probe"))"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL") == 200 ]] && ok "600 connections over a 256-descriptor limit: still serving" || bad "not serving after overload"

# Signals stop it cleanly, with connections open.
for sig in INT TERM; do
  start_serve sig$sig
  exec {fd}<>"/dev/tcp/127.0.0.1/$(sed 's|.*:\([0-9]*\)/|\1|' <<<"$URL")"
  kill -s $sig "$SERVE_PID"
  for ((i = 0; i < 50; i++)); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVE_PID" 2>/dev/null && kill -KILL "$SERVE_PID"  # still up: fail, not hang in wait
  wait "$SERVE_PID"; rc=$?
  exec {fd}<&-
  [[ $rc -eq 0 ]] && ok "SIG$sig: stops with exit 0 and an open connection" || bad "SIG$sig: exit $rc"
done

# A SIGINT that came ignored (this script's background job) stays ignored; SIGTERM still stops it.
"$SIMUL" serve --port 0 >"$T_TMP/ign.out" 2>"$T_TMP/ign.err" &
ign=$!
T_PIDS+=("$ign")
IGN_URL=$(wait_line "$T_TMP/ign.out")
kill -s INT "$ign"; sleep 0.3
[[ $(curl -s -o /dev/null -w '%{http_code}' "$IGN_URL") == 200 ]] && ok "SIGINT that came ignored: still serving" \
  || bad "SIGINT that came ignored stopped the server"
kill -s TERM "$ign"; wait "$ign"; rc=$?
[[ $rc -eq 0 ]] && ok "... and SIGTERM stops it, exit 0" || bad "SIGTERM after an ignored SIGINT: exit $rc"

# A port in use is a run-time failure, one line.
start_serve taken
port=$(sed 's|.*:\([0-9]*\)/|\1|' <<<"$URL")
expect_exit 1 "serve on a port in use" -- timeout 10 "$SIMUL" serve --port "$port"
[[ $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q "in use" "$T_TMP/err" && ok "port in use: one line" || bad "port in use: $(cat "$T_TMP/err")"

finish
