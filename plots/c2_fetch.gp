# SPDX-License-Identifier: MIT
# c2_fetch.gp: claim C2: fetch wall time against tasks at a fixed latency, and the documents' 100 downloads of 1 s.
set multiplot layout 1, 2 title "C2: N downloads from a server that answers after L: one after another N·L, concurrently about L".qnote font ',14'
set key inside left top Left reverse box opaque samplen 2 font ',10'
set title sprintf("N fetches, server latency L = %g ms", LAT * 1000)
set xlabel 'tasks N (log scale)'
set ylabel 'wall time per run, s (log scale; mean ± sd)'
set logscale xy
set xrange [0.8:xmax * 1.25]
set format x '%.0f'
plot x * LAT with lines dt 2 lw 2 lc rgb '#999999' title 'N·L: predicted one after another', \
     LAT with lines dt 4 lw 2 lc rgb '#1f77b4' title 'L: predicted all at once', \
     for [i=1:NS] csv using (is(i) ? column('p_tasks') : NaN):'mean_s':'sd_s' \
        with yerrorlines lw 2 dt mdash(S[i]) pt mpoint(S[i]) ps 1.3 lc rgb mcolor(S[i]) title S[i]
unset logscale x
set title "The documents' case: 100 downloads of 1 s each"
set xlabel ''
set ylabel 'wall time, s (log scale)'
set xrange [-0.6:NB - 0.4]
set yrange [0.3:300]
set xtics () 
set xtics scale 0 font ',10'
set bmargin 4
set style fill solid 0.75 border lc rgb '#333333'
set boxwidth 0.6
# A bar is measured (solid, mean ± sd) or, for sequential, predicted only (hatched: 100 s a run).
plot bars using 'i':(strcol('kind') eq 'measured' ? column('value') : NaN):(0.6):(mcolor(strcol('label'))):xtic(twoline(strcol('label'))) \
        with boxes lc rgb variable title 'measured (mean ± sd)', \
     bars using 'i':(strcol('kind') eq 'measured' ? column('value') - column('sd') : NaN):(0):(2 * column('sd')) with vectors nohead lw 2 lc rgb '#000000' notitle, \
     bars using 'i':(strcol('kind') ne 'measured' ? column('value') : NaN):(0.6) with boxes fs pattern 4 border lc rgb '#333333' lc rgb '#333333' title 'predicted only (not run: 100 s)', \
     bars using (column('i') - 0.35):'predicted':(0.7):(0) with vectors nohead lw 3 lc rgb '#d62728' title 'prediction', \
     bars using 'i':(column('value') + column('sd')):(strcol('kind') eq 'measured' ? sprintf('%.2f s', column('value')) : sprintf('%.0f s predicted', column('value'))) with labels offset 0, 1 font ',10' notitle
unset multiplot
