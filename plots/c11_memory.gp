# SPDX-License-Identifier: MIT
# c11_memory.gp: claim C11: memory per task against concurrent sleeping tasks, every model, log-log; earlier and published figures as points.
set title "C11: memory per task of N concurrent sleeps (the run's memory, a shared page counted once, ÷ N)".qnote font ',14'
set key inside left top Left reverse box opaque samplen 2 spacing 1.1 font ',10' maxrows 6
set xlabel 'concurrent tasks N (log scale)'
set ylabel "bytes per task (log scale)\nthe whole run's memory ÷ N: a program's fixed size weighs at small N"
set logscale xy
set xrange [600:(xmax > 1e6 ? xmax : 1e6) * 3]
set yrange [50:5e6]
set format x '%.0s%c'
set format y '%.0s%cB'
set grid xtics ytics mxtics mytics
# One colour and symbol per program; simul's models keep common.gp's.
# (a peer's by its program, from LOOK; a program no list knows, such as the libuv floor, brown).
ccolor(s) = fprog(s) eq 'go' ? 0xe377c2 : fprog(s) eq 'python' ? 0xbcbd22 : fprog(s) eq 'node' ? 0x3cb371 : \
            fprog(s) eq 'tokio' ? 0x000080 : fam(s) eq 'other' ? 0x8c564b : mcolor(s)
cpoint(s) = fprog(s) eq 'go' ? 5 : fprog(s) eq 'python' ? 11 : fprog(s) eq 'node' ? 9 : fprog(s) eq 'tokio' ? 15 : fam(s) eq 'other' ? 13 : mpoint(s)
# A series that stopped short says where, under the plot.
set bmargin 4 + NSTOP
do for [k=1:NSTOP] {
    set label k + 10 STOP[k] at screen 0.02, screen 0.012 + 0.022 * (NSTOP - k) font ',9' tc rgb ccolor(STOP[k]) left
}
if (NSTOP > 0) { set label 9 'where the thread and process series stopped (the next count they were given):' \
    at screen 0.02, screen 0.012 + 0.022 * NSTOP font ',9' left }
# Filled: every task of the run was alive at once; open: fewer were (making them outlasted a
# sleep), so the figure spreads the run's memory over tasks that never lived together.
plot for [i=1:NS] pts using (column('i') == i ? column('tasks') : NaN):'bpt' \
        with lines lw 2 lc rgb ccolor(S[i]) notitle, \
     for [i=1:NS] pts using (column('i') == i && column('together') == 1 ? column('tasks') : NaN):'bpt' \
        with points pt cpoint(S[i]) ps 1.4 lc rgb ccolor(S[i]) notitle, \
     for [i=1:NS] pts using (column('i') == i && column('together') == 0 ? column('tasks') : NaN):'bpt' \
        with points pt cpoint(S[i]) - 1 ps 1.6 lw 2 lc rgb ccolor(S[i]) notitle, \
     for [i=1:NS] NaN with linespoints lw 2 pt cpoint(S[i]) ps 1.4 lc rgb ccolor(S[i]) title S[i], \
     pts using (strcol('note') ne '-' ? column('tasks') : NaN):'bpt':'note' \
        with labels left offset 1.2, -0.6 font ',8' tc rgb '#555555' notitle, \
     NaN with points pt 6 ps 1.4 lw 2 lc rgb '#333333' title 'open: fewer than N alive at once (how many, beside it)', \
     refs using (strcol('kind') eq 'earlier' ? column('tasks') : NaN):'bpt':(ccolor(strcol('series'))) \
        with points pt 6 ps 2.2 lw 2 lc rgb variable title (NEARLIER > 0 ? 'circles: measured here earlier, not in this run' : ''), \
     refs using (strcol('kind') eq 'earlier' ? column('tasks') : NaN):'bpt':(strcol('series')) \
        with labels left offset 1.4, 0 font ',8' tc rgb '#555555' notitle, \
     refs using (strcol('kind') eq 'published' ? column('tasks') : NaN):'bpt' \
        with points pt 8 ps 2 lw 2 lc rgb '#444444' title 'triangles: published, another machine (pkolaczk 2023)', \
     refs using (strcol('kind') eq 'published' ? column('tasks') : NaN):'bpt':(strcol('label')[1:strstrt(strcol('label'), ' (') - 1]) \
        with labels right offset -1.4, 0 font ',9' tc rgb '#444444' notitle
