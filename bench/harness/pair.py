# SPDX-License-Identifier: MIT
# pair.py: the machine's own parallelism, as a sweep's exec series: two independent simul runs at once, one record.
"""Usage: python3 pair.py [--solo] SIMUL ARGS...   runs `SIMUL run ARGS --format json` twice at
once and prints one record in simul's shape: the first's fields, wall_s the later of the two to
finish, tasks and n summed, copies 2, verified only if all were. --solo: one copy alone first;
the record adds solo_s (its wall time) and parallel_x = 2 x solo_s / wall_s (2 on two free cores). Beside a model's speed-up it is the
baseline C5 judges by: what two programs that share nothing get from this machine's cores now,
which a host that stacks both vCPUs on one core, or slows both when both are busy, cuts below the
cores' count (1.5x seen here in a QUICK run, 1.17x on a CI host). Exit 1 with one line when a
run fails; 2 on bad usage."""
import json
import subprocess
import sys


def main(argv):
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.split("\n\n")[0])
        return 0
    solo = argv[:1] == ["--solo"]
    argv = argv[1:] if solo else argv
    if len(argv) < 2:
        print("usage: python3 pair.py [--solo] SIMUL ARGS...", file=sys.stderr)
        return 2
    cmd = [argv[0], "run"] + argv[1:] + ["--format", "json"]
    first = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)] if solo else []
    outs = [p.communicate() for p in first]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs += [p.communicate() for p in procs]
    procs = first + procs
    recs = []
    for p, (out, err) in zip(procs, outs):
        if p.returncode != 0:
            print(f"pair: a copy exited {p.returncode}: {err.strip().splitlines()[-1] if err.strip() else 'no message'}",
                  file=sys.stderr)
            return 1
        try:
            recs.append(json.loads(out))
        except ValueError:
            print(f"pair: a copy printed no JSON record: {out[:120]!r}", file=sys.stderr)
            return 1
    alone, recs = (recs[0], recs[1:]) if solo else (None, recs)
    rec = dict(recs[0])
    rec["wall_s"] = max(r["wall_s"] for r in recs)
    for k in ("tasks", "n"):
        if all(isinstance(r.get(k), (int, float)) for r in recs):
            rec[k] = sum(r[k] for r in recs)
    if alone:
        rec["solo_s"] = alone["wall_s"]
        rec["parallel_x"] = round(2 * alone["wall_s"] / rec["wall_s"], 4)
        recs.append(alone)
    rec["copies"] = 2
    rec["verified"] = all(r.get("verified") is True for r in recs)
    print(json.dumps(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
