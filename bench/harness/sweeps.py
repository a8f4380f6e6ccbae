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
  run {model: WORDS} SUFFIX | ... | ... --model {model} ...
                   the same line once for every model with all these capabilities (the words
                   of `simul list --format json`'s "caps": serial, concurrent, per-task,
                   parallel, pool, threads, processes, gil, coroutines, offload, callbacks;
                   !WORD: without it) that runs the line's workload, in simul's order; the
                   series is the model's name then SUFFIX, and {model} in the arguments is
                   that name. With per-task, a pool runs a thread or process per task: its
                   name is followed by ' --workers 0' (the series 'threadpool --workers 0').
                   predict, exec (its PREDICT ARGS) and peer lines select the same way, a peer
                   line from its program's own list (`PROGRAM list --format json`)
  predict SERIES | ... | ARGS           the same, only `simul predict` (a figure, not run)
  exec SERIES | ... | [ARGS] | COMMAND  any other program that prints simul's JSON record, one
                   a run, on stdout, run by sh; ARGS, if given, are `simul predict`'s
                   for the same work (the figure drawn beside it); COMMAND may hold pipes,
                   and {root} stands for the repository's root
  peer SERIES | ... | PROGRAM ARGS      one of the documents' own programs (bench/peers/;
                   PROGRAM: python, go, node or tokio, see harness/peers.py): `PROGRAM predict ARGS` while
                   planning (its own figure; a peer that cannot run here is skipped with a
                   line saying what to install), `PROGRAM run ARGS --format json` measured
  budget S         a command whose prediction is over S seconds a run is not run: its row is
                   the prediction alone (status predicted), so a series stops where it would
                   take too long and the chart draws what it would have taken
  time-budget S    the whole sweep's seconds (its runs, as the plan estimates them): over it,
                   the costliest points lose their repetitions first (one run each: a long
                   run is the least noisy), then, costliest first, are not run at all (status
                   predicted, the prediction drawn in their place); the plan says which
  judged p=v1,v2   the points the claim's verdict is judged at (every command whose parameter
                   p is one of the values; several p=... all hold): under the time-budget they
                   keep their repetitions while any other point can give its up, and are the
                   last to be predicted
  expect S         a run takes at least S seconds whatever its prediction says (a cost the
                   prediction leaves out): the plan's time estimate counts S, and each run's
                   watchdog allows 4·S + 10 s at least
  quick ...        the same directives for `--quick`; any `quick run|predict|exec|peer`
                   replaces every default one (claim, order and charts have no quick form)
  full ...         the same for `--full` (`make bench-map`): a sweep too long for the default
                   run keeps its whole grid here, and its default lines are a reduced one
