#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_sumsq.sh: the CPU loop is not folded away (time grows with n) and every run verifies.
source "$SIMUL_ROOT/tests/lib.sh"

r=$(run_json sumsq --model sequential --n 10000000 --tasks 3)
[[ $(json verified <<<"$r") == true ]] && ok "sumsq over 10^7 verifies against the closed form" || bad "sumsq: $r"

if timing; then
  # Best of three at n and 8n, interleaved, so a CPU-speed flip cannot fake or hide the slope.
  small=9 big=9
  for _ in 1 2 3; do
    s=$(run_json sumsq --model sequential --n 50000000 | json wall_s)
    b=$(run_json sumsq --model sequential --n 400000000 | json wall_s)
    small=$(awk -v a="$small" -v b="$s" 'BEGIN{print (b<a)?b:a}')
    big=$(awk -v a="$big" -v b="$b" 'BEGIN{print (b<a)?b:a}')
  done
  tcheck "8x the elements take at least 3x the time (n=5e7: $small s, n=4e8: $big s)" "$big >= 3 * $small"
fi
finish
