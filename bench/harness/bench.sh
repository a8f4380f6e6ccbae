#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench.sh: run the sweeps of bench/sweeps/ through hyperfine into a run folder, then charts and REPORT.md (the harness package does the data).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The interpreter itself, found once: a version manager's python3 is a shim that costs 0.3 s a
# call (pyenv's here), some 6 s of a QUICK run's 20-odd harness calls and every pair.py run.
if py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) && [[ -x $py ]]; then
  PATH=${py%/*}:$PATH
fi
# The Python side is the package beside this script, run from bench/ (standard library only).
# No __pycache__ in the checkout: a bench run writes only into its run folder.
HARNESS=(env PYTHONPATH="$ROOT/bench${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 python3 -m harness)
SIMUL=${SIMUL:-$ROOT/build/simul}
export SIMUL

usage() {
  cat <<EOF
usage: bash bench/harness/bench.sh [--quick|--full] [--only "SWEEP ..."] [--peers LIST] [--out DIR] [--no-settle]

Runs each sweep of bench/sweeps/ (one file per claim or chart, in the order their 'order'
lines give) through hyperfine, joins hyperfine's times with simul's own records into one CSV
per sweep, draws the charts with gnuplot and writes REPORT.md, all into results/<UTC time>/
(results/latest points at the newest complete run of every sweep). The data side is the
Python package bench/harness/ (python3 -m harness, from bench/).

  --quick        fewer, smaller points (40 to 54 s here): the same charts and report
  --full         the sweeps' full grids where they keep one ('full' lines: the whole decision
                 map of C9, make bench-map) instead of their reduced default
  --only "A B"   run only these sweeps (names: $("${HARNESS[@]}" names 2>/dev/null))
  --peers LIST   the documents' programs to run beside simul's models: all, none, or a comma
                 list of python,go,node,tokio (default: all; with --quick none, so that QUICK
                 shows simul's own models in well under a minute)
  --out DIR      write the run into DIR (new or empty) instead; results/latest is left alone
  --no-settle    start at once even if the machine is busy (as SETTLE=0)
  --help         this text

A busy machine (other work on half the cores or more, by /proc/stat) is waited for, up to SETTLE
seconds (60), saying so. The costs of the machine's primitives (simul fingerprint) go into
env.txt at the start and the end; REPORT.md says when they drifted by more than 25% or the
run started busy.

The documents' own programs (bench/peers/: CPython's, Go's go-simul beside simul, Node.js's and
tokio's) run in the same sweeps; one that cannot run here, or that --peers leaves out, is
skipped with a line saying so (and what to install).

Each round of a sweep runs its commands in a shuffled order (SIMUL_BENCH_SEED=N replays a run's
orders; env.txt keeps the seed, raw/NAME.plan.json each order); a sweep's 'time-budget' predicts
what it cannot afford. At the end it prints where the time went (also in the run's times.txt).

Environment: SETTLE=seconds to wait for a busy machine (60; 0: not at all); RERUN_S=seconds
of more runs for points whose check is undecided (25, quick 5; 0: none); SIMUL=path/to/simul (default build/simul; go-simul is looked for beside it; the
Python peers run on Debian's /usr/bin/python3). Exit status: 0 the run is complete
(its report may still mark claims failed), 1 it could not run or was interrupted, 2 bad usage.
EOF
}

die() { echo "simul bench: $1" >&2; exit "${2:-1}"; }
# Where the time went: seconds per step, printed at the end and kept in times.txt.
now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)
times=()

quick=0 full=0 only="" only_set=0 out="" settle=${SETTLE:-60}
unset peers  # set only by --peers (an empty --peers '' is an error, not the default)
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --full) full=1 ;;
    --only) [[ $# -ge 2 ]] || die "--only needs sweep names, e.g. --only \"c1_sleep c5_sumsq\"" 2; only=$2 only_set=1; shift ;;
    --only=*) only=${1#--only=} only_set=1 ;;
    --peers) [[ $# -ge 2 ]] || die "--peers needs a list, e.g. --peers all or --peers python,go" 2; peers=$2; shift ;;
    --peers=*) peers=${1#--peers=} ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a folder, e.g. --out results/reference" 2; out=$2; shift ;;
    --out=*) out=${1#--out=} ;;
    --no-settle) settle=0 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1': see bash bench/harness/bench.sh --help" 2 ;;
  esac
  shift
done

# ---- What is needed, said once and plainly ----------------------------------------------
for tool in hyperfine:hyperfine gnuplot:gnuplot-nox python3:python3; do
  command -v "${tool%%:*}" >/dev/null ||
    die "${tool%%:*} is missing: install it with 'apt-get install ${tool#*:}' (or run 'make deps' as root)"
done
[[ -x $SIMUL ]] || die "$SIMUL is missing: build it with 'make' (or set SIMUL=path/to/simul)"
rerun_s=${RERUN_S:-$([[ $quick == 1 ]] && echo 5 || echo 25)}
[[ $rerun_s =~ ^[0-9]{1,4}$ ]] || die "RERUN_S='$rerun_s': give whole seconds for more runs of undecided points, 0 to 9999 (0: none)" 2
[[ $settle =~ ^[0-9]{1,4}$ ]] || die "SETTLE='$settle': give whole seconds to wait for a busy machine, 0 to 9999 (0: do not wait)" 2

# The peers this run includes: the harness reads SIMUL_PEERS (harness/peers.py) and refuses a
# wrong name at its first call, below.
export SIMUL_PEERS=${peers-$([[ $quick == 1 ]] && echo none || echo all)}

# A sweep file's own error (file:line, exit 2) is the whole message; anything else is a harness
# that cannot start.
known=$("${HARNESS[@]}" names)
st=$?
[[ $st -eq 2 ]] && exit 2
[[ $st -eq 0 ]] || die "cannot list bench/sweeps/: is the checkout complete?"
# The sweeps run, and their charts appear, in the order the sweep files give (`order N`).
sweeps=()
if [[ -n $only ]]; then
  want=" "
  for s in ${only//,/ }; do
    s=${s%.sweep}
    [[ " $known " == *" $s "* ]] || die "unknown sweep '$s': choose from: $known" 2
    want+="$s "
  done
  for s in $known; do [[ $want == *" $s "* ]] && sweeps+=("$s"); done
else
  read -r -a sweeps <<<"$known"
fi
# --only "" (or only commas) names no sweep: not a licence to run them all.
[[ $only_set == 1 && -z ${only//[, ]/} ]] && die "--only names no sweep: give names, e.g. --only \"c1_sleep c5_sumsq\" (or drop --only to run all)" 2
[[ ${#sweeps[@]} -gt 0 ]] || die "no sweep to run: bench/sweeps/ is empty"
[[ $quick == 1 && $full == 1 ]] && die "--quick and --full contradict each other: give one" 2
"${HARNESS[@]}" settle "$settle"
# The seed of the sweeps' shuffled orders (harness/plan.py): set SIMUL_BENCH_SEED to replay a run's.
[[ -z ${SIMUL_BENCH_SEED:-} || $SIMUL_BENCH_SEED =~ ^[0-9]+$ ]] ||
  die "SIMUL_BENCH_SEED '$SIMUL_BENCH_SEED' must be a whole number (or unset)" 2
export SIMUL_BENCH_SEED=${SIMUL_BENCH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

# ---- The run folder ---------------------------------------------------------------------
results=$ROOT/results
if [[ -n $out ]]; then
  run=$out
  if [[ -e $run && ! -d $run ]]; then die "--out $run is a file: give a folder" 2; fi
  if [[ -d $run && -n $(ls -A "$run" 2>/dev/null) ]]; then
    die "--out $run is not empty: remove it first (rm -r $run) or choose another folder" 2
  fi
  mkdir -p "$run" 2>/dev/null || die "cannot create $run: choose a writable folder with --out"
else
  mkdir -p "$results" 2>/dev/null || die "cannot create $results: fix its permissions or use --out DIR"
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  run=$results/$stamp
  n=1
  while [[ -e $run ]]; do run=$results/$stamp-$n; n=$((n + 1)); done
  mkdir "$run" 2>/dev/null || die "cannot write in $results: fix its permissions or use --out DIR"
fi
run=$(cd "$run" && pwd)
touch "$run/.probe" 2>/dev/null && rm -f "$run/.probe" || die "cannot write in $run: fix its permissions or use --out DIR"
free_kib=$(df -Pk "$run" | awk 'NR == 2 { print $4 }')
[[ ${free_kib:-0} -ge 51200 ]] ||
  die "only $((free_kib / 1024)) MB free under $run: a run needs about 50 MB; free some space or use --out DIR"
mkdir -p "$run/raw" "$run/charts"

# The run is incomplete until the last step removes this file; an interrupted run keeps it.
echo "started $(date -u +%FT%TZ); incomplete: interrupted, failed, or still running" >"$run/INCOMPLETE"
current="" hf="" cpu_watch=""
# hyperfine runs in a session of its own (setsid) with everything it starts, so that one
# signal to its group stops it and the runs in flight. A watcher outlives even a SIGKILL of
# this script: it reads the group of the hyperfine running (0: none) from a pipe that only
# this script holds open, and at its end (this script gone, however) stops that group.
exec {guard}> >(trap '' INT TERM HUP; g=0; while read -r x; do g=$x; done; [[ $g != 0 ]] && kill -TERM -- "-$g" 2>/dev/null)
on_signal() {
  trap '' INT TERM
  # hyperfine runs in the background so that this handler runs at once; stop it (its group),
  # and wait, so that nothing writes into the run after the line below.
  if [[ -n $hf ]]; then kill -TERM -- "-$hf" 2>/dev/null; wait "$hf" 2>/dev/null; echo 0 >&"$guard"; fi
  [[ -n $cpu_watch ]] && kill -TERM "$cpu_watch" 2>/dev/null && wait "$cpu_watch" 2>/dev/null
  echo "interrupted by $1 during ${current:-set-up} at $(date -u +%FT%TZ)" >>"$run/INCOMPLETE"
  echo "" >&2
  echo "simul bench: interrupted; $run is left marked INCOMPLETE (results/latest unchanged)" >&2
  exit 1
}
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
printf '%s\n' "${sweeps[@]}" >"$run/sweeps.txt"

# ---- env.txt ----------------------------------------------------------------------------
build_dir=$(dirname "$SIMUL")
cache=$build_dir/CMakeCache.txt
cc_path=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache" 2>/dev/null)
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache" 2>/dev/null)
# The flags the compiler was given, as CMake wrote them for simul and its libraries (each
# simul* target; the distinct sets, ' | ' between them should they differ).
bflags=$(sed -n 's/^C_FLAGS = //p' "$build_dir"/CMakeFiles/simul*.dir/flags.make 2>/dev/null | sort -u | sed ':a;N;$!ba;s/\n/ | /g')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$ROOT" status --porcelain -- models workloads bench plots CMakeLists.txt 2>/dev/null) ]] && commit="$commit (with local changes)"
# Written beside and renamed: an interrupted run has the whole env.txt or none.
{
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "quick: $([[ $quick == 1 ]] && echo yes || echo no)"
  echo "full: $([[ $full == 1 ]] && echo yes || echo no)"
  echo "sweeps: ${sweeps[*]}"
  echo "peers: $SIMUL_PEERS"
  echo "cpu_model: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores: $(nproc)"
  echo "kernel: $(uname -srm)"
  echo "compiler: $("${cc_path:-cc}" --version 2>/dev/null | head -1)"
  echo "cflags: ${btype:-?} build: ${bflags:-unknown}"
  echo "libuv: $(pkg-config --modversion libuv 2>/dev/null || echo unknown)"
  echo "hyperfine: $(hyperfine --version)"
  echo "gnuplot: $(gnuplot --version)"
  echo "python3: $(python3 --version 2>&1)"
  echo "ulimit_n: $(ulimit -n)"
  echo "ulimit_u: $(ulimit -u)"
  echo "pid_max: $(cat /proc/sys/kernel/pid_max 2>/dev/null)"
  echo "threads_max: $(cat /proc/sys/kernel/threads-max 2>/dev/null)"
  echo "max_map_count: $(cat /proc/sys/vm/max_map_count 2>/dev/null)"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "git_commit: $commit"
  echo "simul: $SIMUL"
  # The models as simul lists them (kept in raw/ for the report): the harness names none itself.
  "${HARNESS[@]}" models "$run" || die "cannot list simul's models (see above); $run is left marked INCOMPLETE"
  echo "seed: $SIMUL_BENCH_SEED"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$run/env.txt.tmp" && mv -f "$run/env.txt.tmp" "$run/env.txt" || die "cannot write $run/env.txt: is the disk full?"
current="the start's fingerprint"
"${HARNESS[@]}" fingerprint "$run" start || die "cannot add the fingerprint to $run/env.txt; $run is left marked INCOMPLETE"
# The CPU's speed through the run (a loop of 0.4 ms every 0.1 s): it flips between two states
# from one moment to the next here, which two fingerprints at the ends cannot see.
( exec {guard}>&-; exec "$SIMUL" fingerprint --watch "$run/raw/cpu_watch.txt" --every 0.1 ) &
cpu_watch=$!

# ---- Plans: every command, its prediction, and an estimate of the time -----------------
qflag=()
[[ $quick == 1 ]] && qflag=(--quick)
[[ $full == 1 ]] && qflag=(--full)
declare -A eta ncmd
total=0
times+=("set-up (checks, env.txt): $(since "$t_start") s")
t_plan=$(now)
current="planning"
files=()
for s in "${sweeps[@]}"; do files+=("$ROOT/bench/sweeps/$s.sweep"); done
"${HARNESS[@]}" plan "$run" "${files[@]}" "${qflag[@]}" >/dev/null ||
  die "cannot plan the sweeps (see above); $run is left marked INCOMPLETE"
for s in "${sweeps[@]}"; do
  IFS=$'\t' read -r _ _ _ _ e n <"$run/raw/$s.plan.tsv"
  eta[$s]=$e ncmd[$s]=$n
  total=$((total + e))
done
times+=("planning (simul predict for every command): $(since "$t_plan") s")
echo "simul bench: ${#sweeps[@]} sweeps into $run, about $total s of runs$([[ $quick == 1 ]] && echo ' (quick)')$([[ $full == 1 ]] && echo ' (full)')"

# ---- The sweeps -------------------------------------------------------------------------
style=basic
[[ -t 1 ]] && style=full
k=0 left=$total est_done=0 t0=$SECONDS
for s in "${sweeps[@]}"; do
  k=$((k + 1))
  current=$s
  IFS=$'\t' read -r _ warmup runs rounds e n <"$run/raw/$s.plan.tsv"
  # The estimates are the predictions plus a margin; once some sweeps have run, scale what is
  # left by how long the estimate took so far (a busy or slowed machine stretches everything).
  spent=$((SECONDS - t0))
  scaled=$left
  [[ $est_done -gt 5 ]] && scaled=$((left * spent / est_done))
  done_at=$(date -d "+$scaled seconds" +%H:%M:%S 2>/dev/null || echo "?")
  echo "[$k/${#sweeps[@]}] $s: $n commands × $((warmup + runs)) runs × $rounds round(s), about $e s; all sweeps done around $done_at"
  t_sweep=$(now)
  # The plan's R lines: one hyperfine invocation each (its warm-up, runs, and the commands'
  # positions in their shuffled order); its C lines: the commands.
  names=() cmds=() invs=()
  while IFS=$'\t' read -r kind a b c d; do
    case $kind in
      C) names+=("$a") cmds+=("$b") ;;
      R) invs+=("$b $c $d") ;;
    esac
  done <"$run/raw/$s.plan.tsv"
  for ((r = 1; r <= ${#invs[@]}; r++)); do
    read -r w nr order <<<"${invs[r - 1]}"
    args=()
    for i in $order; do args+=(-n "${names[i]}" "${cmds[i]}"); done
    [[ ${#invs[@]} -gt 1 ]] && echo "  round $r of ${#invs[@]} ($w warm-up, $nr runs each, shuffled)"
    # -i: a failing command is recorded (exit codes, its .err file) and the others still run.
    ( exec {guard}>&-; exec setsid hyperfine -i --style "$style" --warmup "$w" --runs "$nr" \
      --export-json "$run/raw/$s.r$r.json" "${args[@]}" 2> >(tee -a "$run/raw/$s.hyperfine.err" >&2) ) &
    hf=$!
    echo "$hf" >&"$guard"
    wait "$hf"
    st=$? hf=""
    echo 0 >&"$guard"
    if [[ $st -ne 0 ]]; then
      echo "hyperfine exited $st in round $r: $(grep -v '^\s*$' "$run/raw/$s.hyperfine.err" | grep -i error | head -1)" >>"$run/raw/$s.hyperfine.status"
    fi
  done
  "${HARNESS[@]}" join "$run" "$s" || echo "simul bench: could not join $s (its claim will be marked failed)" >&2
  times+=("sweep $s: $(since "$t_sweep") s (the plan estimated $e s)")
  left=$((left - e)) est_done=$((est_done + e))
  [[ $left -lt 0 ]] && left=0
done

# ---- More runs where a check is undecided (harness/rerun.py) ----------------------------------
# A check whose runs straddle its threshold gets its deciding points run again, within RERUN_S.
current="more runs of undecided points"
t_rerun=$(now)
"${HARNESS[@]}" rerun "$run" "$rerun_s" ||
  echo "simul bench: the extra runs of undecided points failed; the report judges the runs it has" >&2
times+=("more runs of undecided points: $(since "$t_rerun") s (at most RERUN_S=$rerun_s)")

# ---- Charts and the report ----------------------------------------------------------------
current="the end's fingerprint"
kill -TERM "$cpu_watch" 2>/dev/null && wait "$cpu_watch" 2>/dev/null
cpu_watch=""
"${HARNESS[@]}" fingerprint "$run" end || die "cannot add the fingerprint to $run/env.txt; $run is left marked INCOMPLETE"
current="report"
t_report=$(now)
echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$run/env.txt"
echo "simul bench: charts and REPORT.md"
"${HARNESS[@]}" report "$run" || die "the report is not complete (see above); $run is left marked INCOMPLETE"
[[ -s $run/REPORT.md ]] || die "REPORT.md was not written (disk full?); $run is left marked INCOMPLETE"

times+=("charts and REPORT.md: $(since "$t_report") s" "total: $(since "$t_start") s")
printf '%s\n' "${times[@]}" >"$run/times.txt" || die "cannot write $run/times.txt: is the disk full?"
echo "simul bench: where the time went (also in times.txt):"
printf '  %s\n' "${times[@]}"
rm -f "$run/INCOMPLETE" || die "cannot finish $run (disk or permissions)"
# latest: only a complete run of every sweep made in results/, swapped in one rename.
if [[ -z $out && -z $only ]]; then
  ln -sfn "$(basename "$run")" "$results/.latest.tmp" && mv -Tf "$results/.latest.tmp" "$results/latest" ||
    echo "simul bench: could not update results/latest" >&2
fi
# REPORT.html was written with the report, while the run was still marked INCOMPLETE: again, now that it is not.
"${HARNESS[@]}" html "$run" >/dev/null || echo "simul bench: could not write $run/REPORT.html (see above)" >&2
echo "simul bench: done: $run/REPORT.html (open it in a browser; charts interactive, offline)"
echo "simul bench:       $run/REPORT.md"
