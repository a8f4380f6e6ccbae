#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# make_base.py: tests/claims/base/ from a finished run (results/reference): its CSVs, env, lists and plans trimmed to what the judges read.
"""Run once to (re)make the fixtures' base; the cases (cases.json) are mutations of it, so a
fixture stays a few lines a case. Usage: python3 tests/claims/make_base.py RUN_DIR"""
import json
import os
import shutil
import sys

KEEP = ("idx", "series", "params", "program", "kind", "skipped", "predicted_s", "predict_record", "name", "error",
        "over_budget")


def main(run, out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "raw"))
    for f in ("env.txt", "sweeps.txt"):
        shutil.copy(os.path.join(run, f), out)
    for f in os.listdir(run):
        if f.endswith(".csv"):
            shutil.copy(os.path.join(run, f), out)
    for f in os.listdir(os.path.join(run, "raw")):
        src = os.path.join(run, "raw", f)
        if f.endswith("_list.json"):
            shutil.copy(src, os.path.join(out, "raw"))
        elif f.endswith(".plan.json"):
            with open(src) as fh:
                doc = json.load(fh)
            doc["commands"] = [{k: c[k] for k in KEEP if k in c} for c in doc["commands"]]
            doc = {k: v for k, v in doc.items() if k in ("name", "claim", "commands", "stops", "runs", "warmup", "rounds")}
            with open(os.path.join(out, "raw", f), "w") as fh:
                json.dump(doc, fh, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1], os.path.join(os.path.dirname(os.path.abspath(__file__)), "base"))
