# SPDX-License-Identifier: MIT
# c8_switch.py: claim C8: switching between waiting threads costs time an event loop avoids; no sweep names it yet, so the report marks it "not run".
ID = "C8"
TITLE = "switch cost: process > thread > coroutine"
QUOTE = "switching between waiting threads costs time the event loop avoids"
SOURCE = "masnun-2016"
WORKLOAD = "switch cost"
HOLDS = "per-switch cost: process > thread > coroutine"
