# SPDX-License-Identifier: MIT
# options.py: the peers' command line, shaped like `simul run WORKLOAD --model M [options]`.
"""Parses argv into a plain namespace; a wrong command line raises UsageError (exit 2)."""
import math
import os
import types

# The models, with what the harness asks of each, as `simul list` gives it for simul's: serial
# (one task after another), pool (W workers; --workers 0 is one per task), parallel (the tasks
# can use several cores at once: not under the GIL), gil; family: what the charts colour it as
# (simul's families: sequential, threads, processes, loop). `peer.py list` prints this table.
MODELS = {
    "python-sequential": dict(summary="one task after another: time.sleep, a requests loop, a plain for",
                              serial=True, pool=False, parallel=False, family="sequential"),
    "python-threads": dict(summary="concurrent.futures.ThreadPoolExecutor(max_workers=W) (--workers 0: a thread "
                                   "per task)", serial=False, pool=True, parallel=False, workers_kind="threads",
                           family="threads"),
    "python-processes": dict(summary="concurrent.futures.ProcessPoolExecutor(max_workers=W), started before the "
                                     "timed region", serial=False, pool=True, parallel=True, workers_kind="processes",
                             family="processes"),
    "python-asyncio": dict(summary="asyncio.gather over every task on asyncio's own loop (asyncio.Semaphore for "
                                   "--limit)", serial=False, pool=False, parallel=False, family="loop"),
    "python-uvloop": dict(summary="the same coroutines on uvloop's loop", serial=False, pool=False, parallel=False,
                          family="loop"),
    # The documents' fix for a blocking call (Vexs, “Why asyncio?”, 2021): hand it to an executor
    # with loop.run_in_executor; both of concurrent.futures' executors, as eventloop-offload.
    "python-asyncio-threadpool": dict(summary="asyncio, the blocking calls through loop.run_in_executor on a "
                                              "ThreadPoolExecutor", serial=False, pool=False, parallel=False,
                                      family="loop-offload", offload=True, offload_to="threads"),
    "python-asyncio-processpool": dict(summary="asyncio, the blocking calls through loop.run_in_executor on a "
                                               "ProcessPoolExecutor", serial=False, pool=False, parallel=True,
                                       family="loop-offload", offload=True, offload_to="processes"),
}
# The models a workload runs unless its module names its own (MODELS).
BASIC = ("python-sequential", "python-threads", "python-processes", "python-asyncio", "python-uvloop")
POOLS = ("python-threads", "python-processes")
MAX_TASKS = 1000000


class UsageError(Exception):
    """A wrong command line: one line naming the problem and the fix."""


def cores():
    return len(os.sched_getaffinity(0)) or 1


# Common options: name -> (kind, minimum, maximum, help). The workload's come from its module.
COMMON = {
    "model": ("str", 0, 0, "one of: " + ", ".join(MODELS) + " (required)"),
    "tasks": ("int", 1, MAX_TASKS, "tasks to run (default: the workload's, as simul)"),
    "workers": ("int", 0, MAX_TASKS, "python-threads/-processes pool size; 0 = one per task"),
    "limit": ("int", 1, MAX_TASKS, "at most L tasks in flight: asyncio.Semaphore, or the pool bound"),
    "cores": ("int", 1, 65536, "cores the prediction assumes (default: this machine's)"),
    "format": ("str", 0, 0, "text, csv or json (default text)"),
    "no-header": ("flag", 0, 0, "csv: omit the header line"),
    "timeout": ("float", 0.001, 1e6, "fail (exit 1, children killed) if the run takes longer"),
}
# simul's options that mean nothing here, and what to do instead.
REFUSED = {
    "gil": "--gil is simul's emulation; CPython's own GIL is always on here: drop it",
    "stack-kib": "--stack-kib sizes simul's coroutine stacks; CPython's coroutines have none: drop it",
    "trace": "--trace is not written by the peers: drop it, or run simul for a timeline",
}


def number(flag, text, kind, lo, hi):
    what, span = ("a whole number", f"{lo:.0f} to {hi:.0f}") if kind == "int" else ("a number", f"{lo:g} to {hi:g}")
    if not text:
        raise UsageError(f"--{flag} is empty: give {what} from {span}")
    if text[0] == "-":
        raise UsageError(f"--{flag} '{text}' is negative: give {what} from {span}")
    try:
        if kind == "int":
            if not text.isdigit():
                raise ValueError
            v = int(text)
        else:
            if not (text[0].isdigit() or text[0] == "."):
                raise ValueError
            v = float(text)
            if not math.isfinite(v):
                raise ValueError
    except ValueError:
        raise UsageError(f"--{flag} '{text}' is not {what}: give one from {span}") from None
    if not lo <= v <= hi:
        raise UsageError(f"--{flag} '{text}' is out of range: give {what} from {span}")
    return v


