#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e_cli.sh: the command-line contract: list, help, formats, bad input (exit 2), failures (exit 1).
source "$SIMUL_ROOT/tests/lib.sh"

expect_exit 0 "list" -- "$SIMUL" list
grep -q '^  sequential' "$T_TMP/out" && grep -q '^  sumsq' "$T_TMP/out" && ok "list names models and workloads" || bad "list output"
expect_exit 0 "--help" -- "$SIMUL" --help
expect_exit 0 "run --help" -- "$SIMUL" run --help
expect_exit 0 "run sleep --help" -- "$SIMUL" run sleep --help
grep -q -- '--ms' "$T_TMP/out" && ok "workload help lists its options" || bad "run sleep --help lacks --ms"
expect_exit 2 "no command" -- "$SIMUL"
expect_exit 2 "unknown command" -- "$SIMUL" frobnicate

bad_line() { # the error is one line naming the problem, then the usage line
  [[ $(wc -l < "$T_TMP/err") -le 2 ]] && grep -q "$1" "$T_TMP/err" && [[ ! -s $T_TMP/out ]] \
    && ok "message names '$1', no record" || bad "message for '$1': $(cat "$T_TMP/err")"
}
expect_exit 2 "unknown workload" -- "$SIMUL" run nosuch --model sequential; bad_line "nosuch"
expect_exit 2 "unknown model" -- "$SIMUL" run sleep --model nosuch; bad_line "nosuch"
expect_exit 2 "missing model" -- "$SIMUL" run sleep; bad_line "model"
expect_exit 2 "zero tasks" -- "$SIMUL" run sleep --model sequential --tasks 0; bad_line "tasks"
expect_exit 2 "negative tasks" -- "$SIMUL" run sleep --model sequential --tasks -4; bad_line "negative"
expect_exit 2 "non-numeric ms" -- "$SIMUL" run sleep --model sequential --ms abc; bad_line "ms"
expect_exit 2 "overflowing n" -- "$SIMUL" run sumsq --model sequential --n 184467440737095516160; bad_line "too large"
expect_exit 2 "unknown flag" -- "$SIMUL" run sleep --model sequential --frob; bad_line "frob"
# An argument's control characters are shown escaped: the error stays one line.
expect_exit 2 "a workload name with a newline" -- "$SIMUL" run $'no\nsuch' --model sequential; bad_line 'no\\x0asuch'
expect_exit 2 "a --port with a newline" -- "$SIMUL" serve --port $'1\n2'; bad_line '1\\x0a2'
expect_exit 2 "a command with a newline" -- "$SIMUL" $'x\ny'; bad_line 'x\\x0ay'
expect_exit 2 "a --format with a newline" -- "$SIMUL" list --format $'a\nb'; bad_line 'a\\x0ab'

expect_exit 2 "flag without value" -- "$SIMUL" run sleep --model sequential --ms; bad_line "needs a value"
# Each refusal says what is wrong with the value: not a number, or no value at all.
expect_exit 2 "--tasks -x" -- "$SIMUL" run sleep --model sequential --tasks -x; bad_line "'-x' is not a number"
expect_exit 2 "--tasks then another option" -- "$SIMUL" run sleep --model sequential --tasks --ms 5
bad_line "tasks needs a value (got the option '--ms')"
# One number parser: plain decimal for every option, hex, inf and nan refused alike.
for v in 0x10 inf nan infinity 0x1p4 " 5"; do
  expect_exit 2 "--duration-s '$v'" -- "$SIMUL" run lag --model sequential --duration-s "$v"; bad_line "is not a number"
