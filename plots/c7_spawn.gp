# SPDX-License-Identifier: MIT
# c7_spawn.gp: claim C7: what one task costs to create, start and finish, against N, per model, pinned and not, log-log.
set title "C7: creating, starting and finishing one empty task (the run's wall time / N)".qnote font ',14'
set key outside right top Left reverse box samplen 3 font ',10'
set xlabel 'tasks N per run (log scale)'
set ylabel 'time per task (log scale)'
set logscale xy
set xrange [60:xmax * 1.6]
set yrange [ymin:ymax]
set format x '%.0s%c'
set ytics ('1 ns' 1, '10 ns' 10, '100 ns' 100, '1 µs' 1e3, '10 µs' 1e4, '100 µs' 1e5, '1 ms' 1e6, '10 ms' 1e7)
# Pinned runs (--pin: one CPU) dashed; each series' bare primitive, measured before its runs, dotted.
pdash(s) = strstrt(s, 'pinned') ? 2 : 1
plot for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):'spawn_ns' \
        with linespoints lw 2 dt pdash(S[i]) pt mpoint(S[i]) ps 1.3 lc rgb mcolor(S[i]) title S[i], \
     for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):'floor_ns' \
        with lines dt 3 lw 1 lc rgb mcolor(S[i]) notitle, \
     NaN with lines dt 2 lw 2 lc rgb '#666666' title 'dashed: pinned to one CPU (--pin)', \
     NaN with lines dt 3 lw 1 lc rgb '#666666' title "dotted: the bare primitive alone"
