# SPDX-License-Identifier: MIT
# placeholder.gp: the chart of a claim that has no measured point: says what is missing instead of drawing.
unset border; unset tics; unset key; unset grid
set title what.': nothing measured'.qnote font ',16'
set label 1 why at graph 0.5, 0.55 center font ',13' tc rgb '#aa0000'
set label 2 'The report marks this claim "failed" or "not run"; no figure is drawn that was not measured.' \
    at graph 0.5, 0.40 center font ',11' tc rgb '#555555'
set xrange [0:1]; set yrange [0:1]
plot NaN notitle
