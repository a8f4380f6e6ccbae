# SPDX-License-Identifier: MIT
# join.py: hyperfine's times and simul's records of one sweep, joined into NAME.csv, one row per command.
import csv
import io
import json
import os
import statistics

from .util import first_line_of, read_json, read_jsonl, write_atomic

# hyperfine's and the harness's columns come first; a record field of the same name is prefixed rec_.
BASE = ["sweep", "claim", "series", "idx", "status", "runs_ok", "runs_total", "mean_s", "sd_s",
        "median_s", "min_s", "max_s", "run_mean_s", "run_sd_s", "predicted_s", "first_error"]


def rec_column(key):
    return "rec_" + key if key in BASE or key == "records" else key


def invocations(plan):
    """hyperfine's invocations of a sweep, [{warmup, runs, order}] (order: command indices in
    the order they ran); a plan from before the interleaving ran every command in every round
    in the plan's order."""
    if plan.get("invocations") is not None:
        return plan["invocations"]
    order = [c["idx"] for c in plan["commands"] if c.get("shell")]
    return [{"warmup": plan["warmup"], "runs": plan["runs"], "order": order}] * plan["rounds"]


def hyperfine_times(raw, plan):
    """{idx: {times, codes, missing, layout}} from raw/NAME.rK.json, the K-th invocation:
    each command's times and exit codes over every invocation that ran it, whether one of those
    left no result, and its (warm-up, runs) in each, in the order they ran (its records follow
    the same order)."""
    out = {}
    for k, inv in enumerate(invocations(plan), 1):
        p = os.path.join(raw, f"{plan['name']}.r{k}.json")
        res = read_json(p)["results"] if os.path.exists(p) else None
        for j, idx in enumerate(inv["order"]):
            e = out.setdefault(idx, {"times": [], "codes": [], "missing": False, "layout": []})
            e["layout"].append((inv["warmup"], inv["runs"]))
            if res is None or j >= len(res):
                e["missing"] = True
                continue
            e["times"] += res[j]["times"]
            e["codes"] += [x if x is not None else -1 for x in res[j].get("exit_codes", [0] * len(res[j]["times"]))]
    return out


def predicted_row(row, c):
    """A `predict` line, a command over the sweep's budget (its prediction stands for it), or a
    command whose prediction failed (so hyperfine never ran it)."""
    over = c.get("over_budget") or c.get("over_time_budget")
    row["status"] = "predicted" if (c["kind"] == "predict" or over) and not c["error"] else "failed"
    if c.get("over_time_budget") and c.get("spawn_s") and c["predicted_s"] is not None:
        # Drawn in place of a run the time-budget left out: the workload's prediction and its
        # tasks' creation, as the plan estimated the run (10,000 forked sleeps of 100 ms: 19 s,
        # not the sleep's 0.1 s).
        row["predicted_s"] = "%.6g" % (c["predicted_s"] + c["spawn_s"])
    row["first_error"] = c["error"]
    for k, v in (c.get("predict_record") or {}).items():
        row.setdefault("rec_" + k if k in BASE else k, v)
    return row


def status_of(row, plan, times, codes, recs, err, missing, hf_status, layout):
    """ok only when every run exited 0, every run left a record and every record is verified."""
    ok_times = [t for t, x in zip(times, codes) if x == 0]
    expected = sum(w + r for w, r in layout)
    failed_runs = sum(1 for x in codes if x != 0)
    row["runs_total"], row["runs_ok"] = len(times), len(ok_times)
    verified = bool(recs) and all(r.get("verified") is True for r in recs)
    row["status"], row["first_error"] = "failed", ""
    if missing:
        row["first_error"] = err or hf_status or "hyperfine did not finish this command"
    elif failed_runs or not verified or len(recs) < expected or not ok_times:
        row["first_error"] = err or (f"{failed_runs} runs exited non-zero" if failed_runs else
                                     f"{len(recs)} records for {expected} runs, or a record not verified")
    else:
        row["status"] = "ok"
    if row["status"] == "failed" and plan.get("stops") and not missing:
        # The sweep goes as far as each model can: where one stops is its finding.
        row["status"] = "stopped"
        if any(x == 124 for x in codes) and not err:
            row["first_error"] = "killed by the harness's watchdog (a run took too long)"
    return ok_times


