#!/usr/bin/env python3
"""
Figure 5 of the drbdha benchmarks: the phases of an orchestrated rollout.

Turns a saved

    salt-run state.orchestrate drbdha.orch.deploy --out=json > deploy.json

(on the lab: test/lab/lab salt-run state.orchestrate drbdha.orch.deploy
--out=json) into a phase table: each orchestration step in run order with
its start time, duration (the state return's ``duration``, ms), share of
the total, the gap before it (the orchestrator's own time between steps),
result, and for ``salt.state`` steps the per-minion detail the return holds
(states, summed state durations, slowest state; Salt only includes minions
that changed something or failed).

    bench/rollout_phases.py deploy.json [--no-save]
    bench/rollout_phases.py --self-test

The file may hold several JSON documents (salt-run can print the progress
event before the return) and stray log lines; the largest state return
found is used. Prints Markdown, writes bench/results/<stamp>-rollout_phases.json.
Stdlib only.
"""

import argparse
import datetime
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


# ------------------------------------------------------------------ input --
def json_documents(text):
    """Every top-level JSON object in TEXT (several documents, log lines between them)."""
    decoder = json.JSONDecoder()
    docs, pos = [], 0
    while True:
        start = text.find("{", pos)
        if start < 0:
            return docs
        try:
            obj, end = decoder.raw_decode(text, start)
        except ValueError:
            pos = start + 1
            continue
        if isinstance(obj, dict):
            docs.append(obj)
        pos = end


def _is_state_return(obj):
    return (
        isinstance(obj, dict)
        and obj
        and all(isinstance(k, str) and "_|-" in k for k in obj)
        and all(isinstance(v, dict) for v in obj.values())
    )


def state_returns(obj, path=()):
    """(path, state-return dict) for each state return nested in OBJ (data → master id → states)."""
    if _is_state_return(obj):
        return [(path, obj)]
    found = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += state_returns(value, path + (key,))
    return found


def orchestration(text):
    """(master id or path, state return) of the orchestration in TEXT: the largest one found."""
    candidates = []
    for doc in json_documents(text):
        for path, ret in state_returns(doc):
            # a salt.state step's changes hold the minions' own returns: not the orchestration
            if any(p in ("changes", "ret") for p in path):
                continue
            candidates.append((path, ret))
    if not candidates:
        raise ValueError("no state return found (expected the JSON of salt-run state.orchestrate --out=json)")
    path, ret = max(candidates, key=lambda c: len(c[1]))
    return "/".join(str(p) for p in path if p not in ("data", "return")) or "?", ret


# ----------------------------------------------------------------- phases --
def _seconds_of_day(text):
    """'HH:MM:SS.ffffff' → seconds since midnight (None if absent)."""
    if not text:
        return None
    try:
        h, m, s = text.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    except ValueError:
        return None


def _kind(key):
    parts = key.split("_|-")
    return f"{parts[0]}.{parts[-1]}" if len(parts) >= 4 else key


def minion_detail(step):
    """Per-minion summary of a salt.state step's changes.ret (what Salt kept of it)."""
    ret = (step.get("changes") or {}).get("ret")
    if not isinstance(ret, dict):
        return {}
    detail = {}
    for minion, states in ret.items():
        if not isinstance(states, dict):
            detail[minion] = {"error": str(states)[:300]}
            continue
        items = [(k, v) for k, v in states.items() if isinstance(v, dict)]
        durations = [(v.get("duration") or 0, v.get("__id__") or k) for k, v in items]
        slowest = max(durations, default=(0, None))
        detail[minion] = {
            "states": len(items),
            "changed": sum(1 for _, v in items if v.get("changes")),
            "failed": sum(1 for _, v in items if v.get("result") is False),
            "state_seconds": round(sum(d for d, _ in durations) / 1000, 3),
            "slowest": {"id": slowest[1], "seconds": round(slowest[0] / 1000, 3)},
        }
    return detail


def phases(ret):
    """The steps of an orchestration return, in run order, with timings."""
    steps = []
    for key, item in ret.items():
        steps.append(
            {
                "run_num": item.get("__run_num__"),
                "id": item.get("__id__") or key.split("_|-")[1],
                "kind": _kind(key),
                "name": item.get("name"),
                "start_time": item.get("start_time"),
                "duration_s": round((item.get("duration") or 0) / 1000, 3),
                "result": item.get("result"),
                "comment": str(item.get("comment") or "").strip().splitlines()[:1],
                "minions": minion_detail(item) if _kind(key) == "salt.state" else {},
            }
        )
    steps.sort(key=lambda s: (s["run_num"] is None, s["run_num"] if s["run_num"] is not None else 0))
    # Wall-clock position of each step; a start earlier than the previous one crossed midnight.
    offset, previous, first = 0.0, None, None
    for step in steps:
        t = _seconds_of_day(step["start_time"])
        if t is None:
            step["start_s"] = step["gap_before_s"] = None
            continue
        t += offset
        if previous is not None and t < previous[0] - 1:
            offset += 86400
            t += 86400
        if first is None:
            first = t
        step["start_s"] = round(t - first, 3)
        step["gap_before_s"] = None if previous is None else round(t - (previous[0] + previous[1]), 3)
        previous = (t, step["duration_s"])
    total = sum(s["duration_s"] for s in steps)
    wall = None
    if previous is not None and first is not None:
        wall = round(previous[0] + previous[1] - first, 3)
    for step in steps:
        step["share"] = round(step["duration_s"] / total, 4) if total else None
    return {"steps": steps, "sum_of_steps_s": round(total, 3), "wall_s": wall,
            "failed": [s["id"] for s in steps if s["result"] is False]}


