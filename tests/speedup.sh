# SPDX-License-Identifier: MIT
# speedup.sh: for e2e scripts: compare two models' sumsq wall times on a shared, noisy machine.
# Sourced after lib.sh; not a test itself (ctest runs e2e_*.sh only).

# (cpu_busy_s, the machine's busy CPU seconds, is lib.sh's.)
# REPLY = CPU seconds this shell's finished children used (simul, jq, awk: all of the test's
# own work). Called directly, not in $(...): a forked subshell has no children of its own.
children_cpu_s() {
  times >"$T_TMP/times"
  REPLY=$(awk 'END { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } print s }' "$T_TMP/times")
}

# race N COND A... -- B...: run sumsq --n N under A then B, back to back, up to 6 rounds,
# until COND (awk, over a and b: the best wall time of each so far) holds. Best against
# best: other jobs and the CPU's speed changes only ever make a run slower. Prints
# "a b rounds others", others being the cores other processes kept busy meanwhile, on
# average: a speed-up needs idle cores to show, so callers skip rather than fail when
# others held them.
race() {
  local n=$1 cond=$2; shift 2
  local -a A=() B=(); while [[ $1 != -- ]]; do A+=("$1"); shift; done; shift; B=("$@")
  local a=999 b=999 r j o0 t0 c0
  children_cpu_s; o0=$REPLY; t0=$(date +%s.%N); c0=$(cpu_busy_s)
  for r in 1 2 3 4 5 6; do
    j=$("$SIMUL" run sumsq --n "$n" --tasks 2 --format json "${A[@]}")
    a=$(jq -r --argjson x "$a" '[.wall_s, $x] | min' <<<"$j")
    j=$("$SIMUL" run sumsq --n "$n" --tasks 2 --format json "${B[@]}")
    b=$(jq -r --argjson x "$b" '[.wall_s, $x] | min' <<<"$j")
    [[ $r -ge 2 ]] && awk -v a="$a" -v b="$b" "BEGIN { exit !($cond) }" && break
  done
  children_cpu_s
  echo "$a $b $r $(awk -v t0="$t0" -v t1="$(date +%s.%N)" -v c0="$c0" -v c1="$(cpu_busy_s)" -v o="$(awk -v a="$o0" -v b="$REPLY" 'BEGIN { print b - a }')" \
    'BEGIN { x = (c1 - c0 - o) / (t1 - t0); printf "%.2f", x < 0 ? 0 : x }')"
}

# race_check DESCRIPTION N COND A... -- B...: race, then check COND, unless it failed while
# other processes kept a quarter of a core or more busy: on a shared 2-core machine the
# cores a speed-up needs were theirs. A model with no parallelism at all still fails on an
# idle machine.
race_check() {
  local what=$1 expr=$3; shift
  local a b r others
  read -r a b r others < <(race "$@")
  local desc="$what (best of $r: $a s against $b s; others busy $others cores)"
  if awk -v a="$a" -v b="$b" "BEGIN { exit !($expr) }"; then ok "$desc"
  elif awk -v o="$others" 'BEGIN { exit !(o >= 0.25) }'; then skipped "$desc" "other processes kept $others cores busy: too loaded to judge"
  else bad "$desc"; fi
}
