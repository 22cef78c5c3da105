#!/usr/bin/env python3
"""
Figure 3 of the drbdha benchmarks: `drbdha.status` — subprocesses per call
(command log) and its wall time ÷ the summed wall time of the same tool
commands run bare, both timed inside the node in one fresh process per run.
Targets: at most 3 subprocesses, ratio at most 1.2.

    bench/status_ratio.py [--runs 5] [--nodes node-1,node-2] [--parallel]
    bench/status_ratio.py --from bench/results/<stamp>-run.json   # tables only

Needs the full-tier lab up with the formula rolled out (bench/README.md).
"""
import sys

import drbdha_bench as b

if __name__ == "__main__":
    sys.exit(b.main_for("status_ratio", __doc__, ("status",), lambda raw: b.derive_status_ratio(raw["status"])))
