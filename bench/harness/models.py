# SPDX-License-Identifier: MIT
# models.py: the models simul has and what each is, from `simul list --format json`, saved with the run.
"""The harness names no model itself: it asks simul (`simul list --format json`, the one list
the C code keeps) and each peer program (`PROGRAM list --format json`, the one list each
language keeps, harness/peers.py), saves the answers as raw/simul_list.json and
raw/peers_list.json, and reads them back from there, so a report re-rendered later describes
the models the run had. A claim module asks what a row's model is (serial? a pool? parallel?
a peer?) rather than testing its name."""
import json
import os
import subprocess

from . import peers
from .util import die, first_line, read_json, simul_bin, write_atomic

LIST_FILE = "simul_list.json"
PEERS_FILE = "peers_list.json"


def ask_simul():
    simul = simul_bin()
    try:
        p = subprocess.run([simul, "list", "--format", "json"], capture_output=True, text=True, timeout=30)
        if p.returncode == 0:
            doc = json.loads(p.stdout)
            if isinstance(doc.get("models"), list):
                return doc
        why = first_line(p.stderr) or f"exited {p.returncode}"
    except (OSError, subprocess.TimeoutExpired, ValueError) as e:
        why = str(e)
    die(f"{simul} list --format json: {why}: rebuild simul with 'make'")


def saved_lists(run_dir):
    """(simul's list, the peers' models) as the run saved them (save()); asked now where the
    run has none (a plan outside bench.sh)."""
    p = os.path.join(run_dir, "raw", LIST_FILE)
    q = os.path.join(run_dir, "raw", PEERS_FILE)
    doc = read_json(p) if os.path.exists(p) else None
    found = (read_json(q).get("models", []) if os.path.exists(q) else None)
    return doc, found


def for_sweep(spec, lists=(None, None)):
    """What a sweep's '{model: WORDS}' lines are expanded from (sweeps.expand_models): simul's
    list, and {program: its models} when a peer line selects; lists: saved_lists(), where the
    run has them (else the programs are asked, and the peers only when a peer line selects)."""
    doc, found = lists
    peer_lists = None
    if any(line.select and line.program for line in spec.lines):
        peer_lists = {}
        for m in (found if found is not None else peers.ask_lists()[0].values()):
            peer_lists.setdefault(m["peer"], []).append(m)
    return doc or ask_simul(), peer_lists


def save(run_dir):
    """Ask simul, keep the answer in the run, print the env.txt lines (model_NAME: summary)."""
    doc = ask_simul()
    write_atomic(os.path.join(run_dir, "raw", LIST_FILE), json.dumps(doc, indent=1) + "\n")
    for m in doc["models"]:
        print(f"model_{m['name']}: {m.get('summary', '')}")
    found, notes = peers.ask_lists()
    write_atomic(os.path.join(run_dir, "raw", PEERS_FILE),
                 json.dumps({"models": list(found.values()), "absent": notes}, indent=1) + "\n")
    for m in found.values():
        print(f"peer_{m['name']}: {m.get('runtime', '?')}: {m.get('summary', '')}")
    for line in notes:
        print(f"peer_absent: {line}")


def _saved_before_families(m):
    """A list saved by a run from before models declared a family: the family their flags
    then meant, so an old run re-rendered keeps its colours."""
    if m.get("serial"):
        return "sequential"
    if m.get("workers_kind") in ("threads", "processes"):
        return m["workers_kind"]
    if m.get("name", "").startswith("go-"):
        return "goroutines"
    return "loop-callbacks" if m.get("callbacks") else "loop-offload" if m.get("offload") else "loop"


class Models:
    def __init__(self, doc, peer_doc=None):
        self.by_name = {m["name"]: m for m in doc.get("models", [])}
        for m in (peer_doc or {}).get("models", []):
            self.by_name.setdefault(m["name"], m)
        for m in self.by_name.values():
            m.setdefault("family", _saved_before_families(m))

    def names(self):
        return list(self.by_name)

    def props(self, name):
        """simul's or a peer's description of a model; None for one neither lists."""
        return self.by_name.get(name)

    def peer(self, row):
        """The peer program of a row's model ('python', 'go'), '' for simul's."""
        return (self.props(row.get("model")) or {}).get("peer", "")

    def runtime(self, key):
        """The runtime a peer program reported ('CPython 3.11.2'), '' if none of its models did."""
        return next((m.get("runtime", "") for m in self.by_name.values() if m.get("peer") == key), "")

    def flag(self, row, key):
        p = self.props(row.get("model"))
        return bool(p and p.get(key))

    def role(self, row):
        """How a row's tasks ran: 'serial' (one after another), 'each' (a thread, process,
        coroutine or goroutine per task), 'pool' (W workers); None for a model no list describes."""
        p = self.props(row.get("model"))
        if not p:
            return None
        if p.get("serial"):
            return "serial"
        if p.get("pool") and (float(row.get("workers") or 0) or 0) > 0:
            return "pool"
        return "each"

    def default_workers(self, row):
        p = self.props(row.get("model")) or {}
        return p.get("default_workers")


def load(run_dir):
    """The list saved with the run; a run folder from before it was saved asks simul now."""
    p = os.path.join(run_dir, "raw", LIST_FILE)
    q = os.path.join(run_dir, "raw", PEERS_FILE)
    return Models(read_json(p) if os.path.exists(p) else ask_simul(),
                  read_json(q) if os.path.exists(q) else {"models": list(peers.ask_lists()[0].values())})
