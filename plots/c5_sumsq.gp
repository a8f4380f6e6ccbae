# SPDX-License-Identifier: MIT
# c5_sumsq.gp: claim C5: speed-up of the sum of squares over sequential, against tasks, per model, cores drawn.
set key inside left top Left reverse box opaque samplen 2 font ',10'
if (keyout) eval KEYOUT
set title sprintf("C5: CPU-bound sum of squares split into N tasks: speed-up over sequential on %d cores", cores).qnote font ',14'
set xlabel 'tasks N (log scale)'
set ylabel 'speed-up: sequential mean / model mean ± sd (same N, same sweep)'
set logscale x 2
set xrange [0.8:xmax * 1.25]
set format x '%.0f'
set yrange [0:cores + 1 < *]
set arrow 1 from graph 0, first cores to graph 1, first cores nohead dt 1 lw 4 lc rgb '#c7e9c0' back
set label 1 sprintf('%d cores: the most parallel work can gain', cores) at graph 0.02, first cores + 0.08 left tc rgb '#2ca02c'
set arrow 2 from graph 0, first 1 to graph 1, first 1 nohead dt 1 lw 4 lc rgb '#d9d9d9' back
set label 2 'one core (sequential): no gain' at graph 0.98, first 1.12 right tc rgb '#333333'
# Lines with error bars: the ratio of the means ± sd over the interleaved rounds (what the
# verdict uses); open points: fastest run over fastest run, to show how far bursts move it.
nudge(i) = 1 + (i - (NS + 1) / 2.0) * 0.03
plot for [i=1:NS] dat using (is(i) ? column('p_tasks') * nudge(i) : NaN):'speedup_mean':'speedup_sd' \
        with yerrorbars pt spoint(i) ps 1.3 lw 1 lc rgb mcolor(S[i]) notitle, \
     for [i=1:NS] dat using (is(i) ? column('p_tasks') * nudge(i) : NaN):'speedup_mean' \
        with lines lw 2 dt sdash(i) lc rgb mcolor(S[i]) title S[i], \
     for [i=1:NS] dat using (is(i) ? column('p_tasks') * nudge(i) : NaN):'speedup' \
        with points pt 6 ps 0.8 lc rgb mcolor(S[i]) notitle, \
     for [i=1:NS] dat using (is(i) ? column('p_tasks') : NaN):'speedup_pred' \
        with lines dt 3 lw 1 lc rgb mcolor(S[i]) notitle, \
     NaN with lines dt 3 lw 1 lc rgb '#666666' title 'dotted: predicted speed-up', \
     NaN with points pt 6 ps 0.8 lc rgb '#666666' title 'small circle: fastest run over fastest run (simul only)', \
     NaN with lines dt 2 lw 2 lc rgb '#666666' title peernote, \
     NaN with lines lw 0 lc rgb '#ffffff' title peerwho, \
     NaN with lines lw 0 lc rgb '#ffffff' title (keyout ? "    over their own sequential (Go: its 1 task)" : '')
