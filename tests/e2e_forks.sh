#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_forks.sh: every fork goes through sim_child_fork, and a signal to the whole group mid-start is answered once.
source "$SIMUL_ROOT/tests/lib.sh"

# 1. No process is made but by sim_child_fork (models/children.c), which blocks the run's
# signals across the fork: a child made any other way can run the parent's handler and say
# the parent's last words a second time. Code only: comments and strings are dropped first.
strays=$(cd "$SIMUL_ROOT" && grep -rnE '\b(fork|vfork|clone|clone3|posix_spawnp?|popen)[[:space:]]*\(' \
  --include='*.c' --include='*.h' models workloads bench/simul | grep -v '^models/children\.c:' \
  | sed -E 's#"([^"\\]|\\.)*"##g; s#/\*.*\*/##g; s#//.*$##' \
  | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*)' \
  | grep -E '\b(fork|vfork|clone|clone3|posix_spawnp?|popen)[[:space:]]*\(' || true)
[[ -z $strays ]] && ok "every fork in models/, workloads/ and bench/simul/ goes through sim_child_fork" \
  || bad "forks that bypass sim_child_fork (use it instead): $strays"

# 2. The race: a signal to the process group while a forked child is alive (the spawn floor's
# forks, the hand-off's answering process) must end the run with one line, never two: the
# child may die of the signal or keep it pending, but never run the parent's handler. switch
# under multiprocess forks its answering process in the first ~50 ms and keeps it for tens
# of ms, so most trials land inside a child's life; the child then wins the race to say it
# against the parent's SIGKILL a few times in a hundred (2 to 10 of 80 before the fix). Its own group (setsid), signals not
# ignored (env --default-signal: a background job of a script starts with SIGINT and SIGQUIT
# ignored, which simul respects).
sigs=(INT TERM HUP QUIT)
trials=60 dups=0 once=0 sample=""
for ((i = 0; i < trials; i++)); do
  sig=${sigs[i % 4]}
  setsid env --default-signal=INT,QUIT "$SIMUL" run switch --model multiprocess >/dev/null 2>"$T_TMP/race.err" &
  pid=$!
  sleep "$(printf '0.%03d' $((5 + RANDOM % 40)))"
  kill -s "$sig" -- -"$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n=$(grep -c "no record written" "$T_TMP/race.err")
  if ((n > 1)); then dups=$((dups + 1)); sample="SIG$sig: $(tr '\n' '|' <"$T_TMP/race.err")"; fi
  ((n == 1)) && once=$((once + 1))
done
((dups == 0)) && ok "a group signal mid-start: no trial of $trials printed the stop line twice ($once printed it once)" \
  || bad "$dups of $trials trials printed the stop line twice, e.g. $sample"
# Trials the handler never saw (a run that ended first, a signal that came before the handler
# was installed) test nothing: most must have reached it, or the trial above proves little.
((once >= trials / 2)) && ok "... $once of $trials reached the handler" \
  || echo "skip: only $once of $trials trials reached the handler (a busy machine?): the race was little tried"

finish
