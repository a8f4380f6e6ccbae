# SPDX-License-Identifier: MIT
# plan.py: a sweep expanded into commands, each with simul's prediction, saved as raw/NAME.plan.json for hyperfine.
import json
import os
from concurrent.futures import ThreadPoolExecutor
import random
import shlex
import subprocess
import sys

from . import claims, fingerprint, models, peers, results, sweeps
from .util import ROOT, die, first_line, fnum, simul_bin, write_atomic


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
    # The limit counts the tasks' creation too, which the prediction leaves out: 10,000
    # processes at a slow day's 1.8 ms a fork outlast a 20 s limit on a 0.1 s prediction.
    busy_s = max(c["predicted_s"] or 0, c.get("spawn_s", 0))
    if c["kind"] == "exec":
        # A peer has no --timeout of its own: coreutils' timeout is its watchdog.
        cmd = f"timeout -k 5 {watchdog(busy_s, expect, least)} sh -c {shlex.quote(c['command'])}"
    else:
        argv = list(c["argv"])
        if "--timeout" not in argv:
            argv += ["--timeout", watchdog(busy_s, expect, least)]
        cmd = " ".join(shlex.quote(a) for a in [simul, "run"] + argv + ["--format", "json"])
    return f"{cmd} >> {out} 2>> {err}"


def substitute(text, combo, trace):
    """{p} by the parameter's value, {trace} by the command's trace file, {root} by the
    repository's root (a peer's command runs from wherever bench.sh was started)."""
    for k, v in combo.items():
        text = text.replace("{" + k + "}", v)
    return text.replace("{trace}", trace).replace("{root}", shlex.quote(ROOT))


def peer_args(line, combo, raw, spec, idx):
    """A peer line's arguments for one point (what follows `PROGRAM run`)."""
    return shlex.split(substitute(line.args, combo, os.path.join(raw, f"{spec.name}.{idx}.trace.csv")))


def expand(spec, line, combo, idx, raw, simul, peer_answer=None):
    """One planned command: its label, arguments, prediction, and what hyperfine runs;
    peer_answer: a peer line's (record, error, skip), asked for with the others (predict_many)."""
    trace = os.path.join(raw, f"{spec.name}.{idx}.trace.csv")
    c = {"idx": idx, "kind": line.kind, "series": line.series, "params": combo,
         "name": line.series + "".join(f" {k}={v}" for k, v in combo.items()),
         "predicted_s": None, "error": ""}
    rec, skip = None, ""
    if line.program:
        # A peer: its own prediction, and its command line as simul's (run, then --format json).
        c["program"], c["trace"] = line.program, ""
        args = peer_args(line, combo, raw, spec, idx)
        c["command"] = " ".join(shlex.quote(a) for a in peers.PROGRAMS[line.program].argv() + ["run"] + args +
                                ["--format", "json"])
        rec, c["error"], skip = peer_answer or peers.predict(line.program, args)
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


def seed_of(name):
    """The run's seed (bench.sh sets SIMUL_BENCH_SEED once a run and writes it into env.txt;
    set it to replay a run's orders), mixed with the sweep's name: each sweep its own order."""
    text = os.environ.get("SIMUL_BENCH_SEED", "")
    if text and not (text.isascii() and text.isdigit()):
        die(f"SIMUL_BENCH_SEED '{text}' must be a whole number (or unset): fix the environment", 2)
    seed = int(text) if text else random.SystemRandom().randrange(1 << 32)
    return seed, random.Random(f"{seed}:{name}")


# What creating one task costs, which the predictions leave out (they predict the workload,
# and a spawn run's own prediction already counts it): a multiple of the run's fingerprint
# primitive, by program and kind of worker, as a full run here measured them (a simul
# process per task 1.0-1.8 fork()s, 1.0-1.2 from 1,000 on, a thread 1-2.5 thread creations, a coroutine about a loop
# turn; CPython's multiprocessing.Process some 15 forks, its Thread 5 thread creations, an
# asyncio task 30 loop turns; a goroutine 4; a Node.js sleeping task 12 (its timer's promise
# and a bigint clock read), a tokio task 1).
SPAWN = {("", "processes"): ("fork_ns", 1.2), ("", "threads"): ("thread_ns", 2.0), ("", "none"): ("loop_turn_ns", 1.5),
         ("python", "processes"): ("fork_ns", 15.0), ("python", "threads"): ("thread_ns", 5.0),
         ("python", "none"): ("loop_turn_ns", 30.0), ("go", "none"): ("loop_turn_ns", 4.0),
         ("node", "none"): ("loop_turn_ns", 12.0), ("tokio", "none"): ("loop_turn_ns", 1.0)}
