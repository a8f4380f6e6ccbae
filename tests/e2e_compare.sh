#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_compare.sh: `make compare` on made-up run folders: a run against itself, one model slowed, one-sample points, the machine's fingerprint, bad input.
source "$SIMUL_ROOT/tests/lib.sh"
CMP=(python3 "$SIMUL_ROOT/bench/harness/compare.py")

# fake DIR SCALE_EVENTLOOP RUNS [ARG]: a run folder as bench.sh writes it, one sweep of two
# series (sequential, eventloop) at tasks=1,10, RUNS samples each (seeded noise of ~2%), the
# eventloop times scaled by SCALE_EVENTLOOP; ARG replaces --ms 100 in the commands.
# Environment: WORKLOAD=sumsq (sleep) the workload, SCALE_ALL=x both models' times scaled too,
# FP_CPU=ns a fingerprint (every primitive 1000 ns, cpu_loop FP_CPU at the start, FP_CPU_END at
# the end) and the models' capabilities (raw/simul_list.json) as bench.sh writes them, WATCH=1
# a raw/cpu_watch.txt whose CPU loop flips between 300 and 540 us every 0.3 s for a minute,
# CPU_SHARE=f the points' user_s as that share of their wall_s (0.01).
fake() {
  python3 - "$@" <<'EOF'
import csv, json, os, random, statistics, sys
d, scale, runs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
arg = sys.argv[4] if len(sys.argv) > 4 else "100"
workload, all_ = os.environ.get("WORKLOAD", "sleep"), float(os.environ.get("SCALE_ALL", "1"))
rng = random.Random(os.path.basename(d) + str(scale))  # the name, not the temporary path: the same noise every run
os.makedirs(os.path.join(d, "raw"))
open(os.path.join(d, "sweeps.txt"), "w").write("s1\n")
env = f"cores: 2\nquick: no\nsimul: {d}/simul\n"
if os.environ.get("FP_CPU"):
    for phase, cpu in (("start", os.environ["FP_CPU"]), ("end", os.environ.get("FP_CPU_END", os.environ["FP_CPU"]))):
        env += f"fingerprint_{phase}_cpu_loop_ns: {cpu}\n" + "".join(
            f"fingerprint_{phase}_{k}_ns: 1000\n" for k in ("page_fault", "fork", "thread", "futex", "coro_switch", "loop_turn"))
    json.dump({"models": [{"name": "sequential", "workers_kind": "none", "stack_kib": False},
                          {"name": "eventloop", "workers_kind": "none", "stack_kib": True}]},
              open(os.path.join(d, "raw", "simul_list.json"), "w"))
open(os.path.join(d, "env.txt"), "w").write(env)
if os.environ.get("WATCH"):
    open(os.path.join(d, "raw", "cpu_watch.txt"), "w").write("# watch\n" + "".join(
        f"{1.8e9 + i / 10:.3f} {300000 if (i // 3) % 2 else 540000}\n" for i in range(600)) + "1.8e9 30")
share = float(os.environ.get("CPU_SHARE", "0.01"))
startup = float(os.environ.get("STARTUP", "0"))  # the share of each run outside the workload's own clock
cmds, results, rows = [], [], []
for idx, (series, tasks) in enumerate([(s, t) for s in ("sequential", "eventloop") for t in (1, 10)]):
    base = 0.1 * tasks if series == "sequential" else 0.1
    slow = base * all_ * (scale if series == "eventloop" else 1)  # the workload's own clock moves too
    times = [slow * (1 + rng.gauss(0, 0.02)) for _ in range(runs)]
    argv = [workload, "--model", series, "--tasks", str(tasks), "--ms", arg, "--timeout", "20"]
    cmds.append({"idx": idx, "kind": "run", "series": series, "params": {"tasks": str(tasks)},
                 "argv": argv, "shell": "simul run " + " ".join(argv)})
    results.append({"command": series, "times": times, "exit_codes": [0] * runs})
    rows.append({"sweep": "s1", "claim": "C1", "series": series, "idx": idx, "status": "ok",
                 "runs_ok": runs, "runs_total": runs, "mean_s": statistics.fmean(times),
                 "sd_s": statistics.stdev(times) if runs > 1 else 0, "p_tasks": tasks,
                 "model": series, "tasks": tasks, "workload": workload, "wall_s": slow * (1 - startup), "user_s": slow * (1 - startup) * share,
                 "sys_s": 0.0})
# ROUNDS: the runs split into that many invocations, each running every command once in turn.
rounds = int(os.environ.get("ROUNDS", "1"))
json.dump({"name": "s1", "warmup": 1, "runs": runs // rounds, "rounds": rounds, "commands": cmds,
           "invocations": [{"warmup": 1, "runs": runs // rounds, "order": [c["idx"] for c in cmds]}] * rounds},
          open(os.path.join(d, "raw", "s1.plan.json"), "w"))
for k in range(rounds):
    part = [dict(r, times=r["times"][k::rounds], exit_codes=r["exit_codes"][k::rounds]) for r in results]
    json.dump({"results": part}, open(os.path.join(d, "raw", f"s1.r{k + 1}.json"), "w"))
with open(os.path.join(d, "s1.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
EOF
}
# verdicts DIR: "series tasks verdict" per line of DIR/compare.csv, sorted
verdicts() {
  python3 -c 'import csv, sys
for r in sorted(csv.DictReader(open(sys.argv[1])), key=lambda r: (r["series"], int(r["tasks"]))):
    print(r["series"], r["tasks"], r["verdict"])' "$1/compare.csv"
}

# A run against itself: nothing flagged, both files written, the rule said.
fake "$T_TMP/a" 1 5
expect_exit 0 "a run against itself" -- "${CMP[@]}" "$T_TMP/a" "$T_TMP/a"
grep -q "4 shared points: 0 slower, 0 faster, 0 machine, 4 same" "$T_TMP/out" && ok "against itself: 4 points, none flagged" || bad "self: $(tail -3 "$T_TMP/out")"
grep -q "percentile bootstrap" "$T_TMP/out" && ok "the output names its interval (bootstrap) and rule" || bad "no method named"
[[ -s $T_TMP/a/COMPARE.md && $(head -1 "$T_TMP/a/compare.csv") == sweep,series,model,tasks,p_tasks,base_s,new_s,ratio,ci_low,ci_high,verdict,* ]] \
  && ok "COMPARE.md and compare.csv (sweep,series,model,tasks,p_tasks,base_s,new_s,ratio,ci_low,ci_high,verdict,...)" \
  || bad "files: $(head -1 "$T_TMP/a/compare.csv")"

# One model 1.6x slower: only its points flagged, the largest changes listed first.
fake "$T_TMP/slow" 1.6 5
expect_exit 0 "a run with eventloop slowed" -- "${CMP[@]}" "$T_TMP/a" "$T_TMP/slow"
got=$(verdicts "$T_TMP/slow" | tr '\n' ';')
[[ $got == "eventloop 1 slower;eventloop 10 slower;sequential 1 same;sequential 10 same;" ]] \
  && ok "only the slowed model is flagged slower ($got)" || bad "slowed: $got"
[[ $(sed -n 2p "$T_TMP/slow/compare.csv" | cut -d, -f2) == eventloop ]] && ok "largest change first" || bad "order"
cp -r "$T_TMP/slow" "$T_TMP/slow2"
"${CMP[@]}" "$T_TMP/a" "$T_TMP/slow2" >/dev/null
cmp -s "$T_TMP/slow/compare.csv" "$T_TMP/slow2/compare.csv" && ok "the same two runs give the same intervals (fixed seed)" || bad "not reproducible"

# And faster, the other way round.
expect_exit 0 "reversed" -- "${CMP[@]}" "$T_TMP/slow" "$T_TMP/a"
[[ $(verdicts "$T_TMP/a" | grep -c "eventloop.*faster") -eq 2 ]] && ok "reversed: eventloop faster" || bad "reversed: $(verdicts "$T_TMP/a")"

# Without raw/, Welch on the log scale from the CSV, with the same verdicts.
rm -r "$T_TMP/slow2/raw"
"${CMP[@]}" "$T_TMP/a" "$T_TMP/slow2" >"$T_TMP/out"
[[ $(verdicts "$T_TMP/slow2" | tr '\n' ';') == "$got" ]] && grep -q "welch-log (csv)" "$T_TMP/slow2/compare.csv" \
  && ok "without raw/: Welch from the CSV, same verdicts" || bad "welch: $(verdicts "$T_TMP/slow2")"

# One sample a side: no interval; 1.3x is `same (1 run)`, 2x is flagged.
fake "$T_TMP/one" 1 1; fake "$T_TMP/one13" 1.3 1; fake "$T_TMP/one2" 2 1
"${CMP[@]}" "$T_TMP/one" "$T_TMP/one13" >/dev/null; "${CMP[@]}" "$T_TMP/one" "$T_TMP/one2" >/dev/null
[[ $(verdicts "$T_TMP/one13" | grep -c "eventloop.*same (1 run)") -eq 2 && $(verdicts "$T_TMP/one2" | grep -c "eventloop.*slower") -eq 2 \
   && $(grep -c ',,,' "$T_TMP/one2/compare.csv") -ge 4 ]] \
  && ok "one sample: 1.3x same (1 run), 2x slower, no interval" || bad "one sample: $(verdicts "$T_TMP/one13") / $(verdicts "$T_TMP/one2")"

# A point whose command changed is listed apart, not compared.
fake "$T_TMP/other" 1 5 50
"${CMP[@]}" "$T_TMP/a" "$T_TMP/other" >"$T_TMP/out"
grep -q "4 points not compared" "$T_TMP/out" && grep -q "another command" "$T_TMP/other/COMPARE.md" \
  && ok "another command line (--ms 50 for 100): not compared, said so" || bad "command change: $(tail -4 "$T_TMP/out")"

# The machine's fingerprint: CPU work 1.6x slower with a CPU loop 1.6x slower is `machine`;
# with the CPU loop unchanged, `slower`; a sleep is made of no primitive (raw verdict kept).
WORKLOAD=sumsq FP_CPU=1000000 fake "$T_TMP/fa" 1 5
WORKLOAD=sumsq FP_CPU=1600000 SCALE_ALL=1.6 fake "$T_TMP/fm" 1 5
WORKLOAD=sumsq FP_CPU=1000000 SCALE_ALL=1.6 fake "$T_TMP/fs" 1 5
expect_exit 0 "a run on a machine 1.6x slower" -- "${CMP[@]}" "$T_TMP/fa" "$T_TMP/fm"
got=$(verdicts "$T_TMP/fm" | tr '\n' ';')
[[ $got == "eventloop 1 machine;eventloop 10 machine;sequential 1 machine;sequential 10 machine;" ]] \
  && ok "raw 1.6x, CPU loop 1.6x: every point 'machine' ($got)" || bad "machine: $got"
grep -q "cpu_loop .*1,000,000.*1,600,000.*1.600" "$T_TMP/out" && grep -q "0 slower, 0 faster, 4 machine" "$T_TMP/out" \
  && ok "both fingerprints printed side by side (cpu_loop 1,000,000 / 1,600,000 / 1.600)" || bad "fingerprint table: $(grep cpu_loop "$T_TMP/out")"
"${CMP[@]}" "$T_TMP/fa" "$T_TMP/fs" >/dev/null
got=$(verdicts "$T_TMP/fs" | tr '\n' ';')
[[ $got == "eventloop 1 slower;eventloop 10 slower;sequential 1 slower;sequential 10 slower;" ]] \
  && ok "raw 1.6x, CPU loop unchanged: slower ($got)" || bad "code slower: $got"
grep -Eq ",slower,cpu_loop,1,1\.(5[5-9]|6[0-4])" "$T_TMP/fs/compare.csv" && ok "compare.csv: raw_verdict, primitive, machine factor, normalised ratio" \
  || bad "csv: $(sed -n 2p "$T_TMP/fs/compare.csv")"
FP_CPU=1000000 fake "$T_TMP/sa" 1 5; FP_CPU=1600000 SCALE_ALL=1.6 fake "$T_TMP/sm" 1 5
"${CMP[@]}" "$T_TMP/sa" "$T_TMP/sm" >/dev/null
[[ $(verdicts "$T_TMP/sm" | grep -c slower) -eq 4 ]] && grep -q ",none,," "$T_TMP/sm/compare.csv" \
  && ok "sleeps are made of no primitive: the raw verdict stands" || bad "sleep: $(verdicts "$T_TMP/sm")"
# A drift inside a run is shown beside its figure (and widens the normalised noise).
WORKLOAD=sumsq FP_CPU=1200000 FP_CPU_END=2133333 SCALE_ALL=1.6 fake "$T_TMP/fd" 1 5
"${CMP[@]}" "$T_TMP/fa" "$T_TMP/fd" >"$T_TMP/out"
grep -q "(+78%)" "$T_TMP/out" && ok "a drift within a run is shown beside its figure (+78%)" || bad "drift: $(grep cpu_loop "$T_TMP/out")"
# The CPU's swing within the runs (raw/cpu_watch.txt): a 1-run point of 0.1 s of CPU work 1.7x
# slower, on a machine whose CPU flips 1.8x every 0.3 s, is `machine`; the same without a
# watch is `slower`, and so are its 1-s points (their runs span the flips) and its points of
# 5 rounds. 5 runs in one round follow one another, in one spell: still `machine`.
for w in 1 ""; do
  for r in 1 5; do
    WATCH=$w CPU_SHARE=1 WORKLOAD=sumsq FP_CPU=1000000 ROUNDS=$r fake "$T_TMP/w$w$r" 1 $r
    WATCH=$w CPU_SHARE=1 WORKLOAD=sumsq FP_CPU=1000000 ROUNDS=$r SCALE_ALL=1.7 fake "$T_TMP/wn$w$r" 1 $r
    "${CMP[@]}" "$T_TMP/w$w$r" "$T_TMP/wn$w$r" >"$T_TMP/out$w$r"
  done
done
# A workload of sleeps (1% CPU) whose runs are half start-up (CPU work outside its own clock):
# its 1-run points 1.7x slower are `machine` too, where without the start-up they are `slower`.
for up in 0 0.5; do
  WATCH=1 STARTUP=$up fake "$T_TMP/su$up" 1 1
  WATCH=1 STARTUP=$up SCALE_ALL=1.7 fake "$T_TMP/sun$up" 1 1
  "${CMP[@]}" "$T_TMP/su$up" "$T_TMP/sun$up" >/dev/null
done
got="$(verdicts "$T_TMP/sun0" | tr '\n' ';') / $(verdicts "$T_TMP/sun0.5" | tr '\n' ';')"
[[ $got == "eventloop 1 slower;eventloop 10 slower;sequential 1 slower;sequential 10 slower; / eventloop 1 machine;eventloop 10 machine;sequential 1 machine;sequential 10 slower;" ]] \
  && ok "  sleeps whose runs are half start-up swing with the CPU: 'machine' at 0.1 s, where without start-up 'slower'" \
  || bad "  start-up: $got"
WATCH=1 CPU_SHARE=1 WORKLOAD=sumsq FP_CPU=1000000 fake "$T_TMP/w1r" 1 5
WATCH=1 CPU_SHARE=1 WORKLOAD=sumsq FP_CPU=1000000 SCALE_ALL=1.7 fake "$T_TMP/wn1r" 1 5
"${CMP[@]}" "$T_TMP/w1r" "$T_TMP/wn1r" >"$T_TMP/out1r"
got=$(verdicts "$T_TMP/wn11" | tr '\n' ';')
[[ $got == "eventloop 1 machine;eventloop 10 machine;sequential 1 machine;sequential 10 slower;" ]] \
  && ok "a swing of 1.8x at 0.1 s: the 1-run 0.1-s points 1.7x slower are 'machine', the 1-s one 'slower' ($got)" \
  || bad "swing: $got"
got=$(verdicts "$T_TMP/wn1" | tr '\n' ';')
[[ $got == "eventloop 1 slower;eventloop 10 slower;sequential 1 slower;sequential 10 slower;" ]] \
  && ok "  without a watch: all four 'slower'" || bad "  no watch: $got"
got=$(verdicts "$T_TMP/wn15" | tr '\n' ';')
[[ $got == "eventloop 1 slower;eventloop 10 slower;sequential 1 slower;sequential 10 slower;" ]] \
  && ok "  with 5 rounds a point the swing's share shrinks (0.8/sqrt 5): all four 'slower'" || bad "  5 rounds: $got"
got=$(verdicts "$T_TMP/wn1r" | tr '\n' ';')
[[ $got == "eventloop 1 machine;eventloop 10 machine;sequential 1 machine;sequential 10 slower;" ]] \
  && ok "  5 runs in one round share the CPU's spells: the 0.1-s points stay 'machine'" || bad "  5 runs, 1 round: $got"
grep -q "cpu_loop through the run (10th – 90th percentile) | 300,000 – 540,000" "$T_TMP/out11" \
  && grep -q "swing 80%" "$T_TMP/out11" && ok "  the watch's percentiles printed beside the fingerprints; the swing beside the noise" \
  || bad "  table: $(grep -E 'through|swing' "$T_TMP/out11" | head -3)"
# An older run without a fingerprint: raw ratios, and said so.
WORKLOAD=sumsq fake "$T_TMP/old" 1 5
expect_exit 0 "BASE without a fingerprint" -- "${CMP[@]}" "$T_TMP/old" "$T_TMP/fm"
grep -q "The fingerprint is missing in BASE" "$T_TMP/out" && [[ $(verdicts "$T_TMP/fm" | grep -c slower) -eq 4 ]] \
  && ok "no fingerprint in BASE: said so, raw verdicts (slower)" || bad "old: $(grep -i fingerprint "$T_TMP/out")"

# Means that are no figures: inf, 1e308, 1e-300 (and nan, 0, negative, text), or an sd_s no positive
# samples of that mean can have, are not compared, said so (inf, 1e308 were "slower" with an
# infinite ratio; 1e-300 and sd_s 1e6 a traceback).
for v in inf 1e308 1e-300 nan 0 -1 abc sd_s=1e6; do
  rm -rf "$T_TMP/bad"; cp -r "$T_TMP/a" "$T_TMP/bad"; rm -r "$T_TMP/bad/raw"
  python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
col, _, v = sys.argv[2].rpartition("=")
rows[0][col or "mean_s"] = v
w = csv.DictWriter(open(sys.argv[1], "w", newline=""), fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)' "$T_TMP/bad/s1.csv" "$v"
  expect_exit 0 "mean_s $v" -- "${CMP[@]}" "$T_TMP/a" "$T_TMP/bad"
  grep -q "1 points not compared" "$T_TMP/out" && grep -q "3 shared points: 0 slower" "$T_TMP/out" \
    && ! grep -q "[0-9]\{20\}" "$T_TMP/out" && ok "  mean_s $v: not compared, no infinite ratio" || bad "  $v: $(tail -4 "$T_TMP/out")"
done

# Bad input: one line, exit 2, nothing written.
touch "$T_TMP/slow/INCOMPLETE"
expect_exit 2 "a run marked INCOMPLETE" -- "${CMP[@]}" "$T_TMP/a" "$T_TMP/slow"
grep -q "marked INCOMPLETE" "$T_TMP/err" && [[ $(wc -l <"$T_TMP/err") -eq 1 ]] && ok "  one line: $(cat "$T_TMP/err")" || bad "  $(cat "$T_TMP/err")"
for f in nan inf -inf 1e308 x ""; do
  expect_exit 2 "--floor '$f'" -- "${CMP[@]}" --floor "$f" "$T_TMP/a" "$T_TMP/a"
  [[ $(wc -l <"$T_TMP/err") -eq 1 ]] || bad "  --floor $f: $(cat "$T_TMP/err")"
done

mkdir -p "$T_TMP/empty" "$T_TMP/nocsv"; echo s1 >"$T_TMP/nocsv/sweeps.txt"
fake "$T_TMP/cut" 1 5; head -c 150 "$T_TMP/a/s1.csv" >"$T_TMP/cut/s1.csv"
for c in "missing:$T_TMP/none" "a file:$T_TMP/a/s1.csv" "not a run:$T_TMP/empty" "no CSV:$T_TMP/nocsv" "a cut CSV:$T_TMP/cut"; do
  expect_exit 2 "NEW is ${c%%:*}" -- "${CMP[@]}" "$T_TMP/a" "${c#*:}"
  [[ $(wc -l <"$T_TMP/err") -eq 1 && ! -e ${c#*:}/COMPARE.md ]] && ok "  one line: $(cat "$T_TMP/err")" || bad "  $(cat "$T_TMP/err")"
done
expect_exit 2 "a wrong option" -- "${CMP[@]}" --floor x "$T_TMP/a" "$T_TMP/a"
expect_exit 0 "--help" -- "${CMP[@]}" --help

finish
