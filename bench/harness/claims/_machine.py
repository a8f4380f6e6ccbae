# SPDX-License-Identifier: MIT
# _machine.py: the machine's own parallelism, measured in a sweep's rounds beside the models (bench/harness/pair.py).
"""A pair row is two sequential programs run at once (record field copies = 2): not a model, a
baseline. What it shows is how much two busy programs get from this machine's cores, which on a
shared host is less than the cores' count, and changes from minute to minute: the claims that
need every core (C4's clones, C5's speed-ups) are judged against it, measured in the same run."""
from ..util import fnum


def is_pair(r):
    return (fnum(r.get("copies")) or 0) > 1


def models_only(rows):
    return [r for r in rows if not is_pair(r)]


def parallel_x(rows, cores):
    """A pair row's own ratio (pair.py --solo: one copy alone, then two at once), at most the
    cores; None without one."""
    p = next((r for r in rows if is_pair(r) and fnum(r.get("parallel_x"))), None)
    return min(fnum(p["parallel_x"]), float(cores)) if p else None
