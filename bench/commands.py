#!/usr/bin/env python3
"""
Figure 1 of the drbdha benchmarks: the commands a converged
`state.apply drbdha` runs on each node, counted from the modules' command log
(minion option drbdha_command_log), each classified read-only or not.
Target: at most 6 per node, all read-only.

    bench/commands.py [--runs 5] [--nodes node-1,node-2] [--parallel]
    bench/commands.py --from bench/results/<stamp>-run.json   # tables only

Needs the full-tier lab up with the formula rolled out (bench/README.md).
"""
import sys

import drbdha_bench as b

if __name__ == "__main__":
    sys.exit(b.main_for("commands", __doc__, ("apply",), lambda raw: b.derive_commands(raw["apply"])))
