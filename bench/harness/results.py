# SPDX-License-Identifier: MIT
# results.py: a run folder read back: its environment, each sweep's plan and CSV rows, and how figures are written.
import copy
import csv
import io
import os

from .util import fnum, read_json


class Sweep:
    """One sweep of a run: its plan (commands, predictions) and its CSV rows (as strings)."""

    def __init__(self, run_dir, name):
        self.name = name
        self.run_dir = run_dir
        self.plan = read_json(os.path.join(run_dir, "raw", f"{name}.plan.json"))
        p = os.path.join(run_dir, f"{name}.csv")
        self.joined = os.path.exists(p)
        self.rows = []
        self.cut = ""
        if self.joined:
            with open(p, newline="") as f:
                text = f.read()
            self.rows = list(csv.DictReader(io.StringIO(text)))
            short = next((i for i, r in enumerate(self.rows) if None in r.values() or None in r), None)
            if (text and not text.endswith("\n")) or short is not None:
                # A run killed while writing, or a full disk: the last row's figures would be wrong.
                self.cut = (f"{name}.csv is cut short (at its row {len(self.rows) if short is None else short + 1}): "
                            f"the run was interrupted or the disk was full; run the sweep again")

    def ok_rows(self):
        if self.cut:
            raise ValueError(self.cut)
        return [r for r in self.rows if r["status"] == "ok"]

    def series(self):
        """The series with a measured point, in the sweep file's order."""
        out = []
        for r in self.ok_rows():
            if r["series"] not in out:
                out.append(r["series"])
        return out

    def get(self, series, **params):
        for r in self.rows:
            if r["series"] == series and all(r.get("p_" + k) == str(v) for k, v in params.items()):
                return r
        return None

    def ok(self, series, **params):
        r = self.get(series, **params)
        return r if r and r["status"] == "ok" else None

    def failures(self):
        return [r for r in self.rows if r["status"] == "failed"]

    def command(self, row):
        return self.plan["commands"][int(row["idx"])]

    def peer_of(self, row):
        """The peer program a row's command ran ('python', 'go'), '' for simul."""
        return self.command(row).get("program", "")

    def only(self, peer):
        """The same sweep with only simul's rows (peer=''), or only one peer program's rows
        (peer='python'), or every peer's (peer='*'): what a claim judges apart."""
        view = copy.copy(self)
        view.rows = [r for r in self.rows if (self.peer_of(r) != "" if peer == "*" else self.peer_of(r) == peer)]
        return view

    def skipped(self):
        """{the line saying what to install: [the series it skipped]}, from the plan."""
        out = {}
        for c in self.plan["commands"]:
            if c.get("skipped") and c["series"] not in out.setdefault(c["skipped"], []):
                out[c["skipped"]].append(c["series"])
        return out

    def trace(self, row_or_command):
        """The trace a command wrote, looked up in this run folder (the plan holds the path the
        run had, which is elsewhere once the folder is moved); '' if it has none."""
        c = row_or_command if "kind" in row_or_command else self.command(row_or_command)
        if not c.get("trace"):
            return ""
        p = os.path.join(self.run_dir, "raw", os.path.basename(c["trace"]))
        return p if os.path.exists(p) else ""


def read_env(run_dir):
    env = {}
    p = os.path.join(run_dir, "env.txt")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                if ":" in line:
                    k, v = line.split(":", 1)
                    env[k.strip()] = v.strip()
    return env


def load(run_dir, names):
    """The sweeps of a run that were planned, by name, in the given order."""
    return {n: Sweep(run_dir, n) for n in names
            if os.path.exists(os.path.join(run_dir, "raw", f"{n}.plan.json"))}


# ---- How figures are written in the report -----------------------------------------------

def mean_sd(r, key="mean_s", sd="sd_s"):
    """A row's mean ± sd, printed in seconds ('x.xxx ± y.yyy s'); a single run says so instead of a zero sd."""
    if int(fnum(r.get("runs_ok")) or 0) <= 1:
        return f"{fnum(r[key]):.3f} s (1 run)"
    return f"{fnum(r[key]):.3f} ± {fnum(r[sd]):.3f} s"


def span(lo, hi):
    """'a to b s', or 'a s' when both print the same."""
    a, b = f"{lo:.3f}", f"{hi:.3f}"
    return f"{a} s" if a == b else f"{a} to {b} s"


def secs(x):
    return f"{x:.3f} s" if x < 100 else f"{x:.0f} s"


def near(x, want, rel, abs_s):
    return abs(x - want) <= rel * want + abs_s


def mean(r):
    return fnum(r["mean_s"])
