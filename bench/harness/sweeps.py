# SPDX-License-Identifier: MIT
# sweeps.py: reading bench/sweeps/*.sweep: the claim each checks, its order, its charts, hyperfine's settings, its commands.
"""The sweep file format (every directive on its own line, '#' starts a comment):

  claim C..        the claim the sweep checks (a module in bench/harness/claims/ has that ID)
  order N          where the sweep runs, and its charts appear, among the others (smallest
                   first; a sweep without an order runs after those with one, by name)
  charts A B       charts drawn from this sweep's CSV: plots/A.gp, plots/B.gp, with the
                   values the claim module's CHARTS["A"] gives
  warmup W, runs R, rounds K   hyperfine's --warmup and --runs; K rounds repeat the whole
                   list so every command is measured early and late (the CPU speed drifts)
  watchdog S       a run taking longer than max(S, 4 x its prediction + 10 s) is killed
                   (default S = 20)
  stops expected   a command that fails is a model reaching its limit, the finding of a
                   sweep that goes as far as each model can: its row is 'stopped', with the
                   first error line, and does not fail the claim (its module judges it)
  run SERIES | p=v1,v2 q=w1,w2 | ARGS   the product of the lists, one command each:
                   `simul run ARGS --format json` with {p} replaced; {trace} is a trace path
  predict SERIES | ... | ARGS           the same, only `simul predict` (a figure, not run)
  exec SERIES | ... | [ARGS] | COMMAND  any other program that prints simul's JSON record, one
                   a run, on stdout (a peer), run by sh; ARGS, if given, are `simul predict`'s
                   for the same work (the figure drawn beside it); COMMAND may hold pipes,
                   and {root} stands for the repository's root
  quick ...        the same directives for `--quick`; any `quick run|predict|exec` replaces
                   every full one (claim, order and charts have no quick form)
"""
import os
from dataclasses import dataclass, field

from .util import SWEEPS, die

COMMAND_KINDS = ("run", "predict", "exec")
SETTINGS = ("warmup", "runs", "rounds", "watchdog")
NO_ORDER = 1 << 30


@dataclass
class Line:
    kind: str            # run, predict or exec
    series: str
    params: list         # [(name, [values])], the first outermost
    args: str            # simul's arguments (run, predict) or the command (exec)
    predict: str = ""    # exec only: simul predict's arguments for the same work


@dataclass
class Spec:
    name: str
    path: str
    claim: str = ""
    order: int = NO_ORDER
    charts: list = field(default_factory=list)
    warmup: int = 1
    runs: int = 3
    rounds: int = 1
    watchdog: int = 20
    stops: bool = False
    lines: list = field(default_factory=list)


def _command(key, rest, where):
    # exec's command comes last and may hold pipes of its own: split only at the first three.
    parts = [p.strip() for p in (rest.split("|", 3) if key == "exec" else rest.split("|"))]
    want = 4 if key == "exec" else 3
    if len(parts) != want or not parts[0] or not parts[-1]:
        shape = "SERIES | p=a,b ... | [PREDICT ARGS] | COMMAND" if key == "exec" else "SERIES | p=a,b ... | ARGS"
        die(f"{where}: '{key}' wants '{shape}': fix the sweep file", 2)
    params = []
    for item in parts[1].split():
        if "=" not in item:
            die(f"{where}: parameter '{item}' wants name=v1,v2: fix the sweep file", 2)
        name, vals = item.split("=", 1)
        params.append((name, vals.split(",")))
    if key == "exec":
        return Line(key, parts[0], params, parts[3], parts[2])
    return Line(key, parts[0], params, parts[2])


def _directive(spec, fast, key, rest, where):
    """One directive into the spec (or, for quick ones, into fast)."""
    target = fast if fast is not None else spec.__dict__
    if key in SETTINGS:
        if not rest.isdigit() or (key != "warmup" and int(rest) < 1):
            die(f"{where}: {key} '{rest}' must be a whole number (runs, rounds, watchdog >= 1): fix the sweep file", 2)
        target[key] = int(rest)
    elif key in COMMAND_KINDS:
        target.setdefault("lines", []).append(_command(key, rest, where))
    elif key in ("claim", "order", "charts", "stops") and fast is not None:
        die(f"{where}: '{key}' has no quick form (a quick run checks the same claim, in the same "
            f"place, with the same charts): drop the 'quick'", 2)
    elif key == "claim":
        spec.claim = rest
    elif key == "order":
        if not rest.isdigit():
            die(f"{where}: order '{rest}' must be a whole number: fix the sweep file", 2)
        spec.order = int(rest)
    elif key == "charts":
        spec.charts = rest.split()
    elif key == "stops":
        if rest != "expected":
            die(f"{where}: 'stops {rest}': the directive is 'stops expected': fix the sweep file", 2)
        spec.stops = True
    else:
        die(f"{where}: unknown directive '{key}': use claim, order, charts, stops, warmup, runs, rounds, "
            f"watchdog, run, predict, exec, quick", 2)


def parse(path, quick=False):
    """The directives of one sweep file; the quick ones replace the full ones under --quick."""
    spec = Spec(os.path.basename(path)[:-len(".sweep")], path)
    full_lines, fast = [], {}
    spec.lines = full_lines
    with open(path, encoding="utf-8") as f:
        text = f.readlines()
    for lineno, raw in enumerate(text, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split(None, 1)
        where = f"{path}:{lineno}"
        target = None
        if words[0] == "quick":
            if len(words) < 2:
                die(f"{where}: 'quick' needs a directive after it: fix the sweep file", 2)
            words = words[1].split(None, 1)
            target = fast
        _directive(spec, target, words[0], words[1] if len(words) > 1 else "", where)
    if not spec.claim:
        die(f"{path}: no 'claim' line: fix the sweep file", 2)
    if quick:
        for key, value in fast.items():
            if key != "lines" or value:
                setattr(spec, key, value)
    return spec


def all_specs():
    """Every sweep file, in the order they run: their `order`, then their names."""
    names = [f for f in os.listdir(SWEEPS) if f.endswith(".sweep")]
    specs = [parse(os.path.join(SWEEPS, f)) for f in names]
    return sorted(specs, key=lambda s: (s.order, s.name))


def product(params):
    """Every combination of the parameter lists, the first list outermost (as hyperfine's -L)."""
    combos = [{}]
    for name, vals in params:
        combos = [dict(c, **{name: v}) for c in combos for v in vals]
    return combos
