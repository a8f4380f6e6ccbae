# SPDX-License-Identifier: MIT
# timeline.gp: a `simul run --trace` CSV as a timeline: one row per table (task), master's moves vs opponents' waits.
#
#   gnuplot -e "trace='run.csv'; out='run.png'; title='chess under eventloop'" plots/timeline.gp
#
# trace (required): the CSV simul wrote (task,worker,phase,start_s,end_s). out: the PNG
# (default: the trace's name with .png). title: the chart's title. The chess workload's
# phases are "master" and "opponent"; any other phase is drawn in a third colour, so the
# script also draws the sleep and sumsq traces.
if (!exists("trace")) {
  print "timeline.gp: no trace given: gnuplot -e \"trace='run.csv'; out='run.png'\" plots/timeline.gp"
  exit status 2
}
if (system(sprintf("test -s '%s' && echo 1 || echo 0", trace)) ne "1") {
  print sprintf("timeline.gp: cannot read the trace '%s': give the CSV that simul run --trace wrote", trace)
  exit status 1
}
if (!exists("out")) out = (strstrt(trace, ".csv") ? trace[1:strstrt(trace, ".csv") - 1] : trace) . ".png"
if (!exists("title")) title = "timeline of " . trace

set datafile separator ","
stats trace skip 1 using 1 nooutput name "TASK"
stats trace skip 1 using 5 nooutput name "END"
is(p) = strcol(3) eq p
other(p) = !(is("master") || is("opponent"))
# A third colour only when the trace has phases other than the chess ones.
stats trace skip 1 using (other(0) ? 1 : 0) nooutput name "OTHER"
tables = int(TASK_max) + 1
# Milliseconds for short runs, seconds for long ones: the axis reads in whole numbers.
ms = END_max < 2.0
k = ms ? 1000.0 : 1.0
unit = ms ? "ms" : "s"

set terminal pngcairo size 1200, (tables > 30 ? 900 : 300 + 20 * tables) font ",11"
set output out
set title title
set xlabel sprintf("time since the run started (%s)", unit)
set ylabel "table (task)"
set xrange [0:END_max * k * 1.02]
# Table 0 on top, as a reader scans a list.
set yrange [tables - 0.5:-0.5]
if (tables <= 30) { set ytics 1 } else { set ytics autofreq }
set grid xtics lc rgb "#dddddd"
set key outside top center horizontal
set style fill solid 1.0 noborder


mid(a, b) = (a + b) / 2 * k
half(a, b) = (b - a) / 2 * k

plot trace skip 1 using (is("master") ? mid($4, $5) : NaN):1:(half($4, $5)):(0.38) \
       with boxxyerror lc rgb "#d62728" title "master thinking (CPU)", \
     trace skip 1 using (is("opponent") ? mid($4, $5) : NaN):1:(half($4, $5)):(0.22) \
       with boxxyerror lc rgb "#9ecae1" title "opponent thinking (waiting)", \
     trace skip 1 using (other(0) ? mid($4, $5) : NaN):1:(half($4, $5)):(0.3) \
       with boxxyerror lc rgb "#7f7f7f" title (OTHER_sum > 0 ? "other phase" : "")
