# SPDX-License-Identifier: MIT
# util.py: what every stage of the harness shares: paths, the one-line error, reading numbers and records, atomic writes.
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SWEEPS = os.path.join(ROOT, "bench", "sweeps")
PLOTS = os.path.join(ROOT, "plots")


def die(msg, code=1):
    # One line, whatever the message quotes: a control character from a file (a stray \v or
    # \r, which end lines too) is shown escaped.
    msg = "".join(c if c.isprintable() else repr(c)[1:-1] for c in msg)
    print("simul bench: " + msg, file=sys.stderr)
    sys.exit(code)


def simul_bin():
    return os.environ.get("SIMUL") or os.path.join(ROOT, "build", "simul")


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def first_line_of(path):
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return first_line(f.read())


def fnum(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def read_jsonl(path):
    """simul's records, one JSON object a line; a torn line (a run killed mid-write) is skipped."""
    recs = []
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        recs.append(json.loads(line))
                    except ValueError:
                        pass
    return recs


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_atomic(path, text):
    """Write beside, then rename: a full disk leaves the old file or none, never half of one."""
    with open(path + ".tmp", "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