done
expect_exit 2 "--tasks 0x10" -- "$SIMUL" run sleep --model sequential --tasks 0x10; bad_line "is not a number"
# The range a refusal gives is the range accepted: lag's ticker needs 1 ms or more.
expect_exit 2 "lag --tick-ms -1" -- "$SIMUL" predict lag --model eventloop --tick-ms -1; bad_line "from 1 to 60000"
expect_exit 2 "lag --tick-ms 0" -- "$SIMUL" predict lag --model eventloop --tick-ms 0; bad_line "from 1 to 60000"
expect_exit 0 "lag --tick-ms 1, the least the range gives" -- "$SIMUL" predict lag --model eventloop --tick-ms 1
expect_exit 2 "stray argument" -- "$SIMUL" run sleep --model sequential extra; bad_line "extra"
expect_exit 2 "bad format" -- "$SIMUL" run sleep --model sequential --format xml; bad_line "format"
expect_exit 2 "--workers on sequential" -- "$SIMUL" run sleep --model sequential --workers 3; bad_line "workers"
expect_exit 2 "--gil on sequential" -- "$SIMUL" run sleep --model sequential --gil; bad_line "gil"
# Which options apply to which model follows from what each model declares (simul list): the
# models named in each message are the list's own, whatever models there are.
l=$("$SIMUL" list --format json)
who() { # who FIELD: the models whose FIELD is true, as simul's messages name them
  jq -r "[.models[] | select(.$1) | .name] | if length == 1 then \"\\(.[0]) only\" else (.[:-1] | join(\", \")) + \" and \" + .[-1] end" <<<"$l"
}
expect_exit 2 "--gil on eventloop" -- "$SIMUL" run sleep --model eventloop --gil; bad_line "gil applies to $(who gil), not eventloop"
expect_exit 2 "--stack-kib on threadpool" -- "$SIMUL" run sleep --model threadpool --stack-kib 32; bad_line "stack-kib applies to $(who stack_kib), not threadpool"
expect_exit 2 "--workers on eventloop" -- "$SIMUL" run sleep --model eventloop --workers 2; bad_line "applies to $(who pool), not eventloop: drop it"
expect_exit 2 "--stack on threadpool" -- "$SIMUL" run sleep --model threadpool --stack guarded; bad_line "stack applies to $(who stack_kib), not threadpool"
expect_exit 2 "--stack bogus" -- "$SIMUL" run sleep --model eventloop --stack bogus; bad_line "stack 'bogus' is unknown: use copy or guarded"

# --tasks beyond memory is refused before anything runs, with the model's estimate: under
# every model of coroutines (those --stack-kib applies to, as simul list says), each by the
# one shared check (sim_run_memory_check), with no code of its own.
avail_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
for m in $("$SIMUL" list --format json | jq -r '.models[] | select(.stack_kib) | .name'); do
for k in copy guarded; do
  expect_exit 2 "100000000 tasks under $m --stack $k: beyond memory" -- \
    "$SIMUL" run sleep --model $m --stack $k --tasks 100000000 --ms 1
  bad_line "$m would need about .* GiB for 100000000 tasks (.* each) but the machine has .* available: use --limit L or fewer --tasks"
  each=$(sed -n 's/.*tasks (\([0-9.]*\) \(KiB\|bytes\) each).*/\1 \2/p' "$T_TMP/err")
  read -r n unit <<<"$each"
  [[ $unit == bytes ]] && n=$(awk -v n="$n" 'BEGIN { print n / 1024 }')
  # A million fits where the machine has the memory (about 0.6 GiB measured, copy).
  [[ $k == copy && -n $n && $avail_kib -gt 4000000 ]] &&
    check "--stack copy: a million tasks are estimated to fit ($n KiB each, $avail_kib KiB available)" \
      "$n * 1000000 < $avail_kib"
done
done
expect_exit 2 "list --format xml" -- "$SIMUL" list --format xml
grep -q "format 'xml' is unknown: use text or json" "$T_TMP/err" && ok "list --format xml: unknown, text or json" || bad "list xml: $(cat "$T_TMP/err")"
# Every model of the text list is in the JSON one, with a family and capability words that
# agree with its flags (the words a sweep selects by, bench/harness/sweeps.py).
[[ $("$SIMUL" list | sed -n '/^models:/,/^workloads:/p' | awk '/^  [a-z]/ { print $1 }' | tr '\n' ' ') == \
   "$(jq -r '.models[].name' <<<"$l" | tr '\n' ' ')" ]] && ok "list: the same models as text and as JSON" || bad "list: text and JSON differ"
bad_caps=$(jq -r '.models[] | select(
    (.family | length) == 0 or ((.caps | index("serial")) != null) != .serial
    or ((.caps | index("concurrent")) != null) == .serial or ((.caps | index("pool")) != null) != .pool
    or ((.caps | index("threads")) != null) != (.workers_kind == "threads")
    or ((.caps | index("processes")) != null) != (.workers_kind == "processes")
    or ((.caps | index("gil")) != null) != .gil or ((.caps | index("coroutines")) != null) != .stack_kib
    or ((.caps | index("offload")) != null) != .offload or ((.caps | index("callbacks")) != null) != .callbacks
    or (.workloads | length) == 0) | .name' <<<"$l")
[[ -z $bad_caps && $(jq '.models | length' <<<"$l") -gt 0 ]] && ok "list --format json: each model's family and capability words agree with its flags" \
  || bad "list json: models whose words disagree: $bad_caps"
