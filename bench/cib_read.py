#!/usr/bin/env python3
"""
Before/after of the CIB comparison on a converged node (behind figures 1 and 2):
what ``crmsh.cib_objects`` costs when it starts crmsh (``crm configure show``,
the path before the remembered comparison, and still the path after any change
to the CIB) against when it answers from ``cibadmin`` and its record
(/var/lib/drbdha/cib-verified.json).

Two measurements, side by side in one run on one node of the rolled-out lab:

1. bare reads, timed inside the node (``time.monotonic()`` around
   ``subprocess.run`` in the VM's Python), alternating which goes first:
   ``crm configure show`` and ``cibadmin --query --scope configuration``;
2. the ``drbdha-cib-objects`` state inside a converged ``state.apply drbdha``
   (Salt's own per-state ``duration``), alternating: the record deleted first
   (the state compares with crmsh, then records), and the record kept (the
   state answers from cibadmin). Each apply must be converged.

    bench/cib_read.py --runs 3 --node node-1

Writes bench/results/<stamp>-cib_read.json and prints Markdown tables.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drbdha_bench as bench  # noqa: E402

RECORD = "/var/lib/drbdha/cib-verified.json"
STATE_ID = "drbdha-cib-objects"
RECORD_CASES = ("deleted", "kept")
READS = {
    "crm configure show": ["crm", "configure", "show"],
    "cibadmin --query --scope configuration": ["cibadmin", "--query", "--scope", "configuration"],
}
# Runs in the VM: times each argv given on the command line (JSON), in that order.
TIMER = """
import json, subprocess, sys, time
out = {}
for name, argv in json.loads(sys.argv[1]):
    t = time.monotonic()
    r = subprocess.run(argv, capture_output=True, env={"LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    out[name] = {"seconds": time.monotonic() - t, "rc": r.returncode, "bytes": len(r.stdout)}
print(json.dumps(out))
"""


def time_reads(node, run):
    order = list(READS.items()) if run % 2 == 0 else list(reversed(READS.items()))
    out = bench.on(node, bench.VM_PYTHON, "-c", TIMER, json.dumps(order), timeout=600)
    result = json.loads(out.stdout)
    for name, r in result.items():
        if r["rc"] != 0:
            raise RuntimeError(f"{node}: {name} exited {r['rc']}")
    return {"first": order[0][0], **result}


def time_cib_state(node, forget):
    if forget:
        bench.on(node, "rm", "-f", RECORD)
    ret, _ = bench.salt_json(node, "state.apply", "drbdha", timeout=1800)
    states = ret.get(node)
    if not isinstance(states, dict):
        raise RuntimeError(f"{node}: state.apply drbdha answered {str(states)[:2000]}")
    changed = [s["__id__"] for s in states.values() if s.get("changes") or s.get("result") is not True]
    if changed:
        raise RuntimeError(f"{node}: the apply was not converged: {changed}")
    (cib,) = [s for s in states.values() if s["__id__"] == STATE_ID]
    total = sum(s.get("duration", 0) for s in states.values()) / 1000
    return {
        "record": "deleted" if forget else "kept",
        "seconds": cib["duration"] / 1000,
        "comment": cib["comment"],
        "states_seconds": total,
    }


def derive(raw):
    reads = {name: bench.stats([r[name]["seconds"] for r in raw["reads"]]) for name in READS}
    crm, cib = (reads[name]["median"] for name in READS)

    def by_record(key):
        return {which: bench.stats([s[key] for s in raw["states"] if s["record"] == which]) for which in RECORD_CASES}

    states, totals = by_record("seconds"), by_record("states_seconds")
    md = [
        f"### CIB comparison before/after, {raw['node']}, {len(raw['reads'])} runs (medians)",
        "",
        bench.table(
            ["read, bare in the node", "s (median, min-max)"],
            [[f"`{name}`", bench.fmt_stats(reads[name], unit=" s")] for name in READS]
            + [["ratio crm ÷ cibadmin", bench.fmt(crm / cib if cib else None)]],
        ),
        "",
        bench.table(
            ["converged `state.apply drbdha`", f"`{STATE_ID}` s", "all states s"],
            [
                [
                    "record deleted (compares with crmsh, as before)",
                    bench.fmt_stats(states["deleted"], unit=" s"),
                    bench.fmt_stats(totals["deleted"], unit=" s"),
                ],
                [
                    "record kept (answers from cibadmin)",
                    bench.fmt_stats(states["kept"], unit=" s"),
                    bench.fmt_stats(totals["kept"], unit=" s"),
                ],
            ],
        ),
    ]
    return {"reads": reads, "states": states, "state_totals": totals}, "\n".join(md)


def measure_node(node, runs):
    raw = {"reads": [], "states": []}
    for run in range(runs):
        bench.log(f"run {run + 1}/{runs}: bare reads")
        raw["reads"].append(time_reads(node, run))
        for forget in (run % 2 == 0, run % 2 == 1):
            bench.log(f"run {run + 1}/{runs}: converged apply, record {'deleted' if forget else 'kept'}")
            raw["states"].append(time_cib_state(node, forget))
    return raw


if __name__ == "__main__":
    bench.one_node_main(
        "cib_read", __doc__.split("\n\n")[0], measure_node, derive, default_runs=3,
        node_help="the node running the CIB states (the first node)",
    )
