# SPDX-License-Identifier: MIT
# timeline_side.gp: stacks the per-model timelines that plots/timeline.gp drew into one chart, one panel a model.
# The harness (bench/harness/timeline.py) sets the terminal (PNG, as tall as the panels) and PANEL[1..NP], the panels' PNG files.
set multiplot layout NP, 1 margins 0, 1, 0, 0.95 spacing 0, 0 \
    title "C4 timeline: the same 6-table, 4-pair exhibition under each model, each panel on its own time axis".qnote font ',14'
unset border; unset tics; unset key; unset grid
unset title; unset xlabel; unset ylabel; unset y2label
set size ratio -1
do for [i=1:NP] {
  plot PANEL[i] binary filetype=png with rgbimage notitle
}
unset multiplot