SPAWN_FALLBACK_NS = {"fork_ns": 1.5e6, "thread_ns": 1e5, "loop_turn_ns": 1.5e3}  # a run without a fingerprint


def option(argv, name):
    """The value of --NAME in an argument list, '' without it."""
    return next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == name), "")


def capacity(env, kind):
    """How many threads or processes the kernel lets a run have (env.txt's pid_max and
    max_map_count): simul refuses a run over it at once, before creating any."""
    pid_max = fnum(env.get("pid_max")) or float("inf")
    maps = fnum(env.get("max_map_count")) or float("inf")
    return {"threads": min(pid_max, maps / 2), "processes": pid_max}.get(kind, float("inf"))


def spawn_s(c, props, prims, env=None):
    """The plan's estimate of creating a run's tasks: tasks x one creation (SPAWN) when each task
    is a worker of its own (a coroutine, or --workers 0), else 0 (and 0 for more threads or
    processes than the kernel allows: simul's refusal is immediate)."""
    try:  # a peer's or another program's own command line: its model is the one that runs
        argv = shlex.split(c["command"]) if c.get("command") else c["argv"]
    except ValueError:
        argv = c["argv"]
    workload = option(argv, "run") or (argv[0] if argv else "")
    m = props.get(option(argv, "--model")) or {}
    tasks = fnum(option(argv, "--tasks")) or 0
    if not m or m.get("serial") or workload == "spawn":
        return 0.0
    kind = m.get("workers_kind", "none")
    if kind != "none" and (option(argv, "--workers") != "0" or tasks > capacity(env or {}, kind)):
        return 0.0
    prim, times = SPAWN.get((m.get("peer", ""), kind), (None, 0))
    return tasks * times * prims.get(prim, SPAWN_FALLBACK_NS.get(prim, 0)) / 1e9


# What a run costs beyond its prediction, by program: start-up, imports, set-up and exit, as a
# full run here measured them over and above the prediction (the mean over each sweep's runs:
# CPython 0.2-0.4 s, its process pools' forks the most, and 0.7 s in C9, whose predictions of
# its mixed runs leave out requests' own CPU; Node.js 0.15-0.25 s; Go and tokio 0.03-0.07 s;
# simul 0.01-0.05 s, its calibrations and servers).
STARTUP_S = {"python": 0.3, "node": 0.25, "go": 0.06, "tokio": 0.05, "": 0.03}


def cost(spec, c):
    """The plan's estimate of one run of a command: its prediction plus its tasks' creation (the
    last task made starts its work then: a million Go sleeps of 20 s took 10 s to make and
    32 s in all), or the sweep's `expect` if more, and the start-up its prediction leaves out
    (STARTUP_S)."""
    return (max((c["predicted_s"] or 0) + c.get("spawn_s", 0), spec.expect)
            + STARTUP_S.get(c.get("program") or "", 0.2))


def judged(spec, c):
    """Whether a command is one of the points its claim is judged at (the sweep's `judged`)."""
    got = c.get("params") or {}
    return bool(spec.judged) and all(str(got.get(name)) in vals for name, vals in spec.judged)


