#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_soak.sh: 500 back-to-back fetch runs per model against one `simul serve`: no descriptor, memory or process leak.
# About 15-20 s here (2,000 runs); leave it out with `ctest -E soak` when in a hurry.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/http_lib.sh"
# Whatever ends the test, http_cleanup (the EXIT trap) stops the server: a signal exits first.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
MODELS=(sequential threadpool multiprocess eventloop)
# Under a sanitizer a run takes about 3x longer (26 ms here): 150 a model keep those suites quick.
RUNS=${SOAK_RUNS:-$([[ -n $SIMUL_SANITIZE ]] && echo 150 || echo 500)}
WARM=50
FD_SLACK=8         # descriptors: a leak of one per run would add 2,000
RSS_SLACK_KIB=8192 # memory: a leak of 1 KiB per connection would add 8 MiB

# The server. If this shell is killed outright (SIGKILL, ctest's timeout), its parent-death
# signal stops it; exec makes this shell its parent, not a subshell waiting on it.
pdeath=()
command -v setpriv >/dev/null && pdeath=(setpriv --pdeathsig TERM --)
(exec "${pdeath[@]}" "$SIMUL" serve --port 0 --latency-ms 0 --bytes 1024 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err") &
SERVE_PID=$!
T_PIDS+=("$SERVE_PID")
URL=$(wait_line "$T_TMP/serve.out") || { bad "simul serve did not start: $(cat "$T_TMP/serve.err")"; finish; exit; }

fds() { local f=(/proc/"$SERVE_PID"/fd/*); echo ${#f[@]}; }
rss() { awk '/^VmRSS:/ { print $2 }' /proc/"$SERVE_PID"/status 2>/dev/null || echo 0; }
# settle: the last client's close may still be on its way to the server; wait for it (2 s at most).
settle() {
  local i
  for ((i = 0; i < 20; i++)); do [[ $(fds) -le ${fd0:-0} ]] && return; sleep 0.1; done
}

# one MODEL: a run of 4 tasks of 2 keep-alive GETs each within a watchdog, its record saying
# verified and 8 requests (read by column name, with bash alone: 2,000 runs).
one() {
  local out head row i
  out=$(timeout 30 "$SIMUL" run fetch --url "$URL" --model "$1" --tasks 4 --requests 2 \
        --format csv 2>>"$T_TMP/runs.err") || return 1
  { IFS=, read -r -a head; IFS=, read -r -a row; } <<<"$out"
  declare -A rec=()
  for i in "${!head[@]}"; do rec[${head[$i]}]=${row[$i]:-}; done
  [[ ${rec[verified]:-} == true && ${rec[requests]:-} == 8 ]] || { echo "record: $out" >>"$T_TMP/runs.err"; return 1; }
}

start=$(date +%s.%N)
failed=0 total=0
for m in "${MODELS[@]}"; do
  for ((i = 0; i < RUNS; i++)); do
    one "$m" || { failed=$((failed + 1)); [[ $failed -le 3 ]] && echo "  run $total ($m) failed: $(tail -1 "$T_TMP/runs.err")"; }
    total=$((total + 1))
    if [[ $total -eq $WARM ]]; then settle; fd0=$(fds) rss0=$(rss); fi
  done
  settle
  echo "  after $RUNS runs of $m: server has $(fds) descriptors, VmRSS $(rss) KiB"
done
end=$(date +%s.%N)
secs=$(awk "BEGIN { printf \"%.1f\", $end - $start }")

[[ $failed -eq 0 ]] && ok "$total runs (${#MODELS[@]} models x $RUNS) exited 0, verified, in $secs s" || bad "$failed of $total runs failed"
kill -0 "$SERVE_PID" 2>/dev/null && ok "the server is still up" || bad "the server died: $(cat "$T_TMP/serve.err")"
settle
fd1=$(fds) rss1=$(rss)
check "server descriptors: $fd0 after $WARM runs, $fd1 at the end (bound +$FD_SLACK)" "$fd1 <= $fd0 + $FD_SLACK"
if [[ -z $SIMUL_SANITIZE ]]; then
  check "server VmRSS: $rss0 KiB after $WARM runs, $rss1 KiB at the end (bound +$RSS_SLACK_KIB)" "$rss1 <= $rss0 + $RSS_SLACK_KIB"
else
  echo "  (VmRSS $rss0 -> $rss1 KiB: not asserted under a sanitizer, whose quarantine keeps freed memory)"
fi
[[ $(curl -s -o /dev/null -w '%{http_code}' "$URL") == 200 ]] && ok "still serving after the soak" || bad "not serving after the soak"

# The server stops cleanly on SIGTERM (under ASan, LeakSanitizer would report a leak here).
kill -TERM "$SERVE_PID"
for ((i = 0; i < 50; i++)); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVE_PID" 2>/dev/null && kill -KILL "$SERVE_PID"  # still up: fail, not hang in wait
wait "$SERVE_PID"; rc=$?
[[ $rc -eq 0 && ! -s $T_TMP/serve.err ]] && ok "the server stops on SIGTERM: exit 0, nothing on stderr" \
  || bad "server stop: exit $rc, stderr: $(head -c 300 "$T_TMP/serve.err")"

# Nothing left behind: no child of this shell, no zombie, no run or worker of ours (a
# multiprocess worker keeps its run's command line, with this server's URL in it).
ps -eo pid=,ppid=,stat=,args= >"$T_TMP/ps"
kids=$(awk -v me=$$ '$2 == me && $4 != "ps"' "$T_TMP/ps")
[[ -z $kids ]] && ok "no child of the test left" || bad "children left: $kids"
zombies=$(awk -v me=$$ -v srv="$SERVE_PID" '($2 == me || $2 == srv) && $3 ~ /^Z/' "$T_TMP/ps")
[[ -z $zombies ]] && ok "no zombie" || bad "zombies: $zombies"
strays=$(grep -F -- "--url $URL" "$T_TMP/ps")
[[ -z $strays ]] && ok "no run or worker of the soak left" || bad "left running: $strays"

finish
