# SPDX-License-Identifier: MIT
# e2e_bench_quick.sh: the QUICK bench pipeline once: every chart a PNG, a report row per claim, every record verified.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# SETTLE=0: a test does not wait for a busy machine (its timing assertions skip themselves instead).
BENCH=(env SETTLE=0 bash "$SIMUL_ROOT/bench/harness/bench.sh")
export SIMUL

# Usage, the sweeps in their order, and bad usage (each costs well under a second): one line, the right exit status.
expect_exit 0 "--help" -- "${BENCH[@]}" --help
grep -q -- '--only' "$T_TMP/out" && ok "--help lists the options" || bad "--help: $(head -3 "$T_TMP/out")"
HARNESS=(env PYTHONPATH="$SIMUL_ROOT/bench" PYTHONDONTWRITEBYTECODE=1 python3 -m harness)
names=$("${HARNESS[@]}" names)
[[ $names == "c1_sleep "* && $names == *" timeline"* ]] && ok "names: the sweeps in their order ($names)" || bad "names: '$names'"
expect_exit 2 "a harness subcommand it does not have" -- "${HARNESS[@]}" frobnicate
[[ $(wc -l <"$T_TMP/err") -eq 1 ]] && ok "bad subcommand: one line" || bad "bad subcommand: $(cat "$T_TMP/err")"
expect_exit 2 "unknown sweep name" -- "${BENCH[@]}" --only no_such_sweep --out "$T_TMP/bad1"
[[ $(wc -l <"$T_TMP/err") -eq 1 ]] && ok "unknown sweep: one line" || bad "unknown sweep: $(cat "$T_TMP/err")"
grep -q "choose from" "$T_TMP/err" && ok "unknown sweep: names the choices" || bad "unknown sweep: $(cat "$T_TMP/err")"
expect_exit 2 "unknown option" -- "${BENCH[@]}" --frobnicate
expect_exit 2 "--quick with --full" -- "${BENCH[@]}" --quick --full --out "$T_TMP/bad3"
mkdir -p "$T_TMP/full" && touch "$T_TMP/full/x" "$T_TMP/afile"
expect_exit 2 "--out a folder that is not empty" -- "${BENCH[@]}" --quick --out "$T_TMP/full"
grep -q "is not empty: remove it first" "$T_TMP/err" && ok "... says so and how to fix it" || bad "--out not empty: $(cat "$T_TMP/err")"
expect_exit 2 "--out a file" -- "${BENCH[@]}" --quick --out "$T_TMP/afile"
expect_exit 2 "--peers naming no peer program" -- "${BENCH[@]}" --quick --peers python,cobol --out "$T_TMP/bad7"
[[ $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q "'cobol' is none of them" "$T_TMP/err" && ok "... one line naming it and the choices" ||
  bad "--peers cobol: $(cat "$T_TMP/err")"
expect_exit 2 "--peers with nothing after it" -- "${BENCH[@]}" --quick --peers
# The full tier replaces a sweep's default lines (the whole decision map), the quick one too.
HPLAN=$(mktemp -d)
mkdir -p "$HPLAN/raw"
nd=$("${HARNESS[@]}" plan "$HPLAN" "$SIMUL_ROOT/bench/sweeps/c9_decision.sweep" | awk -F"\t" 'NR == 1 { print $6 }')
nf=$("${HARNESS[@]}" plan "$HPLAN" "$SIMUL_ROOT/bench/sweeps/c9_decision.sweep" --full | awk -F"\t" 'NR == 1 { print $6 }')
nq=$("${HARNESS[@]}" plan "$HPLAN" "$SIMUL_ROOT/bench/sweeps/c9_decision.sweep" --quick | awk -F"\t" 'NR == 1 { print $6 }')
rm -rf "$HPLAN"
[[ $nq -lt $nd && $nd -lt $nf ]] && ok "c9_decision: quick $nq < default $nd < full $nf commands" || bad "c9 tiers: $nq $nd $nf"
expect_exit 1 "a missing simul binary" -- env SIMUL="$T_TMP/nope" "${BENCH[@]}" --quick --out "$T_TMP/bad2"
grep -q "make" "$T_TMP/err" && ok "missing simul: says to build it" || bad "missing simul: $(cat "$T_TMP/err")"
if [[ $(id -u) -ne 0 ]]; then
  mkdir -p "$T_TMP/ro" && chmod 555 "$T_TMP/ro"
  expect_exit 1 "an unwritable results folder" -- "${BENCH[@]}" --quick --out "$T_TMP/ro/run"
fi

# Bad input to the front end: one precise line, exit 2, no run folder.
expect_exit 2 '--only ""' -- "${BENCH[@]}" --only "" --out "$T_TMP/bad4"
[[ $(wc -l <"$T_TMP/err") -eq 1 && ! -e $T_TMP/bad4 ]] && ok '--only "": one line, no run' || bad "--only '': $(cat "$T_TMP/err")"
expect_exit 2 "a seed that is not a number" -- env SIMUL_BENCH_SEED=x "${BENCH[@]}" --only c1_sleep --out "$T_TMP/bad5"
# A broken sweep file: its own file:line error alone (a copy of the harness and the sweeps).
mkdir -p "$T_TMP/tree/bench" && cp -r "$SIMUL_ROOT/bench/harness" "$SIMUL_ROOT/bench/sweeps" "$T_TMP/tree/bench/"
for bad_line in "run x | tasks= | sleep --model eventloop --tasks {tasks} --ms 1" "frobnicate 3" "quick time-budget soon" "time-budget -1" "judged tasks"; do
  cp "$SIMUL_ROOT/bench/sweeps/c1_sleep.sweep" "$T_TMP/tree/bench/sweeps/c1_sleep.sweep"
  echo "$bad_line" >>"$T_TMP/tree/bench/sweeps/c1_sleep.sweep"
  expect_exit 2 "sweep line '$bad_line'" -- bash "$T_TMP/tree/bench/harness/bench.sh" --quick --out "$T_TMP/bad6"
  [[ $(wc -l <"$T_TMP/err") -eq 1 ]] && grep -q 'c1_sleep.sweep:[0-9]*: ' "$T_TMP/err" && ! grep -q 'checkout' "$T_TMP/err" &&
    ok "... one line with file:line: $(cut -c1-90 "$T_TMP/err")" || bad "... $(cat "$T_TMP/err")"
done

# Interleaving: each round runs its commands in an order shuffled from the run's seed, kept in
# the plan (the same seed, the same order); a time-budget predicts what it cannot afford.
mkdir -p "$T_TMP/ord/raw"
order() { SIMUL_BENCH_SEED=$1 "${HARNESS[@]}" plan "$T_TMP/ord" "$SIMUL_ROOT/bench/sweeps/c10_limit.sweep" | awk -F'\t' '$1 == "R" { print $5 }'; }
o1=$(order 7) o2=$(order 7) o3=$(order 8)
[[ -n $o1 && $o1 == "$o2" && $o1 != "$o3" && $o1 != "$(seq -s ' ' 0 $(($(wc -w <<<"$o1") - 1)))" ]] &&
  ok "rounds shuffled, reproducible from the seed ($(cut -c1-40 <<<"$o1")...)" || bad "orders: '$o1' '$o2' '$o3'"
printf 'claim C1\nwarmup 1\nruns 2\ntime-budget 2\nrun s | t=1,2,3,4,5,6 | sleep --model sequential --tasks {t} --ms 100\n' >"$T_TMP/tb.sweep"
"${HARNESS[@]}" plan "$T_TMP/ord" "$T_TMP/tb.sweep" >"$T_TMP/tb.tsv" 2>"$T_TMP/err"
python3 - "$T_TMP/ord/raw/tb.plan.json" >"$T_TMP/tb.txt" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
over = [c["params"]["t"] for c in p["commands"] if c.get("over_time_budget")]
once = [c["params"]["t"] for c in p["commands"] if c.get("runs_planned") == 1]
print(" ".join(over), "|", " ".join(once), "|", round(p["eta_s"], 2))
PY
tb=$(cat "$T_TMP/tb.txt")
# 6 commands of 0.1-0.6 s, 3 runs each, 6.4 s in all: the costliest run once, then go; at most 2 s.
[[ $tb == *"6"*"|"*"|"* ]] && awk -v e="${tb##*| }" 'BEGIN { exit !(e <= 2) }' && grep -q 'over its time-budget of 2 s' "$T_TMP/err" &&
  ok "time-budget 2: over-budget points predicted, the costly ones run once (over | once | eta: $tb)" ||
  bad "time-budget: $tb; $(cat "$T_TMP/err")"

# hyperfine and what it runs die with bench.sh, even when bench.sh alone gets SIGKILL.
setsid "${BENCH[@]}" --only c1_sleep --out "$T_TMP/kill" >"$T_TMP/kill.log" 2>&1 &
k=$!
for _ in $(seq 100); do pgrep -f "hyperfine .*$T_TMP/kill/" >/dev/null && break; sleep 0.1; done
sleep 0.5
kill -KILL "$k"
wait "$k" 2>/dev/null
left=""
for _ in $(seq 30); do left=$(pgrep -f -- "$T_TMP/kill/"); [[ -z $left ]] && break; sleep 0.1; done
[[ -z $left ]] && ok "SIGKILL to bench.sh: its hyperfine and runs are gone" || bad "left after SIGKILL: $(ps -o pid,cmd -p "${left//$'\n'/,}" | cut -c1-100)"
for p in $left; do kill -TERM "$p" 2>/dev/null; done

# An interrupted run stays marked INCOMPLETE. It runs in its own process group, and the whole
# group is signalled, as Ctrl-C signals the terminal's foreground group.
setsid "${BENCH[@]}" --only c1_sleep --out "$T_TMP/cut" >"$T_TMP/cut.log" 2>&1 &
cut=$!
for _ in $(seq 50); do [[ -e $T_TMP/cut/raw/c1_sleep.plan.json ]] && break; sleep 0.1; done
sleep 1
kill -TERM -- -"$cut" 2>/dev/null
wait "$cut"
st=$?
[[ $st -ne 0 ]] && ok "interrupted run exits non-zero ($st)" || bad "interrupted run exited 0"
[[ -e $T_TMP/cut/INCOMPLETE ]] && ok "interrupted run is marked INCOMPLETE" || bad "no INCOMPLETE after a signal: $(tail -3 "$T_TMP/cut.log")"
[[ ! -e $T_TMP/cut/REPORT.md ]] && ok "interrupted run has no report" || bad "interrupted run wrote REPORT.md"

# The pipeline itself.
latest_before=$(readlink "$SIMUL_ROOT/results/latest" 2>/dev/null)
start=$(date +%s)
# Every peer (QUICK leaves them out by default): the whole pipeline, theirs too.
"${BENCH[@]}" --quick --peers all --out "$T_TMP/run" >"$T_TMP/run.log" 2>&1
st=$?
took=$(($(date +%s) - start))
run=$T_TMP/run
[[ $st -eq 0 ]] && ok "bench.sh --quick exits 0 in ${took} s" || bad "bench.sh --quick exited $st: $(grep -m1 'simul bench' "$T_TMP/run.log")"
[[ ! -e $run/INCOMPLETE ]] && ok "the run is complete" || bad "the run is marked INCOMPLETE"
# How long QUICK takes is a benchmark figure of this machine, reported here, never asserted.
echo "info: QUICK took ${took} s here (load average $(cut -d' ' -f1-3 /proc/loadavg)); where it went:"
sed 's/^/info:   /' "$run/times.txt" 2>/dev/null
grep -q '^sweep c1_sleep: [0-9.]* s' "$run/times.txt" && grep -q '^total: [0-9.]* s' "$run/times.txt" &&
  grep -q 'where the time went' "$T_TMP/run.log" && ok "times.txt and the log say where the time went, per sweep" ||
  bad "no per-sweep times: $(cat "$run/times.txt" 2>&1 | head -3)"
grep -q '^seed: [0-9]*$' "$run/env.txt" && ok "env.txt records the seed of the shuffled orders" || bad "env.txt has no seed"

# Every chart is a non-empty PNG (its first bytes say so) and has an SVG beside it.
# The charts are the sweep files' own `charts` lines: a chart added with its sweep is checked too.
charts=$(sed -n 's/^charts[[:space:]]\+//p' "$SIMUL_ROOT"/bench/sweeps/*.sweep | tr -s ' \t' '\n' | sort -u)
[[ -n $charts ]] && ok "the sweep files name $(wc -w <<<"$charts") charts" || bad "no 'charts' line in bench/sweeps/"
for chart in $charts; do
  png=$run/charts/$chart.png
  if [[ -s $png && $(head -c 8 "$png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]; then
    ok "chart $chart.png"
  else
    bad "chart $chart.png missing or not a PNG"
  fi
  [[ $chart == timeline || -s $run/charts/$chart.svg ]] && ok "chart $chart.svg" || bad "chart $chart.svg missing"
done

# REPORT.md: a summary row for every claim, each with a verdict, and the charts it names exist.
for c in C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 C11; do
  row=$(grep -E "^\| \[$c\]\(" "$run/REPORT.md")
  if [[ $row =~ \*\*(holds|does\ not\ hold|undecided|not\ run|failed)\*\* ]]; then ok "REPORT.md row for $c: ${BASH_REMATCH[1]}"; else bad "REPORT.md row for $c: '$row'"; fi
done
missing=$(grep -o 'charts/[a-z0-9_]*\.png' "$run/REPORT.md" | sort -u | while read -r f; do [[ -s $run/$f ]] || echo "$f"; done)
[[ -z $missing ]] && ok "every chart REPORT.md shows exists" || bad "REPORT.md shows missing charts: $missing"
# The documents are cited by author and title (no reader has their files), and listed once.
! grep -q 'seeds/' "$run/REPORT.md" && grep -q '^## The documents' "$run/REPORT.md" && grep -q 'Vexs, “Why asyncio?”' "$run/REPORT.md" &&
  ok "REPORT.md cites the documents by title, not by a path" || bad "REPORT.md cites a path or lacks its documents"
[[ $(grep -c '^model_' "$run/env.txt") -ge 4 && -s $run/raw/simul_list.json ]] &&
  ok "env.txt and raw/ have simul's own list of models" || bad "no model list: $(grep model_ "$run/env.txt")"
grep -q '^cpu_model: ' "$run/env.txt" && grep -q '^git_commit: ' "$run/env.txt" && grep -q '^loadavg_end: ' "$run/env.txt" &&
  ok "env.txt has the machine, the commit and the load" || bad "env.txt is short: $(cat "$run/env.txt")"
[[ $(grep -c '^fingerprint_start_[a-z_]*_ns: ' "$run/env.txt") -eq 7 && $(grep -c '^fingerprint_end_[a-z_]*_ns: ' "$run/env.txt") -eq 7 ]] &&
  grep -q '^Machine fingerprint (`simul fingerprint`' "$run/REPORT.md" &&
  ok "env.txt has the fingerprint at the start and the end, REPORT.md its table" || bad "no fingerprint: $(grep -c fingerprint "$run/env.txt") lines"

# Every record simul wrote says verified, and every CSV row that is ok has its record.
nrec=$(cat "$run"/raw/*.jsonl 2>/dev/null | grep -c .)
nver=$(cat "$run"/raw/*.jsonl 2>/dev/null | jq -r '.verified' | grep -c '^true$')
[[ $nrec -gt 0 && $nrec -eq $nver ]] && ok "all $nrec records verified" || bad "$nver of $nrec records verified"
notver=$(python3 - "$run" <<'EOF'
import csv, glob, sys
bad = []
for p in glob.glob(sys.argv[1] + "/*.csv"):
    for r in csv.DictReader(open(p)):
        if r["status"] == "ok" and r.get("verified") != "true":
            bad.append(f"{p}: {r['series']}")
print("; ".join(bad))
EOF
)
[[ -z $notver ]] && ok "every ok CSV row is verified" || bad "rows not verified: $notver"
# A failed command (or one stopped at a model's limit, C11) is reported as such with its first
# error, never with a figure.
faked=$(python3 - "$run" <<'EOF'
import csv, glob, sys
for p in glob.glob(sys.argv[1] + "/*.csv"):
    for r in csv.DictReader(open(p)):
        if r["status"] in ("failed", "stopped") and (r["mean_s"] or not r["first_error"]):
            print(f"{p}: {r['series']}")
EOF
)
[[ -z $faked ]] && ok "failed rows carry an error and no figure" || bad "failed rows with figures or no error: $faked"
# The documents' own programs ran in every sweep but the timeline, each with at least one ok
# row, and every claim they ran for has its "In the documents' Python, here" line.
have_py=1 have_go=1
/usr/bin/python3 -c 'import requests, aiohttp, uvloop' 2>/dev/null || { have_py=0; echo "skip: Python peers: /usr/bin/python3 lacks requests, aiohttp or uvloop"; }
[[ -x $(dirname "$SIMUL")/go-simul ]] || { have_go=0; echo "skip: go-goroutines: no go-simul beside $SIMUL"; }
for s in c1_sleep c10_limit c5_sumsq c3_fetch20 c2_fetch c4_chess; do
  for p in python go; do
    [[ $p == python && $have_py == 0 || $p == go && $have_go == 0 ]] && continue
    n=$(awk -F, -v p="$p-" 'NR > 1 && index($3, p) == 1 && $5 == "ok"' "$run/$s.csv" | wc -l)
    [[ $n -ge 1 ]] && ok "$s.csv: $n ok rows of the $p peers" || bad "$s.csv: no ok row of the $p peers"
  done
done
if [[ $have_py == 1 ]]; then
  n=$(grep -c "^\*\*In the documents' Python, here" "$run/REPORT.md")
  [[ $n -ge 6 ]] && ok "REPORT.md: $n 'In the documents' Python, here' lines (C1 C2 C3 C4 C5 C10)" || bad "REPORT.md: $n Python lines"
  grep -q "threadpool --gil's speed-up (.*) and python-threads' (.*) both at most" "$run/REPORT.md" &&
    ok "C5 checks the emulated GIL against python-threads" || bad "C5 has no GIL check"
fi
# The budget: the quick python-sequential at 30 sleeps (1.5 s) is over its 1 s, so it is the
# prediction alone, with no figure.
row=$(awk -F, 'NR > 1 && $3 == "python-sequential" && $5 == "predicted"' "$run/c1_sleep.csv")
[[ $have_py == 0 || ( -n $row && $(cut -d, -f8 <<<"$row") == "" ) ]] && ok "over the budget: predicted, not run" ||
  bad "c1_sleep.csv: no predicted python-sequential row: $row"

# A peer that cannot run here is skipped with one line saying what to install, not failed: no
# go-simul beside this simul, and a uvloop that will not import.
mkdir -p "$T_TMP/nogo" "$T_TMP/nolib" && cp "$SIMUL" "$T_TMP/nogo/simul"
echo 'raise ImportError("hidden by the test")' >"$T_TMP/nolib/uvloop.py"
PYTHONPATH="$T_TMP/nolib" SIMUL="$T_TMP/nogo/simul" "${BENCH[@]}" --quick --peers all --only c1_sleep --out "$T_TMP/skip" \
  >"$T_TMP/skip.log" 2>&1
st=$?
[[ $st -eq 0 && ! -e $T_TMP/skip/INCOMPLETE ]] && ok "a run with peers missing completes" || bad "missing peers: exit $st: $(tail -3 "$T_TMP/skip.log")"
grep -q "skipped go-goroutines .*apt-get install golang-go" "$T_TMP/skip.log" && ok "go-simul absent: skipped, says to install golang-go" ||
  bad "no skip line for go: $(grep -i skip "$T_TMP/skip.log")"
if [[ $have_py == 1 ]]; then
  grep -q "skipped python-uvloop .*apt-get install python3-uvloop" "$T_TMP/skip.log" && ok "uvloop missing: skipped, says to install python3-uvloop" ||
    bad "no skip line for uvloop: $(grep -i skip "$T_TMP/skip.log")"
fi
bad_rows=$(awk -F, 'NR > 1 && ($3 ~ /^(go-|python-uvloop)/ || $5 == "failed")' "$T_TMP/skip/c1_sleep.csv")
[[ -z $bad_rows ]] && ok "no row, and no failed row, for a skipped peer" || bad "rows for skipped peers: $bad_rows"
grep -q '^\*Not run here:\* go-goroutines' "$T_TMP/skip/REPORT.md" && ok "REPORT.md says what did not run" || bad "REPORT.md lacks 'Not run here'"

# A peer that fails is a failed row, as a simul series: a refused connection, run as bench.sh runs it.
if [[ $have_go == 1 ]]; then
  mkdir -p "$T_TMP/fail/raw"
  printf 'claim C3\nwarmup 0\nruns 1\npeer go-goroutines | t=2 | go fetch --model go-goroutines --url http://127.0.0.1:1/ --tasks {t}\n' \
    >"$T_TMP/fail.sweep"
  "${HARNESS[@]}" plan "$T_TMP/fail" "$T_TMP/fail.sweep" >"$T_TMP/fail.tsv" 2>"$T_TMP/err"
  IFS=$'\t' read -r _ name cmd < <(grep '^C' "$T_TMP/fail.tsv")
  hyperfine -i --style none --runs 1 --export-json "$T_TMP/fail/raw/fail.r1.json" -n "$name" "$cmd" >/dev/null 2>&1
  "${HARNESS[@]}" join "$T_TMP/fail" fail >/dev/null
  row=$(awk -F, 'NR == 2' "$T_TMP/fail/fail.csv")
  [[ $(cut -d, -f5 <<<"$row") == failed && $row == *"refused"* ]] && ok "a failing peer: a failed row with its error" ||
    bad "failing peer: $row"
fi

# C11: a thread or process per task stops at the kernel's limits, and the row says where and why.
stops=$(python3 - "$run" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/c11_scale.csv")))
print(sum(1 for r in rows if r["status"] == "stopped" and "would need" in r["first_error"]))
EOF
)
[[ $stops -ge 2 ]] && ok "C11: $stops points past the kernel's limits stopped, refused up front" || bad "C11: $stops stopped rows"
# latest holds a run's folder name, relative: compare it with what it was before the run.
[[ $(readlink "$SIMUL_ROOT/results/latest" 2>/dev/null) == "$latest_before" ]] &&
  ok "--out leaves results/latest alone" || bad "--out moved results/latest (was '$latest_before')"

# QUICK's default: simul's own models, the peers left out with one line saying how to add them.
"${BENCH[@]}" --quick --only c10_limit --out "$T_TMP/nopeers" >"$T_TMP/nopeers.log" 2>&1
st=$?
[[ $st -eq 0 ]] && grep -q '^peers: none$' "$T_TMP/nopeers/env.txt" && ok "QUICK: peers none by default (env.txt says so)" ||
  bad "QUICK's peers: exit $st, $(grep '^peers' "$T_TMP/nopeers/env.txt")"
rows=$(awk -F, 'NR > 1 && $3 ~ /^(python|go|node|tokio)-/' "$T_TMP/nopeers/c10_limit.csv")
[[ -z $rows ]] && grep -q "skipped python-.*left out of this run (--peers none): run with --peers all" "$T_TMP/nopeers.log" &&
  ok "... no peer row, and a line on how to include them" || bad "peers in a QUICK run: $rows $(grep -i skipped "$T_TMP/nopeers.log")"
finish
