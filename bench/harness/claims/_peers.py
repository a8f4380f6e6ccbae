# SPDX-License-Identifier: MIT
# _peers.py: what every claim module shares about the peers: their times, their lines in the report, their views.
"""A peer's figure is its own wall time of the workload (its record's wall_s, run_mean_s in the
CSV): interpreter start-up, imports and set-up (a server, a calibration, a pool's start) are
outside it, as simul's set-up is outside simul's. hyperfine's time of a peer's process adds
them, 0.1 to 0.3 s for CPython, which would swamp a 50 ms sleep."""
from ..results import mean, mean_sd
from ..util import fnum

# The report's words for each peer program's line.
LEAD = {"python": "In the documents' Python, here", "go": "In Go, here", "node": "In Node.js, here",
        "tokio": "In Rust tokio, here"}


def wall(r):
    return fnum(r["run_mean_s"])


def timed(s, r):
    """The time a row is judged and drawn by: hyperfine's for simul's rows, the program's own for a peer's."""
    return wall(r) if s.peer_of(r) else mean(r)


def timed_ms(s, r):
    return mean_sd(r, "run_mean_s", "run_sd_s") + " (own)" if s.peer_of(r) else mean_sd(r)


def spread(s, r):
    """hyperfine's fastest … slowest run, for simul's rows; a peer's would be its start-up's."""
    return "—" if s.peer_of(r) else f"{fnum(r['min_s']):.3f} … {fnum(r['max_s']):.3f}"


def views(s):
    """[(program key, the sweep with that program's rows only)] for the programs with an ok row."""
    keys = []
    for r in s.ok_rows():
        k = s.peer_of(r)
        if k and k not in keys:
            keys.append(k)
    return [(k, s.only(k)) for k in keys]


def state_of(checks):
    """A peer line's verdict from its checks, each (text, True | False | None), None being
    undecided (uncertainty.py): as verdicts.py decides a claim's."""
    if not checks:
        return "nothing to judge"
    if any(ok is False for _, ok in checks):
        return "does not hold"
    return "undecided" if any(ok is None for _, ok in checks) else "holds"


def verdict(checks):
    """The clause that ends a peer's line: whether the claim held for it, and if not, where."""
    st = state_of(checks)
    if st == "does not hold":
        return "it does not hold there (" + "; ".join(name for name, ok in checks if ok is False) + ")"
    if st == "undecided":
        return "undecided there, within the runs' noise (" + "; ".join(name for name, ok in checks if ok is None) + ")"
    return "the claim holds there" if st == "holds" else st


class Line(str):
    """A peer's line in the report, which keeps its checks: the interval judge (uncertainty.py)
    re-judges them on the same resamples as the claim's own and re-words the line (judged());
    on a busy machine a failing line is undecided, as a claim's is (verdicts.py, busy())."""

    def __new__(cls, key, lead, text, checks, busy=""):
        st = state_of(checks)
        end = verdict(checks)
        if busy and st == "does not hold":
            st, end = "undecided", (f"undecided there: {'; '.join(n for n, ok in checks if ok is False)} failed, "
                                    f"but {busy}")
        self = super().__new__(cls, f"**{lead}:** {text}; {end}.")
        self.key, self.lead, self.text, self.checks, self.busy_why = key, lead, text, list(checks), busy
        self.state = st
        return self

    def judged(self, checks):
        """The same line with its checks as the resamples decided them ((text, True | False | None))."""
        return Line(self.key, self.lead, self.text, checks, self.busy_why)

    def busy(self, why):
        """The same line on a machine busy for the reason why."""
        return Line(self.key, self.lead, self.text, self.checks, why)

    def __reduce__(self):  # copied or pickled whole, not as the bare text
        return Line, (self.key, self.lead, self.text, self.checks, self.busy_why)


def line(ctx, key, text, checks):
    runtime = ctx.models.runtime(key)
    lead = LEAD.get(key, f"In {key}, here") + (f" ({runtime})" if runtime else "")
    return Line(key, lead, text, checks)


NOTE = ("Rows of the documents' own programs (python-…, go-…) show the program's own wall time of the "
        "workload, marked (own): interpreter start-up and set-up are outside it.")
