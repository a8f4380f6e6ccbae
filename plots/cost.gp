# SPDX-License-Identifier: MIT
# cost.gp: claims C7 and C8 side by side: creating a task and switching between two, per model, pinned and not, log scale.
# A kind's colour is its family's (common.gp): a peer's own kind of task its own colour.
kcolor(k) = k eq 'process' ? 0x2ca02c : k eq 'thread' ? 0xff7f0e : k eq 'coroutine' ? 0x1f77b4 : \
            k eq 'goroutine' ? 0x8c564b : k eq 'promise' ? 0x3cb371 : k eq 'tokio task' ? 0x000080 : 0x777777
fmt(x) = x >= 1e6 ? sprintf('%.1fms', x / 1e6) : x >= 1e3 ? sprintf('%.1fµs', x / 1e3) : sprintf('%.0fns', x)
set logscale y
set yrange [ymin:ymax]
set ytics ('1 ns' 1, '10 ns' 10, '100 ns' 100, '1 µs' 1e3, '10 µs' 1e4, '100 µs' 1e5, '1 ms' 1e6, '10 ms' 1e7)
set xtics scale 0 font ',9'
set grid noxtics
set key inside left top Left reverse box opaque samplen 2 font ',10'
set style fill solid 0.85 border lc rgb '#333333'
set bmargin 6
set multiplot layout ROWS, 3 - ROWS title "What a task costs under each model, unpinned and pinned to one CPU (log scale; each bar the least of its runs)".qnote font ',13'
# One panel per claim: per model its unpinned bar (solid) left, its pinned bar (hatched) right,
# the bare primitive measured before the runs as a black line across both, values on top.
do for [P in 'spawn switch'] {
  n = P eq 'spawn' ? NSPAWN : NSWITCH
  f = P eq 'spawn' ? spawn : switch
  if (P eq 'spawn') {
    set title "C7: create, start and finish one task\n(the run's wall time / N, N = ".spawn_n." tasks)" font ',12'
    set ylabel 'per task (log scale)'
  } else {
    set title "C8: one switch between two waiting tasks\n(a futex: threads, processes; the loop: coroutines; each peer its own channel)" font ',12'
    set ylabel 'per one-way switch (log scale)'
  }
  set xrange [-0.6:(n > 0 ? n : 1) - 0.4]
  if (n == 0) {
    set label 9 'not run' at graph 0.5, 0.5 center font ',14' tc rgb '#aa0000'
    plot NaN notitle
    unset label 9
  } else {
    plot f using ($1 - 0.19):'free_ns':($1 - 0.36):($1 - 0.02):(ymin):'free_ns':(kcolor(strcol('kind'))) \
            with boxxyerror lc rgb variable fs solid 0.85 notitle, \
         f using ($1 + 0.19):'pinned_ns':($1 + 0.02):($1 + 0.36):(ymin):'pinned_ns':(kcolor(strcol('kind'))) \
            with boxxyerror lc rgb variable fs pattern 4 border notitle, \
         f using ($1 - 0.42):'floor_ns':(0.84):(0) with vectors nohead lw 3 lc rgb '#000000' notitle, \
         f using ($1 - 0.19):'free_ns':(fmt(column('free_ns'))) with labels offset 0, 0.7 font ',8' notitle, \
         f using ($1 + 0.19):'pinned_ns':(fmt(column('pinned_ns'))) with labels offset 0, 0.7 font ',8' notitle, \
         f using 1:(ymin):xtic(twoline(strcol('label'))."\n(".strcol('what').")") with points ps 0 notitle, \
         NaN with boxes fs solid 0.85 lc rgb '#888888' title 'unpinned', \
         NaN with boxes fs pattern 4 lc rgb '#888888' title 'pinned to one CPU (--pin)', \
         NaN with lines lw 3 lc rgb '#000000' title 'the bare primitive alone'
  }
}
unset multiplot