# A model of plain callbacks lists only the workloads with a callback form.
[[ -z $(jq -r '.models[] | select(.callbacks) | .workloads[] as $w | $w' <<<"$l" | while read -r w; do
          jq -e --arg w "$w" '.workloads[] | select(.name == $w and (.callback_form | not))' <<<"$l" >/dev/null && echo "$w"; done) ]] \
  && ok "list: a callbacks model lists only workloads with a callback form" || bad "list: a callbacks model lists a workload it cannot run"
expect_exit 2 "--timeout nan" -- "$SIMUL" run sleep --model sequential --timeout nan; bad_line "timeout"
expect_exit 2 "a thread per task past pid_max" -- "$SIMUL" run sleep --model threadpool --workers 0 --tasks 40000 --ms 1
bad_line "pid_max\|threads-max\|ulimit"
expect_exit 2 "unwritable trace" -- "$SIMUL" run sleep --model sequential --ms 1 --trace /nonexistent/dir/t.csv; bad_line "trace"

# Formats: one record, the contract's columns first, in order.
rec=$("$SIMUL" run sleep --model sequential --tasks 2 --ms 10 --format csv)
head=$(head -1 <<<"$rec")
[[ $head == workload,model,tasks,workers,wall_s,predicted_s,user_s,sys_s,max_rss_kib,voluntary_ctx,involuntary_ctx,verified,* ]] \
  && ok "csv header in the contract's order" || bad "csv header: $head"
[[ $(wc -l <<<"$rec") -eq 2 ]] && ok "csv is header + one row" || bad "csv lines: $rec"
"$SIMUL" run sleep --model sequential --tasks 2 --ms 10 --format csv --no-header | grep -q '^sleep,sequential,2,' \
  && ok "--no-header" || bad "--no-header"
j=$("$SIMUL" run sleep --model sequential --tasks 2 --ms 10 --format json)
[[ $(json verified <<<"$j") == true && $(json tasks <<<"$j") == 2 ]] && ok "json record verified" || bad "json: $j"
p=$("$SIMUL" predict sleep --model sequential --tasks 4 --ms 250 --format json)
check "predict: 4 sleeps of 0.25 s one after another = 1 s" "$(json predicted_s <<<"$p") == 1"
[[ $(json wall_s <<<"$p") == null ]] && ok "predict prints no measurement" || bad "predict has wall_s: $p"

# Trace: one line per phase, written whole on success.
"$SIMUL" run sleep --model sequential --tasks 3 --ms 5 --rounds 2 --trace "$T_TMP/t.csv" >/dev/null
[[ $(head -1 "$T_TMP/t.csv") == task,worker,phase,start_s,end_s && $(wc -l < "$T_TMP/t.csv") -eq 7 ]] \
  && ok "trace: header + 6 sleep phases" || bad "trace: $(cat "$T_TMP/t.csv")"
ls "$T_TMP"/t.csv.tmp.* >/dev/null 2>&1 && bad "trace temp file left behind" || ok "no trace temp file left"

# A trace that cannot be written whole (a 1 KiB file-size limit) fails the run: exit 1, the
# cause named, no trace left behind, under every model (forked workers included).
while read -r m; do
  expect_exit 1 "$m: trace past the file-size limit" -- \
    bash -c "ulimit -f 1 && exec \"\$0\" run sleep --model $m --tasks 60 --ms 1 --trace '$T_TMP/big.csv'" "$SIMUL"
  grep -q "cannot write the trace: File too large" "$T_TMP/err" && [[ ! -s $T_TMP/out ]] && ! ls "$T_TMP"/big.csv* >/dev/null 2>&1 \
    && ok "$m: says why, no record, no trace" || bad "$m: $(head -c 300 "$T_TMP/err"); $(ls "$T_TMP"/big.csv* 2>&1)"
done < <(jq -r '.models[] | if .pool then "\(.name) --workers 0" else .name end' <<<"$l")

# A run that times out: exit 1, one line, no record, no trace file.
expect_exit 1 "timeout fires" -- "$SIMUL" run sleep --model sequential --tasks 2 --ms 2000 --timeout 0.3 --trace "$T_TMP/t2.csv"
grep -q "timeout" "$T_TMP/err" && [[ ! -s $T_TMP/out ]] && ok "timeout says so, no record" || bad "timeout output: $(cat "$T_TMP/err")"
[[ ! -e $T_TMP/t2.csv ]] && ! ls "$T_TMP"/t2.csv* >/dev/null 2>&1 && ok "no half-written trace" || bad "trace left after timeout"

# Sequential sleeps take about N times one sleep.
if timing; then
  w=$(run_best 3 sleep --model sequential --tasks 5 --ms 100 | json wall_s)
  tcheck "5 sequential sleeps of 0.1 s take about 0.5 s (got $w)" "$w >= 0.5 && $w < 0.75"
fi
finish