def parse(argv, workloads):
    """argv after `run`: WORKLOAD then options. workloads: name -> module with OPTIONS, TASKS."""
    if not argv or argv[0].startswith("-"):
        raise UsageError("name a workload first: one of " + ", ".join(workloads))
    if argv[0] not in workloads:
        raise UsageError(f"unknown workload '{argv[0]}': choose one of " + ", ".join(workloads))
    mod = workloads[argv[0]]
    table = dict(COMMON)
    table.update({o[0]: o[1:] for o in mod.OPTIONS})
    got = {}
    i = 1
    while i < len(argv):
        a = argv[i]
        if not a.startswith("--"):
            raise UsageError(f"unexpected argument '{a}'")
        name, eq, val = a[2:].partition("=")
        i += 1
        if name == "help":
            got["help"] = True
            continue
        if name in REFUSED:
            raise UsageError(REFUSED[name])
        if name not in table:
            raise UsageError(f"unknown option '--{name}' for workload {argv[0]}")
        kind, lo, hi = table[name][:3]
        if kind == "flag":
            if eq:
                raise UsageError(f"--{name} takes no value")
            got[name] = True
            continue
        if not eq:
            if i >= len(argv):
                raise UsageError(f"--{name} needs a value")
            val = argv[i]
            i += 1
        got[name] = val if kind == "str" else number(name, val, kind, lo, hi)
    return finish(argv[0], mod, table, got)


def finish(workload, mod, table, got):
    if got.get("help"):
        return types.SimpleNamespace(help=True, workload=workload, module=mod, table=table)
    model = got.get("model")
    if model is None:
        raise UsageError("--model is missing: choose one of " + ", ".join(MODELS))
    if model not in MODELS:
        raise UsageError(f"unknown model '{model}': choose one of " + ", ".join(MODELS))
    if model not in models_of(mod):
        raise UsageError(f"{workload} does not run under {model}: choose one of " + ", ".join(models_of(mod)))
    fmt = got.get("format", "text")
    if fmt not in ("text", "csv", "json"):
        raise UsageError(f"--format '{fmt}' is unknown: use text, csv or json")
    if "workers" in got and model not in POOLS:
        raise UsageError(f"--workers applies to {' and '.join(POOLS)}, not {model}: drop it or use --limit")
    c = types.SimpleNamespace(help=False, workload=workload, module=mod, model=model, format=fmt,
                              header=not got.get("no-header"), limit=got.get("limit", 0),
                              cores=got.get("cores", cores()), timeout=got.get("timeout", 0),
                              tasks_given="tasks" in got, tasks=got.get("tasks", mod.TASKS))
    c.workers = got.get("workers", getattr(mod, "THREADS", None) if model == "python-threads" else None)
    if c.workers is None:
        c.workers = default_workers(model)
    for o in mod.OPTIONS:
        name, kind, lo, hi, _, default = o
        v = got.get(name, default)
        if v is not None and name not in got and kind in ("int", "float"):
            v = number(name, str(default), kind, lo, hi)
        setattr(c, name.replace("-", "_"), v)
        setattr(c, name.replace("-", "_") + "_given", name in got)
    return c


def models_of(mod):
    """The models a workload's module runs."""
    return getattr(mod, "MODELS", BASIC)


def default_workers(model):
    """The executors' own defaults: ThreadPoolExecutor min(32, cpu_count + 4), ProcessPoolExecutor
    cpu_count (a workload's module may say otherwise: fetch's THREADS, the document's 4)."""
    return {"python-threads": min(32, cores() + 4), "python-processes": cores()}.get(model, 0)


def concurrency(c):
    """Tasks in flight at once, as simul's sim_run_concurrency: 1, the pool, or the limit."""
    n = c.tasks
    if c.model == "python-sequential":
        n = 1
    elif c.model in POOLS and 0 < c.workers < n:
        n = c.workers
    if 0 < c.limit < n:
        n = c.limit
    return max(n, 1)


def help_text(c):
    lines = [f"usage: peer.py run {c.workload} --model MODEL [options]", "", c.module.SUMMARY, "", "models:"]
    lines += [f"  {m:<18} {h['summary']}" for m, h in MODELS.items()]
    lines += ["", "options:"]
    for name, (kind, *_rest) in c.table.items():
        hint = _rest[2] if len(_rest) > 2 else ""
        arg = "" if kind == "flag" else " S" if kind == "str" else " X"
        default = _rest[3] if len(_rest) > 3 and _rest[3] is not None else None
        lines.append(f"  --{name + arg:<18} {hint}" + (f" (default {default})" if default is not None else ""))
    lines += ["", "exit status: 0 done and verified; 1 the run failed (one line on stderr says why);",
              "2 the command line was wrong."]
    return "\n".join(lines)
