# SPDX-License-Identifier: MIT
# _decision_map.py: claim C9's map from its sweep: each cell's times, winner and margin, the documents' rule, the crossovers.
"""A cell is one (CPU per task C, latency L, tasks N) of the mixed workload, with the time of
every series that ran there. Times are simul's own wall time of the run (set-up such as the
server's start and the calibration excluded, as they are the same for every model). Models are
grouped into the rule's families by what simul says they are, never by name."""
from dataclasses import dataclass, field

from ..results import mean
from ..util import fnum

FAST_MS = 10    # fast I/O: a latency of at most this (a LAN database); slower is slow I/O
FEW = 100       # few connections: at most this many at once; more is many
TIE = 0.10      # within this of the fastest counts as a win: the machine's noise is about that
FAMILIES = ("processes", "threads", "event loop")  # the rule's; sequential is the reference beside them


def family(ctx, row, cpu_bound=False):
    """The rule's family of a row's model. Where the work is CPU-bound, a loop that hands its
    blocking calls to a pool is the family of that pool, which runs the CPU work: asyncio with a
    ProcessPoolExecutor is processes there (its list says offload_to), simul's loops threads
    (libuv's pool); elsewhere it is the event loop that waits on the I/O."""
    p = ctx.models.props(row.get("model")) or {}
    if p.get("serial"):
        return "sequential"
    if cpu_bound and p.get("offload"):
        return p.get("offload_to", "threads")
    kind = p.get("workers_kind")
    return {"threads": "threads", "processes": "processes"}.get(kind, "event loop")


def time_of(r):
    t = fnum(r.get("run_mean_s"))
    return t if t else mean(r)


@dataclass
class Cell:
    cpu: float
    lat: float
    tasks: int
    times: dict = field(default_factory=dict)    # series -> seconds
    fam: dict = field(default_factory=dict)      # series -> family
    model: dict = field(default_factory=dict)    # series -> simul's model
    label: dict = field(default_factory=dict)    # series -> what it is, in a few words

    def ranked(self):
        return sorted(self.times, key=self.times.get)

    @property
    def winner(self):
        return self.ranked()[0]

    def best(self, fam):
        """The fastest series of a family here, or None."""
        xs = [x for x in self.ranked() if self.fam[x] == fam]
        return xs[0] if xs else None

    def rival(self, of=None):
        """The fastest series of another family than of's (the winner's): what the margin is over."""
        w = self.fam[of or self.winner]
        return next((x for x in self.ranked() if self.fam[x] != w and (of is None or self.fam[x] in FAMILIES)), None)

    def margin(self, of=None):
        r, w = self.rival(of), of or self.winner
        return self.times[r] / self.times[w] - 1 if r else None

    def concurrent(self):
        """The fastest series of the rule's families (sequential aside)."""
        return next((x for x in self.ranked() if self.fam[x] in FAMILIES), None)

    def runner_up(self):
        xs = self.ranked()
        return xs[1] if len(xs) > 1 else None

    def model_time(self, model):
        ts = [t for x, t in self.times.items() if self.model[x] == model]
        return min(ts) if ts else None

    def fam_time(self, fam):
        b = self.best(fam)
        return self.times[b] if b else None

    def concurrent_best(self):
        """The fastest time of the rule's families (sequential aside: with one task it ties
        everything, and the rule chooses between concurrent models)."""
        ts = [t for t in (self.fam_time(f) for f in FAMILIES) if t is not None]
        return min(ts) if ts else None


def label_of(ctx, row):
    """'threadpool: one per task', 'multiprocess: pool of 2', 'eventloop': the model and how
    many workers it had, from simul's own description."""
    role, m = ctx.models.role(row), row.get("model", "?")
    if role == "each" and ctx.models.flag(row, "pool"):
        return f"{m}: one per task"
    if role == "pool":
        return f"{m}: pool of {int(fnum(row.get('workers')))}"
    return m


def cells_of(s, ctx):
    """{(cpu, lat, tasks): Cell} over the sweep's ok rows."""
    out = {}
    for r in s.ok_rows():
        key = (fnum(r["p_cpu"]), fnum(r["p_latency"]), int(fnum(r["p_tasks"])))
        c = out.setdefault(key, Cell(*key))
        c.times[r["series"]] = time_of(r)
        c.fam[r["series"]] = family(ctx, r, rule(*key) == "processes")
        c.model[r["series"]] = r.get("model")
        c.label[r["series"]] = label_of(ctx, r)
    return out


def axes(cells):
    """The levels of each axis present: cpu, latency, tasks (sorted)."""
    return tuple(sorted({k[i] for k in cells}) for i in range(3))


def rule(cpu, lat, tasks):
    """Masnun's rule for a cell: the family it names, or None where it says nothing (fast I/O
    with many connections, slow I/O with few). CPU-bound: more CPU per task than waiting."""
    if cpu > 0 and cpu >= lat:
        return "processes"
    if lat <= FAST_MS and tasks <= FEW:
        return "threads"
    if lat > FAST_MS and tasks > FEW:
        return "event loop"
    return None


def held(cell):
    """The rule's family was the fastest of the concurrent ones here, or within TIE of it;
    None where it names none or none of its family ran."""
    want = rule(cell.cpu, cell.lat, cell.tasks)
    t = cell.fam_time(want) if want else None
    if t is None:
        return None
    return t <= (1 + TIE) * cell.concurrent_best()


def concurrent_winner(cell):
    """The family of the fastest concurrent model."""
    return min((f for f in FAMILIES if cell.fam_time(f) is not None), key=cell.fam_time)


def crossover(cells, cpu, lat, ahead, behind):
    """The smallest task count from which ahead(cell) < behind(cell) at every larger count of
    the grid at (cpu, lat); ahead and behind give a time or None. None if never; the
    counts compared, too."""
    ns = sorted(n for (c, l, n) in cells if c == cpu and l == lat)
    pairs = [(n, ahead(cells[(cpu, lat, n)]), behind(cells[(cpu, lat, n)])) for n in ns]
    pairs = [(n, a, b) for n, a, b in pairs if a is not None and b is not None]
    start = None
    for n, a, b in pairs:
        if a < b:
            start = n if start is None else start
        else:
            start = None
    return start, [n for n, _, _ in pairs]
