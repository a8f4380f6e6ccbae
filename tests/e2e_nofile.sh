#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_nofile.sh: low open-files limits: a one-line error naming ulimit -n and advice that works, never a crash.
source "$SIMUL_ROOT/tests/lib.sh"

# nofile_fails N WHAT ARGS...: under ulimit -n N, simul ARGS exits 1 with one line naming
# ulimit -n, not by a signal (libuv aborts, with nothing said, when its loop cannot start).
nofile_fails() {
  local n=$1 what=$2; shift 2
  timeout 10 bash -c "ulimit -n $n; exec \"\$0\" \"\$@\"" "$SIMUL" "$@" >"$T_TMP/out" 2>"$T_TMP/err"
  local rc=$?
  if [[ $rc -eq 1 && $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q "ulimit -n" "$T_TMP/err"; then
    ok "$what at ulimit -n $n: exit 1, one line naming ulimit -n"
  else
    bad "$what at ulimit -n $n: exit $rc, stderr: $(head -c 300 "$T_TMP/err")"
  fi
}
for n in 4 5 6 7 8; do
  nofile_fails $n "serve" serve --port 0
  nofile_fails $n "run --model eventloop" run sleep --model eventloop --tasks 2 --ms 1
done
grep -q "raise the hard limit as root (ulimit -Hn, now 8)" "$T_TMP/err" \
  && ok "a hard limit is the one to raise, as root" || bad "advice: $(cat "$T_TMP/err")"
# Only the soft limit is low: raising it needs no root.
timeout 10 bash -c "ulimit -Sn 5; exec \"\$0\" run sleep --model eventloop --tasks 2 --ms 1" "$SIMUL" 2>"$T_TMP/err"
grep -q "raise the soft limit (ulimit -n, now 5; no root needed" "$T_TMP/err" \
  && ok "a soft limit is raised without root" || bad "soft advice: $(cat "$T_TMP/err")"

finish
