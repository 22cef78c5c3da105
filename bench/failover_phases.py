#!/usr/bin/env python3
"""
Figure 6: recovery time after a hard power-off of the node running the
guest, broken into detection, fencing, DRBD promotion and guest start, read
from the survivor's journal (corosync, Pacemaker, kernel DRBD lines):

    test/lab/lab exec node-2 sh -c "journalctl -o short-iso-precise --since ... | \
        grep -E 'corosync|pacemaker-controld|pacemaker-schedulerd|pacemaker-fenced|kernel: drbd'" > journal.txt
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
# With diskless SBD (the lab's fencing): the survivor waits stonith-watchdog-timeout for the lost node.
SAMPLE = os.path.join(HERE, "reference", "failover-journal-sbd.txt")

# (event, regular expression on the message), in the order they happen.
EVENTS = (
    ("token missed", re.compile(r"Token has not been received in (\d+) ms")),
    ("membership lost the node", re.compile(r"Node (\S+) state is now lost")),
    ("fencing requested", re.compile(r"Requesting fencing \(\w+\) of node")),
    ("fencing done", re.compile(r"Operation '\w+' targeting \S+ by \S+ for \S+: OK")),
    ("promote started", re.compile(r"Initiating promote operation rsc_drbd_")),
    ("promote done", re.compile(r"Result of promote operation for rsc_drbd_\S+ on \S+: ok")),
    ("guest start started", re.compile(r"Initiating start operation rsc_kvm_")),
    ("guest start done", re.compile(r"Result of start operation for rsc_kvm_\S+ on \S+: ok")),
)


# Without node fencing (mode none) the journal has no fencing lines.
OPTIONAL = ("fencing requested", "fencing done")


def parse(text):
    """
    {event: (datetime, match)}: each event's first line after the event
    before it was found, so that earlier promotions or starts in the same
    journal are not taken for the failover's (pure).
    """
    found, pending = {}, list(EVENTS)
    for line in text.splitlines():
        stamp, _, message = line.partition(" ")
        try:
            when = datetime.datetime.fromisoformat(stamp)
        except ValueError:
            continue
        for index, (name, pattern) in enumerate(pending):
            match = pattern.search(message)
            # a later event may match only when every one before it that is still missing is optional
            if match and all(n in OPTIONAL for n, _ in pending[:index]):
                found[name] = (when, match)
                del pending[: index + 1]
                break
    return found


def phases(found):
    """[(phase, seconds)] from parse()'s events; the power-off = first missed token minus its wait."""
    missing = [name for name, _ in EVENTS if name not in found and name not in OPTIONAL]
    if missing:
        raise ValueError(f"the journal lacks: {', '.join(missing)}")
    when, match = found["token missed"]
    off = when - datetime.timedelta(milliseconds=int(match.group(1)))
    t = {name: (found[name][0] - off).total_seconds() for name, _ in EVENTS if name in found}
    fenced = "fencing done" in t
    before_promotion = t["fencing done"] if fenced else t["membership lost the node"]
    fencing = [
        ("scheduling, fencing requested", t["fencing requested"] - t["membership lost the node"]),
        ("fencing: the node fenced or its self-fencing assumed", t["fencing done"] - t["fencing requested"]),
    ] if fenced else []
    return [
        ("detection: power-off -> corosync/pacemaker declare the node lost", t["membership lost the node"]),
        *fencing,
        ("scheduling and pre-promote notify", t["promote started"] - before_promotion),
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
        text = handle.read()
    rows = dict(phases(parse(text)))
    assert 10 < rows["detection: power-off -> corosync/pacemaker declare the node lost"] < 13, rows
    # stonith-watchdog-timeout is 50 s in the lab
    assert 49 < rows["fencing: the node fenced or its self-fencing assumed"] < 52, rows
    assert rows["total: power-off -> guest started on the survivor"] > rows["DRBD promotion (promote operation)"]
    without_fencing = [line for line in text.splitlines() if "fenc" not in line]
    rows = dict(phases(parse("\n".join(without_fencing))))
    assert "fencing: the node fenced or its self-fencing assumed" not in rows, rows
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