def schedule(spec, runs, rng):
    """hyperfine's invocations for the commands it runs: [{warmup, runs, order}], order being
    command indices in the shuffled order they run (Google Benchmark's random interleaving: a
    change of the CPU's speed during a sweep hits every series alike, not the ones that ran
    then). Every round runs every command, each round in its own order. Under the sweep's
    time-budget, the costliest commands first lose their repetitions (one run, in one
    invocation of their own: a long run is the least noisy), then, if that is not enough, are
    not run at all (`over_time_budget`, their prediction stands in); the points the sweep's
    verdict is judged at (`judged`) come after every other. Returns (invocations, eta)."""
    per = spec.warmup + spec.runs
    full = {c["idx"]: cost(spec, c) * per * spec.rounds for c in runs}
    single = set()
    total = sum(full.values())
    if spec.time_budget:
        # The points the verdict is judged at (`judged`) last: the others give up theirs first.
        for c in sorted(runs, key=lambda c: (judged(spec, c), -full[c["idx"]])):
            if total <= spec.time_budget:
                break
            if per * spec.rounds > 1:
                single.add(c["idx"])
                total -= full[c["idx"]] - cost(spec, c)
        for c in sorted(runs, key=lambda c: (judged(spec, c), -cost(spec, c))):
            if total <= spec.time_budget:
                break
            c["over_time_budget"] = spec.time_budget
            total -= cost(spec, c) if c["idx"] in single else full[c["idx"]]
            single.discard(c["idx"])
    kept = [c["idx"] for c in runs if not c.get("over_time_budget")]
    many = [i for i in kept if i not in single]
    invocations = []
    for _ in range(spec.rounds if many else 0):
        invocations.append({"warmup": spec.warmup, "runs": spec.runs, "order": rng.sample(many, len(many))})
    once = [i for i in kept if i in single]
    if once:
        invocations.insert((len(invocations) + 1) // 2,
                           {"warmup": 0, "runs": 1, "order": rng.sample(once, len(once))})
    for c in runs:
        if c["idx"] in single:
            c["runs_planned"] = 1
    return invocations, total


def plan(run_dir, sweep_files, quick, full=False):
    """Plans every sweep in one process: the lists saved in the run (models.save), every
    command's prediction asked with the others (simul's a process each, one per core at a
    time; a peer's in one batch per core), then per sweep raw/NAME.plan.json and, for
    bench.sh, raw/NAME.plan.tsv: the settings, one line per hyperfine invocation
    (tab-separated: R, its number, warm-up, runs, the commands' positions among the C lines
    in the order they run), then one line per command hyperfine runs (C, its name, its
    shell line)."""
    lists = models.saved_lists(run_dir)
    specs = []
    for sweep_file in sweep_files:
        spec = sweeps.parse(sweep_file, quick, full)
        spec = sweeps.expand_models(spec, *models.for_sweep(spec, lists))  # '{model: WORDS}' lines, one per model
        if not claims.by_id().get(spec.claim):
            die(f"{sweep_file}: claim '{spec.claim}' has no module in bench/harness/claims/: "
                f"add one or fix the claim line", 2)
        specs.append(spec)
    raw = os.path.join(run_dir, "raw")
    simul = simul_bin()
    todo = [(spec, idx, line, combo) for spec in specs
            for idx, (line, combo) in enumerate((line, combo) for line in spec.lines
                                                for combo in sweeps.product(line.params))]
    workers = os.cpu_count() or 1
    answers = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # The peers' predictions: each program's commands in one batch per core.
        jobs = []
        for key in peers.PROGRAMS:
            mine = [(spec.name, idx, peer_args(line, combo, raw, spec, idx))
                    for spec, idx, line, combo in todo if line.program == key]
            for k in range(workers):
                part = mine[k::workers]
                if part:
                    jobs.append((part, pool.submit(peers.predict_many, key, [a for _, _, a in part])))
        for part, fut in jobs:
            answers.update({(name, idx): ans for (name, idx, _), ans in zip(part, fut.result())})
        cmds = list(pool.map(lambda t: (t[0].name, expand(t[0], t[2], t[3], t[1], raw, simul,
                                                          answers.get((t[0].name, t[1])))), todo))
    # The creation of each command's tasks, from the run's start fingerprint (env.txt).
    props = {m["name"]: m for m in (lists[0] or {}).get("models", [])}
    props.update({m["name"]: m for m in (lists[1] or [])})
    env = results.read_env(run_dir)
    prims = fingerprint.figures(env, "start")
    by_name = {spec.name: spec for spec in specs}
    for name, c in cmds:
        c["spawn_s"] = round(spawn_s(c, props, prims, env), 3)
        if c.get("shell"):  # its watchdog again, now that the creation is known
            spec = by_name[name]
            c["shell"] = shell_line(c, simul, raw, spec.name, spec.expect, spec.watchdog)
    for spec in specs:
        tsv = write_plan(run_dir, spec, [c for name, c in cmds if name == spec.name], quick, full)
        if len(specs) == 1:  # one sweep (a test, a look at one plan): its TSV on stdout too
            sys.stdout.write(tsv)


