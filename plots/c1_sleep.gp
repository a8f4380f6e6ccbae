# SPDX-License-Identifier: MIT
# c1_sleep.gp: claim C1: wall time of N sleeps of D against N per model, with N·D and D, log-log.
set key inside left top Left reverse box opaque samplen 2 font ',10'
if (keyout) eval KEYOUT
set title sprintf("C1: N tasks that each sleep D = %g ms: one after another takes N·D, concurrently D", D * 1000).qnote font ',14'
set xlabel 'tasks N (log scale)'
set ylabel 'wall time per run, s (log scale; mean ± sd over the runs)'
set logscale xy
set xrange [0.8:xmax * 1.25]
set format x '%.0f'
set samples 400
plot x * D with lines dt 1 lw 5 lc rgb '#d0d0d0' title 'N·D: predicted one after another', \
     D with lines dt 1 lw 5 lc rgb '#c6dbef' title 'D: predicted all at once', \
     for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):(yv(i)):(ysd(i)) \
        with yerrorlines lw 2 dt sdash(i) pt spoint(i) ps 1.3 lc rgb mcolor(S[i]) title S[i], \
     for [i=1:NS] csv using (has(i) ? column('p_tasks') : NaN):'predicted_s' \
        with lines dt 3 lw 1 lc rgb mcolor(S[i]) notitle, \
     for [i=1:NS] csv using (has(i) && strcol('status') eq 'predicted' ? column('p_tasks') : NaN):'predicted_s' \
        with points pt spoint(i) ps 1.8 lw 2 lc rgb mcolor(S[i]) notitle, \
     NaN with lines dt 3 lw 1 lc rgb '#666666' title "dotted: each series' own prediction", \
     NaN with points pt 4 ps 1.8 lw 2 lc rgb '#666666' title "a lone point: predicted only (over the budget)", \
     NaN with lines dt 2 lw 2 lc rgb '#666666' title peernote, \
     NaN with lines lw 0 lc rgb '#ffffff' title peerwho
