#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh BUILD SECONDS: every fuzz target for SECONDS each (`make fuzz`); fails on any crash, naming the input kept.
set -uo pipefail
build=${1:?usage: run.sh BUILD SECONDS}
secs=${2:?usage: run.sh BUILD SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
fails=0
mkdir -p "$build/fuzz-corpus" "$build/fuzz-crashes"

# One libFuzzer target: the committed seeds are read, new inputs go to the build's corpus.
fuzz_c() {
  local name=$1 dict=$2 work="$build/fuzz-corpus/$1" log="$build/fuzz-$1.log"
  mkdir -p "$work"
  "$build/tests/fuzz/fuzz_$name" "$work" "$here/corpus/$name" -dict="$here/$dict" \
    -max_total_time="$secs" -timeout=10 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-crashes/$name-" >"$log" 2>&1
  local rc=$?
  local runs cov
  runs=$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
  if [[ $rc -eq 0 ]]; then
    echo "fuzz_$name: ${runs:-no runs?}; $cov; corpus $(ls "$work" | wc -l) new + $(ls "$here/corpus/$name" | wc -l) seeds"
  else
    echo "fuzz_$name: CRASHED (exit $rc): $(ls "$build/fuzz-crashes/$name-"* 2>/dev/null | tr '\n' ' ')"
    grep -E 'ERROR|SUMMARY|fuzz_[a-z_]*: ' "$log" | head -5
    echo "  log: $log; fix it, then add the input to tests/fuzz/corpus/$name/"
    fails=1
  fi
}

fuzz_c http_response http.dict
fuzz_c http_request http.dict
fuzz_c cli cli.dict
python3 "$here/fuzz_sweeps.py" --seconds "$secs" --seeds "$here/corpus/sweeps" --work "$build/fuzz-corpus/sweeps" \
  --crashes "$build/fuzz-crashes" || fails=1
exit $fails
