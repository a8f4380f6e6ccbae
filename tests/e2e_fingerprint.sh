#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_fingerprint.sh: `simul fingerprint` prints every primitive as a positive number; the harness records it whole into env.txt and reports its drift.
source "$SIMUL_ROOT/tests/lib.sh"
KEYS="cpu_loop_ns page_fault_ns fork_ns thread_ns futex_ns coro_switch_ns loop_turn_ns"
HARNESS=(env PYTHONPATH="$SIMUL_ROOT/bench" PYTHONDONTWRITEBYTECODE=1 python3 -m harness)

# JSON: one object that parses, every primitive a positive number (no timing bound).
expect_exit 0 "fingerprint --format json" -- "$SIMUL" fingerprint --format json
cp "$T_TMP/out" "$T_TMP/fp.json"
for k in $KEYS; do
  v=$(jq -r ".primitives.$k" "$T_TMP/fp.json" 2>/dev/null)
  check "  $k is a positive number ($v)" "\"$v\" ~ /^[0-9.e+-]+$/ && $v > 0"
done
[[ $(jq -r '.primitives | length' "$T_TMP/fp.json") -eq 7 ]] && ok "  seven primitives, nothing else" || bad "  $(cat "$T_TMP/fp.json")"

# Text: a line per primitive, its figure positive.
expect_exit 0 "fingerprint (text)" -- "$SIMUL" fingerprint
for k in $KEYS; do
  awk -v k="$k" '$1 == k && $2 > 0 { found = 1 } END { exit !found }' "$T_TMP/out" && ok "  text: $k" || bad "  text: no $k in $(cat "$T_TMP/out")"
done
expect_exit 0 "fingerprint --help" -- "$SIMUL" fingerprint --help
grep -q "loop_turn_ns" "$T_TMP/out" && ok "  --help names the primitives" || bad "  help: $(head -3 "$T_TMP/out")"
expect_exit 2 "a wrong format" -- "$SIMUL" fingerprint --format xml
expect_exit 2 "a stray argument" -- "$SIMUL" fingerprint now
[[ $(wc -l <"$T_TMP/err") -le 2 ]] && ok "  an error and the usage line" || bad "  $(cat "$T_TMP/err")"

# The harness adds it to env.txt: the lines before it kept, one line per primitive and phase.
run=$T_TMP/run; mkdir -p "$run/raw"
printf 'cores: 2\nloadavg_start: 0.10 0.1 0.1\n' >"$run/env.txt"
SIMUL=$SIMUL "${HARNESS[@]}" fingerprint "$run" start && SIMUL=$SIMUL "${HARNESS[@]}" fingerprint "$run" end
[[ $(grep -c '^fingerprint_start_[a-z_]*_ns: [0-9.e+]*$' "$run/env.txt") -eq 7 && \
   $(grep -c '^fingerprint_end_[a-z_]*_ns: [0-9.e+]*$' "$run/env.txt") -eq 7 && $(head -1 "$run/env.txt") == "cores: 2" ]] \
  && ok "env.txt: 7 start and 7 end lines, the rest kept" || bad "env.txt: $(cat "$run/env.txt")"
[[ -z $(ls "$run" | grep tmp) ]] && ok "  no temporary file left" || bad "  left: $(ls "$run")"
grep -q '^others_cores_start: [0-9]*\.[0-9][0-9]$' "$run/env.txt" && grep -q '^others_cores_end: [0-9]*\.[0-9][0-9]$' "$run/env.txt" \
  && ok "  what other work used of the cores, at the start and the end" || bad "  no others_cores lines: $(grep others "$run/env.txt")"

# Interrupted mid-fingerprint (a simul that never answers, the harness killed): env.txt as it was.
printf '#!/bin/sh\nsleep 3\n' >"$T_TMP/slow-simul"; chmod +x "$T_TMP/slow-simul"
cp "$run/env.txt" "$T_TMP/env.before"
# In a session of its own, so that the whole group (the harness and its simul) is stopped by its id.
SIMUL=$T_TMP/slow-simul setsid "${HARNESS[@]}" fingerprint "$run" end & pid=$!
sleep 0.5; kill -TERM -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null
cmp -s "$run/env.txt" "$T_TMP/env.before" && [[ -z $(ls "$run" | grep tmp) ]] \
  && ok "killed mid-fingerprint: env.txt whole and unchanged" || bad "interrupted: $(diff "$T_TMP/env.before" "$run/env.txt")"
