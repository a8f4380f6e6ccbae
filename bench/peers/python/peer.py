#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# peer.py: the documents' own Python programs behind simul's command line; one verified record per run.
"""usage: peer.py run WORKLOAD --model MODEL [options] [--format text|csv|json]
       peer.py predict WORKLOAD --model MODEL [options] [--format text|csv|json]
       peer.py list [--format text|json]
       peer.py predict --batch

Workloads: sleep, sumsq, fetch, chess, lag, spawn, switch, mixed; models: python-sequential,
python-threads, python-processes, python-asyncio, python-uvloop, and for sleep, lag and mixed
python-asyncio-threadpool and python-asyncio-processpool (run_in_executor). 'peer.py run
WORKLOAD --help' lists the options. predict: the run's set-up (its server, its calibration) and its prediction only,
as `simul predict`. list: the models and workloads, as `simul list` (the bench's harness
reads it). predict --batch: one JSON array of predict's arguments a line on standard input,
one JSON object a line out ({"code", "out", "err"}: what that predict would have exited with
and printed), so that planning a bench starts one interpreter, not one a command. Exit status: 0 done and verified; 1 the run failed, or a library is missing
(the line says what to install); 2 the command line was wrong."""
import asyncio
import contextlib
import importlib
import io
import json
import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # our modules leave no __pycache__ in the source tree
import chess  # noqa: E402 - our modules after that line, on purpose
import fetch  # noqa: E402
import lag  # noqa: E402
import mixed  # noqa: E402
import models  # noqa: E402
import options  # noqa: E402
import record  # noqa: E402
import sleep  # noqa: E402
import spawn  # noqa: E402
import sumsq  # noqa: E402
import switch  # noqa: E402
from options import UsageError  # noqa: E402
from record import RunFailed  # noqa: E402

WORKLOADS = {"sleep": sleep, "sumsq": sumsq, "fetch": fetch, "chess": chess, "lag": lag, "spawn": spawn,
             "switch": switch, "mixed": mixed}
USAGE = ("usage: peer.py run|predict WORKLOAD --model MODEL [options], or peer.py list; "
         "'peer.py run WORKLOAD --help' lists the options")


def require(c, mod):
    """The model's and the workload's libraries, before anything runs; missing: say what to install."""
    for lib, pkg in [models.NEEDS.get(c.model, (None, None))] + list(mod.needs(c.model)):
        if lib is None:
            continue
        try:
            importlib.import_module(lib)
        except ImportError:
            raise RunFailed(f"needs {pkg}: apt-get install {pkg}") from None


def arm(c):
    """--timeout, SIGTERM and SIGINT: kill the children, one line, exit 1, no record."""
    def abort(signum, _frame):
        for kill in record.ON_ABORT:
            with contextlib.suppress(Exception):
                kill()
        why = (f"timed out after {c.timeout:g} s: raise --timeout, or give fewer --tasks"
               if signum == signal.SIGALRM else f"interrupted by signal {signum}")
        os.write(2, f"peer: {c.workload} under {c.model}: {why}\n".encode())
        os._exit(1)
    for s in (signal.SIGTERM, signal.SIGINT):
        if signal.getsignal(s) != signal.SIG_IGN:  # one that came ignored stays so, as in simul
            signal.signal(s, abort)
    signal.signal(signal.SIGALRM, abort)  # our own --timeout's
    if c.timeout:
        signal.setitimer(signal.ITIMER_REAL, c.timeout)


def failures(c, results):
    bad = [(i, r) for i, r in enumerate(results) if isinstance(r, (models.Failed, BaseException))]
    if bad:
        i, r = bad[0]
        why = r.why if isinstance(r, models.Failed) else models.Failed(r).why
        raise RunFailed(f"{len(bad)} of {c.tasks} tasks failed; the first, task {i}: {why}")


@contextlib.contextmanager
def prepared(c, mod):
    """The loop (for the two loop models), then the workload's set-up: (runner, state)."""
    with contextlib.ExitStack() as stack:
        runner = None
        if c.model in models.ASYNC:
            runner = stack.enter_context(asyncio.Runner(loop_factory=models.loop_factory(c.model)))
            runner.run(asyncio.sleep(0))  # the loop exists before the timed region
        yield runner, stack.enter_context(mod.setup(c, runner))


def run(c, mod, startup_s, t_ready):
    """t_ready: when the interpreter, its imports and our own were done (startup_s after exec)."""
    with prepared(c, mod) as (runner, st), contextlib.ExitStack() as stack:
        timed = getattr(mod, "timed", None)  # a workload that runs each model its own way (spawn, switch)
        pool = stack.enter_context(models.process_pool(c)) if c.model == "python-processes" and not timed else None
        pool = pool or getattr(st, "prestarted", None)
        setup_s = time.monotonic() - t_ready  # checks (chess asks simul), servers, calibration, pools
        with record.Measure() as m:
            if timed:
                results = timed(c, st, runner, m)
            elif runner:
                results = runner.run(mod.gather_all(c, st))
                m.stop()
            else:
                results = models.run_blocking(c, mod, st, m, pool)
        failures(c, results)
        why = mod.verify(c, st, results)
        if why:
            raise RunFailed(f"result did not verify: {why}")
        own = mod.fields(c, st, results, m)
        extra = [("runtime", record.runtime_name(), True), ("startup_s", f"{startup_s:.3f}", False),
                 ("setup_s", f"{setup_s:.6f}", False), ("base_rss_kib", str(m.base_rss_kib), False),
                 ("pool_prestarted", "true" if pool else "false", False)]
        cols = record.fields_of(c, m, mod.predict(c, st), own, extra)
    record.emit(c, cols)


