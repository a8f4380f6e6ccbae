# SPDX-License-Identifier: MIT
# peers.py: the peer programs (the documents' Python, Go, Node.js, Rust tokio): how each starts, what to install, its predictions, its models.
"""A sweep's `peer` line names one of PROGRAMS; the harness runs `PROGRAM predict ARGS` while
planning and `PROGRAM run ARGS` under hyperfine, as it does `simul predict` and `simul run`.
Each program lists its own models (`PROGRAM list --format json`, simul list's shape), so the
harness names no peer model itself.

A peer that cannot run here is skipped, not failed, and the plan says what to install: its
program is absent (go-simul is built only where Go is, tokio-simul where cargo and Debian's
tokio crate are, node is Debian's nodejs), or its predict exits 1 with the
peers' fixed line `needs PKG: apt-get install PKG` (a library the interpreter lacks). Any
other failure is a failure, as for simul."""
import json
import os
import re
import subprocess
from dataclasses import dataclass

from .util import ROOT, first_line, simul_bin


@dataclass(frozen=True)
class Program:
    key: str
    what: str       # how a reader knows it
    install: str    # what to do when it is absent
    batch: bool = False  # `predict --batch` answers many commands in one process

    def argv(self):
        if self.key == "python":
            # Debian's interpreter: the one python3-requests, -aiohttp and -uvloop install into.
            return ["/usr/bin/python3", os.path.join(ROOT, "bench", "peers", "python", "peer.py")]
        if self.key == "node":
            # Debian's nodejs; plain JavaScript, no npm package.
            return ["/usr/bin/node", os.path.join(ROOT, "bench", "peers", "node", "peer.js")]
        return [os.path.join(os.path.dirname(simul_bin()), {"go": "go-simul", "tokio": "tokio-simul"}[self.key])]

    def absent(self):
        """'' when the program can start, else one line on what to install (or that this run
        leaves it out: bench.sh --peers)."""
        if self.key not in selected():
            return (f"{self.what}: left out of this run (--peers {os.environ.get('SIMUL_PEERS', '')}): "
                    f"run with --peers all (make bench PEERS=all) to include it")
        missing = [p for p in self.argv() if not os.path.exists(p)]
        if not missing and os.access(self.argv()[0], os.X_OK):
            return ""
        return f"{self.what}: {missing[0] if missing else self.argv()[0]} is missing: {self.install}"


PROGRAMS = {
    "python": Program("python", "the documents' Python (CPython)",
                      "apt-get install python3 python3-requests python3-aiohttp python3-uvloop", batch=True),
    "go": Program("go", "the Go peer (go-simul)", "apt-get install golang-go, then make build"),
    "node": Program("node", "the Node.js peer (bench/peers/node)", "apt-get install nodejs"),
    "tokio": Program("tokio", "the Rust tokio peer (tokio-simul)",
                     "apt-get install rustc cargo librust-tokio-dev, then make build"),
}


def selected():
    """The keys of PROGRAMS this run includes: SIMUL_PEERS (bench.sh --peers), all when unset."""
    text = os.environ.get("SIMUL_PEERS", "all").strip()
    if text == "all":
        return set(PROGRAMS)
    return {k for k in text.replace(",", " ").split() if k != "none"}


def check_selection(text):
    """'' when text is a valid --peers value (all, none, or keys of PROGRAMS), else why not."""
    words = text.replace(",", " ").split()
    if words in (["all"], ["none"]):
        return ""
    wrong = [w for w in words if w not in PROGRAMS]
    if not words or wrong:
        return (f"--peers '{text}': give all, none, or a comma list of {','.join(PROGRAMS)}"
                + (f" ('{wrong[0]}' is none of them)" if wrong else ""))
    return ""


# The peers' line for a library the interpreter lacks: the package to install is in it.
NEEDS = re.compile(r"needs (\S+): apt-get install (\S+)")


def _call(argv, timeout):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except OSError as e:
        return 127, "", str(e)
    except subprocess.TimeoutExpired:
        return -1, "", f"{argv[0]} took over {timeout} s"


def _judge(prog, code, out, err):
    """(record, error, skip) from what one `predict` exited with and printed."""
    line = first_line(err)
    m = NEEDS.search(line) if code == 1 else None
    if m:
        return None, "", f"{prog.what} {m.group(0)}"
    if code in (126, 127):
        return None, "", f"{prog.what}: cannot start {prog.argv()[0]} ({line}): {prog.install}"
    if code != 0:
        return None, line or f"{prog.argv()[0]} predict exited {code}", ""
    try:
        rec = json.loads(out)
    except ValueError:
        return None, f"{prog.argv()[0]} predict printed no JSON record", ""
    return rec, "" if "predicted_s" in rec else f"{prog.argv()[0]} predict printed no predicted_s", ""


def predict(key, args):
    """(record, error, skip): the peer's own prediction for a run, or why there is none; skip
    is the one line that says what to install when the peer cannot run here (not a failure)."""
    prog = PROGRAMS[key]
    why = prog.absent()
    if why:
        return None, "", why
    return _judge(prog, *_call(prog.argv() + ["predict"] + list(args) + ["--format", "json"], 120))


def predict_many(key, arg_lists):
    """predict() for each of arg_lists, in one `predict --batch` process where the program has
    one (an interpreter's start is most of a quick plan's time), else one process each."""
    prog = PROGRAMS[key]
    why = prog.absent()
    if why or not prog.batch or not arg_lists:
        return [predict(key, a) for a in arg_lists]
    lines = "".join(json.dumps(list(a) + ["--format", "json"]) + "\n" for a in arg_lists)
    try:
        p = subprocess.run(prog.argv() + ["predict", "--batch"], input=lines, capture_output=True, text=True,
                           timeout=120 + 10 * len(arg_lists))
        answers = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    except (OSError, subprocess.TimeoutExpired, ValueError) as e:
        return [(None, f"{prog.argv()[0]} predict --batch: {e}", "")] * len(arg_lists)
    if len(answers) != len(arg_lists):
        why = first_line(p.stderr) or f"{len(answers)} answers to {len(arg_lists)} commands"
        return [(None, f"{prog.argv()[0]} predict --batch: {why}", "")] * len(arg_lists)
    return [_judge(prog, a.get("code", 1), a.get("out", ""), a.get("err", "")) for a in answers]


def ask_lists():
    """({model name: its description, with 'peer': the program's key}, [lines for the programs
    that could not say]); a program that is absent lists nothing (its lines are skipped)."""
    models, notes = {}, []
    for key, prog in PROGRAMS.items():
        why = prog.absent()
        if why:
            notes.append(why)
            continue
        code, out, err = _call(prog.argv() + ["list", "--format", "json"], 30)
        try:
            doc = json.loads(out) if code == 0 else {}
        except ValueError:
            doc = {}
        if not isinstance(doc.get("models"), list):
            notes.append(f"{prog.what}: list --format json failed: {first_line(err) or 'no JSON'}")
            continue
        for m in doc["models"]:
            models[m["name"]] = dict(m, peer=key)
    return models, notes
