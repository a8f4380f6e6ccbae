# SPDX-License-Identifier: MIT
# context.py: what a claim's judge and chart functions may know of the run besides its sweeps.
import os
from dataclasses import dataclass


@dataclass
class Context:
    run_dir: str
    env: dict               # env.txt, as key: value
    models: object          # harness.models.Models: simul's own list of its models
    quick: bool = False
    png_term: str = "png"   # pngcairo where gnuplot has it

    @property
    def cores(self):
        return int(self.env.get("cores", "2"))

    @property
    def note(self):
        return "QUICK run: fewer, smaller points" if self.quick else ""

    def chart_file(self, name):
        """A file beside the charts (a chart's own small CSV, a panel)."""
        d = os.path.join(self.run_dir, "charts")
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, name)
