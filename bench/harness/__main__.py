# SPDX-License-Identifier: MIT
# __main__.py: the harness's subcommands, as bench.sh calls them.
"""  python3 -m harness plan RUN SWEEP_FILE... [--quick|--full]  expand the sweeps, ask `simul predict`
                                                     (and the peers) for each command, write
                                                     raw/NAME.plan.json and raw/NAME.plan.tsv
                                                     (hyperfine's commands for bench.sh)
  python3 -m harness join RUN NAME                   hyperfine's times + simul's records -> NAME.csv
  python3 -m harness report RUN                      charts/*.png|svg and REPORT.md from the CSVs
  python3 -m harness html RUN                        REPORT.html alone, from the run's CSVs and charts as they are
  python3 -m harness models RUN                      save `simul list --format json` in RUN/raw,
                                                     print env.txt's model_NAME lines
  python3 -m harness fingerprint RUN start|end       add `simul fingerprint` to env.txt (fingerprint.py)
  python3 -m harness settle SECONDS                  wait up to SECONDS while the machine is busy
  python3 -m harness rerun RUN SECONDS               more runs of the points behind undecided checks (rerun.py)
  python3 -m harness names                           the sweeps, in the order they run
  python3 -m harness expand SWEEP_FILE [--quick|--full]  the sweep's commands, each line's
                                                     '{model: WORDS}' expanded, nothing predicted:
                                                     KIND <tab> SERIES <tab> ARGUMENTS, one a line
  python3 -m harness claims                          the claims table (markdown), from the modules
"""
import os
import sys

from . import claims, fingerprint, join, models, peers, plan, report, report_html, rerun, sweeps
from . import util
from .util import die

USAGE = ("usage: python3 -m harness plan RUN SWEEP_FILE... [--quick|--full] | join RUN NAME | report RUN | html RUN | models RUN "
         "| fingerprint RUN start|end | settle SECONDS | rerun RUN SECONDS | names | claims | expand SWEEP_FILE [--quick|--full]")


def claims_table():
    specs = sweeps.all_specs()
    print("| claim | what the documents claim | workload | what \"holds\" means | sweeps |")
    print("|---|---|---|---|---|")
    for c in claims.discover():
        names = ", ".join(s.name for s in specs if s.claim == c.ID) or "none yet"
        print(f"| {c.ID} | {c.TITLE} | {c.WORKLOAD} | {c.HOLDS} | {names} |")


def expand(sweep_file, quick, full):
    """What a sweep would run, its capability lines expanded from the models' lists."""
    spec = sweeps.parse(sweep_file, quick, full)
    spec = sweeps.expand_models(spec, *models.for_sweep(spec))  # nothing saved: ask the programs
    for line in spec.lines:
        for combo in sweeps.product(line.params):
            name = line.series + "".join(f" {k}={v}" for k, v in combo.items())
            print(f"{line.program or line.kind}\t{name}\t{plan.substitute(line.args, combo, '{trace}')}")


def main(argv):
    # The peers a run includes (bench.sh --peers): a wrong name stops every subcommand alike.
    wrong = peers.check_selection(os.environ.get("SIMUL_PEERS", "all"))
    if wrong:
        die(wrong, 2)
    if len(argv) >= 2 and argv[0] != "settle":
        argv[1] = os.path.abspath(argv[1])
    cmd, n = (argv[0], len(argv)) if argv else ("", 0)
    if cmd == "plan" and [a for a in argv[2:] if a not in ("--quick", "--full")]:
        files = [os.path.abspath(a) for a in argv[2:] if a not in ("--quick", "--full")]
        plan.plan(argv[1], files, "--quick" in argv[3:], "--full" in argv[3:])
    elif cmd == "join" and n == 3:
        join.join(argv[1], argv[2])
    elif cmd == "report" and n == 2:
        sys.exit(report.report(argv[1]))
    elif cmd == "html" and n == 2:
        print(report_html.render(argv[1]))
    elif cmd == "models" and n == 2:
        models.save(argv[1])
    elif cmd == "fingerprint" and n == 3 and argv[2] in ("start", "end"):
        fingerprint.record(argv[1], argv[2], util.simul_bin())
    elif cmd == "settle" and n == 2 and argv[1].isdigit():
        fingerprint.settle(int(argv[1]))
    elif cmd == "rerun" and n == 3 and argv[2].isdigit():
        sys.exit(rerun.rerun(argv[1], int(argv[2])))
    elif cmd == "names" and n == 1:
        print(" ".join(s.name for s in sweeps.all_specs()))
    elif cmd == "claims" and n == 1:
        claims_table()
    elif cmd == "expand" and n >= 2:
        expand(argv[1], "--quick" in argv[2:], "--full" in argv[2:])
    else:
        die(USAGE, 2)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except OSError as e:  # a full disk or a vanished folder: one line, not a traceback
        die(f"{e.filename or 'a file'}: {e.strerror}: free some space or check the run folder")
