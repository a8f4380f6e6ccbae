# SPDX-License-Identifier: MIT
# c9_decision.gp: claim C9: a heat map per CPU level (latency × tasks), of simul's models or of a peer's (who), coloured by the fastest family, shaded by its margin, the rule's regions drawn.
H = PH * ROWS + 245.0
LEG = 180 / H
TOP = 85 / H
unset key
unset grid
set style fill solid 1.0 noborder
set multiplot title "C9 ".who."\nthe fastest model per cell against the documents' rule (each task: one GET that waits L, then C ms of CPU)".qnote font ',15'
do for [p=1:NP] {
  col = (p - 1) % COLS
  row = (p - 1) / COLS
  set origin col * 1.0 / COLS, LEG + (ROWS - 1 - row) * (1 - LEG - TOP) / ROWS
  set size 1.0 / COLS, (1 - LEG - TOP) / ROWS
  set title (CPU[p] eq '0' ? 'no CPU work: C = 0' : sprintf('C = %s ms of CPU time per task', CPU[p])) font ',13'
  set xrange [-0.5:NL - 0.5]
  set yrange [-0.5:NN - 0.5]
  set xtics () scale 0
  do for [i=1:NL] { set xtics add (LX[i] i - 1) }
  set ytics () scale 0
  do for [j=1:NN] { set ytics add (NY[j] j - 1) }
  set xlabel "L: the server's latency, ms"
  set ylabel 'N: tasks at once'
  plot cells using (column('panel') == p && column('rgb') >= 0 ? column('x') : NaN):'y':(0.5):(0.5):'rgb' with boxxyerror lc rgb variable, \
       cells using (column('panel') == p && column('rgb') < 0 ? column('x') : NaN):'y':(0.5):(0.5) with boxxyerror fs pattern 4 lc rgb '#bbbbbb', \
       cells using (column('panel') == p ? column('x') : NaN):(column('y') + 0.2):'model' with labels font ',10', \
       cells using (column('panel') == p && strcol('variant') ne '.' ? column('x') : NaN):(column('y') + 0.04):'variant' with labels font ',9', \
       cells using (column('panel') == p && strcol('margin') ne '.' ? column('x') : NaN):(column('y') - 0.14):'margin' with labels font ',9' tc rgb '#333333', \
       cells using (column('panel') == p && strcol('note') ne '.' ? column('x') : NaN):(column('y') - 0.31):'note' with labels font ',8' tc rgb '#8c564b', \
       borders using (column('panel') == p ? column('x') : NaN):'y':'dx':'dy' with vectors nohead lw 4 lc rgb '#000000', \
       regions using (column('panel') == p ? column('x') : NaN):'y':'text' with labels left font 'DejaVu Sans:Bold,9' tc rgb '#000000'
}
# The key: the families' colours, and how to read the shade.
set origin 0, 0
set size 1, LEG
unset border
unset tics
unset title
unset xlabel
unset ylabel
set xrange [0:1]
set yrange [0:1]
set key horizontal center top samplen 2 width 2 font ',11'
set label 1 sprintf("Colour: the fastest of the rule's three families (its fastest model printed); shade: its margin over the fastest model of another family,\nprinted below it (≈: under %d%%, a tie; the strongest colour at 3× or more). Brown text: plain sequential code was faster still (the reference).\nThick lines: the documents' rule (CPU-bound when C ≥ L; fast I/O: L ≤ %g ms; few connections: N ≤ %g). Hatched: not run there (over the sweep's budget, or left to the full map).\nTimes: %s, one run per point; %d cores.", TIE, FAST, FEW, clock, cores) at graph 0.5, 0.38 center font ',9'
plot NaN with boxes lc rgb '#2ca02c' title 'processes', NaN with boxes lc rgb '#ff7f0e' title 'threads', \
     NaN with boxes lc rgb '#1f77b4' title 'event loop (where the work is CPU-bound, an executor counts as the kind of its pool)'
unset multiplot
