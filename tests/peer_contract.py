#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# peer_contract.py: a peer's record against simul's for the same workload: its fields, their order, JSON types and units.
"""usage: peer_contract.py SIMUL_RECORD PEER_RECORD   (each one JSON object, as --format json prints)

A peer (bench/peers/) prints simul's record: simul's fields in simul's order, then the peers'
own five. This is the one check every peer passes, field by field:
- names and order: simul's, then PEER_OWN;
- types: each field the JSON type simul gives it (a number where simul prints a number, a
  string, a boolean), the peers' own as PEER_OWN says;
- units, read from the name's suffix (_s seconds, _ms, _us, _ns, _kib, _h hours): a number, and
  where the record says the same quantity twice, or the workload fixes it, the two agree, so
  a peer that wrote milliseconds into a _s field, or bytes into a _kib one, fails.
Prints one line per problem and exits 1; prints nothing and exits 0 when the record conforms;
exits 2 on a command line or a record it cannot read."""
import json
import sys

PEER_OWN = {"runtime": str, "startup_s": (int, float), "setup_s": (int, float), "base_rss_kib": (int, float),
            "pool_prestarted": bool}
UNITS = ("_s", "_ms", "_us", "_ns", "_kib", "_h")
# simul's own, which no peer has: which stack its coroutines ran on.
SIMUL_OWN = ("stack",)


def jtype(v):
    return "boolean" if isinstance(v, bool) else "number" if isinstance(v, (int, float)) else \
        "string" if isinstance(v, str) else "null" if v is None else type(v).__name__


def fields(simul, peer):
    want, got = [k for k in simul if k not in SIMUL_OWN] + list(PEER_OWN), list(peer)
    if got != want:
        extra = [k for k in got if k not in want]
        missing = [k for k in want if k not in got]
        what = (f"missing {', '.join(missing)}" if missing else "") + ("; " if missing and extra else "") + \
               (f"not simul's: {', '.join(extra)}" if extra else "")
        return [f"fields: {what or 'out of simul order'} (simul's order, then {', '.join(PEER_OWN)})"]
    return []


def types(simul, peer):
    out = []
    for k, v in peer.items():
        if k in PEER_OWN:
            ok = isinstance(v, PEER_OWN[k]) and not (PEER_OWN[k] is not bool and isinstance(v, bool))
            want = "a boolean" if PEER_OWN[k] is bool else "a string" if PEER_OWN[k] is str else "a number"
        elif k in simul:
            ok, want = jtype(v) == jtype(simul[k]), f"a {jtype(simul[k])}, as simul's"
        else:
            continue
        if not ok:
            out.append(f"{k}: {json.dumps(v)} is not {want}")
    return out


def num(r, k):
    v = r.get(k)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def units(rec):
    """What a record says twice, or what its workload fixes, in the units its names give."""
    out = []
    for k, v in rec.items():
        if k.endswith(UNITS) and v is not None and num(rec, k) is None:
            out.append(f"{k}: {json.dumps(v)}: a unit's name, not a number")
    wall, tasks = num(rec, "wall_s"), num(rec, "tasks")
    if wall is not None and not 0 < wall < 3600:
        out.append(f"wall_s: {wall}: not the seconds of a test's run")
    for k in ("max_rss_kib", "mem_kib", "base_rss_kib"):
        m = num(rec, k)
        if m is not None and m > 0 and not 100 <= m <= 1e8:
            out.append(f"{k}: {m}: not a process's size in KiB (100 KiB to 100 GiB)")
    cpu = (num(rec, "user_s") or 0) + (num(rec, "sys_s") or 0)
    if wall and tasks is not None and cpu > wall * max(tasks, 8) + 1:
        out.append(f"user_s + sys_s: {cpu:.3f} s of CPU in {wall:.3f} s of wall time: not seconds")
    w = rec.get("workload")
    ms, rounds = num(rec, "ms"), num(rec, "rounds")
    if w == "sleep" and ms and wall is not None and wall < 0.9 * ms * (rounds or 1) / 1000:
        out.append(f"wall_s: {wall} s for sleeps of {ms:g} ms: shorter than one sleep")
    h, scale = num(rec, "measured_h"), num(rec, "scale")
    if w == "chess" and h and scale and wall and not 0.5 <= h * scale * 3600 / wall <= 2:
        out.append(f"measured_h: {h} h at scale {scale:g} is {h * scale * 3600:.3f} s, against wall_s {wall:.3f} s")
    return out


def against(simul, peer):
    """Sizes beside simul's for the same run: an interpreter's is larger, but not by the 1024
    of bytes or MiB; and a run beside its own prediction: a peer predicts with simul's formulas,
    so its wall time in another unit than the prediction's (1000x) stands out against simul's."""
    out = []
    for k, v in peer.items():
        a, b = num(simul, k), num(peer, k)
        if k.endswith("_kib") and a and b and not 1 / 200 <= b / a <= 200:
            out.append(f"{k}: {b:g} against simul's {a:g} for the same run: not KiB")
    # A run beside its prediction, as far off as simul's own of the same run, within 300x either
    # way (a tiny run is mostly fixed costs, and an interpreter's task far above C's floor).
    # Not where the prediction is N times a bare primitive (floor_ns: spawn, switch): an
    # interpreter's task or switch is then hundreds of times its floor, as a unit's error would be.
    wall, pred, sw, sp = num(peer, "wall_s"), num(peer, "predicted_s"), num(simul, "wall_s"), num(simul, "predicted_s")
    if wall and pred and sw and sp and "floor_ns" not in peer and not 1 / 300 <= (wall / pred) / (sw / sp) <= 300:
        out.append(f"wall_s: {wall:g} against its own predicted_s {pred:g} ({wall / pred:.3g}x; simul's run "
                   f"{sw / sp:.3g}x its own): not the same unit")
    return out


def check(simul, peer):
    return fields(simul, peer) + types(simul, peer) + units(peer) + against(simul, peer)


def main(argv):
    if len(argv) != 3:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    try:
        simul, peer = json.loads(argv[1]), json.loads(argv[2])
    except json.JSONDecodeError as e:
        print(f"peer_contract.py: a record is not JSON: {e}", file=sys.stderr)
        return 2
    if not isinstance(simul, dict) or not isinstance(peer, dict):
        print("peer_contract.py: a record is not a JSON object", file=sys.stderr)
        return 2
    problems = check(simul, peer)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
