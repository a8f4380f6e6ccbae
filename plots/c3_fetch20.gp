# SPDX-License-Identifier: MIT
# c3_fetch20.gp: claim C3: 20 GETs by a loop, a pool of 4, an event loop; and how the gap grows with requests.
set multiplot layout 1, 2 title sprintf("C3: GETs against a server with %g ms latency: a plain loop, a pool of 4, an event loop gathering all", LAT * 1000).qnote font ',14'
set title "The documents' case: 20 GETs"
set key inside left top Left reverse box opaque samplen 2 font ',10'
set xlabel ''
set ylabel 'wall time, s (log scale; mean ± sd)'
set logscale y
set xrange [-0.6:NB - 0.4]
set yrange [LAT / 2:*]
set xtics scale 0 font ',10'
set bmargin 4
set style fill solid 0.75 border lc rgb '#333333'
plot bars using 'i':'value':(0.6):(mcolor(strcol('label'))):xtic(twoline(strcol('label'))) with boxes lc rgb variable title 'measured', \
     bars using 'i':(column('value') - column('sd')):(0):(2 * column('sd')) with vectors nohead lw 2 lc rgb '#000000' notitle, \
     bars using (column('i') - 0.35):'predicted':(0.7):(0) with vectors nohead lw 3 lc rgb '#d62728' title 'prediction', \
     bars using 'i':(column('value') + column('sd')):(sprintf('%.2f s', column('value'))) with labels offset 0, 0.8 font ',10' notitle
set title 'The gap against the number of requests'
set xlabel 'requests N (log scale)'
set ylabel 'wall time per run, s (log scale; mean ± sd)'
set logscale y
set logscale x 2
set xrange [xmin / 1.3:xmax * 1.3]
set bmargin 4
set yrange [*:*]
set xtics auto scale 1 font ''
set format x '%.0f'
plot for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):'mean_s':'sd_s' \
        with yerrorlines lw 2 dt mdash(S[i]) pt mpoint(S[i]) ps 1.3 lc rgb mcolor(S[i]) title S[i], \
     for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):'predicted_s' with lines dt 3 lw 1 lc rgb mcolor(S[i]) notitle, \
     NaN with lines dt 3 lw 1 lc rgb '#666666' title 'dotted: predicted'
unset multiplot
