"""
Shared machinery of the drbdha benchmarks: the measurement phases, the
statistics and the Markdown tables. The lab is driven through the lab tests'
driver (test/lab/labdriver.py), and commands are classified by the formula's
own rule (_utils/drbdha_commands.py). Stdlib only, Python 3.11.

Two measurement phases, each run inside the nodes by bench/vm_probe.py (see
its docstring for what is timed and how):

- apply phase: per node ONE in-VM process (the in-process minion salt-call
  uses, built once, untimed) applies ``drbdha``, ``bench.tree.NODE`` (N
  ``test.nop`` states in drbdha's layout, N = the node's number of drbdha
  states) and ``bench.nop.nN`` (the same N in one file) once each as
  warm-up, then ``--runs`` times each, interleaved ABBA. Gives figures 1
  (commands per converged apply), 2 (apply ÷ layout) and 4 (memory, apply).
- status phase: per run and node a FRESH in-VM process calls
  ``drbdha.status`` twice (``cold``: the first call in the process, loading
  the modules as a minion job does; ``warm``: again, ``__context__``
  emptied) and runs the same tool commands bare (argv from the command
  log), alternating bare-before/after. Gives figures 3 and 4 (status).

The nodes are measured one after the other (``--parallel``: side by side).
"""

import argparse
import datetime
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
LAB = os.path.join(PROJECT, "test", "lab", "lab")
RESULTS = os.path.join(HERE, "results")
# the generated yardsticks of figure 2 (not in git)
NOP_DIR = os.path.join(HERE, "nop")
TREE_DIR = os.path.join(HERE, "tree")
NODES = ("node-1", "node-2")
MINION_CONF = "/etc/salt/minion.d/bench.conf"
VM_PYTHON = "/opt/salt/bin/python"
VM_OUT = "/var/tmp/drbdha-bench"  # noqa: S108 - a path inside the lab VMs
PROBE = os.path.join(HERE, "vm_probe.py")

TARGETS = {
    "commands_per_apply": 6,  # per node, all read-only
    "apply_ratio": 1.3,  # drbdha ÷ as many test.nop states in drbdha's layout
    "status_subprocesses": 3,
    "status_ratio": 1.2,
}


def log(msg):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------- lab --
# The lab tests' driver (test/lab/labdriver.py) drives the lab for the benchmarks too.
sys.path.insert(0, os.path.join(PROJECT, "test", "lab"))
from labdriver import COMMAND_LOG, COMMANDS, healthy_now, lab, on, salt_json, wait_minion  # noqa: E402

is_read_only = COMMANDS.is_read_only


def health(nodes):
    """{node: its verdict} (None for a node that did not answer drbdha.status)."""
    ret, _ = salt_json("-L", ",".join(nodes), "drbdha.status", timeout=600)
    return {n: ret[n].get("verdict") if isinstance(ret.get(n), dict) else None for n in nodes}


