# SPDX-License-Identifier: MIT
# c9_decision.py: claim C9: the documents' rule for choosing a model, set against the measured winner; no sweep names it yet, so the report marks it "not run".
ID = "C9"
TITLE = "the decision map"
QUOTE = "CPU-bound → processes; fast I/O, few connections → threads; slow I/O, many → event loop"
SOURCE = "masnun-2016"
WORKLOAD = "decision map"
HOLDS = "the measured winner per cell of a (I/O latency × connections × CPU share) grid, set against the rule"