# A simul that fails: one line, and the run goes on with the failure written down.
printf '#!/bin/sh\necho "no" >&2; exit 1\n' >"$T_TMP/bad-simul"; chmod +x "$T_TMP/bad-simul"
SIMUL=$T_TMP/bad-simul "${HARNESS[@]}" fingerprint "$run" start 2>"$T_TMP/err"
grep -q "^fingerprint_start: failed: no" "$run/env.txt" && grep -q "goes on without it" "$T_TMP/err" \
  && ok "a failed fingerprint: written as failed, said once" || bad "failed: $(cat "$T_TMP/err")"

# The report's lines: a drift past 25% and a busy start are said at the top and under a claim
# whose points are made of the moved primitive (CPU work here), not under one made of none.
python3 - "$SIMUL_ROOT/bench/harness" "$T_TMP" <<'PYEOF' >"$T_TMP/report" 2>&1
import os, sys
sys.path.insert(0, sys.argv[1])
import fingerprint as fp
d = sys.argv[2]
env = {"cores": "2", "loadavg_start": "1.5 1 1"}
for k in fp.KEYS:
    env[f"fingerprint_start_{k}"], env[f"fingerprint_end_{k}"] = "1000", "1400" if k == "fork_ns" else "1100"
open(os.path.join(d, "cpu.csv"), "w").write("workload,model\nsumsq,sequential\n")
open(os.path.join(d, "sleep.csv"), "w").write("workload,model\nsleep,multiprocess\n")
os.makedirs(os.path.join(d, "raw"), exist_ok=True)
open(os.path.join(d, "raw", "simul_list.json"), "w").write('{"models":[{"name":"multiprocess","workers_kind":"processes"},{"name":"sequential","workers_kind":"none"}]}')
print("TOP", *fp.report_lines(env), sep="\n")
env2 = dict(env, loadavg_start="0.2 1 1", fingerprint_end_cpu_loop_ns="1500")
print("CPU", *fp.claim_lines(d, env2, ["cpu"]), sep="\n")
print("SLEEP", *fp.claim_lines(d, env2, ["sleep"]), sep="\n")
# What other work used of the cores at the start decides, where a run recorded it: a load
# average raised by the run before (1.5) with nothing running now is a quiet start.
print("OTHERS", fp.busy_start(dict(env, others_cores_start="0.03")), fp.busy_start(dict(env, others_cores_start="1.98")),
      fp.others_phrase(dict(env, others_cores_start="1.98", others_cores_end="0.02")))
print("SPAWN", fp.primitive("spawn", {"workers_kind": "processes"}), fp.primitive("spawn", {"workers_kind": "threads"}),
      fp.primitive("switch", {"workers_kind": "none", "stack_kib": True}, "switch --direct"),
      fp.primitive("switch", {"workers_kind": "none", "stack_kib": True}), fp.primitive("sleep", {}))
PYEOF
grep -q "machine changed during this run:\*\* fork +40%" "$T_TMP/report" && grep -q "busy at the start:\*\* load average 1.50 on 2" "$T_TMP/report" \
  && grep -q "| fork | 1,000 | 1,400 | +40% ⚠ |" "$T_TMP/report" && ok "REPORT.md's top: fork +40% past the bound, a busy start, the table" \
  || bad "top: $(cat "$T_TMP/report")"
grep -qx "OTHERS None other work used 1.98 of 2 cores ; other work used 1.98 and 0.02 of 2 cores at the start and the end" "$T_TMP/report" \
  && ok "busy by what other work used of the cores at the start (1.98 of 2), not by a load average the run before raised" \
  || bad "others: $(grep OTHERS "$T_TMP/report")"
sed -n '/^CPU/,/^SLEEP/p' "$T_TMP/report" | grep -q "cpu_loop +50% (CPU work)" && ! sed -n '/^SLEEP/,/^SPAWN/p' "$T_TMP/report" | grep -q "changed" \
  && ok "a claim of CPU work says cpu_loop +50%; a claim of sleeps says nothing" || bad "claims: $(cat "$T_TMP/report")"
grep -q "^SPAWN fork_ns thread_ns coro_switch_ns loop_turn_ns None$" "$T_TMP/report" \
  && ok "what a point is made of: from the model's capabilities and the workload" || bad "$(grep SPAWN "$T_TMP/report")"

finish
