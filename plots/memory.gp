# SPDX-License-Identifier: MIT
# memory.gp: the run's peak memory (mem_kib: shared pages once) against tasks per model for the sleep workload (the C1 sweep), log-log.
set key inside left top Left reverse box opaque samplen 2 font ',10'
if (keyout) eval KEYOUT
set title "Memory: peak memory of a run of N sleeping tasks, per model".qnote font ',14'
set xlabel 'tasks N (log scale)'
set ylabel "the run's peak memory, MiB (log scale)\na page shared by processes counted once (mem_kib)"
set logscale xy
set xrange [0.8:xmax * 1.25]
set format x '%.0f'
set label 1 "multiprocess: the parent's peak RSS plus the most private memory its live\nworkers held at once (mem_method rss+uss); the others are one process: its peak RSS" \
    at graph 0.98, graph 0.08 right font ',10' tc rgb '#2ca02c'
plot for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):(column('mem_kib') / 1024) \
        with linespoints lw 2 dt sdash(i) pt spoint(i) ps 1.3 lc rgb mcolor(S[i]) title S[i], \
     NaN with lines dt 2 lw 2 lc rgb '#666666' title (keyout ? "dashed: the documents' own programs" : ''), \
     NaN with lines lw 0 lc rgb '#ffffff' title peerwho, \
     NaN with lines lw 0 lc rgb '#ffffff' title (keyout ? "    their interpreter's own memory included" : '')
