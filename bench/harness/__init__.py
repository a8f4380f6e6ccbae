# SPDX-License-Identifier: MIT
# harness: the bench pipeline's data side, called by bench.sh (standard library only).
"""The modules, in the order data flows through them:

  sweeps     reads bench/sweeps/*.sweep (claim, order, charts, hyperfine's settings, commands)
  plan       expands a sweep into commands with simul's predictions (raw/NAME.plan.json)
  join       hyperfine's JSON + simul's records -> NAME.csv, one row per command
  models     simul's own list of its models (`simul list --format json`), kept with the run
  results    a run folder read back (env.txt, plans, CSV rows) and how figures are written
  claims/    one module per claim: its words, document, thresholds, judge and chart values
  verdicts   each claim's verdict from its sweeps and its module's judge
  charts     gnuplot: the values a claim gives drawn by plots/<chart>.gp, or a placeholder
  timeline   traced runs drawn as stacked timelines
  documents  the documents cited, by author, title, year and place
  report     REPORT.md

Run as `python3 -m harness` with bench/ on PYTHONPATH (bench.sh does); see __main__.py.
"""
