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

# --watch: a line per sample (unix time, positive ns) until SIGTERM, then exit 0; bad input: exit 2.
"$SIMUL" fingerprint --watch "$T_TMP/watch.txt" --every 0.05 & wpid=$!
sleep 0.6; kill -TERM "$wpid"; wait "$wpid"; wst=$?
n=$(awk 'NF == 2 && $1 > 1e9 && $2 > 0' "$T_TMP/watch.txt" | wc -l)
[[ $wst -eq 0 && $n -ge 3 && $(head -c1 "$T_TMP/watch.txt") == "#" ]] \
  && ok "--watch: $n samples in 0.6 s at 0.05 s, a header, exit 0 on SIGTERM" || bad "--watch: exit $wst, $(head -3 "$T_TMP/watch.txt")"
expect_exit 2 "--watch into a folder that does not exist" -- "$SIMUL" fingerprint --watch "$T_TMP/no/such/file"
expect_exit 2 "--every 0" -- "$SIMUL" fingerprint --watch "$T_TMP/w2.txt" --every 0
expect_exit 2 "--every without --watch" -- "$SIMUL" fingerprint --every 1
# A watch outlives no parent: its parent killed with SIGKILL, it stops (PR_SET_PDEATHSIG).
( "$SIMUL" fingerprint --watch "$T_TMP/w3.txt" & echo $! >"$T_TMP/w3.pid"; wait ) & ppid=$!
sleep 0.3; kill -KILL "$ppid"; wait "$ppid" 2>/dev/null
w3=$(cat "$T_TMP/w3.pid"); for _ in $(seq 20); do kill -0 "$w3" 2>/dev/null || break; sleep 0.1; done
kill -0 "$w3" 2>/dev/null && { bad "--watch outlived its parent"; kill "$w3"; } || ok "--watch stops with its parent"

# The harness adds it to env.txt: the lines before it kept, one line per primitive and phase.
run=$T_TMP/run; mkdir -p "$run/raw"
printf 'cores: 2\nloadavg_start: 0.10 0.1 0.1\n' >"$run/env.txt"
SIMUL=$SIMUL "${HARNESS[@]}" fingerprint "$run" start && SIMUL=$SIMUL "${HARNESS[@]}" fingerprint "$run" end
[[ $(grep -c '^fingerprint_start_[a-z_]*_ns: [0-9.e+]*$' "$run/env.txt") -eq 7 && \
   $(grep -c '^fingerprint_end_[a-z_]*_ns: [0-9.e+]*$' "$run/env.txt") -eq 7 && $(head -1 "$run/env.txt") == "cores: 2" ]] \
  && ok "env.txt: 7 start and 7 end lines, the rest kept" || bad "env.txt: $(cat "$run/env.txt")"
[[ -z $(ls "$run" | grep tmp) ]] && ok "  no temporary file left" || bad "  left: $(ls "$run")"
cp "$T_TMP/watch.txt" "$run/raw/cpu_watch.txt"; printf '1.8e9 12' >>"$run/raw/cpu_watch.txt"  # a line cut short by a kill
SIMUL=$SIMUL "${HARNESS[@]}" fingerprint "$run" end
grep -q "^cpu_watch_samples: $n$" "$run/env.txt" && grep -q '^cpu_watch_p90_ns: [0-9.e+]*$' "$run/env.txt" \
  && grep -q '^cpu_watch_first_ns: [0-9.e+]*$' "$run/env.txt" && grep -q '^cpu_watch_last_ns: [0-9.e+]*$' "$run/env.txt" \
  && ok "  the end adds the watch's percentiles ($n samples; the cut line left out)" || bad "  watch: $(grep cpu_watch "$run/env.txt")"
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
print("TOP", *fp.report_lines(dict(env, cpu_watch_samples="600", cpu_watch_p10_ns="300000", cpu_watch_p50_ns="400000",
                                   cpu_watch_p90_ns="540000")), sep="\n")
