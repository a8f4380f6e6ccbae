# SPDX-License-Identifier: MIT
# c10_limit.gp: claim C10: N sleeps of D with at most L in flight (--limit, or a pool of L) take ceil(N/L) waves.
set title sprintf("C10: %d tasks of %g ms, at most L in flight (a semaphore or a pool of L): ceil(%d/L) waves", N, D * 1000, N).qnote font ',14'
set key inside right top Left reverse box opaque samplen 2 font ',10'
if (keyout) eval KEYOUT
set xlabel 'L: tasks allowed in flight (--limit L, or --workers L)'
set ylabel 'wall time per run, s (mean ± sd)'
set y2label 'waves: wall time / D'
set xrange [0.5:xmax + 0.5]
set xtics 1
set yrange [0:(N + 0.5) * D]
set link y2 via y / D inverse y * D
set y2tics 1
set ytics nomirror
# The prediction only exists at whole L: grey bars at ceil(N/L)·D; the five series are
# nudged sideways so that they do not hide each other.
set style fill transparent solid 0.25 noborder
plot csv using (is(1) ? column('p_L') : NaN):'predicted_s':(0.8) with boxes lc rgb '#999999' title 'ceil(N/L)·D: predicted waves', \
     for [i=1:NS] csv using (is(i) ? column('p_L') + (i - (NS + 1) / 2.0) * (0.6 / NS) : NaN):(yv(i)):(ysd(i)) \
        with yerrorlines lw 2 dt sdash(i) pt spoint(i) ps 1.3 lc rgb mcolor(S[i]) title S[i], \
     NaN with lines dt 2 lw 2 lc rgb '#666666' title peernote, \
     NaN with lines lw 0 lc rgb '#ffffff' title peerwho
