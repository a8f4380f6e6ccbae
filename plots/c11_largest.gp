# SPDX-License-Identifier: MIT
# c11_largest.gp: claim C11: the most concurrent sleeping tasks each model completed, and why it went no further.
set title sprintf("C11: the most concurrent %g-s sleeps each model completed on this machine, and how many lived at once", D).qnote font ',14'
unset key
set ylabel 'tasks (log scale): completed (bar), alive at once (black mark)'
set logscale y
set yrange [100:top * 60]
set xrange [-0.6:NB - 0.4]
set format y '%.0s%c'
set xtics scale 0 font ',10'
set bmargin 5
set style fill solid 0.8 border lc rgb '#333333'
# One colour per program, as c11_memory.gp: a peer's by its program, from LOOK (common.gp).
ccolor(s) = fprog(s) eq 'go' ? 0xe377c2 : fprog(s) eq 'python' ? 0xbcbd22 : fprog(s) eq 'node' ? 0x3cb371 : \
            fprog(s) eq 'tokio' ? 0x000080 : fam(s) eq 'other' ? 0x8c564b : mcolor(s)
first(s) = s[1:strstrt(s, '|') - 1]
rest(s) = s[strstrt(s, '|') + 1:]
lines3(s) = first(s)."\n".first(rest(s))."\n".rest(rest(s))
set label 1 "Each bar: the largest count of the sweep the model ran and verified; a black mark: how many of them were\nalive at once, when fewer (making them outlasted a sleep). Red: the next count it was given, and why it failed\n(refused up front past the kernel's limits, or failing at the limit it met). Grey: it completed every count it was given.".\
    (pidmax > 0 ? sprintf("\nDashed red line: kernel.pid_max = %d, the most threads and processes the whole machine may have.", pidmax) : '') \
    at graph 0.01, graph 0.97 left font ',9' tc rgb '#555555'
# The machine's ceiling on threads and processes, shared with everything else it runs.
if (pidmax > 0) { set arrow 1 from graph 0, first pidmax to graph 1, first pidmax nohead back dt 2 lw 1.5 lc rgb '#a00000' }
plot bars using 'i':'value':(0.6):(ccolor(strcol('label'))):xtic(twoline(strcol('label'))) with boxes lc rgb variable, \
     bars using (strcol('held_shown') ne '-' ? column('i') - 0.3 : NaN):'held':(0.6):(0) with vectors nohead lw 4 lc rgb '#000000', \
     bars using (strcol('held_shown') ne '-' ? column('i') : NaN):(column('held') / 1.45):(strcol('held_shown')) with labels font ',9', \
     bars using 'i':(column('value') * 1.35):(strcol('shown')) with labels font ',10', \
     bars using 'i':(column('value') * 4.2):(lines3(strcol('why'))):(strcol('kind') eq 'stopped' ? 0xa00000 : 0x777777) \
        with labels font ',8' tc rgb variable
