#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_gil.sh: threadpool --gil: CPU work no faster than sequential, threads alternate, sleeps unaffected.
source "$SIMUL_ROOT/tests/lib.sh"
source "$SIMUL_ROOT/tests/speedup.sh"

cores=$(nproc)
G=(--model threadpool --gil)

expect_exit 2 "--gil on multiprocess" -- "$SIMUL" run sumsq --model multiprocess --gil
grep -q "gil" "$T_TMP/err" && ok "message names --gil" || bad "message: $(cat "$T_TMP/err")"

j=$(run_json sumsq "${G[@]}" --n 300000000 --tasks 2 --trace "$T_TMP/g.csv")
[[ $(json verified <<<"$j") == true && $(json gil <<<"$j") == true ]] && ok "sumsq --gil verifies" || bad "sumsq --gil: $j"
# The prediction assumes one core under the GIL, as sequential, and every core without it:
# the parallelism it used is n x one core's calibrated time / the prediction.
par() { jq -r '.n * .ns_per_elem * 1e-9 / .predicted_s'; }
pg=$("$SIMUL" predict sumsq "${G[@]}" --cores 2 --n 300000000 --tasks 2 --format json | par)
pt=$("$SIMUL" predict sumsq --model threadpool --cores 2 --n 300000000 --tasks 2 --format json | par)
check "prediction on 2 cores: --gil uses 1 ($pg), threadpool 2 ($pt)" "$pg > 0.98 && $pg < 1.02 && $pt > 1.96 && $pt < 2.04"

# The lock is handed over every 5 ms, so both tasks compute turn about and end together;
# with a plain lock held for the whole computation the first would end half-way. Holds
# whatever the speed, so the sanitizer builds check it too; the best of 3 tries, since a
# busy machine can hold one thread off the CPU for a while (0.75 once under TSan beside other tests).
ends() { tail -n +2 "$1" | awk -F, '{ e[NR] = $5 } END { r = e[1] < e[2] ? e[1] / e[2] : e[2] / e[1]; print e[1], e[2], r }'; }
read -r e0 e1 best < <(ends "$T_TMP/g.csv")
for _ in 1 2; do
  awk -v r="$best" 'BEGIN { exit !(r > 0.8) }' && break
  run_json sumsq "${G[@]}" --n 300000000 --tasks 2 --trace "$T_TMP/g2.csv" >/dev/null
  read -r a b r < <(ends "$T_TMP/g2.csv")
  awk -v r="$r" -v b="$best" 'BEGIN { exit !(r > b) }' && { e0=$a e1=$b best=$r; }
done
check "--gil: the two tasks end together (at $e0 s and $e1 s, the best of up to 3 tries): they alternated" "$best > 0.8"

# Sleeping does not hold the GIL (CPython releases it around blocking I/O).
j=$(run_best 3 sleep "${G[@]}" --workers 0 --tasks 20 --ms 200)
[[ $(json verified <<<"$j") == true ]] && ok "sleep --gil verifies" || bad "sleep --gil: $j"
tcheck "sleep --gil: 20 sleeps of 0.2 s still take about 0.2 s" "$(json wall_s <<<"$j") < 0.2 * 1.6"

# C5: in Python, threads do not speed up CPU work. Against sequential, back to back.
if timing && [[ $cores -ge 2 ]]; then
  race_check "sumsq: --gil speed-up over sequential < 1.25" 600000000 "a / b < 1.25" --model sequential -- "${G[@]}"
  race_check "sumsq: threads without the GIL beat it by > 1.4" 600000000 "a / b > 1.4" "${G[@]}" -- --model threadpool
else
  ok "sumsq timing skipped (sanitizer build or one core)"
fi

finish
