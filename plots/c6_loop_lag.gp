# SPDX-License-Identifier: MIT
# c6_loop_lag.gp: claim C6: a ticker's worst (and median) lateness against the length of the blocks beside it, per model, log-log.
set key inside left top Left reverse box opaque samplen 2 font ',10'
set title sprintf("C6: a task that wakes every %g ms, beside a task that blocks B ms on CPU: how late does it wake?", tick).qnote font ',14'
set xlabel 'B: CPU time of each block, ms (log scale)'
set ylabel "the ticker's lateness, ms (log scale): worst wake (solid), median wake (dotted)"
set logscale xy
set xrange [xmin / 1.5:xmax * 1.5]
set yrange [0.01:xmax * 4]
set xtics ()
do for [i=1:NB] { set xtics add (sprintf('%d', B[i]) B[i]) }
set format y '%g'
set samples 200
# The documents' line: a call that does not return within 100 ms is blocking.
set arrow 1 from first BLOCKING, graph 0 to first BLOCKING, graph 1 nohead dt 2 lw 2 lc rgb '#d62728'
set label 1 sprintf("%g ms: the documents' limit;\nlonger is blocking", BLOCKING) at first BLOCKING * 1.08, graph 0.06 left tc rgb '#d62728' font ',10'
set arrow 2 from graph 0, first RESPONSIVE to graph 1, first RESPONSIVE nohead dt 4 lw 1.5 lc rgb '#2ca02c'
set label 2 sprintf('%g ms: still responsive', RESPONSIVE) at graph 0.99, first RESPONSIVE * 1.25 right tc rgb '#2ca02c' font ',10'
plot x with lines dt 2 lw 2 lc rgb '#999999' title 'lateness = B: a wake waits out the whole block', \
     for [i=1:NS] csv using (is(i) ? column('p_block') : NaN):(column('late_max_ms') > 0.01 ? column('late_max_ms') : 0.01) \
        with linespoints lw 2 pt mpoint(S[i]) ps 1.4 lc rgb mcolor(S[i]) title S[i], \
     for [i=1:NS] csv using (is(i) ? column('p_block') : NaN):(column('late_p50_ms') > 0.01 ? column('late_p50_ms') : 0.01) \
        with lines dt 3 lw 1.5 lc rgb mcolor(S[i]) notitle, \
     NaN with lines dt 3 lw 1.5 lc rgb '#666666' title 'dotted: the median wake (most wake on time)'
