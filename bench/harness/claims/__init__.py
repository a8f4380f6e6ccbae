# SPDX-License-Identifier: MIT
# claims/: one module per claim of the documents; this file finds them and says what each must define.
"""A claim is a module of this package whose name does not start with '_'. No list names
them: adding a claim is adding its module (with a sweep file that says `claim ID` and a
gnuplot script per chart). Every claim module defines:

  ID        'C1': unique; the report orders claims by its number
  TITLE     the claim in one line, as the report's table states it
  QUOTE     the document's own words
  SOURCE    the document quoted: a key of harness.documents.DOCUMENTS
  WORKLOAD  what it runs (the claims table's column); until a sweep names the claim, the
            report marks it "not run" and says this workload is still to be written
  HOLDS     what "holds" means, in words
  ALSO      (optional) other documents that make the same claim, as keys
  NEEDS     (optional) the sweeps its judge cannot do without, when not every sweep naming
            it must be selected for a verdict (default: every one)

and, once a sweep file names it:

  judge(sweeps, ctx) -> Judgement
            sweeps: {name: harness.results.Sweep}, every sweep naming this claim, each joined
            (a failed command's row has status 'failed' and no figures: judge the ok rows; the
            harness marks the claim failed whatever the checks say);
            ctx: harness.context.Context (the run's env, cores and the models, simul's
            and the peers'); sweep.only('') is simul's rows alone, sweep.only('python')
            the documents' Python's: the checks judge simul's models, and Judgement.peers
            says, in a line per language, whether the claim holds for the peers too
  CHARTS    {chart: function(sweep, ctx)} for every chart its sweeps' `charts` lines name;
            the function returns the variables plots/<chart>.gp reads (a dict), a
            harness.charts.Plot (another script, size or format), or None when there is no
            point to draw (the harness draws a placeholder saying so)
"""
import importlib
import os
import pkgutil
import re
from dataclasses import dataclass, field

from ..documents import DOCUMENTS
from ..util import die

REQUIRED = ("ID", "TITLE", "QUOTE", "SOURCE", "WORKLOAD", "HOLDS")


@dataclass
class Judgement:
    """What a claim's judge found. The checks decide the verdict; the sentence is chosen by the
    same tests, so it cannot say what the numbers do not."""
    params: str
    prediction: str
    thresholds: str
    checks: list = field(default_factory=list)      # [(what was checked, passed)]
    table: list = field(default_factory=list)       # markdown lines: a header, a rule, rows
    sentence: str = ""
    peers: list = field(default_factory=list)       # "In the documents' Python, here: ...", Go's


def _number(claim_id):
    m = re.fullmatch(r"C(\d+)", claim_id)
    return int(m.group(1)) if m else 1 << 30


def _check(mod):
    where = f"bench/harness/claims/{mod.__name__.rsplit('.', 1)[-1]}.py"
    for name in REQUIRED:
        if not isinstance(getattr(mod, name, None), str) or not getattr(mod, name):
            die(f"{where}: no {name}: a claim module defines {', '.join(REQUIRED)} (see claims/__init__.py)", 2)
    if mod.SOURCE not in DOCUMENTS:
        die(f"{where}: SOURCE '{mod.SOURCE}' is not a document: use one of {', '.join(DOCUMENTS)}", 2)
    for key in getattr(mod, "ALSO", ()):
        if key not in DOCUMENTS:
            die(f"{where}: ALSO names '{key}', which is not a document: use one of {', '.join(DOCUMENTS)}", 2)
    mod.FILE = where
    return mod


_cache = []


def discover():
    """Every claim module, ordered by its number."""
    if not _cache:
        here = os.path.dirname(__file__)
        mods = [_check(importlib.import_module(f"{__name__}.{m.name}"))
                for m in pkgutil.iter_modules([here]) if not m.name.startswith("_")]
        seen = {}
        for m in mods:
            if m.ID in seen:
                die(f"{m.FILE} and {seen[m.ID]} both define claim {m.ID}: renumber one", 2)
            seen[m.ID] = m.FILE
        _cache.extend(sorted(mods, key=lambda m: (_number(m.ID), m.ID)))
    return _cache


def by_id():
    return {m.ID: m for m in discover()}
