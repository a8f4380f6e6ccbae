# SPDX-License-Identifier: MIT
# c11_scale.py: claim C11: an event loop holds many more concurrent tasks than threads or processes; no sweep names it yet, so the report marks it "not run".
ID = "C11"
TITLE = "scale: the largest task count each model completes"
QUOTE = "an event loop holds many more concurrent tasks than threads or processes"
SOURCE = "fowler-2022"
ALSO = ("masnun-2016",)
WORKLOAD = "scale"
HOLDS = "the largest task count each model completes on the machine, and its memory per task"
