# SPDX-License-Identifier: MIT
# c7_spawn.py: claim C7: processes cost more to create than threads, threads more than coroutines; no sweep names it yet, so the report marks it "not run".
ID = "C7"
TITLE = "creation cost: process > thread > coroutine"
QUOTE = "processes are expensive to create, threads cheaper, coroutines cheapest"
SOURCE = "masnun-2016"
WORKLOAD = "spawn cost"
HOLDS = "per-task creation cost: process > thread > coroutine, each by a clear factor"
