#!/usr/bin/env python3
"""
Figure 6: recovery time after a hard power-off of the node running the
guest, broken into detection, DRBD promotion and guest start, read from the
survivor's journal (corosync, pacemaker-controld, kernel DRBD lines):

    test/lab/lab exec node-2 sh -c "journalctl -o short-iso-precise --since ... | \
        grep -E 'corosync|pacemaker-controld|pacemaker-schedulerd|kernel: drbd'" > journal.txt
    bench/failover_phases.py journal.txt [--token-ms 5000]
    bench/failover_phases.py --self-test

The power-off itself is not in the survivor's log: its time is taken as the
first "Token has not been received in N ms" line minus N ms (the last token
the survivor saw), so "detection" is a lower bound by at most one token
rotation.
"""

import argparse
import datetime
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "results", "20261125T2343-failover-journal-node-2.txt")

# (event, regular expression on the message), in the order they happen.
EVENTS = (
    ("token missed", re.compile(r"Token has not been received in (\d+) ms")),
    ("membership lost the node", re.compile(r"Node (\S+) state is now lost")),
    ("promote started", re.compile(r"Initiating promote operation rsc_drbd_")),
    ("promote done", re.compile(r"Result of promote operation for rsc_drbd_\S+ on \S+: ok")),
    ("guest start started", re.compile(r"Initiating start operation rsc_kvm_")),
    ("guest start done", re.compile(r"Result of start operation for rsc_kvm_\S+ on \S+: ok")),
)


def parse(text):
    """{event: (datetime, match)} for the first line of each event (pure)."""
    found = {}
    for line in text.splitlines():
        stamp, _, message = line.partition(" ")
        try:
            when = datetime.datetime.fromisoformat(stamp)
        except ValueError:
            continue
        for name, pattern in EVENTS:
            match = pattern.search(message)
            if match and name not in found:
                found[name] = (when, match)
    return found


def phases(found):
    """[(phase, seconds)] from parse()'s events; the power-off = first missed token minus its wait."""
    missing = [name for name, _ in EVENTS if name not in found]
    if missing:
        raise ValueError(f"the journal lacks: {', '.join(missing)}")
    when, match = found["token missed"]
    off = when - datetime.timedelta(milliseconds=int(match.group(1)))
    t = {name: (found[name][0] - off).total_seconds() for name, _ in EVENTS}
    return [
        ("detection: power-off -> corosync/pacemaker declare the node lost", t["membership lost the node"]),
        ("scheduling and pre-promote notify", t["promote started"] - t["membership lost the node"]),
        ("DRBD promotion (promote operation)", t["promote done"] - t["promote started"]),
        ("post-promote notify, guest start scheduled", t["guest start started"] - t["promote done"]),
        ("guest start (VirtualDomain start operation)", t["guest start done"] - t["guest start started"]),
        ("total: power-off -> guest started on the survivor", t["guest start done"]),
    ]


def table(rows, token_ms):
    lines = [
        f"| phase | seconds (corosync token {token_ms} ms, consensus {int(token_ms * 1.2)} ms) |",
        "|---|---|",
    ]
    lines += [f"| {name} | {seconds:.1f} |" for name, seconds in rows]
    return "\n".join(lines)


def self_test():
    with open(SAMPLE, encoding="utf-8") as handle:
        rows = dict(phases(parse(handle.read())))
    assert 10 < rows["detection: power-off -> corosync/pacemaker declare the node lost"] < 13, rows
    assert rows["total: power-off -> guest started on the survivor"] > rows["DRBD promotion (promote operation)"]
    try:
        phases(parse(""))
    except ValueError as exc:
        assert "lacks" in str(exc)
    else:
        raise AssertionError("an empty journal must be refused")
    print("self-test ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("journal", nargs="?", default=SAMPLE)
    parser.add_argument("--token-ms", type=int, default=5000, help="the cluster's corosync token (pillar)")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        self_test()
        return 0
    with open(args.journal, encoding="utf-8") as handle:
        print(table(phases(parse(handle.read())), args.token_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
