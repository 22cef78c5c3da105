#!/usr/bin/env python3
"""
Figure 4 of the drbdha benchmarks: peak memory of the minion process (the
in-process minion salt-call uses) and its children during a converged
`state.apply drbdha` and during `drbdha.status` (VmHWM reset before each
call; children sampled every 0.2 s).

    bench/memory.py [--runs 5] [--nodes node-1,node-2] [--parallel]
    bench/memory.py --from bench/results/<stamp>-run.json   # tables only

Needs the full-tier lab up with the formula rolled out (bench/README.md).
"""
import sys

import drbdha_bench as b

if __name__ == "__main__":
    sys.exit(b.main_for("memory", __doc__, ("apply", "status"),
                        lambda raw: b.derive_memory(raw.get("apply"), raw.get("status"))))
