# SPDX-License-Identifier: MIT
# common.gp: what every chart shares: CSV input, one colour per model, grid, key; loaded before each script.
# The harness (bench/harness/charts.py) sets the terminal and output, then loads the chart's .vars.gp, then this.
set datafile separator ','
set datafile columnheaders
set grid xtics ytics mxtics mytics lc rgb '#e4e4e4' lw 1, lc rgb '#f2f2f2' lw 1
set border lw 1.2
set key outside right top Left reverse samplen 3 spacing 1.15 box lc rgb '#cccccc'
set tmargin 4.5
# Colours and markers come from what each model declares, never from its name: the harness
# writes LOOK, '|NAME=FAMILY RANK VARIANT PROGRAM|...', for every series and model of the run
# (bench/harness/charts.py, looks). A name not in it is looked up by its first word (a series
# begins with its model's name). FAMILY: the model's family, or 'gil' for a run under --gil
# (red, the odd one); RANK: 0 for the first model of its family, 1 for the next (a new model of
# a family keeps its colour and gets its own marker and dash); VARIANT: 1 for a bounded pool.
if (!exists('LOOK')) LOOK = '|'
lkey(s) = strstrt(LOOK, '|'.s.'=') ? s : word(s, 1)
lrest(s) = LOOK[strstrt(LOOK, '|'.lkey(s).'=') + strlen(lkey(s)) + 2:]
look(s) = strstrt(LOOK, '|'.lkey(s).'=') ? lrest(s)[1:strstrt(lrest(s), '|') - 1] : 'other 0 0 -'
fam(s) = word(look(s), 1)
frank(s) = int(word(look(s), 2))
variant(s) = int(word(look(s), 3))
fprog(s) = word(look(s), 4)
# One colour per family; the documents' programs share their family's (python-threads as
# threadpool, the asyncio and uvloop loops as eventloop); Go's goroutines, which no C model
# is, have their own brown.
fcolor(f) = f eq 'gil' ? 0xd62728 : f eq 'sequential' ? 0x333333 : f eq 'threads' ? 0xff7f0e : \
            f eq 'processes' ? 0x2ca02c : f eq 'loop' ? 0x1f77b4 : f eq 'loop-offload' ? 0x17becf : \
            f eq 'loop-callbacks' ? 0x9467bd : f eq 'goroutines' ? 0x8c564b : 0x7f7f7f
mcolor(s) = fcolor(fam(s))
# simul's models are solid lines (a bounded pool dash-dot, a second model of a family dotted-dash);
# the documents' own programs, P[i] = 1 (the harness sets P beside S), are dashed, open points all.
sdash(i) = P[i] ? 2 : (variant(S[i]) ? 4 : (frank(S[i]) > 0 ? 5 : 1))
# A marker per family (filled for simul's, open for the peers'), moved on for a model's rank.
fpoint(f, v) = f eq 'gil' ? 9 : f eq 'sequential' ? 5 : f eq 'loop-offload' ? 8 : f eq 'loop' ? 7 : \
               f eq 'loop-callbacks' ? 9 : f eq 'threads' ? (v ? 13 : 11) : f eq 'processes' ? (v ? 4 : 15) : 6
opoint(f, v) = f eq 'goroutines' ? 3 : f eq 'sequential' ? 4 : f eq 'loop' ? 6 : \
               f eq 'threads' ? (v ? 8 : 10) : f eq 'processes' ? (v ? 1 : 14) : 2
mpoint(s) = (fpoint(fam(s), variant(s)) - 1 + 2 * frank(s)) % 15 + 1
ppoint(s) = (opoint(fam(s), variant(s)) - 1 + 6 * frank(s)) % 15 + 1
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