def write_plan(run_dir, spec, cmds, quick, full):
    """A sweep's commands scheduled (schedule()) into raw/NAME.plan.json and raw/NAME.plan.tsv;
    returns the TSV."""
    raw = os.path.join(run_dir, "raw")
    seed, rng = seed_of(spec.name)
    invocations, eta = schedule(spec, [c for c in cmds if c.get("shell")], rng)
    for c in cmds:
        if c.get("over_time_budget"):
            del c["shell"]
    runs = [c for c in cmds if c.get("shell")]
    pos = {c["idx"]: k for k, c in enumerate(runs)}
    doc = {"name": spec.name, "claim": spec.claim, "order": spec.order, "charts": spec.charts,
           "warmup": spec.warmup, "runs": spec.runs, "rounds": spec.rounds, "budget": spec.budget,
           "time_budget": spec.time_budget, "seed": seed, "invocations": invocations,
           "quick": quick, "full": full, "stops": spec.stops, "commands": cmds, "eta_s": eta}
    for line in skipped_lines(spec, cmds):
        print("simul bench: " + line, file=sys.stderr)
    over = [c["name"] for c in cmds if c.get("over_time_budget")]
    if over:
        print(f"simul bench: {spec.name}: {len(over)} commands over its time-budget of {spec.time_budget:g} s "
              f"are predicted, not run: {', '.join(over)}", file=sys.stderr)
    write_atomic(os.path.join(raw, f"{spec.name}.plan.json"), json.dumps(doc, indent=1))
    tsv = [f"S\t{spec.warmup}\t{spec.runs}\t{spec.rounds}\t{eta:.0f}\t{len(runs)}"]
    for k, inv in enumerate(invocations, 1):
        tsv.append(f"R\t{k}\t{inv['warmup']}\t{inv['runs']}\t{' '.join(str(pos[i]) for i in inv['order'])}")
    tsv += [f"C\t{c['name']}\t{c['shell']}" for c in runs]
    text = "\n".join(tsv) + "\n"
    write_atomic(os.path.join(raw, f"{spec.name}.plan.tsv"), text)
    return text


def extra_round(run_dir, name, idxs, runs, warmup=0):
    """More runs of some of a sweep's commands (by idx; say, the points whose verdict is still
    undecided), after its rounds: one more hyperfine invocation, in a shuffled order, whose
    times and records join.py adds to theirs (the plan's invocations list it). Returns
    hyperfine's exit status (127: hyperfine is missing)."""
    raw = os.path.join(run_dir, "raw")
    path = os.path.join(raw, f"{name}.plan.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    by_idx = {c["idx"]: c for c in doc["commands"] if c.get("shell")}
    order = [i for i in dict.fromkeys(idxs) if i in by_idx]
    if not order or runs < 1:
        return 0
    random.Random(f"{doc.get('seed', 0)}:{name}:{len(doc.get('invocations') or [])}").shuffle(order)
    invs = doc.get("invocations")
    if invs is None:  # a plan from before the interleaving: its rounds, spelt out
        from .join import invocations
        invs = invocations(doc)
    k = len(invs) + 1
    argv = ["hyperfine", "-i", "--style", "basic", "--warmup", str(warmup), "--runs", str(runs),
            "--export-json", os.path.join(raw, f"{name}.r{k}.json")]
    for i in order:
        argv += ["-n", by_idx[i]["name"], by_idx[i]["shell"]]
    # It dies with this process (PR_SET_PDEATHSIG through util-linux's setpriv, when there).
    if subprocess.run(["setpriv", "--pdeathsig", "TERM", "true"], capture_output=True).returncode == 0:
        argv = ["setpriv", "--pdeathsig", "TERM"] + argv
    try:
        st = subprocess.run(argv, stdout=sys.stderr).returncode
    except OSError:
        return 127
    doc["invocations"] = invs + [{"warmup": warmup, "runs": runs, "order": order}]
    write_atomic(path, json.dumps(doc, indent=1))
    return st
