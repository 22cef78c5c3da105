"""
IPMI fencing in the full-tier lab: the rollout from blank disks with
``stonith: mode: ipmi`` (test/lab/pillar/ipmi.sls, no quorum device), each
node fenced by ``fence_ipmilan`` through its emulated BMC (ipmi_sim on the
host; powering off is a hard power-off of the node's VM, powering on boots it).

- The fence devices run, each off the node it fences, and the CIB holds no
  BMC password; a second apply changes nothing.
- A full partition: both nodes keep quorum (two_node) and try to fence each
  other; priority-fencing-delay lets the guest's node win, so the other node
  is powered off and on by its BMC, and the guest never stops.
- The replication link cut: no node is fenced (test_rollout_faults.py's drill).
- A hung node: the peer powers it off through its BMC before it runs the
  guest; the hung instance never writes again.
- A hard power-off of the guest's node: the survivor fences it through its
  BMC (which boots it again) and runs the guest; no acknowledged write is lost.

Runs last (alphabetical order) on a lab of its own: it resets the lab and
switches its pillar to IPMI (`lab fencing ipmi`), and back to SBD at the end.
Marked ``drill``: `make test-drills` runs it.
"""

import json
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
from labdriver import (
    LAB_ONLY,
    NODES,
    RUN,
    ack_report,
    acks_grow,
    blank_lab,
    boot_id,
    deploy,
    failed_states,
    guest_node,
    healthy_pair,
    lab,
    on,
    other,
    rebooted,
    salt_json,
    settled_pair,
    state_changes,
    wait_for,
)
from test_rollout_faults import test_link_cut_fences_the_secondary_and_heal_resyncs as link_cut_drill

pytestmark = [pytest.mark.lab, pytest.mark.drill, LAB_ONLY]

BMC_PASSWORD = "lab-only-bmc-pw"  # noqa: S105 - test/lab/pillar/ipmi.sls's lab-only password


@pytest.fixture(scope="module")
def ipmi_rolled_out():
    lab("fencing", "ipmi")
    try:
        blank_lab()
        seconds = deploy()
        print(f"rollout with IPMI fencing took {seconds:.0f} s")
        yield seconds
    finally:
        lab("fencing", "sbd")


def _crm_mon(node):
    return ET.fromstring(on(node, "crm_mon", "-1", "--output-as=xml", timeout=120).stdout)


def _chassis_log(node):
    """What NODE's BMC was told to do, oldest first: 'set power 0', 'set power 1' (lab bmc-chassis's log)."""
    with open(f"{RUN}/bmc/{node}/chassis.log", encoding="utf-8") as handle:
        calls = [line.split(" ", 2)[2].strip() for line in handle if line[:4].isdigit()]
    return [call for call in calls if call.startswith("set ")]


def test_fence_devices_run_off_the_node_they_fence_and_a_reapply_changes_nothing(ipmi_rolled_out):
    healthy_pair()
    root = _crm_mon("node-1")
    placed = {r.get("id"): [n.get("name") for n in r.iter("node")] for r in root.iter("resource")}
    for node in NODES:
        assert placed.get(f"stonith_{node}") == [other(node)], placed
    cib = on("node-1", "cibadmin", "--query", timeout=120).stdout
    assert "priority-fencing-delay" in cib and 'value="45s"' in cib
    assert BMC_PASSWORD not in cib
    ret, out = salt_json("-L", ",".join(NODES), "state.apply", "drbdha", timeout=1800)
    assert failed_states(ret) == {n: [] for n in NODES}, out.stdout[-20000:]
    assert state_changes(ret) == {n: [] for n in NODES}, out.stdout[-20000:]
    # The BMC password: only in the root-only file the fence agent's password script reads.
    assert BMC_PASSWORD not in out.stdout + out.stderr
    host_places = [f"{RUN}/deploy.json", f"{RUN}/salt/master.log", f"{RUN}/salt/var/cache/salt/master/jobs"]
    grep = ["grep", "-r", "-l", "-F", BMC_PASSWORD]
    found = subprocess.run([*grep, *host_places], capture_output=True, text=True, check=False)
    assert found.returncode == 1 and found.stdout == "", found.stdout + found.stderr
    for node in NODES:
        found = on(node, *grep, "/var/log/salt", "/var/cache/salt/minion", check=False)
        assert found.returncode == 1 and found.stdout == "", f"{node}: {found.stdout}{found.stderr}"
        holders = on(node, *grep, "/etc").stdout.split()
        assert holders == [f"/etc/drbdha/fencing/ipmi-{other(node)}"], f"{node}: {holders}"
        assert on(node, "stat", "-c", "%a %U", *holders).stdout.split() == ["600", "root"]


