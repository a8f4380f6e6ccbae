#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# includes.sh ROOT: the layers' sources include by plain names, and every header above the models carries its layer's guard.
root=${1:?usage: includes.sh ROOT}
fails=0
# A path in a quoted include ("../workloads/workload.h", "models/model.h") steps around the
# include directories the build gives each layer.
if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' "$root"/models/*.[chS] "$root"/workloads/*.[ch] \
     "$root"/bench/simul/*.[ch]; then
  echo "FAIL: include these by plain names (\"model.h\"): the build gives each layer its include path"
  fails=1
fi
for h in "$root"/workloads/*.h "$root"/bench/simul/*.h; do
  case $h in */workloads/*) want=2 ;; *) want=3 ;; esac
  grep -q "^#if SIMUL_LAYER < $want " "$h" || { echo "FAIL: $h lacks '#if SIMUL_LAYER < $want': a lower layer could include it"; fails=1; }
done
[[ $fails -eq 0 ]] && echo "ok: plain includes; every workloads/ and bench/simul/ header guards its layer"
exit $fails
