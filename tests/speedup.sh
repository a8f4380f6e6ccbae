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

# parallel_capacity N: how much faster two independent processes finish two halves of sumsq
# --n N than one process finishes one half, best of 3 (ideally 2: the cores). Less means the
# machine's cores are not all ours: a host that runs our two vCPUs on one physical core, or
# shares them with its other guests, without counting it as steal (CI once gave 1.17).
parallel_capacity() {
  local h=$(($1 / 2)) solo=999 pair=999 i w
  for i in 1 2 3; do
    w=$("$SIMUL" run sumsq --model sequential --n "$h" --tasks 1 --format json | jq -r .wall_s)
    solo=$(awk -v a="$solo" -v b="$w" 'BEGIN { print (b < a ? b : a) }')
    "$SIMUL" run sumsq --model sequential --n "$h" --tasks 1 --format json >"$T_TMP/cap1" &
    "$SIMUL" run sumsq --model sequential --n "$h" --tasks 1 --format json >"$T_TMP/cap2"
    wait
    w=$(jq -s -r '[.[].wall_s] | max' "$T_TMP/cap1" "$T_TMP/cap2")
    pair=$(awk -v a="$pair" -v b="$w" 'BEGIN { print (b < a ? b : a) }')
  done
  awk -v s="$solo" -v p="$pair" 'BEGIN { printf "%.2f", 2 * s / p }'
}

# race_check DESCRIPTION N COND A... -- B...: race, then check COND, unless it failed while
# other processes kept a quarter of a core or more busy, or while two independent processes
# could not run 1.6 times as fast as one: on a shared 2-core machine the cores a speed-up
# needs were not ours. A model with no parallelism at all still fails on an idle machine
# whose cores are its own.
race_check() {
  local what=$1 n=$2 expr=$3; shift
  local a b r others cap
  read -r a b r others < <(race "$@")
  local desc="$what (best of $r: $a s against $b s; others busy $others cores)"
  if awk -v a="$a" -v b="$b" "BEGIN { exit !($expr) }"; then ok "$desc"; return; fi
  if awk -v o="$others" 'BEGIN { exit !(o >= 0.25) }'; then skipped "$desc" "other processes kept $others cores busy: too loaded to judge"; return; fi
  cap=$(parallel_capacity "$n")
  if awk -v c="$cap" 'BEGIN { exit !(c < 1.6) }'; then
    skipped "$desc" "two independent processes ran only ${cap}x as fast as one: this machine's cores are not all ours now, too shared to judge"
  else bad "$desc (two independent processes: ${cap}x as fast as one)"; fi
}
