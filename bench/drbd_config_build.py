#!/usr/bin/env python3
"""
Before/after of how the DRBD configuration is made at render time (behind
figure 2): the formula's ``drbdha.drbd`` concern as of commit dac21d5, which
rendered two Jinja templates through ``slsutil.renderer``, against the same
concern now, which builds the same files in Python
(``drbdha.drbd_config_files``).

Both are applied for real, converged, side by side in one process on one node
of the rolled-out lab by bench/vm_probe.py's apply mode (as figure 2 is),
alternating which goes first, after a warm-up apply of each. Before each apply
the loader's ``__context__`` is emptied, as each minion job starts with an
empty one. The old SLS file and templates are taken from git (``git show
dac21d5:...``) into ``bench/before/`` (served by the lab master as
``bench.before.drbd``, not kept in git), changed only where they find their
own folder: ``tplroot`` is ``drbdha`` and the templates are
``salt://bench/before/``. Each apply must be converged (no changes, every
result True): then the old templates made exactly the files on the node.

    bench/drbd_config_build.py --runs 6 --node node-1
    bench/drbd_config_build.py --from bench/results/<stamp>-drbd_config_build.json

Writes bench/results/<stamp>-drbd_config_build.json and prints a Markdown table.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drbdha_bench as bench  # noqa: E402

BEFORE_COMMIT = "dac21d5"
BEFORE_DIR = os.path.join(bench.HERE, "before")
SLS = {"before": "bench.before.drbd", "after": "drbdha.drbd"}
# Where the old SLS finds its own folder, and what it must find instead when served from bench/before/.
RELOCATE = {
    '{%- set tplroot = tpldir.split("/")[0] %}': '{%- set tplroot = "drbdha" %}',
    '{%- set templates = "salt://" ~ tplroot ~ "/files/drbd/" %}': '{%- set templates = "salt://bench/before/" %}',
}
def git_show(path):
    return subprocess.run(
        ["git", "-C", bench.PROJECT, "show", f"{BEFORE_COMMIT}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def write_before():
    """The drbd concern and its templates as of BEFORE_COMMIT, served as bench.before.drbd."""
    os.makedirs(BEFORE_DIR, exist_ok=True)
    sls = git_show("drbdha/drbd/init.sls")
    for old, new in RELOCATE.items():
        if old not in sls:
            raise SystemExit(f"{BEFORE_COMMIT}:drbdha/drbd/init.sls no longer has {old!r}")
        sls = sls.replace(old, new)
    files = {"drbd.sls": sls}
    for name in ("global_common.conf.jinja", "resource.res.jinja"):
        files[name] = git_show(f"drbdha/files/drbd/{name}")
    for name, text in files.items():
        with open(os.path.join(BEFORE_DIR, name), "w", encoding="utf-8") as handle:
            handle.write(text)


def runs_of(result):
    """
    ``[{"first": way, way: {"seconds", "in_states", "converged"}, ...}]`` per
    timed run, from the probe's calls (bench/vm_probe.py, apply mode). Results
    saved by the script's former timer of its own hold this shape already, as
    ``runs``, so ``--from`` still renders them.
    """
    if "runs" in result:
        return result["runs"]
    runs = {}
    for call in bench._timed_calls(result):
        timed = runs.setdefault(call["run"], {"first": call["which"]})
        timed[call["which"]] = {
            "seconds": call["seconds"],
            "in_states": call["state"].get("state_ms_sum", 0) / 1000,
            "converged": call["state"]["converged"],
        }
    return [runs[run] for run in sorted(runs)]


def derive(raw):
    runs = runs_of(raw["result"])

    def each(way, key):
        return bench.stats([r[way][key] for r in runs])

    converged = {way: sum(r[way]["converged"] for r in runs) for way in SLS}
    figures = {
        way: {"seconds": each(way, "seconds"), "in_states": each(way, "in_states"), "converged": converged[way]}
        for way in SLS
    }
    figures["saved"] = bench.stats([r["before"]["seconds"] - r["after"]["seconds"] for r in runs])
    figures["after_over_before"] = bench.stats([r["after"]["seconds"] / r["before"]["seconds"] for r in runs])
    label = {
        "before": f"before ({BEFORE_COMMIT}): two templates through `slsutil.renderer`",
        "after": "after: `drbdha.drbd_config_files`",
    }
    rows = [
        [label[way], f"`{SLS[way]}`", bench.fmt_stats(figures[way]["seconds"], 2, " s"),
         bench.fmt_stats(figures[way]["in_states"], 2, " s"), f"{converged[way]}/{len(runs)}"]
        for way in SLS
    ]
    md = "\n".join([
        f"Converged apply of the drbd concern on {raw['node']}, {len(runs)} runs after a warm-up, alternating:",
        "",
        bench.table(["way", "SLS", "apply", "in states", "converged"], rows),
        "",
        f"Saved per apply (per run): {bench.fmt_stats(figures['saved'], 2, ' s')}; "
        f"after ÷ before: {bench.fmt_stats(figures['after_over_before'], 2)}.",
    ])
    return figures, md


def measure_node(node, runs):
    write_before()
    bench.log(f"{node}: {runs} runs, before and after alternating")
    result = bench.probe(node, "apply", {"sls": SLS, "runs": runs, "warmup": True,
                                         "out": f"{bench.VM_OUT}/drbd_config_build.json"},
                         timeout=600 + 600 * runs)
    if not result.get("ok"):
        raise SystemExit(f"{node}: the probe failed: {result.get('error')} {result.get('warnings')}")
    return {"result": result}


if __name__ == "__main__":
    bench.one_node_main("drbd_config_build", __doc__, measure_node, derive, default_runs=6)