def predict(c, mod):
    """The run's set-up and its prediction, nothing timed: simul predict's record."""
    with prepared(c, mod) as (_, st):
        predicted_s = mod.predict(c, st)
    record.emit(c, record.predict_fields(c, predicted_s))


def caps(name, m):
    """The capability words a sweep selects models by, as `simul list` derives its own from
    what each model declares (bench/harness/sweeps.py)."""
    kind = m.get("workers_kind", "none")
    words = [("serial", m["serial"]), ("concurrent", not m["serial"]), ("per-task", not m["serial"]),
             ("parallel", m["parallel"]), ("pool", m["pool"]), ("threads", kind == "threads"),
             ("processes", kind == "processes"), ("gil", True), ("coroutines", name in models.ASYNC),
             ("offload", m.get("offload", False))]
    return [w for w, has in words if has]


def list_models(argv):
    """The models and workloads in `simul list --format json`'s shape, for the harness."""
    fmt = argv[1] if len(argv) == 2 and argv[0] == "--format" else "json" if argv == ["--format=json"] else None
    if argv and fmt not in ("json", "text"):
        print(f"peer.py list: want [--format text|json], not '{' '.join(argv)}'", file=sys.stderr)
        return 2
    ms = [dict(name=name, summary=m["summary"], detail="", pool=m["pool"], serial=m["serial"],
               parallel=m["parallel"], default_workers=options.default_workers(name),
               workers_kind=m.get("workers_kind", "none"), gil=True, stack_kib=False, family=m["family"],
               offload=m.get("offload", False), **({"offload_to": m["offload_to"]} if "offload_to" in m else {}),
               callbacks=False, caps=caps(name, m),
               workloads=[w for w, mod in WORKLOADS.items() if name in options.models_of(mod)],
               runtime=record.runtime_name())
          for name, m in options.MODELS.items()]
    ws = [dict(name=name, summary=mod.SUMMARY, default_tasks=mod.TASKS) for name, mod in WORKLOADS.items()]
    if fmt == "json":
        print(json.dumps({"models": ms, "workloads": ws}, separators=(",", ":")))
    else:
        print("models:\n" + "\n".join(f"  {m['name']:<27} {m['summary']}" for m in ms))
        print("workloads:\n" + "\n".join(f"  {w['name']:<18} {w['summary']}" for w in ws))
    return 0


def batch():
    """predict --batch: every line's prediction in this one interpreter."""
    for line in sys.stdin:
        if not line.strip():
            continue
        out, err = io.StringIO(), io.StringIO()
        try:
            args = json.loads(line)
            if not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
                raise ValueError("not an array of strings")
        except ValueError as e:
            code = 2
            err.write(f"peer.py predict --batch: a line is not a JSON array of arguments ({e})\n")
        else:
            cpus = os.sched_getaffinity(0)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["peer.py", "predict"] + args)
            signal.setitimer(signal.ITIMER_REAL, 0)  # this command's --timeout ends with it
            os.sched_setaffinity(0, cpus)  # and its --pin (spawn's, switch's set-up pins this process)
            record.ON_ABORT.clear()
        print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}), flush=True)
    return 0


def main(argv):
    startup_s, t_ready = record.since_process_start(), time.monotonic()
    if len(argv) < 2:  # a command line that is wrong: the usage is an error's, on stderr
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] in ("--help", "-h", "help"):
        print(__doc__)
        return 0
    if argv[1] == "list":
        return list_models(argv[2:])
    if argv[1:] == ["predict", "--batch"]:
        return batch()
    if argv[1] not in ("run", "predict"):
        print(f"peer.py: unknown command '{argv[1]}': use run, predict or list\n{USAGE}", file=sys.stderr)
        return 2
    c = None
    try:
        c = options.parse(argv[2:], WORKLOADS)
        if c.help:
            print(options.help_text(c))
            return 0
        mod = c.__dict__.pop("module")  # the namespace goes to pool workers: plain values only
        mod.check(c)
        models.check_capacity(c)
        require(c, mod)
        arm(c)
        if argv[1] == "predict":
            predict(c, mod)
        else:
            run(c, mod, startup_s, t_ready)
        return 0
    except UsageError as e:
        print(f"peer.py {argv[1]}: {e}\n{USAGE}", file=sys.stderr)
        return 2
    except RunFailed as e:
        print(f"peer: {c.workload} under {c.model}: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - a bug still ends in one line and exit 1, no record
        where = f"{c.workload} under {c.model}" if getattr(c, "model", None) else "run"
        print(f"peer: {where}: failed: {models.Failed(e).why}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
