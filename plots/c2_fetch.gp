# SPDX-License-Identifier: MIT
# c2_fetch.gp: claim C2: fetch wall time against tasks at a fixed latency, and the documents' 100 downloads of 1 s.
ttl = "C2: N downloads from a server that answers after L: one after another N·L, concurrently about L".qnote
# With the documents' own programs: the line panel wider with its key beside it, the bars'
# labels slanted; without them, two equal panels.
if (keyout) { set multiplot title ttl font ',14'; set origin 0, 0; set size 0.64, 0.93 } else { set multiplot layout 1, 2 title ttl font ',14' }
set key inside left top Left reverse box opaque samplen 2 font ',10'
if (keyout) { eval KEYOUT; set bmargin 8 }
set title sprintf("N fetches, server latency L = %g ms", LAT * 1000)
set xlabel 'tasks N (log scale)'
set ylabel 'wall time per run, s (log scale; mean ± sd)'
set logscale xy
set xrange [0.8:xmax * 1.25]
set format x '%.0f'
plot x * LAT with lines dt 1 lw 5 lc rgb '#d0d0d0' title 'N·L: predicted one after another', \
     LAT with lines dt 1 lw 5 lc rgb '#c6dbef' title 'L: predicted all at once', \
     for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):(yv(i)):(ysd(i)) \
        with yerrorlines lw 2 dt sdash(i) pt spoint(i) ps 1.3 lc rgb mcolor(S[i]) title S[i], \
     NaN with lines dt 2 lw 2 lc rgb '#666666' title peernote, \
     NaN with lines lw 0 lc rgb '#ffffff' title peerwho
unset logscale x
set title "The documents' case: 100 downloads of 1 s each"
if (keyout) { set origin 0.64, 0; set size 0.36, 0.93; set key inside left top Left reverse box opaque samplen 2 font ',10' }
set xlabel ''
set ylabel 'wall time, s (log scale)'
set xrange [-0.6:NB - 0.4]
set yrange [0.3:(keyout ? 3000 : 300)]
set xtics () 
set xtics scale 0 font ',10'
set bmargin 4
if (keyout) { set xtics rotate by 35 right; set bmargin 8 }
set style fill solid 0.75 border lc rgb '#333333'
set boxwidth 0.6
# A bar is measured (solid, mean ± sd) or, for sequential, predicted only (hatched: 100 s a run).
# simul's bars solid; the documents' own programs (peer = 1) light, timed by their own clock.
# Every bar's label comes from a plot of nothing (a point below the axis), whichever kind it is.
plot bars using 'i':(1e-9):xtic(barlabel(strcol('label'))) with points ps 0 notitle, \
     bars using 'i':(strcol('kind') eq 'measured' && column('peer') == 0 ? column('value') : NaN):(0.6):(mcolor(strcol('label'))) \
        with boxes lc rgb variable title 'measured: simul (C), mean ± sd', \
     bars using 'i':(strcol('kind') eq 'measured' && column('peer') > 0 ? column('value') : NaN):(0.6):(mcolor(strcol('label'))) \
        with boxes fs transparent solid 0.3 border lc rgb '#555555' lc rgb variable title (keyout ? "light: the documents' programs" : ''), \
     bars using 'i':(strcol('kind') eq 'measured' ? column('value') - column('sd') : NaN):(0):(2 * column('sd')) with vectors nohead lw 2 lc rgb '#000000' notitle, \
     bars using 'i':(strcol('kind') ne 'measured' ? column('value') : NaN):(0.6) with boxes fs pattern 4 border lc rgb '#333333' lc rgb '#333333' title 'predicted only (not run: 100 s)', \
     bars using (column('i') - 0.35):'predicted':(0.7):(0) with vectors nohead lw 3 lc rgb '#d62728' title 'prediction', \
     bars using 'i':(column('value') + column('sd')):(strcol('kind') eq 'measured' ? sprintf('%.2f s', column('value')) : sprintf('%.0f s', column('value'))) with labels offset 0, 1 font ',10' notitle
unset multiplot
