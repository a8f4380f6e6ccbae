# SPDX-License-Identifier: MIT
# _runs.py: a point's runs one by one, for the judges that take the least of them (C4's clones, C7, C8).
import os

from ..uncertainty import RECS
from ..util import fnum, read_jsonl


def records(s, row):
    """The point's runs' records: a resample's own (uncertainty.py), else raw/NAME.IDX.jsonl."""
    if RECS in row:
        return row[RECS]
    return read_jsonl(os.path.join(s.run_dir, "raw", f"{s.name}.{row['idx']}.jsonl"))


def least(s, row, key, default=None):
    """The least of a point's records for key: other programs on this shared machine, and a
    vCPU's slow spells, only ever add to a cost, so the least run is the one they disturbed
    least. Without records (a resample of a point measured once), the row's key, or default."""
    vals = [fnum(r.get(key)) for r in records(s, row) if fnum(r.get(key)) is not None]
    return min(vals) if vals else fnum(row.get(default or key))


def with_fastest(s, rows):
    """Copies of rows with run_min_s, the fastest of their runs by simul's own clock (run_mean_s
    where the runs are not at hand)."""
    return [dict(r, run_min_s="%.6g" % least(s, r, "wall_s", "run_mean_s")) for r in rows]