def add_figures(row, plan, ok_times, recs, layout):
    """hyperfine's statistics, then simul's own figures: the median over the records (warm-up
    included: memory and context switches do not warm up), text fields from the last record."""
    row["mean_s"] = statistics.fmean(ok_times)
    row["sd_s"] = statistics.stdev(ok_times) if len(ok_times) > 1 else 0.0
    row["median_s"] = statistics.median(ok_times)
    row["min_s"], row["max_s"] = min(ok_times), max(ok_times)
    for k in recs[-1]:
        vals = [r[k] for r in recs if k in r]
        if isinstance(vals[-1], bool):
            row[rec_column(k)] = "true" if all(vals) else "false"
        elif isinstance(vals[-1], (int, float)):
            row[rec_column(k)] = statistics.median(vals)
        else:
            row[rec_column(k)] = vals[-1]
    row["records"] = len(recs)
    # simul's own wall time of the run (set-up such as a server's start or a calibration
    # excluded), over the measured runs: the warm-ups are the first records of each invocation.
    measured = [k >= w for w, r in layout for k in range(w + r)]
    walls = [r.get("wall_s") for r, m in zip(recs, measured) if m]
    walls = [w for w in walls if isinstance(w, (int, float))]
    if walls:
        row["run_mean_s"] = statistics.fmean(walls)
        row["run_sd_s"] = statistics.stdev(walls) if len(walls) > 1 else 0.0


def run_samples(ok_times, recs, layout):
    """Each measured run's own figures, in the order they ran: hyperfine's time and the numeric
    fields of simul's record (warm-ups left out), what uncertainty.py resamples to give every
    check an interval over the runs."""
    measured = [k >= w for w, r in layout for k in range(w + r)]
    mrecs = [r for r, m in zip(recs, measured) if m]
    if len(mrecs) != len(ok_times):
        mrecs = []  # records and times do not pair up: the times alone are resampled
    nums = [{k: v for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)} for r in mrecs]
    return {"times": list(ok_times), "recs": nums}


def fmt_cell(v):
    return "%.6g" % v if isinstance(v, float) else v


def write_csv(path, rows):
    fields = []
    for r in rows:
        fields += [k for k in r if k not in BASE and k not in fields]
    buf = io.StringIO()
    w = csv.DictWriter(buf, BASE + fields, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: fmt_cell(v) for k, v in r.items()})
    write_atomic(path, buf.getvalue())


def join(run_dir, name):
    raw = os.path.join(run_dir, "raw")
    plan = read_json(os.path.join(raw, f"{name}.plan.json"))
    hf = hyperfine_times(raw, plan)
    hf_status = first_line_of(os.path.join(raw, f"{name}.hyperfine.status"))
    rows, samples = [], {}
    skipped = [c for c in plan["commands"] if c.get("skipped")]
    for c in plan["commands"]:
        if c.get("skipped"):
            continue  # a peer that cannot run here: no row (the plan said what to install)
        row = {"sweep": name, "claim": plan["claim"], "series": c["series"], "idx": c["idx"]}
        row.update({"p_" + k: v for k, v in c["params"].items()})
        row["predicted_s"] = c["predicted_s"] if c["predicted_s"] is not None else ""
        if not c.get("shell"):
            rows.append(predicted_row(row, c))
            continue
        e = hf.get(c["idx"], {"times": [], "codes": [], "missing": True, "layout": []})
        recs = read_jsonl(os.path.join(raw, f"{name}.{c['idx']}.jsonl"))
        err = first_line_of(os.path.join(raw, f"{name}.{c['idx']}.err"))
        ok_times = status_of(row, plan, e["times"], e["codes"], recs, err, e["missing"], hf_status, e["layout"])
        if row["status"] == "ok":
            add_figures(row, plan, ok_times, recs, e["layout"])
            samples[c["idx"]] = run_samples(ok_times, recs, e["layout"])
        rows.append(row)
    write_csv(os.path.join(run_dir, f"{name}.csv"), rows)
    write_atomic(os.path.join(raw, f"{name}.samples.json"), json.dumps(samples))
    ok = sum(1 for r in rows if r["status"] in ("ok", "predicted"))
    bad = [r for r in rows if r["status"] == "failed"]
    stopped = sum(1 for r in rows if r["status"] == "stopped")
    msg = f"{name}: {ok} of {len(rows)} commands ok"
    if stopped:
        msg += f", {stopped} stopped at a model's limit (expected)"
    if bad:
        msg += f"; {len(bad)} failed, the first ({bad[0]['series']}): {bad[0]['first_error']}"
    if skipped:
        msg += f"; {len(skipped)} skipped (a peer that cannot run here: see the plan's line)"
    print(msg)
