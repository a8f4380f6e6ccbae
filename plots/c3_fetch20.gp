# SPDX-License-Identifier: MIT
# c3_fetch20.gp: claim C3: 20 GETs by a loop, a pool of 4, an event loop; and how the gap grows with requests.
ttl = sprintf("C3: GETs against a server with %g ms latency: a plain loop, a pool of 4, an event loop gathering all", LAT * 1000).qnote
# With the documents' own programs: twice the bars, labels slanted, and the line panel wider
# with its key beside it; without them, two equal panels.
if (keyout) { set multiplot title ttl font ',14'; set origin 0, 0; set size 0.42, 0.93 } else { set multiplot layout 1, 2 title ttl font ',14' }
set title "The documents' case: 20 GETs"
set key inside left top Left reverse box opaque samplen 2 font ',10'
set xlabel ''
set ylabel 'wall time, s (log scale; mean ± sd)'
set logscale y
set xrange [-0.6:NB - 0.4]
set yrange [LAT / 2:*]
set xtics scale 0 font ',10'
set bmargin 4
if (keyout) { set xtics rotate by 35 right; set bmargin 8 }
set style fill solid 0.75 border lc rgb '#333333'
# simul's bars solid; the documents' own programs (peer = 1) light, timed by their own clock.
# Every bar's label comes from a plot of nothing (a point below the axis), whichever kind it is.
plot bars using 'i':(1e-9):xtic(barlabel(strcol('label'))) with points ps 0 notitle, \
     bars using 'i':(column('peer') > 0 ? NaN : column('value')):(0.6):(mcolor(strcol('label'))) \
        with boxes lc rgb variable title 'measured: simul (C)', \
     bars using 'i':(column('peer') > 0 ? column('value') : NaN):(0.6):(mcolor(strcol('label'))) \
        with boxes fs transparent solid 0.3 border lc rgb '#555555' lc rgb variable title (keyout ? "light: the documents' programs" : ''), \
     bars using 'i':(column('value') - column('sd')):(0):(2 * column('sd')) with vectors nohead lw 2 lc rgb '#000000' notitle, \
     bars using (column('i') - 0.35):'predicted':(0.7):(0) with vectors nohead lw 3 lc rgb '#d62728' title 'prediction', \
     bars using 'i':(column('value') + column('sd')):(sprintf('%.2f s', column('value'))) with labels offset 0, 0.8 font ',10' notitle
set title 'The gap against the number of requests'
if (keyout) { set origin 0.42, 0; set size 0.58, 0.93; set xtics norotate; eval KEYOUT }
set xlabel 'requests N (log scale)'
set ylabel 'wall time per run, s (log scale; mean ± sd)'
set logscale y
set logscale x 2
set xrange [xmin / 1.3:xmax * 1.3]
set bmargin (keyout ? 8 : 4)
set yrange [*:*]
set xtics auto scale 1 font ''
set format x '%.0f'
plot for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):(yv(i)):(ysd(i)) \
        with yerrorlines lw 2 dt sdash(i) pt spoint(i) ps 1.3 lc rgb mcolor(S[i]) title S[i], \
     for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):'predicted_s' with lines dt 3 lw 1 lc rgb mcolor(S[i]) notitle, \
     NaN with lines dt 3 lw 1 lc rgb '#666666' title 'dotted: predicted', \
     NaN with lines dt 2 lw 2 lc rgb '#666666' title peernote, \
     NaN with lines lw 0 lc rgb '#ffffff' title peerwho
unset multiplot