class MinionConfig:
    """
    Context manager: the command log switched on in each node's minion
    (/etc/salt/minion.d/bench.conf, salt-minion restarted), and everything the
    benchmark left in the VM removed afterwards (the config file, the command
    log if it did not exist before, the probe's files), minion restarted.
    """

    def __init__(self, nodes):
        self.nodes = list(nodes)
        self.log_existed = {}

    def _each(self, fn):
        errors = []

        def wrap(node):
            try:
                fn(node)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{node}: {exc}")

        threads = [threading.Thread(target=wrap, args=(n,)) for n in self.nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError("; ".join(errors))

    def _enable(self, node):
        found = f"test -e {COMMAND_LOG} && echo yes || echo no; test -e {MINION_CONF} && echo conf || :"
        out = on(node, "sh", "-c", found)
        self.log_existed[node] = out.stdout.split()[0] == "yes"
        if "conf" in out.stdout.split():
            raise RuntimeError(f"{node}: {MINION_CONF} exists already (another benchmark running?)")
        on(
            node, "sh", "-c",
            f"printf '# drbdha benchmarks (bench/): removed when they end\\ndrbdha_command_log: {COMMAND_LOG}\\n'"
            f" > {MINION_CONF} && systemctl restart salt-minion",
        )
        wait_minion(node)
        log(f"{node}: command log on ({COMMAND_LOG}), salt-minion restarted and answering")

    def _restore(self, node):
        remove = [MINION_CONF, VM_OUT]
        if not self.log_existed.get(node, True):
            remove.append(COMMAND_LOG)
        on(node, "sh", "-c", f"rm -rf {' '.join(remove)} && systemctl restart salt-minion")
        wait_minion(node)
        log(f"{node}: minion config restored ({', '.join(remove)} removed), salt-minion answering")

    def __enter__(self):
        self._each(self._enable)
        return self

    def __exit__(self, *exc):
        self._each(self._restore)
        return False


# ----------------------------------------------------------------- probe --
def probe(node, mode, args, timeout):
    """Run bench/vm_probe.py in NODE; its result dict."""
    with open(PROBE, encoding="utf-8") as handle:
        code = handle.read()
    args = {"log": COMMAND_LOG, **args}
    out = on(node, VM_PYTHON, "-c", code, mode, json.dumps(args), timeout=timeout, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line[len("BENCH-RESULT "):])
    # The call itself failed (timeout, agent): take what the probe saved.
    saved = on(node, "cat", args["out"], check=False)
    if saved.returncode == 0 and saved.stdout.strip():
        result = json.loads(saved.stdout)
        result.setdefault("warnings", []).append(f"recovered from {args['out']}: {out.stderr[-500:]}")
        result["ok"] = False
        return result
    raise RuntimeError(f"{node}: probe {mode} gave no result (rc={out.returncode}): {out.stderr[-2000:]}")


def per_node(nodes, fn, parallel=True):
    """{node: fn(node)}, the nodes side by side (threads) unless parallel=False."""
    results, errors = {}, {}

    def wrap(node):
        try:
            results[node] = fn(node)
        except Exception as exc:  # noqa: BLE001
            errors[node] = f"{type(exc).__name__}: {exc}"

    if parallel:
        threads = [threading.Thread(target=wrap, args=(n,)) for n in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for n in nodes:
            wrap(n)
    if errors:
        raise RuntimeError(f"phase failed: {errors}")
    return results


def lowstate_layout(node):
    """{SLS name: number of states} of `state.apply drbdha` on NODE, in drbdha/init.sls's include order.

    ``state.show_low_sls``, not ``state.show_lowstate``: the latter takes no SLS
    and shows the highstate, which in the lab is empty (the formula is applied
    by name), so it would make a yardstick of zero states.
    """
    ret, _ = salt_json(node, "state.show_low_sls", "drbdha", timeout=900)
    chunks = ret.get(node)
    if not isinstance(chunks, list) or not chunks or not all(isinstance(c, dict) for c in chunks):
        raise RuntimeError(f"{node}: state.show_low_sls drbdha gave no states: {str(chunks)[:2000]}")
    counts = {}
    for chunk in chunks:
        counts[chunk["__sls__"]] = counts.get(chunk["__sls__"], 0) + 1
    # A concern that renders no states on this node (drbdha.cib off the first node) is
    # still fetched and rendered: keep the files drbdha/init.sls includes, in its order.
    layout = {sls: counts.get(sls, 0) for sls in included_concerns(counts)}
    layout.update((sls, n) for sls, n in counts.items() if sls not in layout)
    return layout


FORMULA_INIT = os.path.join(PROJECT, "drbdha", "init.sls")


def included_concerns(counts, init=FORMULA_INIT):
    """The SLS names drbdha/init.sls includes on a node whose low state has COUNTS per SLS.

    An include inside a Jinja ``if`` block (``.network``, only with network.manage)
    counts only if the node ran states from it; the others are rendered on every node.
    """
    names, conditional = [], 0
    with open(init, encoding="utf-8") as handle:
        for line in handle:
            text = line.strip()
            conditional += len(re.findall(r"{%-?\s*if\s", text)) - len(re.findall(r"{%-?\s*endif", text))
            if text.startswith("- ."):
                sls = "drbdha." + text[3:].strip()
                if not conditional or sls in counts:
                    names.append(sls)
    return names


def _write_generated(path, text):
    """Write TEXT to PATH unless it already holds it (the master's file list need not change)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                return
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def nop_states(count, prefix="bench-nop"):
    return "".join(f"{prefix}-{i:03d}:\n  test.nop: []\n" for i in range(1, count + 1))


def nop_sls_text(count):
    return (f"# Generated by bench/drbdha_bench.py: {count} test.nop states, as many states as a\n"
            "# converged `state.apply drbdha` runs on a node (the yardstick of figure 2).\n") + nop_states(count)


def write_nop_sls(count):
    """bench/nop/nCOUNT.sls (served by the lab master: file_roots has the project root)."""
    _write_generated(os.path.join(NOP_DIR, f"n{count}.sls"), nop_sls_text(count))
    return f"bench.nop.n{count}"


# The first lines of every SLS file of the formula (drbdha/init.sls): tplroot and the map.
TREE_PREAMBLE = """{%- set tplroot = "drbdha" %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}
"""


def tree_files(layout, formula="drbdha"):
    """{relative path: text} of an SLS tree with the formula's layout and only test.nop states.

    Each SLS file of LAYOUT ({SLS name: states}) becomes FOLDER/init.sls with the
    formula's first lines (tplroot and the map's import) and as many
    test.nop states; the top file includes the others, as drbdha/init.sls does.
    Applying it costs what the formula's file structure costs, with none of its work.
    """
    files, includes, top_states = {}, [], ""
    for sls, count in layout.items():
        if sls == formula:
            top_states = nop_states(count, prefix="bench-tree-top")
            continue
        rel = sls[len(formula) + 1:]
        includes.append(f"  - .{rel}\n")
        files[os.path.join(*rel.split("."), "init.sls")] = TREE_PREAMBLE + nop_states(
            count, prefix="bench-tree-" + rel.replace(".", "-"))
    files["init.sls"] = ("# Generated by bench/drbdha_bench.py: drbdha's SLS layout on one node, test.nop only.\n"
                         + TREE_PREAMBLE + "include:\n" + "".join(includes) + top_states)
    return files


def write_tree(node, layout):
    """bench/tree/NODE/… (see tree_files); its SLS name."""
    name = node.replace("-", "_")
    for rel, text in tree_files(layout).items():
        _write_generated(os.path.join(TREE_DIR, name, rel), text)
    return f"bench.tree.{name}"


def apply_phase(nodes, runs, parallel=True):
    """Figures 1, 2, 4 (apply): {node: probe result}."""
    layouts = per_node(nodes, lowstate_layout, parallel)
    sls = {n: {"formula": "drbdha", "nop": write_nop_sls(sum(layout.values())), "tree": write_tree(n, layout)}
           for n, layout in layouts.items()}
    # (The probe applies drbdha first: minutes pass before the new SLS is needed,
    # well past the master's 20 s file-list cache.)
    log(f"states per converged apply: {layouts}; yardsticks: {sls}")

    def one(node):
        log(f"{node}: apply phase, {runs} runs + warm-up ({sls[node]})")
        started = time.monotonic()
        result = probe(
            node,
            "apply",
            {"sls": sls[node], "runs": runs, "warmup": True, "out": f"{VM_OUT}/apply.json"},
            timeout=3600 + 1200 * runs,
        )
        result["lowstate_count"] = sum(layouts[node].values())
        result["lowstate_layout"] = layouts[node]
        log(f"{node}: apply phase done in {time.monotonic() - started:.0f}s (ok={result.get('ok')})")
        return result

    return per_node(nodes, one, parallel)


def status_phase(nodes, runs, parallel=True):
    """Figures 3, 4 (status): {node: [probe result per run]}."""

    def one(node):
        results, bare = [], None
        for run in range(1, runs + 1):
            order = ["cold", "bare", "warm"] if run % 2 else ["bare", "cold", "warm"]
            if bare is None:
                order = ["cold", "bare", "warm"]
            started = time.monotonic()
            result = probe(node, "status", {"order": order, "bare": bare, "out": f"{VM_OUT}/status-{run}.json"},
                           timeout=1800)
            result["run"] = run
            bare = bare or result.get("bare_discovered")
            results.append(result)
            log(f"{node}: status run {run}/{runs} ({'-'.join(order)}) in {time.monotonic() - started:.0f}s")
        return results

    return per_node(nodes, one, parallel)


# -------------------------------------------------- command classification --
def command_text(argv, width=90):
    text = shlex.join(argv) if isinstance(argv, list) else str(argv)
    return text if len(text) <= width else text[: width - 1] + "…"


# ------------------------------------------------------------- statistics --
def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0, "median": None, "min": None, "max": None, "values": []}
    return {"n": len(values), "median": statistics.median(values), "min": min(values), "max": max(values),
            "values": values}


def fmt(value, digits=2):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_stats(s, digits=2, unit=""):
    """'median (min–max)' of a stats() dict."""
    if not s or s["n"] == 0:
        return "–"
    if s["n"] == 1 or s["min"] == s["max"]:
        return f"{fmt(s['median'], digits)}{unit}" + ("" if s["n"] == 1 else f" (all {s['n']} equal)")
    return f"{fmt(s['median'], digits)}{unit} ({fmt(s['min'], digits)}–{fmt(s['max'], digits)})"


def table(headers, rows):
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |")
    return "\n".join(out)


def met(value, target):
    if value is None:
        return "not measured"
    return "met" if value <= target else "**missed**"


def mib(kib):
    return None if kib is None else kib / 1024


# ------------------------------------------------------------ derivations --
def _timed_calls(result, which=None):
    return [c for c in result.get("calls", []) if c.get("phase") == "run" and (which is None or c["which"] == which)]


def derive_commands(apply_results):
    """Figure 1: commands per converged apply, from the command log."""
    summary, rows, detail_rows = {}, [], []
    for node, result in sorted(apply_results.items()):
        calls = _timed_calls(result, "formula")
        logged = [[c["argv"] for c in call["commands"] if "argv" in c] for call in calls]
        spawned = [call["spawned"] for call in calls]
        total = stats([len(x) for x in logged])
        ro = stats([sum(is_read_only(a) for a in x) for x in logged])
        rw = stats([sum(not is_read_only(a) for a in x) for x in logged])
        allp = stats([len(x) for x in spawned])
        all_rw = stats([sum(not is_read_only(a) for a in x) for x in spawned])
        converged = [call["state"]["converged"] for call in calls]
        ok = total["max"] is not None and total["max"] <= TARGETS["commands_per_apply"] and rw["max"] == 0
        summary[node] = {"logged": total, "read_only": ro, "not_read_only": rw, "all_spawned": allp,
                         "all_spawned_not_read_only": all_rw, "converged_runs": converged,
                         "target_met": ok if total["n"] else None}
        rows.append([node, fmt_stats(total, 0), fmt_stats(ro, 0), fmt_stats(rw, 0),
                     f"≤ {TARGETS['commands_per_apply']}, all read-only",
                     ("met" if ok else "**missed**") if total["n"] else "not measured",
                     fmt_stats(allp, 0), f"{sum(converged)}/{len(converged)}"])
        # distinct commands of the formula, per apply, with the module's own timing
        per_cmd = {}
        for call in calls:
            for c in call["commands"]:
                if "argv" not in c:
                    continue
                key = command_text(c["argv"])
                entry = per_cmd.setdefault(key, {"argv": c["argv"], "count": 0, "seconds": []})
                entry["count"] += 1
                entry["seconds"].append(c.get("seconds"))
        n = max(len(calls), 1)
        for key, entry in sorted(per_cmd.items(), key=lambda kv: -kv[1]["count"]):
            detail_rows.append([node, f"`{key}`", fmt(entry["count"] / n, 1),
                                "read-only" if is_read_only(entry["argv"]) else "**writes**",
                                fmt(statistics.median([s for s in entry["seconds"] if s is not None] or [0]), 2)])
        # Salt's own processes (not in the command log), by tool
        tools = {}
        for call in calls:
            for argv in call["spawned"]:
                tools.setdefault(os.path.basename(argv[0]) if argv else "?", []).append(argv)
        summary[node]["all_spawned_by_tool"] = {t: len(v) / n for t, v in sorted(tools.items())}
    md = "### 1. Commands per converged `state.apply drbdha` (command log)\n\n" + table(
        ["node", "commands logged", "read-only", "not read-only", "target", "result",
         "all processes spawned (incl. Salt's pkg/service/file)", "converged runs"], rows)
    md += "\n\nCommands the formula's modules ran, per converged apply (median seconds as the module timed them):\n\n"
    md += table(["node", "command", "per apply", "class", "median s"], detail_rows)
    by_tool = [[node, ", ".join(f"{t} ×{fmt(c, 1)}" for t, c in s["all_spawned_by_tool"].items())]
               for node, s in sorted(summary.items())]
    md += "\n\nAll processes the apply spawned, by program (per apply):\n\n" + table(["node", "programs"], by_tool)
    return {"summary": summary}, md


def _slowest_states(calls, top=8):
    per = {}
    for call in calls:
        for st in call["state"].get("states", []):
            per.setdefault(st["id"] + " (" + st["fun"] + ")", []).append(st["duration_ms"] or 0)
    ranked = sorted(((statistics.median(v), k) for k, v in per.items()), reverse=True)
    return [(k, ms) for ms, k in ranked[:top]]


def master_request_summary(call):
    """File-server requests (count, misses, seconds) and pillar seconds outside the states of one probe call.

    None for a result from before the probe timed them.
    """
    requests = call.get("master_requests")
    if requests is None:
        return None
    # Requests made while a state ran (file.managed fetching its template) are in the
    # states' durations already: only those outside them are counted here.
    files = [r for r in requests if r["kind"] == "file" and not r.get("in_state")]
    summary = {
        "file_requests": len(files),
        "file_misses": sum(1 for r in files if not r["found"]),
        "file_s": sum(r["seconds"] for r in files),
        "pillar_s": sum(r["seconds"] for r in requests if r["kind"] == "pillar" and not r.get("in_state")),
    }
    keys = call.get("key_loads")  # None in results from before the probe timed them
    if keys is not None:
        outside = [k for k in keys if not k.get("in_state")]
        summary.update(key_loads=len(outside), key_s=sum(k["seconds"] for k in outside))
    return summary


def _time_breakdown(calls):
    """One row of 'where the time goes': wall, in states, master requests, the rest (stats dicts)."""
    wall = stats([c["seconds"] for c in calls])
    in_states = stats([c["state"]["state_ms_sum"] / 1000 for c in calls])
    requests = [master_request_summary(c) for c in calls]
    if any(r is None for r in requests):
        outside = stats([c["seconds"] - c["state"]["state_ms_sum"] / 1000 for c in calls])
        return {"wall": wall, "in_states": in_states, "outside": outside}
    keys = {}
    if all("key_loads" in r for r in requests):
        keys = {"key_loads": stats([r["key_loads"] for r in requests]), "key_s": stats([r["key_s"] for r in requests])}
    return {
        **keys,
        "wall": wall,
        "in_states": in_states,
        "file_requests": stats([r["file_requests"] for r in requests]),
        "file_misses": stats([r["file_misses"] for r in requests]),
        "file_s": stats([r["file_s"] for r in requests]),
        "pillar_s": stats([r["pillar_s"] for r in requests]),
        # rendering, compiling and ordering the SLS tree, and the requests' own overhead outside the timers
        "rest": stats([c["seconds"] - c["state"]["state_ms_sum"] / 1000 - r["file_s"] - r["pillar_s"]
                       for c, r in zip(calls, requests)]),
    }


def _commands_seconds(call):
    """Seconds the formula's logged commands took during one probe call (the modules' own timing)."""
    return sum(entry.get("seconds") or 0 for entry in call.get("commands", []) if "argv" in entry)


def _ratio_stats(numerator, denominator, runs):
    return stats([numerator[r]["seconds"] / denominator[r]["seconds"] for r in runs if denominator[r]["seconds"]])


def derive_apply_ratio(apply_results):
    """Figure 2: converged drbdha apply ÷ the same number of test.nop states in drbdha's layout.

    The layout (bench/tree/NODE, see tree_files) has the formula's files, includes and
    settings with none of its work, so the ratio is what the states' work costs. Beside
    it, from the same runs: drbdha ÷ the test.nop states in one file (bench/nop/nN),
    and layout ÷ one file, what the file structure and the settings cost.
    """
    summary, rows, other_rows, break_rows, slow_rows = {}, [], [], [], []
    target = TARGETS["apply_ratio"]
    for node, result in sorted(apply_results.items()):
        formula, nop, tree = ({c["run"]: c for c in _timed_calls(result, which)}
                              for which in ("formula", "nop", "tree"))
        runs = sorted(set(formula) & set(nop) & set(tree))
        ratios = _ratio_stats(formula, tree, runs)
        f_s, t_s = stats([formula[r]["seconds"] for r in runs]), stats([tree[r]["seconds"] for r in runs])
        n_states = sorted({calls[r]["state"]["n_states"] for calls in (formula, tree) for r in runs})
        conv = all(formula[r]["state"]["converged"] for r in runs)
        # The formula's apply with the time of its commands taken out (the modules' own timing):
        # what the ratios would be if its reads cost nothing.
        less = {r: formula[r]["seconds"] - _commands_seconds(formula[r]) for r in runs}
        summary[node] = {
            "ratio": ratios, "formula_s": f_s, "tree_s": t_s, "n_states": n_states, "all_converged": conv,
            "runs": runs, "target_met": (ratios["median"] <= target) if ratios["n"] else None,
            "nop_s": stats([nop[r]["seconds"] for r in runs]),
            "formula_over_nop": _ratio_stats(formula, nop, runs),
            "tree_over_nop": _ratio_stats(tree, nop, runs),
            "formula_less_commands_over_tree": stats([less[r] / tree[r]["seconds"] for r in runs]),
            "formula_less_commands_over_nop": stats([less[r] / nop[r]["seconds"] for r in runs]),
        }
        rows.append([node, "/".join(map(str, n_states)), fmt_stats(f_s, 1, " s"), fmt_stats(t_s, 1, " s"),
                     fmt_stats(ratios, 2), f"≤ {target}", met(ratios["median"], target), "yes" if conv else "**no**"])
        other_rows.append([node, fmt_stats(summary[node]["nop_s"], 1, " s")] + [
            fmt_stats(summary[node][key], 2) for key in ("formula_over_nop", "tree_over_nop",
                                                        "formula_less_commands_over_tree",
                                                        "formula_less_commands_over_nop")])
        for which, calls in (("drbdha", formula), ("drbdha layout, test.nop", tree), ("test.nop, one file", nop)):
            if not runs:
                continue
            parts = _time_breakdown([calls[r] for r in runs])
            summary[node].setdefault("breakdown", {})[which] = parts
            requests = (f"{fmt_stats(parts['file_requests'], 0)} ({fmt_stats(parts['file_misses'], 0)} misses)"
                        if "file_requests" in parts else "–")
            keys = (f"{fmt_stats(parts['key_loads'], 0)} × = {fmt_stats(parts['key_s'], 1)}"
                    if "key_loads" in parts else "–")
            break_rows.append([node, which, fmt_stats(parts["wall"], 1), fmt_stats(parts["in_states"], 1), requests,
                               fmt_stats(parts.get("file_s"), 1), fmt_stats(parts.get("pillar_s"), 1), keys,
                               fmt_stats(parts.get("rest", parts.get("outside")), 1)])
        summary[node]["slowest_states"] = slowest = _slowest_states([formula[r] for r in runs], top=40)
        slow_rows += [[node, f"`{key}`", fmt(ms / 1000, 2)] for key, ms in slowest[:8]]
    md = ("### 2. Converged `state.apply drbdha` ÷ the same number of `test.nop` states in drbdha's layout\n\n"
          + table(["node", "states", "drbdha apply", "layout apply", "ratio (per run)", "target", "result",
                   "converged"], rows))
    md += ("\n\nThe same runs against the same number of `test.nop` states in one file: drbdha ÷ one file, and "
           "layout ÷ one file (what the file structure and the settings cost). The last two columns take the "
           "formula's commands out of its apply (their time as the modules logged it, per run): what the ratios "
           "would be if its reads cost nothing:\n\n")
    md += table(["node", "one-file apply", "drbdha ÷ one file", "layout ÷ one file",
                 "drbdha less its commands ÷ layout", "drbdha less its commands ÷ one file"], other_rows)
    md += ("\n\nWhere the time goes (seconds, median (min–max)): inside the states (sum of their `duration`); "
           "outside the states, requests to the master's file server (each SLS file, map and YAML file "
           "looked up, including the misses of Salt trying NAME.sls before NAME/init.sls) and the pillar "
           "compile, both timed in the probe; of those two, the time spent loading the minion's RSA "
           "private key (Salt parses it again in each job); the rest (rendering, compiling and ordering the "
           "SLS tree):\n\n")
    md += table(["node", "SLS", "wall", "in states", "file-server requests", "in them", "pillar",
                 "of them: minion key loads", "rest"], break_rows)
    md += "\n\nSlowest states of the converged drbdha apply (median seconds):\n\n"
    md += table(["node", "state", "median s"], slow_rows)
    return {"summary": summary}, md


def derive_status_ratio(status_results):
    """Figure 3: drbdha.status subprocesses and its wall time ÷ the bare commands."""
    summary, rows, cmd_rows = {}, [], []
    for node, results in sorted(status_results.items()):
        cold, warm, bare, n_cmds, n_spawn, verdicts = [], [], [], [], [], []
        per_cmd = {}
        for result in results:
            steps = {s["step"]: s for s in result.get("steps", [])}
            if not {"cold", "warm", "bare"} <= set(steps):
                continue
            cold.append((steps["cold"]["seconds"], steps["bare"]["seconds"]))
            warm.append((steps["warm"]["seconds"], steps["bare"]["seconds"]))
            bare.append(steps["bare"]["seconds"])
            for step in ("cold", "warm"):
                n_cmds.append(len([c for c in steps[step]["commands"] if "argv" in c]))
                n_spawn.append(len(steps[step]["spawned"]))
                verdicts.append(steps[step].get("verdict"))
            for c in steps["bare"]["commands"]:
                per_cmd.setdefault(command_text(c["argv"]), {"bare": [], "module": []})["bare"].append(c["seconds"])
            for step in ("cold", "warm"):
                for c in steps[step]["commands"]:
                    if "argv" in c:
                        per_cmd.setdefault(command_text(c["argv"]), {"bare": [], "module": []})["module"].append(
                            c.get("seconds"))
        r_cold = stats([a / b for a, b in cold if b])
        r_warm = stats([a / b for a, b in warm if b])
        s_cmds, s_spawn = stats(n_cmds), stats(n_spawn)
        summary[node] = {
            "subprocesses_logged": s_cmds, "subprocesses_spawned": s_spawn,
            "cold_s": stats([a for a, _ in cold]), "warm_s": stats([a for a, _ in warm]), "bare_s": stats(bare),
            "ratio_cold": r_cold, "ratio_warm": r_warm, "verdicts": verdicts,
            "target_subprocesses_met": (s_cmds["max"] <= TARGETS["status_subprocesses"]) if s_cmds["n"] else None,
            "target_ratio_met": (r_cold["median"] <= TARGETS["status_ratio"]) if r_cold["n"] else None,
        }
        rows.append([node, fmt_stats(s_cmds, 0), fmt_stats(s_spawn, 0),
                     f"≤ {TARGETS['status_subprocesses']}", met(s_cmds["max"], TARGETS["status_subprocesses"]),
                     fmt_stats(summary[node]["cold_s"], 2, " s"), fmt_stats(summary[node]["warm_s"], 2, " s"),
                     fmt_stats(summary[node]["bare_s"], 2, " s"), fmt_stats(r_cold, 2), fmt_stats(r_warm, 2),
                     f"≤ {TARGETS['status_ratio']}", met(r_cold["median"], TARGETS["status_ratio"])])
        for key, v in per_cmd.items():
            cmd_rows.append([node, f"`{key}`", fmt_stats(stats(v["bare"]), 2, " s"),
                             fmt_stats(stats(v["module"]), 2, " s")])
    md = "### 3. `drbdha.status`: subprocesses and wall time ÷ the bare tool commands\n\n" + table(
        ["node", "subprocesses (command log)", "all spawned", "target", "result", "status, cold", "status, warm",
         "bare commands (sum)", "ratio cold", "ratio warm", "target", "result (cold)"], rows)
    md += "\n\nEach command bare vs. inside the module (the module's own timing around `cmd.run_all`):\n\n"
    md += table(["node", "command", "bare", "through cmd.run_all"], cmd_rows)
    return {"summary": summary}, md


def _short_cmd(text):
    words = text.split()
    return " ".join([os.path.basename(words[0])] + words[1:3])[:40] if words else text


def derive_memory(apply_results, status_results):
    """Figure 4: peak memory during a converged apply and during drbdha.status."""
    summary, rows, daemon_rows = {}, [], []
    groups = []
    for node, result in sorted((apply_results or {}).items()):
        for which, label in (("formula", "state.apply drbdha"), ("nop", "state.apply (test.nop yardstick)")):
            groups.append((node, label, [c["memory"] for c in _timed_calls(result, which)]))
        if result.get("daemon_memory"):
            procs = result["daemon_memory"]
            daemon_rows.append([node, len(procs), fmt(mib(sum(p.get("VmRSS", 0) for p in procs)), 0),
                                fmt(mib(max((p.get("VmHWM", 0) for p in procs), default=0)), 0)])
    for node, results in sorted((status_results or {}).items()):
        mems = [s["memory"] for r in results for s in r.get("steps", []) if s.get("step") == "cold"]
        groups.append((node, "drbdha.status (cold)", mems))
    for node, label, mems in groups:
        proc = stats([mib(m.get("process_peak_kib")) for m in mems])
        child = stats([mib(m.get("largest_child_hwm_kib")) for m in mems])
        tree = stats([mib(m.get("tree_peak_sampled_kib")) for m in mems])
        bound = stats([mib((m.get("process_peak_kib") or 0) + (m.get("largest_child_hwm_kib") or 0)) for m in mems])
        cpu = stats([m.get("sampler_cpu_s") for m in mems])
        biggest = sorted({m.get("largest_child") for m in mems if m.get("largest_child")})
        summary.setdefault(node, {})[label] = {"process_peak_mib": proc, "largest_child_mib": child,
                                               "tree_peak_sampled_mib": tree, "upper_bound_mib": bound,
                                               "sampler_cpu_s": cpu, "largest_children": biggest}
        rows.append([node, label, fmt_stats(proc, 0), fmt_stats(child, 0),
                     ", ".join(f"`{_short_cmd(b)}`" for b in biggest[:3]) or "–",
                     fmt_stats(tree, 0), fmt_stats(bound, 0)])
    md = "### 4. Peak memory (MiB, median (min–max))\n\n" + table(
        ["node", "call", "Salt process peak (VmHWM, exact)", "largest child (VmHWM, sampled)", "largest child",
         "tree peak (sampled sum of RSS)", "upper bound (process + largest child)"], rows)
    if daemon_rows:
        md += "\n\nFor scale, the resident salt-minion daemon (all its processes) at the end of the apply phase:\n\n"
        md += table(["node", "processes", "RSS sum (MiB)", "largest VmHWM (MiB)"], daemon_rows)
    return {"summary": summary}, md


# ---------------------------------------------------------------- output --
def timestamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def save(name, data, markdown=None):
    """bench/results/<UTC timestamp>-NAME.json (and .md with the tables)."""
    os.makedirs(RESULTS, exist_ok=True)
    stem = os.path.join(RESULTS, f"{timestamp()}-{name}")
    with open(stem + ".json", "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    if markdown:
        with open(stem + ".md", "w", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    return stem + ".json"


def environment():
    info = {"host": os.uname().nodename, "started_utc": timestamp(), "argv": sys.argv}
    try:
        info["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
        info["host_cpus"] = os.cpu_count()
    except OSError:
        pass
    try:
        info["git"] = subprocess.run(["git", "-C", PROJECT, "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True, check=False).stdout.strip()
        info["git_dirty"] = bool(subprocess.run(["git", "-C", PROJECT, "status", "--porcelain", "--", "_modules",
                                                 "_states", "_utils", "drbdha"], capture_output=True, text=True,
                                                check=False).stdout.strip())
    except OSError:
        pass
    info["worktree_modules"] = worktree_modules()
    return info


def worktree_modules():
    """sha256 (12 hex) of _modules/_states/_utils in this checkout, to compare with the minions' extmods."""
    import hashlib

    found = {}
    for sub, dest in (("_modules", "modules"), ("_states", "states"), ("_utils", "utils")):
        folder = os.path.join(PROJECT, sub)
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    found[f"{dest}/{name}"] = hashlib.sha256(handle.read()).hexdigest()[:12]
    return found


