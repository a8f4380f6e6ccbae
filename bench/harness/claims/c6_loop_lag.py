# SPDX-License-Identifier: MIT
# c6_loop_lag.py: claim C6: code that does not yield blocks the loop, an executor keeps it responsive; no sweep names it yet, so the report marks it "not run".
ID = "C6"
TITLE = "blocking the loop for more than 100 ms stalls every task; an executor keeps it responsive"
QUOTE = "code that does not yield blocks every other task on the loop"
SOURCE = "vexs-2021"
WORKLOAD = "loop lag"
HOLDS = "lag of a ticking task ≈ length of the blocking call on the loop; ≈ 0 when offloaded to the pool"
