# SPDX-License-Identifier: MIT
# common.gp: what every chart shares: CSV input, one colour per model, grid, key; loaded before each script.
# The harness (bench/harness/charts.py) sets the terminal and output, then loads the chart's .vars.gp, then this.
set datafile separator ','
set datafile columnheaders
set grid xtics ytics mxtics mytics lc rgb '#e4e4e4' lw 1, lc rgb '#f2f2f2' lw 1
set border lw 1.2
set key outside right top Left reverse samplen 3 spacing 1.15 box lc rgb '#cccccc'
set tmargin 4.5
# The same model has the same colour in every chart, and so has the documents' program of the
# same kind (python-threads as threadpool, python-processes as multiprocess, the asyncio and
# uvloop loops as eventloop, python-sequential as sequential; eventloop-offload is cyan); --gil is red because it is the
# odd one, and Go's goroutines, which no C model is, have their own brown.
mcolor(s) = strstrt(s, '--gil') ? 0xd62728 : strstrt(s, 'go-goroutines') ? 0x8c564b : \
            strstrt(s, 'sequential') ? 0x333333 : \
            strstrt(s, 'offload') ? 0x17becf : \
            (strstrt(s, 'eventloop') || strstrt(s, 'asyncio') || strstrt(s, 'uvloop')) ? 0x1f77b4 : \
            (strstrt(s, 'threadpool') || strstrt(s, 'python-threads')) ? 0xff7f0e : \
            (strstrt(s, 'multiprocess') || strstrt(s, 'python-processes')) ? 0x2ca02c : 0x9467bd
# Variants of a model (a bounded pool, a limit) keep its colour and change the dash and the point.
variant(s) = strstrt(s, 'default pool') || strstrt(s, '--workers L') || strstrt(s, '--workers 4')
# simul's models are solid lines (a variant dash-dot); the documents' own programs, P[i] = 1
# (the harness sets P beside S), are dashed, a variant told by its point, open points all.
sdash(i) = P[i] ? 2 : (variant(S[i]) ? 4 : 1)
mpoint(s) = strstrt(s, '--gil') ? 9 : strstrt(s, 'sequential') ? 5 : strstrt(s, 'offload') ? 8 : strstrt(s, 'eventloop') ? 7 : \
            strstrt(s, 'threadpool') ? (variant(s) ? 13 : 11) : strstrt(s, 'multiprocess') ? (variant(s) ? 4 : 15) : 6
ppoint(s) = strstrt(s, 'go-goroutines') ? 3 : strstrt(s, 'uvloop') ? 12 : strstrt(s, 'sequential') ? 4 : \
            strstrt(s, 'asyncio') ? 6 : strstrt(s, 'python-threads') ? (variant(s) ? 8 : 10) : \
            strstrt(s, 'python-processes') ? (variant(s) ? 1 : 14) : 2
spoint(i) = P[i] ? ppoint(S[i]) : mpoint(S[i])
# What a series is drawn by: hyperfine's time for simul's, the program's own wall time of the
# workload for a peer's (an interpreter's start-up is not the model's).
yv(i) = P[i] ? column('run_mean_s') : column('mean_s')
ysd(i) = P[i] ? column('run_sd_s') : column('sd_s')
# True on a measured row of series i (S is the array of series the vars file lists); has(i)
# also on a row that is only predicted (over the sweep's budget), for the prediction lines.
is(i) = strcol('status') eq 'ok' && strcol('series') eq S[i]
has(i) = (strcol('status') eq 'ok' || strcol('status') eq 'predicted') && strcol('series') eq S[i]
if (!exists('peernote')) peernote = ''
if (!exists('peerwho')) peerwho = ''
# With the documents' own programs drawn too, the key is long: it goes outside, on the right
# (the harness widens the canvas); two NaN plots titled peernote and peerwho explain the dashes.
keyout = peernote ne ''
KEYOUT = "set key outside right top Left reverse box samplen 3 font ',10' spacing 1.1"
if (!exists('P')) { array P[1]; P[1] = 0 }
qnote = (exists('note') && note ne '') ? "\n".note : ''
# A long series name on two lines under a bar: the model, then its options.
twoline(s) = strstrt(s, ' ') ? s[1:strstrt(s, ' ') - 1]."\n".s[strstrt(s, ' ') + 1:] : s
# A bar's label: on two lines, or, when the labels are slanted (keyout), on one.
barlabel(s) = keyout ? s : twoline(s)
