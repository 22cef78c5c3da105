#!/usr/bin/env python3
"""
Figure 2 of the drbdha benchmarks: wall time of a converged
`state.apply drbdha` ÷ wall time of applying, in the same in-VM minion process
and interleaved with it, as many `test.nop` states in drbdha's own SLS layout
(bench/tree/NODE, generated). Target: at most 1.3. Beside it, from the same
runs: the same states in one file (bench/nop/nN.sls).

    bench/apply_ratio.py [--runs 5] [--nodes node-1,node-2] [--parallel]
    bench/apply_ratio.py --from bench/results/<stamp>-run.json   # tables only

Needs the full-tier lab up with the formula rolled out (bench/README.md).
"""
import sys

import drbdha_bench as b

if __name__ == "__main__":
    sys.exit(b.main_for("apply_ratio", __doc__, ("apply",), lambda raw: b.derive_apply_ratio(raw["apply"])))
