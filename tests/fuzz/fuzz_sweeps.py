# SPDX-License-Identifier: MIT
# fuzz_sweeps.py: a coverage-guided mutational fuzzer for the sweep-file parser (bench/harness/sweeps.py), standard library only.
"""  python3 fuzz_sweeps.py --seconds S --seeds DIR --work DIR --crashes DIR [--seed N]

Debian has no atheris, so this is the same idea in a page of Python: inputs are mutated from
a corpus (the seeds, then whatever reached lines of sweeps.py not reached before, traced with
sys.settrace) and each is parsed, full and --quick. An input must either parse or end in the
harness's one-line usage error (SystemExit 2, one line "simul bench: ..." on stderr);
anything else (a traceback, another exit code, more lines) is a crash: the input is kept
in CRASHES and the run fails. Like libFuzzer it ends with "Done N runs in S second(s)".
"""
import argparse
import contextlib
import hashlib
import io
import os
import random
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from harness import sweeps  # noqa: E402

WORDS = [b"claim ", b"order ", b"charts ", b"warmup ", b"runs ", b"rounds ", b"run ", b"predict ",
         b"exec ", b"quick ", b"full ", b"budget ", b"time-budget ", b"expect ", b"C1", b"|", b" | ", b"=", b",", b"#", b"\n", b"\r\n", b"\t", b" ", b"{trace}",
         b"{root}", b"tasks=1,2", b"--model eventloop", b"0", b"7", b"99999999999999999999", b"-1",
         "\u00b2".encode(), "\u0663".encode(), "\u00a0".encode(), b"\xff", b"\xc3", b"\x00", b".sweep"]


def lines_of(path, quick):
    """Parse under a tracer of sweeps.py's lines; the (previous, line) pairs it passed and the outcome."""
    seen, last = set(), [0]
    target = sweeps.__file__

    def local(frame, event, arg):
        if event == "line":
            seen.add((last[0], frame.f_lineno))
            last[0] = frame.f_lineno
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == target else None

    err = io.StringIO()
    outcome = None
    sys.settrace(tracer)
    try:
        with contextlib.redirect_stderr(err):
            spec = sweeps.parse(path, quick=quick)
        check_spec(spec)
    except SystemExit as e:
        outcome = ("exit", e.code, err.getvalue())
    except BaseException as e:  # noqa: B902: every other exception is the finding
        outcome = ("exception", e, err.getvalue())
    finally:
        sys.settrace(None)
    return seen, outcome


def check_spec(spec):
    """What a parsed sweep promises the rest of the harness."""
    assert spec.claim, "parsed without a claim"
    assert 0 <= spec.time_budget < 1e9 and spec.time_budget == spec.time_budget, spec.time_budget
    for line in spec.lines:
        assert line.kind in sweeps.COMMAND_KINDS and line.series and line.args, line
        assert all(name and "" not in vals for name, vals in line.params), ("an empty name or value", line)
        size = 1
        for _, vals in line.params:
            size *= len(vals)
        if size <= 10000:
            sweeps.product(line.params)


def bad(outcome):
    """Why an outcome is a crash, or None when it is a parse or the one-line usage error."""
    if outcome is None:
        return None
    kind, what, err = outcome
    if kind == "exception":
        return "%s: %s" % (type(what).__name__, what)
    lines = err.splitlines()
    if what != 2 or len(lines) != 1 or not lines[0].startswith("simul bench: "):
        return "exit %r with stderr %r" % (what, err[:300])
    return None


def position(b, rnd):
    """Where to edit: as often as not just after a space, a '|', '=', ',' or a line's start,
    where the parser's words begin."""
    if b and rnd.random() < 0.5:
        starts = [i + 1 for i, c in enumerate(b) if c in b" \n|=,"]
        if starts:
            return rnd.choice(starts)
    return rnd.randint(0, len(b))


def mutate(data, corpus, rnd):
    """One to four random edits: bytes flipped, words or bytes inserted, ranges cut or doubled, lines swapped, a splice."""
    b = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(7)
        pos = position(b, rnd)
        if op == 0 and b:
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[pos:pos] = rnd.choice(WORDS)
        elif op == 2:
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
        elif op == 3 and b:
            end = min(len(b), pos + rnd.randint(1, 16))
            del b[pos:end]
        elif op == 4 and b:
            end = min(len(b), pos + rnd.randint(1, 64))
            b[pos:pos] = b[pos:end]
        elif op == 5:
            lines = bytes(b).split(b"\n")
            i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            b = bytearray(b"\n".join(lines))
        else:
            other = rnd.choice(corpus)
            b = b[:pos] + other[rnd.randint(0, len(other)):]
    return bytes(b[:8192])


def load(dirs):
    corpus = []
    for d in dirs:
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    corpus.append(f.read())
    return corpus or [b"claim C1\nrun s | n=1 | sleep --model sequential\n"]


def fuzz(args):
    """The loop; 0 when no input crashed, 1 (the input kept) at the first that did."""
    rnd = random.Random(args.seed)
    os.makedirs(args.work, exist_ok=True)
    seeds = load([args.seeds])
    corpus = seeds + load([args.work])
    covered, added, runs = set(), 0, 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fuzz.sweep")
        queue = list(corpus)
        while time.monotonic() - start < args.seconds:
            data = queue.pop() if queue else mutate(rnd.choice(corpus), corpus, rnd)
            with open(path, "wb") as f:
                f.write(data)
            new = False
            for quick in (False, True):
                seen, outcome = lines_of(path, quick)
                runs += 1
                why = bad(outcome)
                if why:
                    return crashed(args, data, why, runs)
                new |= not seen <= covered
                covered |= seen
            if new and data not in corpus:
                corpus.append(data)
                added += 1
                name = hashlib.sha1(data).hexdigest()
                with open(os.path.join(args.work, name), "wb") as f:
                    f.write(data)
    secs = int(time.monotonic() - start)
    print("fuzz_sweeps: Done %d runs in %d second(s); %d line pairs of sweeps.py covered; corpus %d kept "
          "(%d new this run) + %d seeds" % (runs, secs, len(covered), len(os.listdir(args.work)), added, len(seeds)))
    return 0


def crashed(args, data, why, runs):
    os.makedirs(args.crashes, exist_ok=True)
    out = os.path.join(args.crashes, "sweeps-" + hashlib.sha1(data).hexdigest())
    with open(out, "wb") as f:
        f.write(data)
    print("fuzz_sweeps: CRASHED after %d runs: %s; the input is in %s" % (runs, why, out))
    return 1


def main():
    p = argparse.ArgumentParser(description="fuzz bench/harness/sweeps.py's parser")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--seeds", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--crashes", required=True)
    p.add_argument("--seed", type=int, default=None)
    sys.exit(fuzz(p.parse_args()))


if __name__ == "__main__":
    main()
