"""
The pre-flight rules of one node: what in the facts gathered on it
(``drbdha.preflight_facts``) stops a rollout, each problem saying what to fix.

Pure: the unit tests import this file directly; the modules reach it through
``__utils__["drbdha_preflight.<name>"]``.
"""

import ipaddress


def mounts_by_device(mountinfo_text):
    """``{"major:minor": [mount points]}`` from /proc/self/mountinfo."""
    found = {}
    for line in mountinfo_text.splitlines():
        fields = line.split()
        if len(fields) > 4:
            found.setdefault(fields[2], []).append(fields[4])
    return found


def _host_problems(facts, this_node):
    problems = []
    if facts["hostname"] != this_node:
        problems.append(
            f"this node's hostname is {facts['hostname']} but its minion id (its cluster and DRBD node name) "
            f"is {this_node}: set the hostname to {this_node} (drbdha:network:manage does it)"
        )
    if not facts["driver"]:
        problems.append(
            "the DRBD kernel driver is neither loaded nor installed (modinfo drbd): install a kernel or "
            "package that has it (SUSE: drbd-kmp-default; Debian/Ubuntu: the distribution kernel has it)"
        )
    return problems


def _device_problems(name, dev):
    path, key = dev["path"], f"drbdha:drbd:resources:{name}:disk"
    if dev.get("attached"):
        return []
    if not dev["exists"]:
        return [f"{name}: backing device {path} does not exist on this node ({key})"]
    if not dev["block"]:
        return [f"{name}: {path} is not a block device ({key})"]
    problems = []
    if dev["mounted"]:
        problems.append(f"{name}: {path} is in use, mounted on {', '.join(dev['mounted'])}: unmount it first")
    if dev["holders"]:
        problems.append(f"{name}: {path} is in use by {', '.join(dev['holders'])} (device-mapper, md or LVM)")
    if dev["partitions"]:
        problems.append(
            f"{name}: {path} has partitions ({', '.join(dev['partitions'])}): name the partition meant "
            f"for DRBD in {key}, or wipe the disk if nothing on it is needed"
        )
    signature = dev.get("signature")
    if signature and signature != "DRBD metadata":
        problems.append(
            f"{name}: {path} holds {signature}; drbdha puts DRBD metadata only on unused devices. "
            f"If its data is not needed, zero the device (blkdiscard --zeroout {path}, or "
            f"dd if=/dev/zero of={path} bs=1M; wipefs alone leaves data where DRBD's metadata goes) and apply again"
        )
    return problems


def _name_problem(node, addresses, expected):
    """What is wrong with how node name ``node`` resolves (to ``addresses``), else None."""
    if not addresses:
        return f"node name {node} does not resolve on this node: add it to /etc/hosts or DNS"
    if expected and expected not in addresses:
        return (
            f"node name {node} resolves to {', '.join(addresses)}, not its external address {expected} "
            f"(drbdha:nodes:{node}:external_address): fix /etc/hosts or DNS"
        )
    if not expected and all(ipaddress.ip_address(a).is_loopback for a in addresses):
        return f"node name {node} resolves only to loopback ({', '.join(addresses)}): fix /etc/hosts"
    return None


def preflight_problems(facts, settings, fencing_problems):
    """
    What stops a rollout on this node, each saying what to fix: a backing
    device that is missing, not a block device, in use (mounted, held by
    device-mapper/md, partitioned) or holding data that is not DRBD's; a node
    name that does not resolve to the node's address; a peer that does not
    answer on the replication network; then ``fencing_problems`` (the fencing
    mode's own, e.g. no fencing and no explicit waiver). A device DRBD already
    has attached is in use by DRBD itself and passes.
    """
    problems = _host_problems(facts, settings["this_node"])
    for name, dev in sorted(facts["devices"].items()):
        problems += _device_problems(name, dev)
    nodes = settings["nodes"]
    for node, addresses in sorted(facts["resolves"].items()):
        problem = _name_problem(node, addresses, nodes[node].get("external_address"))
        if problem:
            problems.append(problem)
    if facts.get("peer_probe"):
        problems.append(facts["peer_probe"])
    return problems + list(fencing_problems)
