# SPDX-License-Identifier: MIT
# plan.py: a sweep expanded into commands, each with simul's prediction, saved as raw/NAME.plan.json for hyperfine.
import json
import os
import shlex
import subprocess

import sys

from . import claims, models, peers, sweeps
from .util import ROOT, die, first_line, simul_bin, write_atomic


def predict(simul, argv):
    """simul predict's record for a command line, or the error that says why there is none.
    It gives an ETA, the figure drawn beside the measurement, and a cheap way to learn that a
    command line is wrong (exit 2) before hyperfine runs it."""
    argv = list(argv)
    if "--trace" in argv:
        i = argv.index("--trace")
        del argv[i:i + 2]
    try:
        p = subprocess.run([simul, "predict"] + argv + ["--format", "json"], capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0:
            return None, first_line(p.stderr) or f"simul predict exited {p.returncode}"
        rec = json.loads(p.stdout)
        return rec, "" if "predicted_s" in rec else "simul predict printed no predicted_s"
    except (subprocess.TimeoutExpired, ValueError) as e:
        return None, f"simul predict: {e}"


def watchdog(predicted_s, expect=0.0, least=20):
    """A time limit per run: a hung model fails its run instead of the whole bench; expect: the
    sweep's `expect`, for runs whose prediction leaves out a cost that dominates (a million
    coroutines' creation); least: the sweep's `watchdog`."""
    return "%g" % max(float(least), 4 * max(predicted_s or 0, expect) + 10)


def shell_line(c, simul, raw, name, expect=0.0, least=20):
    """What hyperfine runs for a command: its records appended to .N.jsonl, its stderr to .N.err."""
    out = shlex.quote(os.path.join(raw, f"{name}.{c['idx']}.jsonl"))
    err = shlex.quote(os.path.join(raw, f"{name}.{c['idx']}.err"))
    if c["kind"] == "exec":
        # A peer has no --timeout of its own: coreutils' timeout is its watchdog.
        cmd = f"timeout -k 5 {watchdog(c['predicted_s'], expect, least)} sh -c {shlex.quote(c['command'])}"
    else:
        argv = list(c["argv"])
        if "--timeout" not in argv:
            argv += ["--timeout", watchdog(c["predicted_s"], expect, least)]
        cmd = " ".join(shlex.quote(a) for a in [simul, "run"] + argv + ["--format", "json"])
    return f"{cmd} >> {out} 2>> {err}"


def substitute(text, combo, trace):
    """{p} by the parameter's value, {trace} by the command's trace file, {root} by the
    repository's root (a peer's command runs from wherever bench.sh was started)."""
    for k, v in combo.items():
        text = text.replace("{" + k + "}", v)
    return text.replace("{trace}", trace).replace("{root}", shlex.quote(ROOT))


def expand(spec, line, combo, idx, raw, simul):
    """One planned command: its label, arguments, prediction, and what hyperfine runs."""
    trace = os.path.join(raw, f"{spec.name}.{idx}.trace.csv")
    c = {"idx": idx, "kind": line.kind, "series": line.series, "params": combo,
         "name": line.series + "".join(f" {k}={v}" for k, v in combo.items()),
         "predicted_s": None, "error": ""}
    rec, skip = None, ""
    if line.program:
        # A peer: its own prediction, and its command line as simul's (run, then --format json).
        c["program"], c["trace"] = line.program, ""
        args = shlex.split(substitute(line.args, combo, trace))
        c["command"] = " ".join(shlex.quote(a) for a in peers.PROGRAMS[line.program].argv() + ["run"] + args +
                                ["--format", "json"])
        rec, c["error"], skip = peers.predict(line.program, args)
        c["argv"] = []
    elif line.kind == "exec":
        c["command"] = substitute(line.args, combo, trace)
        c["trace"] = trace if "{trace}" in line.args else ""
        c["argv"] = shlex.split(substitute(line.predict, combo, trace))
    else:
        c["argv"] = shlex.split(substitute(line.args, combo, trace))
        c["trace"] = trace if "--trace" in c["argv"] else ""
    if c["argv"]:
        rec, c["error"] = predict(simul, c["argv"])
    if rec and not c["error"]:
        c["predict_record"], c["predicted_s"] = rec, rec["predicted_s"]
    if skip:
        c["skipped"] = skip  # not run and not a row: the plan and the report say why, once
    elif spec.budget and line.kind != "predict" and (c["predicted_s"] or 0) > spec.budget:
        c["over_budget"] = spec.budget  # a row with the prediction alone
    elif line.kind != "predict" and not c["error"]:
        c["shell"] = shell_line(c, simul, raw, spec.name, spec.expect, spec.watchdog)
    return c


def skipped_lines(spec, cmds):
    """One line per reason a peer is skipped, naming its series: what to install."""
    why = {}
    for c in cmds:
        if c.get("skipped"):
            why.setdefault(c["skipped"], []).append(c["series"])
    return [f"{spec.name}: skipped {', '.join(dict.fromkeys(ser))} ({len(ser)} commands): {line}"
            for line, ser in why.items()]


def plan(run_dir, sweep_file, quick, full=False):
    """Writes raw/NAME.plan.json and prints, for bench.sh, the settings, then one line per
    command hyperfine runs (tab-separated: C, its name, its shell line)."""
    spec = sweeps.parse(sweep_file, quick, full)
    spec = sweeps.expand_models(spec, *models.for_sweep(spec))  # '{model: WORDS}' lines, one per model
    if not claims.by_id().get(spec.claim):
        die(f"{sweep_file}: claim '{spec.claim}' has no module in bench/harness/claims/: "
            f"add one or fix the claim line", 2)
    raw = os.path.join(run_dir, "raw")
    simul = simul_bin()
    cmds = []
    for line in spec.lines:
        for combo in sweeps.product(line.params):
            cmds.append(expand(spec, line, combo, len(cmds), raw, simul))
    runs = [c for c in cmds if c.get("shell")]
    per = spec.warmup + spec.runs
    # A peer's process also starts an interpreter and sets up (a server, a calibration, a
    # pool): its start-up and set-up are outside its prediction, about 0.2 s here.
    eta = sum(max(c["predicted_s"] or 0, spec.expect) + (0.2 if c.get("program") else 0.02)
              for c in runs) * per * spec.rounds
    doc = {"name": spec.name, "claim": spec.claim, "order": spec.order, "charts": spec.charts,
           "warmup": spec.warmup, "runs": spec.runs, "rounds": spec.rounds, "budget": spec.budget,
           "quick": quick, "full": full, "stops": spec.stops, "commands": cmds, "eta_s": eta}
    for line in skipped_lines(spec, cmds):
        print("simul bench: " + line, file=sys.stderr)
    write_atomic(os.path.join(raw, f"{spec.name}.plan.json"), json.dumps(doc, indent=1))
    print(f"S\t{spec.warmup}\t{spec.runs}\t{spec.rounds}\t{eta:.0f}\t{len(runs)}")
    for c in runs:
        print(f"C\t{c['name']}\t{c['shell']}")