samples = [(1.8e9 + i / 10, 300000 if (i // 3) % 2 else 540000) for i in range(600)]
# Watched, the CPU loop's drift is its first quarter's mean against its last's, not two moments'.
wenv = dict(env, fingerprint_end_cpu_loop_ns="1500", cpu_watch_first_ns="1000", cpu_watch_last_ns="1030", cpu_watch_mean_ns="1010")
print("WATCHED", "cpu_loop_ns" in fp.drifted(dict(env, fingerprint_end_cpu_loop_ns="1500")), "cpu_loop_ns" in fp.drifted(wenv),
      round(fp.drift(wenv)["cpu_loop_ns"][2], 2), fp.of_run(wenv)["cpu_loop_ns"])
# Fingerprints that caught the CPU in its two states (284,000 and 526,000 ns): page faults +46%
# and fork +40% with it are not a drift, page faults x2.5 are; the CPU loop unwatched is one itself.
senv = dict(env, fingerprint_start_cpu_loop_ns="284000", fingerprint_end_cpu_loop_ns="526000",
            fingerprint_end_page_fault_ns="1460")
print("STATE", sorted(fp.drifted(senv)), sorted(fp.drifted(dict(senv, fingerprint_end_page_fault_ns="2500"))))
print("SWING", round(fp.swing(samples, 0.1), 2), round(fp.swing(samples, 6), 2), fp.swing(samples, 20))
env2 = dict(env, loadavg_start="0.2 1 1", fingerprint_end_cpu_loop_ns="1500")
print("CPU", *fp.claim_lines(d, env2, ["cpu"]), sep="\n")
print("SLEEP", *fp.claim_lines(d, env2, ["sleep"]), sep="\n")
# What other work used of the cores at the start decides, where a run recorded it: a load
# average raised by the run before (1.5) with nothing running now is a quiet start.
print("OTHERS", fp.busy_start(dict(env, others_cores_start="0.03")), fp.busy_start(dict(env, others_cores_start="1.98")),
      fp.others_phrase(dict(env, others_cores_start="1.98", others_cores_end="0.02")))
print("SPAWN", fp.primitive("spawn", {"workers_kind": "processes"}), fp.primitive("spawn", {"workers_kind": "threads"}),
      fp.primitive("switch", {"workers_kind": "none", "stack_kib": True}), fp.primitive("switch", {"workers_kind": "threads"}),
      fp.primitive("sleep", {}))
PYEOF
grep -q "machine changed during this run:\*\* fork +40%" "$T_TMP/report" && grep -q "busy at the start:\*\* load average 1.50 on 2" "$T_TMP/report" \
  && grep -q "| fork | 1,000 | 1,400 | +40% ⚠ |" "$T_TMP/report" && ok "REPORT.md's top: fork +40% past the bound, a busy start, the table" \
  || bad "top: $(cat "$T_TMP/report")"
grep -q "swung 1.80× from one moment to the next" "$T_TMP/report" && ok "REPORT.md's top: the CPU's swing through the run" \
  || bad "no swing line: $(grep -i cpu "$T_TMP/report")"
grep -qx "WATCHED True False 0.03 1010.0" "$T_TMP/report" \
  && ok "fingerprints 50% apart, watched quarters 3%: not drifted; the run's CPU loop is the watch's mean" \
  || bad "$(grep WATCHED "$T_TMP/report")"
grep -qx "STATE \['cpu_loop_ns'\] \['cpu_loop_ns', 'page_fault_ns'\]" "$T_TMP/report" \
  && ok "fingerprints in the CPU's two states (x1.85): page faults +46% and fork +40% not a drift, page faults x2.5 one; the CPU loop itself is" \
  || bad "$(grep STATE "$T_TMP/report")"
grep -qx "SWING 1.8 1.0 None" "$T_TMP/report" && ok "swing: 1.8 over 0.1-s windows, 1.0 over 6-s windows, none over 20 s (3 windows)" \
  || bad "$(grep SWING "$T_TMP/report")"
grep -qx "OTHERS None other work used 1.98 of 2 cores ; other work used 1.98 and 0.02 of 2 cores at the start and the end" "$T_TMP/report" \
  && ok "busy by what other work used of the cores at the start (1.98 of 2), not by a load average the run before raised" \
  || bad "others: $(grep OTHERS "$T_TMP/report")"
sed -n '/^CPU/,/^SLEEP/p' "$T_TMP/report" | grep -q "cpu_loop +50% (CPU work)" && ! sed -n '/^SLEEP/,/^SPAWN/p' "$T_TMP/report" | grep -q "changed" \
  && ok "a claim of CPU work says cpu_loop +50%; a claim of sleeps says nothing" || bad "claims: $(cat "$T_TMP/report")"
grep -q "^SPAWN fork_ns thread_ns coro_switch_ns futex_ns None$" "$T_TMP/report" \
  && ok "what a point is made of: from the model's capabilities and the workload" || bad "$(grep SPAWN "$T_TMP/report")"

finish
