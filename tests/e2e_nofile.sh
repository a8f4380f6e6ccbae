#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_nofile.sh: low open-files limits: a one-line error naming ulimit -n and advice that works, never a crash.
source "$SIMUL_ROOT/tests/lib.sh"

# nofile N WHAT ARGS...: under ulimit -n N, simul ARGS either runs (exit 0, or still serving
# after a second: 124) or exits 1 with one line naming ulimit -n; never dies of a signal
# (libuv aborts, with nothing said, when its loop cannot start). Below what the dynamic
# loader needs (the descriptors inherited from ctest count too) nothing runs at all: skipped.
REFUSED=0
LOW=5
nofile() {
  local n=$1 what=$2; shift 2
  timeout 1 bash -c "ulimit -n $n; exec \"\$0\" \"\$@\"" "$SIMUL" "$@" >"$T_TMP/out" 2>"$T_TMP/err"
  local rc=$?
  if [[ $rc -eq 127 ]] && grep -q "error while loading shared libraries" "$T_TMP/err"; then
    echo "  ($what at ulimit -n $n: the loader itself cannot run)"
  elif [[ $rc -eq 0 || $rc -eq 124 ]]; then
    ok "$what at ulimit -n $n: runs (exit $rc)"
  elif [[ $rc -eq 1 && $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q "ulimit -H\?n" "$T_TMP/err"; then
    ok "$what at ulimit -n $n: exit 1, one line naming ulimit -n"
    REFUSED=$((REFUSED + 1))
    cp "$T_TMP/err" "$T_TMP/refused"
    [[ $what == run* ]] && LOW=$n
  else
    bad "$what at ulimit -n $n: exit $rc, stderr: $(head -c 300 "$T_TMP/err")"
  fi
}
for n in 4 5 6 7 8 9 10 11 12 13 14; do
  nofile $n "serve" serve --port 0
  nofile $n "run --model eventloop" run sleep --model eventloop --tasks 2 --ms 1
done
[[ $REFUSED -ge 6 ]] && ok "$REFUSED of the low limits refused, each in one line" || bad "only $REFUSED low limits refused"
cp "$T_TMP/refused" "$T_TMP/err"
grep -q "raise the hard limit as root (ulimit -Hn, now [0-9]*)" "$T_TMP/err" \
  && ok "a hard limit is the one to raise, as root" || bad "advice: $(cat "$T_TMP/err")"
# Only the soft limit is low: raising it needs no root.
timeout 10 bash -c "ulimit -Sn $LOW; exec \"\$0\" run sleep --model eventloop --tasks 2 --ms 1" "$SIMUL" 2>"$T_TMP/err"
grep -q "raise the soft limit (ulimit -n, now $LOW; no root needed" "$T_TMP/err" \
  && ok "a soft limit is raised without root" || bad "soft advice: $(cat "$T_TMP/err")"

# fetch under a hard limit of 64: the default run fits; a bigger one is refused with a
# --limit that the limit allows (the run then passes), and one that cannot fit says so.
expect_exit 0 "fetch, 20 tasks, hard ulimit -n 64" -- bash -c "ulimit -n 64; exec \"\$0\" run fetch --model eventloop --latency-ms 1" "$SIMUL"
expect_exit 1 "fetch, 100 in flight, hard ulimit -n 64" -- \
  bash -c "ulimit -n 64; exec \"\$0\" run fetch --model eventloop --tasks 100 --latency-ms 1" "$SIMUL"
lim=$(grep -o -- '--limit [0-9]*' "$T_TMP/err" | cut -d' ' -f2)
[[ $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q "raise the hard limit to [0-9]* as root (ulimit -Hn, now 64)" "$T_TMP/err" \
  && ok "refused: one line, the hard limit named" || bad "refusal: $(cat "$T_TMP/err")"
if [[ -n $lim && $lim -gt 1 ]]; then
  expect_exit 0 "the advised --limit $lim works under ulimit -n 64" -- \
    bash -c "ulimit -n 64; exec \"\$0\" run fetch --model eventloop --tasks 100 --latency-ms 1 --limit $lim" "$SIMUL"
  expect_exit 0 "... under a thread per task too" -- \
    bash -c "ulimit -n 64; exec \"\$0\" run fetch --model threadpool --workers 0 --tasks 100 --latency-ms 1 --limit $lim" "$SIMUL"
else
  bad "advised --limit '${lim}': $(cat "$T_TMP/err")"
fi
expect_exit 1 "fetch under ulimit -n 12" -- bash -c "ulimit -n 12; exec \"\$0\" run fetch --model sequential" "$SIMUL"
grep -q "no task can run under an open-files limit of 12" "$T_TMP/err" && ! grep -q -- "--limit" "$T_TMP/err" \
  && ok "ulimit -n 12: cannot run at all, and no --limit advised" || bad "ulimit -n 12: $(cat "$T_TMP/err")"
# A low soft limit alone is no obstacle: simul raises it to the hard one itself.
expect_exit 0 "fetch, 100 in flight, soft ulimit -n 30" -- \
  bash -c "ulimit -Sn 30; exec \"\$0\" run fetch --model eventloop --tasks 100 --latency-ms 1" "$SIMUL"

# An unknown command: one line and where to look, not the whole usage.
expect_exit 2 "unknown command" -- "$SIMUL" frobnicate
[[ $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q "unknown command 'frobnicate'.*'simul --help'" "$T_TMP/err" \
  && ok "unknown command: one line pointing to --help" || bad "unknown command: $(cat "$T_TMP/err")"

finish