def code_check(raw):
    """Which synced module files differ from this checkout's (per node)."""
    tree = raw.get("environment", {}).get("worktree_modules", {})
    out = {}
    for node, result in (raw.get("apply") or {}).items():
        ext = result.get("extmods", {})
        out[node] = sorted(k for k in tree if ext.get(k) != tree[k])
    return out


def parser(description, phases=("apply", "status")):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=5, help="measured runs per node (default 5; medians over them)")
    p.add_argument("--nodes", default=",".join(NODES), help="comma-separated nodes (default node-1,node-2)")
    p.add_argument("--parallel", action="store_true",
                   help="measure both nodes side by side (faster; the VMs then compete for the host's CPUs). "
                        "Default: one node after the other")
    p.add_argument("--from", dest="from_file", metavar="RESULTS.json",
                   help="no measuring: render the tables from a results file of an earlier run")
    p.add_argument("--skip-health", action="store_true", help="do not require drbdha.status healthy first")
    return p


def measure(args, phases):
    """Run the given phases on a healthy lab with the command log on; the raw data."""
    nodes = [n for n in args.nodes.split(",") if n]
    env = environment()
    if not os.path.exists(LAB):
        raise SystemExit(f"no lab script at {LAB}")
    st = lab("status", check=False)
    if st.returncode != 0:
        raise SystemExit(f"the lab is not up (test/lab/lab status rc={st.returncode}):\n{st.stdout}")
    raw = {"environment": env, "nodes": nodes, "runs": args.runs, "parallel": args.parallel}
    if not args.skip_health:
        log("checking drbdha.status on the nodes")
        raw["health_before"] = {n: v["verdict"] for n, v in healthy_now(nodes).items()}
    with MinionConfig(nodes):
        if "apply" in phases:
            started = time.monotonic()
            raw["apply"] = apply_phase(nodes, args.runs, parallel=args.parallel)
            raw["apply_phase_seconds"] = round(time.monotonic() - started, 1)
        if "status" in phases:
            started = time.monotonic()
            raw["status"] = status_phase(nodes, args.runs, parallel=args.parallel)
            raw["status_phase_seconds"] = round(time.monotonic() - started, 1)
    if not args.skip_health:
        raw["health_after"] = health(nodes)
    try:
        raw["environment"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    except OSError:
        pass
    return raw


def load_raw(path):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return data.get("raw", data)


def one_node_main(name, description, measure_node, derive, default_runs, node_help=None):
    """Entry point of a before/after script on one lab node: measure (or --from), save the raw results, print.

    ``measure_node(node, runs)`` returns the measured part of the raw results; ``derive(raw)``
    returns (figures, Markdown).
    """
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=default_runs)
    p.add_argument("--node", default="node-1", help=node_help)
    p.add_argument("--from", dest="from_file", metavar="RESULTS.json", help="re-render a saved run")
    args = p.parse_args()
    if args.from_file:
        raw = load_raw(args.from_file)
    else:
        raw = {"node": args.node, "environment": environment()}
        healthy_now([args.node])
        raw.update(measure_node(args.node, args.runs))
    figures, md = derive(raw)
    if not args.from_file:
        print(save(name, {"raw": raw, "figures": figures}, md), file=sys.stderr)
    print(md)


def main_for(name, description, phases, derive):
    """Entry point of a single-figure script: measure (or --from), print the table, save the raw results."""
    args = parser(description, phases).parse_args()
    raw = load_raw(args.from_file) if args.from_file else measure(args, phases)
    derived, md = derive(raw)
    header = f"<!-- bench/{name}: runs={raw.get('runs')} nodes={raw.get('nodes')} parallel={raw.get('parallel')} -->"
    print(header + "\n" + md)
    if not args.from_file:
        path = save(name, {"raw": raw, "derived": derived}, header + "\n" + md)
        print(f"\nraw results: {os.path.relpath(path, PROJECT)}")
    return 0
