# SPDX-License-Identifier: MIT
# c4_chess.gp: claim C4: the chess exhibition's hours per model: the documents', predicted here, measured.
set title sprintf("C4: Judit Polgár's simultaneous exhibition (24 tables, %s move pairs) in the story's hours", PAIRS).qnote font ',14'
set key inside right top Left reverse box opaque samplen 2 font ',10'
set ylabel 'exhibition time, hours (log scale) = wall time / scale'
set logscale y
# Room above the tallest bar (12 h and its label) for the key: no key over a bar.
set yrange [0.05:600]
set bmargin 5
set xrange [-0.6:NB - 0.4]
set xtics scale 0 font ',10'
set style fill solid 0.8 border lc rgb '#333333'
# Per model: the prediction for this machine (light, with the clone models' bounds), the measurement
# (dark, mean ± sd), and the documents' figure as a black bar across both.
plot hours using ($1 - 0.19):'pred_h':(0.36) with boxes lc rgb '#c6dbef' title 'predicted for this machine', \
     hours using ($1 - 0.19):'lo_h':(0):(column('hi_h') - column('lo_h')) with vectors heads size 0.05,90 lw 1.5 lc rgb '#6b8fb5' title 'bounds (clones on too few cores)', \
     hours using ($1 + 0.19):(column('peer') > 0 ? NaN : column('meas_h')):(0.36) with boxes lc rgb '#2171b5' title 'measured: simul (C), mean ± sd', \
     hours using ($1 + 0.19):(column('peer') > 0 ? column('meas_h') : NaN):(0.36):(mcolor(strcol('label'))) \
        with boxes fs transparent solid 0.55 border lc rgb '#333333' lc rgb variable \
        title (keyout ? "light, in its model's colour: the documents' own" : ''), \
     NaN with lines lw 0 lc rgb '#ffffff' title (keyout ? "    programs (CPython, Go), by their own clock" : ''), \
     hours using ($1 + 0.19):(column('meas_h') - column('sd_h')):(0):(2 * column('sd_h')) with vectors nohead lw 2 lc rgb '#000000' notitle, \
     hours using 'i':(1e-9):xtic(twoline(strcol('label'))."\n(".strcol('story').")") with points ps 0 notitle, \
     hours using (column('i') - 0.45):'docs_h':(0.9):(0) with vectors nohead lw 4 lc rgb '#000000' title "the documents' arithmetic for these parameters (12 h, 1 h, 30 min at 30 pairs)", \
     hours using ($1 - 0.19):(column('replay_h') > 0 ? column('replay_h') : NaN) with points pt 12 ps 2 lw 2 lc rgb '#08306b' title "replayed from the clones' start times in the run", \
     hours using ($1 + 0.19):(column('meas_h') + column('sd_h')):(sprintf('%.2f h', column('meas_h'))) with labels offset 0, 0.8 font ',10' notitle