def test_partition_fences_the_node_without_the_guest_and_the_guest_goes_on(ipmi_rolled_out):
    healthy_pair()
    primary = wait_for(lambda: ((n := guest_node()) is not None, n), 900, "the guest to run")
    loser = other(primary)
    boots = {node: boot_id(node) for node in NODES}
    fenced_before = len(_chassis_log(loser))
    guest_boots = len(ack_report()["boots"])
    started = time.monotonic()
    lab("partition")
    try:
        wait_for(lambda: (rebooted(loser, boots[loser]), None), 600, f"{loser} to be fenced and boot again")
        print(
            f"partition: {loser} powered off and on by its BMC, up again {time.monotonic() - started:.0f} s "
            f"after the cut; BMC calls: {_chassis_log(loser)[fenced_before:]}"
        )
        assert "set power 0" in _chassis_log(loser)[fenced_before:]
        assert not rebooted(primary, boots[primary]), f"{primary}, the guest's node, was fenced too"
        assert guest_node(primary) == primary
        report = acks_grow()
        assert report["concurrent"] == [] and report["ok"], report
    finally:
        lab("unpartition")
    healed = time.monotonic()
    view = healthy_pair()
    print(f"partition healed: pair healthy {time.monotonic() - healed:.0f} s after the heal")
    assert view["verdict"] == "healthy", view["reasons"]
    assert guest_node() == primary
    report = ack_report()
    assert report["concurrent"] == [] and report["ok"], report
    # The guest never stopped: no new instance of it started (each start reports FOUND).
    assert len(report["boots"]) == guest_boots, report


@pytest.fixture
def settled(ipmi_rolled_out):
    """A healthy pair with the guest writing; returns (primary, secondary)."""
    return settled_pair()


def test_link_cut_fences_no_node_and_heal_resyncs(settled):
    calls = {node: len(_chassis_log(node)) for node in NODES}
    link_cut_drill(settled)
    assert {node: _chassis_log(node)[calls[node] :] for node in NODES} == {node: [] for node in NODES}


def test_hung_node_is_powered_off_by_its_bmc_before_the_guest_runs_elsewhere(settled):
    """
    The guest's node hangs (its qemu stopped). The peer fences it through its
    BMC (powered off, then on: it boots again) and only then runs the guest;
    the hung instance never writes again.
    """
    primary, secondary = settled
    boot = boot_id(primary)
    calls = len(_chassis_log(primary))
    lab("freeze", primary)
    frozen = time.monotonic()
    try:
        wait_for(lambda: ((n := guest_node(secondary)) == secondary, n), 900, f"the guest to run on {secondary}")
        print(f"hung node: the guest ran on {secondary} {time.monotonic() - frozen:.0f} s after {primary} hung")
        # Fenced before the peer took over: its BMC was told to power it off.
        assert "set power 0" in _chassis_log(primary)[calls:]
        acks_grow()
    finally:
        lab("thaw", primary)  # the frozen qemu is gone by now; this resumes nothing that matters
    wait_for(lambda: (rebooted(primary, boot), None), 900, f"{primary} booted by its BMC")
    report = ack_report()
    assert report["concurrent"] == [] and report["ok"], report
    view = healthy_pair()
    assert view["verdict"] == "healthy", view["reasons"]
    assert guest_node() == secondary


def test_power_off_of_the_guests_node_fences_it_and_its_bmc_boots_it(ipmi_rolled_out):
    victim = guest_node()
    survivor = other(victim)
    before = ack_report()["last_ack"]
    assert before, "the guest has acknowledged no write yet"
    boot = boot_id(victim)
    killed = time.monotonic()
    lab("kill", victim)
    wait_for(lambda: ((n := guest_node(survivor)) == survivor, n), 1200, f"the guest on {survivor}")
    print(f"power-off of {victim}: the guest runs on {survivor} {time.monotonic() - killed:.0f} s later")
    report = wait_for(
        lambda: ((r := ack_report())["last_found"] is not None and r["last_found"] >= before, r),
        900,
        "the guest's FOUND line after the failover",
    )
    assert report["ok"] and report["concurrent"] == [], report
    # Fencing is a reboot: the BMC powered the dead node on again, and it rejoins.
    wait_for(lambda: (rebooted(victim, boot), None), 900, f"{victim} booted by its BMC")
    print(f"power-off of {victim}: booted again by its BMC {time.monotonic() - killed:.0f} s after the kill")
    lab("wait", victim, "--salt", timeout=900)
    view = healthy_pair()
    assert view["verdict"] == "healthy", view["reasons"]
    print(
        f"power-off of {victim}: pair healthy {time.monotonic() - killed:.0f} s after the kill; "
        f"{json.dumps(_chassis_log(victim)[-4:])}"
    )
