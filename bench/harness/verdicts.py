# SPDX-License-Identifier: MIT
# verdicts.py: each claim's verdict (holds, does not hold, undecided, failed, not run) from its sweeps and its module's judge.
from dataclasses import dataclass, field

from . import fingerprint, uncertainty
from .util import fnum


@dataclass
class Result:
    claim: object                               # the claim's module
    sweeps: list = field(default_factory=list)  # the sweep files naming it, in their order
    verdict: str = "not run"
    why: str = ""
    detail: object = None                       # claims.Judgement, when the judge ran


def noise_note(loaded, names, env):
    """A clause on how much the runs of a claim's sweeps varied, when it is enough to matter."""
    worst = None
    for n in names:
        for r in loaded[n].ok_rows():
            if int(fnum(r.get("runs_ok")) or 0) >= 2 and fnum(r["mean_s"]):
                v = fnum(r["sd_s"]) / fnum(r["mean_s"])
                if worst is None or v > worst[0]:
                    worst = (v, r)
    if not worst or worst[0] < 0.10:
        return ""
    v, r = worst
    return (f" The runs varied by up to {v * 100:.0f}% (sd / mean, {r['series']}), with a load average of "
            f"{env.get('loadavg_start', '?').split()[0]} at the start and {env.get('loadavg_end', '?').split()[0]} "
            f"at the end on {env.get('cores', '?')} cores{fingerprint.others_phrase(env)}: read these figures as rough.")


def verdict_of(checks):
    """does not hold when a check fails beyond the noise; undecided when none does but one's
    resamples straddle its threshold (named, with why); holds when every check holds beyond it."""
    states = [ok for _, ok in checks]
    if any(ok is False for ok in states):
        return "does not hold", ""
    open_ = [text for text, ok in checks if ok is None]
    if open_:
        more = f" (and {len(open_) - 1} more)" if len(open_) > 1 else ""
        return "undecided", f"within the runs' noise: {open_[0]}{more}"
    return "holds", ""


def busy(env):
    """Why a check that fails here may be the machine's doing rather than the code's: the run
    began with other work on half the cores or more (fingerprint.busy_start), or the CPU's own speed (the fingerprint's CPU
    loop) drifted beyond its bound (fingerprint.py); '' on a quiet, steady machine. A claim
    that does not hold on such a run is undecided instead, with this reason: a run beside two
    busy loops must not turn a claim from holds to does not hold. (Creating a thread or a
    process moves by 30-60% between two fingerprints of a quiet run here: the report says
    so under the claims made of them, but that alone does not make a finding undecided.)"""
    b = fingerprint.busy_start(env)
    moved = {k: d for k, d in fingerprint.drifted(env).items() if k == "cpu_loop_ns"}
    parts = ([f"the machine was busy at the start ({b})"] if b else []) + \
        ([f"the machine changed during the run ({', '.join(f'{fingerprint.short(k)} {fingerprint.pct(d[2])}' for k, d in moved.items())})"]
         if moved else [])
    return " and ".join(parts) + ": judge it again on a quiet machine" if parts else ""


def run_judge(mod, names, loaded, ctx):
    """The module's judgement, or the error that kept it from judging (a failure, said plainly)."""
    judge = getattr(mod, "judge", None)
    if judge is None:
        return None, f"{mod.FILE} defines no judge(sweeps, ctx)"
    try:
        return uncertainty.judge(mod, {n: loaded[n] for n in names}, ctx), ""
    except Exception as e:  # a verdict that cannot be computed is a failure, not a traceback
        return None, f"report: {type(e).__name__}: {e}"


def judge_claim(mod, names, selected, loaded, ctx):
    res = Result(mod, names)
    if not names:
        res.why = f"no sweep yet: the {mod.WORKLOAD} workload is its own issue"
        return res
    # NEEDS: the sweeps a claim's judge cannot do without (default: every one naming it); the
    # others, when not selected, are left out.
    if any(n not in selected for n in getattr(mod, "NEEDS", names)):
        res.why = "not selected (--only)"
        return res
    names = [n for n in names if n in selected]
    res.verdict = "failed"
    missing = [n for n in names if n not in loaded or not loaded[n].joined]
    if missing:
        res.why = f"sweep {missing[0]} did not finish"
        return res
    fails = [r for n in names for r in loaded[n].failures()]
    res.detail, err = run_judge(mod, names, loaded, ctx)
    if err and not fails:
        fails = [{"first_error": err, "series": "?"}]
    d = res.detail
    if fails:
        res.why = f"{len(fails)} command(s) failed; the first ({fails[0]['series']}): {fails[0]['first_error']}"
    elif d and d.checks:
        res.verdict, res.why = verdict_of(d.checks)
        why = busy(ctx.env)
        if res.verdict == "does not hold" and why:
            failed = [text for text, ok in d.checks if ok is False]
            more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            res.verdict, res.why = "undecided", f"{failed[0]}{more} failed, but {why}"
        if why and d.peers:
            d.peers = [p.busy(why) if hasattr(p, "busy") else p for p in d.peers]
    else:
        res.why = "no measured point to judge"
    if d and d.sentence:
        d.sentence += noise_note(loaded, names, ctx.env)
    return res


def judge_all(claim_mods, specs, selected, loaded, ctx):
    """Every claim, in the claims' order, each with the sweeps that name it."""
    return [judge_claim(m, [s.name for s in specs if s.claim == m.ID], selected, loaded, ctx) for m in claim_mods]