"""
import os
import re
from dataclasses import dataclass, field

from .peers import PROGRAMS
from .util import SWEEPS, die, fnum

COMMAND_KINDS = ("run", "predict", "exec", "peer")
SETTINGS = ("warmup", "runs", "rounds", "watchdog")
NO_ORDER = 1 << 30


@dataclass
class Line:
    kind: str            # run, predict or exec
    series: str
    params: list         # [(name, [values])], the first outermost
    args: str            # simul's arguments (run, predict), the command (exec), the peer's (peer)
    predict: str = ""    # exec only: simul predict's arguments for the same work
    program: str = ""    # peer only: the key of harness.peers.PROGRAMS
    select: tuple = ()   # (placeholder, prefix, suffix, [words]): a line per model with the words (expand_models)


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
    budget: float = 0.0  # seconds a run; 0: none
    time_budget: float = 0.0  # seconds the whole sweep; 0: none
    expect: float = 0.0  # seconds a run takes at least, whatever its prediction
    watchdog: int = 20  # seconds a run may take at least before it is killed
    stops: bool = False
    judged: list = field(default_factory=list)  # [(parameter, [values])]: the points a verdict needs repeated
    lines: list = field(default_factory=list)


def _whole(text):
    """0-9 only: str.isdigit() also takes '²', which int() refuses."""
    return text.isascii() and text.isdigit()


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
        # An empty name or value would reach simul as a missing argument ('--tasks --ms').
        if not name or "" in vals.split(","):
            die(f"{where}: parameter '{item}' has an empty {'name' if not name else 'value'}: "
                f"write name=v1,v2 with no empty item: fix the sweep file", 2)
        params.append((name, vals.split(",")))
    if key == "exec":
        return Line(key, parts[0], params, parts[3], parts[2])
    if key == "peer":
        prog, _, args = parts[2].partition(" ")
        if prog not in PROGRAMS or not args.strip():
            die(f"{where}: 'peer' wants 'SERIES | p=a,b ... | PROGRAM ARGS' with PROGRAM one of "
                f"{', '.join(PROGRAMS)}, not '{prog}': fix the sweep file", 2)
        return _selector(Line("exec", parts[0], params, args.strip(), program=prog), where)
    return _selector(Line(key, parts[0], params, parts[2]), where)


SELECT = re.compile(r"^(?P<pre>[^{}]*)\{(?P<name>[a-z_]+):(?P<words>[^{}]*)\}(?P<post>[^{}]*)$")
WORD = re.compile(r"^!?[a-z][a-z-]*$")


def _selector(line, where):
    """A series '{model: WORDS} SUFFIX' kept as line.select for expand_models; the form checked here."""
    if "{" not in line.series:
        return line
    m = SELECT.match(line.series)
    words = m.group("words").split() if m else []
    if not m or not words or not all(WORD.match(w) for w in words):
        die(f"{where}: series '{line.series}' wants '{{model: WORD ...}} SUFFIX' (capability words, "
            f"!WORD for without): fix the sweep file", 2)
    name = m.group("name")
    if name in (p for p, _ in line.params) or "{" + name + "}" not in line.args + line.predict:
        die(f"{where}: '{{{name}}}' must appear in the line's arguments and not be a parameter: fix the sweep file", 2)
    line.select = (name, m.group("pre"), m.group("post"), words)
    return line


def _directive(spec, fast, key, rest, where):
    """One directive into the spec (or, for quick ones, into fast)."""
    target = fast if fast is not None else spec.__dict__
    if key in SETTINGS:
        if not _whole(rest) or (key != "warmup" and int(rest) < 1):
            die(f"{where}: {key} '{rest}' must be a whole number (runs, rounds, watchdog >= 1): fix the sweep file", 2)
        target[key] = int(rest)
    elif key in ("budget", "expect", "time-budget"):
        if not 0 < (fnum(rest) or 0) < 1e9:
            die(f"{where}: {key} '{rest}' must be a number of seconds above 0: fix the sweep file", 2)
        target[key.replace("-", "_")] = fnum(rest)
    elif key in COMMAND_KINDS:
        target.setdefault("lines", []).append(_command(key, rest, where))
    elif key == "judged":
        pairs = [item.split("=", 1) for item in rest.split()]
        if not pairs or any(len(p) != 2 or not p[0] or "" in p[1].split(",") for p in pairs):
            die(f"{where}: 'judged {rest}' wants p=v1,v2 (a parameter of the sweep's lines and its "
                f"values): fix the sweep file", 2)
        target["judged"] = [(name, vals.split(",")) for name, vals in pairs]
    elif key in ("claim", "order", "charts", "stops") and fast is not None:
        die(f"{where}: '{key}' has no quick or full form (every tier checks the same claim, in the "
            f"same place, with the same charts): drop the prefix", 2)
    elif key == "claim":
        spec.claim = rest
    elif key == "order":
        if not _whole(rest):
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
            f"watchdog, budget, time-budget, judged, expect, run, predict, exec, peer, quick, full", 2)


def parse(path, quick=False, full=False):
    """The directives of one sweep file; the quick ones replace the default ones under --quick,
    the full ones under --full."""
    spec = Spec(os.path.basename(path)[:-len(".sweep")], path)
    fast, whole = {}, {}
    spec.lines = []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.readlines()
    except UnicodeDecodeError as e:
        die(f"{path}: byte {e.start} is not UTF-8 ({e.reason}): fix the sweep file", 2)
    for lineno, raw in enumerate(text, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split(None, 1)
        where = f"{path}:{lineno}"
        target = None
        if words[0] in ("quick", "full"):
            if len(words) < 2:
                die(f"{where}: '{words[0]}' needs a directive after it: fix the sweep file", 2)
            target = fast if words[0] == "quick" else whole
            words = words[1].split(None, 1)
        _directive(spec, target, words[0], words[1] if len(words) > 1 else "", where)
    if not spec.claim:
        die(f"{path}: no 'claim' line: fix the sweep file", 2)
    tier = fast if quick else whole if full else {}
    for key, value in tier.items():
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


def _spelling(model, words):
    """How a selected model is named in its series and its --model argument: with per-task, a
    pool is given a worker per task."""
    return model["name"] + (" --workers 0" if "per-task" in words and model.get("pool") else "")


def _workload(line):
    """The workload a line runs: the first word of simul's (or the peer's) arguments."""
    text = line.predict if line.kind == "exec" and not line.program else line.args
    return (text.split() or [""])[0]


def expand_models(spec, simul_list, peer_lists=None):
    """The spec with every '{model: WORDS}' line replaced by one line per model that has every
    word (and none of the !words) and runs the line's workload, in the list's order. simul_list:
    `simul list --format json`; peer_lists: {program: its list's models} (harness.peers.ask_lists),
    a program absent from it keeps its line as written (the plan skips it, saying what to install)."""
    lines = []
    for line in spec.lines:
        if not line.select:
            lines.append(line)
            continue
        name, pre, post, words = line.select
        if line.program:
            listed = (peer_lists or {}).get(line.program)
            if listed is None:
                lines.append(line)
                continue
        else:
            listed = simul_list.get("models", [])
        known = {w for m in listed for w in m.get("caps", [])}
        bad = [w for w in words if w.lstrip("!") not in known]
        if bad and listed:
            die(f"{spec.path}: '{bad[0]}' is no capability of any model listed ({', '.join(sorted(known))}): "
                f"fix the sweep file", 2)
        for m in listed:
            caps = set(m.get("caps", []))
            if not all((w[1:] not in caps) if w.startswith("!") else (w in caps) for w in words):
                continue
            if "workloads" in m and _workload(line) not in m["workloads"]:
                continue
            spelled = _spelling(m, words)
            put = lambda text: text.replace("{" + name + "}", spelled)  # noqa: E731
            lines.append(Line(line.kind, pre + spelled + post, line.params, put(line.args), put(line.predict),
                              line.program))
    spec.lines = lines
    return spec
