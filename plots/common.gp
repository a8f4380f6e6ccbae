# SPDX-License-Identifier: MIT
# common.gp: what every chart shares: CSV input, one colour per model, grid, key; loaded before each script.
# The harness (bench/harness/charts.py) sets the terminal and output, then loads the chart's .vars.gp, then this.
set datafile separator ','
set datafile columnheaders
set grid xtics ytics mxtics mytics lc rgb '#e4e4e4' lw 1, lc rgb '#f2f2f2' lw 1
set border lw 1.2
set key outside right top Left reverse samplen 3 spacing 1.15 box lc rgb '#cccccc'
set tmargin 4.5
# The same model has the same colour in every chart; --gil is red because it is the odd one.
mcolor(s) = strstrt(s, '--gil') ? 0xd62728 : strstrt(s, 'sequential') ? 0x333333 : \
            strstrt(s, 'offload') ? 0x17becf : strstrt(s, 'eventloop') ? 0x1f77b4 : strstrt(s, 'threadpool') ? 0xff7f0e : \
            strstrt(s, 'multiprocess') ? 0x2ca02c : 0x9467bd
# Variants of a model (a bounded pool, a limit) keep its colour and change the dash and the point.
mdash(s) = (strstrt(s, 'default pool') || strstrt(s, '--workers L') || strstrt(s, '--workers 4')) ? 2 : 1
mpoint(s) = strstrt(s, '--gil') ? 9 : strstrt(s, 'sequential') ? 5 : strstrt(s, 'offload') ? 8 : strstrt(s, 'eventloop') ? 7 : \
            strstrt(s, 'threadpool') ? (mdash(s) == 2 ? 13 : 11) : strstrt(s, 'multiprocess') ? (mdash(s) == 2 ? 4 : 15) : 6
# True on a measured row of series i (S is the array of series the vars file lists).
is(i) = strcol('status') eq 'ok' && strcol('series') eq S[i]
qnote = (exists('note') && note ne '') ? "\n".note : ''
# A long series name on two lines under a bar: the model, then its options.
twoline(s) = strstrt(s, ' ') ? s[1:strstrt(s, ' ') - 1]."\n".s[strstrt(s, ' ') + 1:] : s
