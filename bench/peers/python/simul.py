# SPDX-License-Identifier: MIT
# simul.py: what the peers borrow from the simul binary: its loopback server, and sleep's and chess's predictions.
import csv
import ctypes
import os
import signal
import subprocess

from options import UsageError, concurrency
from record import ON_ABORT, RunFailed

HERE = os.path.dirname(os.path.abspath(__file__))


def binary():
    """$SIMUL, else the build tree's build/simul; None if neither is there."""
    for path in (os.environ.get("SIMUL"), os.path.join(HERE, "..", "..", "..", "build", "simul")):
        if path and os.access(path, os.X_OK):
            return os.path.abspath(path)
    return None


def need(why):
    path = binary()
    if not path:
        raise RunFailed(f"{why} needs the simul binary: run `make build`, or set SIMUL=/path/to/simul")
    return path


def predict(args):
    """`simul predict ARGS --format csv` as a dict of its record; its exit 2 is ours."""
    p = subprocess.run([need("the prediction"), "predict", *args, "--format", "csv"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode == 2:
        first = (p.stderr.strip().splitlines() or ["bad arguments"])[0]
        raise UsageError(first.removeprefix("simul predict: "))
    if p.returncode != 0:
        raise RunFailed("simul predict failed: " + (p.stderr.strip().splitlines() or ["?"])[0])
    rows = list(csv.reader(p.stdout.splitlines()))
    return dict(zip(rows[0], rows[1]))


def predict_waves(c, workload, options):
    """simul's prediction of a run whose time is its waves alone (sleep): the same N tasks, in
    waves of this run's concurrency C (1, the pool, or the limit), as simul's eventloop with
    --limit C predicts them. The formula lives in simul alone; every peer asks it."""
    n, conc = c.tasks, concurrency(c)
    args = [workload, "--model", "eventloop", "--tasks", str(n)] + (["--limit", str(conc)] if conc < n else [])
    return float(predict(args + [str(x) for x in options])["predicted_s"])


def _die_with_parent():
    # The server must not outlive a peer that is killed (hyperfine's timeout, a ^C).
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """A `simul serve` on a free loopback port, for as long as the with-block lasts."""

    def __init__(self, latency_ms, body_bytes):
        self.args = [need("fetch without --url"), "serve", "--port", "0", "--latency-ms", str(latency_ms),
                     "--bytes", str(body_bytes)]

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     preexec_fn=_die_with_parent)
        ON_ABORT.append(self.proc.kill)
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RunFailed("the `simul serve` we started did not report its address: run "
                            "`simul serve --port 0` by hand to see why")
        self.url = line
        return self

    def stop(self):
        # Reaped after the run's getrusage: the server's CPU stays out of the peer's figures.
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc):
        self.stop()
        return False