# ----------------------------------------------------------------- output --
def _fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(summary, source):
    rows = []
    for step in summary["steps"]:
        minions = "; ".join(
            f"{m}: {d['states']} states, {d['state_seconds']:.1f} s in states, slowest {d['slowest']['id']} "
            f"{d['slowest']['seconds']:.1f} s" if "states" in d else f"{m}: {d['error']}"
            for m, d in sorted(step["minions"].items())
        )
        rows.append(
            [
                str(step["run_num"]),
                f"`{step['id']}`",
                step["kind"],
                _fmt(step.get("start_s")),
                _fmt(step["duration_s"]),
                "–" if step["share"] is None else f"{100 * step['share']:.0f} %",
                _fmt(step.get("gap_before_s")),
                {True: "ok", False: "**failed**", None: "none"}.get(step["result"], str(step["result"])),
                minions or "–",
            ]
        )
    head = ["#", "step", "kind", "starts at s", "duration s", "share", "gap before s", "result", "minions (detail)"]
    lines = [f"### 5. Rollout phases (`{source}`)", "", "| " + " | ".join(head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    lines += ["", f"Sum of step durations: {_fmt(summary['sum_of_steps_s'])} s; wall clock from the first step's "
                  f"start to the last step's end: {_fmt(summary['wall_s'])} s"
                  + (f"; failed: {', '.join(summary['failed'])}" if summary["failed"] else "") + "."]
    return "\n".join(lines)


def save(summary, source):
    results = os.path.join(HERE, "results")
    os.makedirs(results, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(results, f"{stamp}-rollout_phases.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"source": os.path.abspath(source), **summary}, handle, indent=1)
    return path


# -------------------------------------------------------------- self-test --
def _sample():
    """A small orchestration return shaped like Salt 3008's (progress event + return, noise)."""

    def st(run, sid, kind, start, ms, result=True, ret=None, fun="state"):
        item = {"__id__": sid, "__run_num__": run, "__sls__": "drbdha.orch.deploy", "name": sid,
                "start_time": start, "duration": ms, "result": result, "comment": f"{sid} done\nmore",
                "changes": {}}
        if ret is not None:
            item["changes"] = {"out": "highstate", "ret": ret}
        return {f"{kind}_|-{sid}_|-{sid}_|-{fun}": item}

    minion_ret = {"node-1": {"pkg_|-p_|-p_|-installed": {"__id__": "p", "duration": 1500.0, "result": True,
                                                         "changes": {"x": 1}},
                             "file_|-f_|-f_|-managed": {"__id__": "f", "duration": 250.0, "result": True,
                                                        "changes": {}}}}
    states = {}
    states.update(st(0, "drbdha-deploy-sync", "salt", "23:59:58.000000", 1000.0, fun="function"))
    states.update(st(1, "drbdha-deploy-base", "salt", "23:59:59.500000", 2000.0, ret=minion_ret))
    states.update(st(2, "drbdha-deploy-cib", "salt", "00:00:02.000000", 500.0, result=False))
    progress = {"master_master": states}
    final = {"data": {"master_master": states}, "outputter": "highstate", "retcode": 1}
    return "[WARNING ] something\n" + json.dumps(progress) + "\n" + json.dumps(final, indent=4) + "\n"


def self_test():
    source, ret = orchestration(_sample())
    assert source == "master_master", source
    summary = phases(ret)
    steps = summary["steps"]
    assert [s["id"] for s in steps] == ["drbdha-deploy-sync", "drbdha-deploy-base", "drbdha-deploy-cib"]
    assert [s["kind"] for s in steps] == ["salt.function", "salt.state", "salt.state"]
    assert steps[1]["start_s"] == 1.5 and steps[1]["gap_before_s"] == 0.5, steps[1]
    assert steps[2]["start_s"] == 4.0 and steps[2]["gap_before_s"] == 0.5, steps[2]  # across midnight
    assert summary["sum_of_steps_s"] == 3.5 and summary["wall_s"] == 4.5, summary
    assert summary["failed"] == ["drbdha-deploy-cib"]
    detail = steps[1]["minions"]["node-1"]
    assert detail == {"states": 2, "changed": 1, "failed": 0, "state_seconds": 1.75,
                      "slowest": {"id": "p", "seconds": 1.5}}, detail
    md = markdown(summary, "sample")
    assert "| 1 | `drbdha-deploy-base` | salt.state | 1.5 | 2.0 | 57 % | 0.5 | ok |" in md, md
    try:
        orchestration("no json here")
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError")
    print(md)
    print("\nself-test ok")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", help="saved output of salt-run state.orchestrate ... --out=json")
    p.add_argument("--no-save", action="store_true", help="print only; no bench/results file")
    p.add_argument("--self-test", action="store_true", help="check the parser on a built-in sample")
    args = p.parse_args()
    if args.self_test:
        self_test()
        return 0
    if not args.file:
        p.error("give the saved orchestration output (or --self-test)")
    with open(args.file, encoding="utf-8", errors="replace") as handle:
        source, ret = orchestration(handle.read())
    summary = phases(ret)
    print(markdown(summary, f"{os.path.basename(args.file)}, {source}"))
    if not args.no_save:
        print(f"\nraw results: {os.path.relpath(save(summary, args.file), os.path.dirname(HERE))}")
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
