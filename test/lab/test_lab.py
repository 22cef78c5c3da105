"""Full-tier lab tests: two qemu VMs with the real DRBD driver, Pacemaker, libvirt and salt-minions.

Skipped unless DRBDHA_LAB=1 (they boot VMs under TCG: minutes, not seconds). They drive the lab
only through its command, test/lab/lab, exactly as a person would. They run on the blank lab the
rollout starts from (conftest.blank); DRBD and the guest on it are tested after the formula's
rollout, in test_rollout.py.

    DRBDHA_LAB=1 python -m pytest -m lab test/lab/test_lab.py
"""

import json

import pytest
from labdriver import LAB_ONLY, MINIONS, NODES, lab, on, wait_for

pytestmark = [
    pytest.mark.lab,
    LAB_ONLY,
]


def test_lab_comes_up(blank):
    r = lab("status", check=False)
    assert r.returncode == 0, r.stdout
    for node in MINIONS:
        assert f"{node}:   running" in r.stdout
        assert on(node, "hostname").stdout.strip() == node


def test_every_minion_answers_salt(blank):
    r = lab("salt", "*", "test.ping", "--out=json", "--static", "-t", "60")
    assert json.loads(r.stdout) == dict.fromkeys(MINIONS, True)
    r = lab("salt", "*", "grains.item", "host", "--out=json", "--static", "-t", "60")
    assert {n: v["host"] for n, v in json.loads(r.stdout).items()} == {n: n for n in MINIONS}


def test_real_tools_respond(blank):
    for node in NODES:
        versions = on(node, "drbdadm", "--version")
        assert "DRBDADM_VERSION" in versions.stdout + versions.stderr
        assert on(node, "cat", "/sys/module/drbd/version").stdout.strip().startswith("8.4")
        assert "Pacemaker" in on(node, "crm_mon", "--version").stdout
        assert on(node, "virsh", "-c", "qemu:///system", "version").returncode == 0
        assert on(node, "corosync", "-v").returncode == 0


def answers_ping(address, node="node-1"):
    return on(node, "ping", "-c1", "-W3", address, check=False).returncode == 0


def wait_until_answers(address, what):
    wait_for(lambda: (answers_ping(address), "no answer"), 60, what, interval=3)


def test_replication_network_separate(blank):
    assert answers_ping("10.20.30.72") and answers_ping("192.168.98.72")
    lab("cut")
    try:
        assert not answers_ping("10.20.30.72")
        assert answers_ping("192.168.98.72")
    finally:
        lab("heal")
    wait_until_answers("10.20.30.72", "replication link back")


def reaches_master(node):
    """NODE opens a TCP connection to the master over its host link."""
    probe = "exec 3<>/dev/tcp/10.0.2.100/4506"
    return on(node, "timeout", "10", "bash", "-c", probe, check=False).returncode == 0


def test_partition_cuts_both_networks_between_the_nodes_and_leaves_the_host_link(blank):
    lab("partition")
    try:
        assert not answers_ping("10.20.30.72") and not answers_ping("192.168.98.72")
        assert all(reaches_master(node) for node in NODES)
    finally:
        lab("unpartition")
    wait_until_answers("192.168.98.72", "external link back")


def test_exec_that_times_out_leaves_nothing_running_in_the_node(blank):
    # A marker argv no other process has, so the check cannot be fooled by the node's own sleeps.
    r = lab("exec", "--timeout=3", "node-1", "sleep", "997", check=False)
    assert r.returncode == 124, r.stderr
    assert "still running after 3.0s" in r.stderr
    assert "stopped pid" in r.stderr
    left = on("node-1", "pgrep", "-f", "-x", "sleep 997", check=False)
    assert left.returncode == 1, f"still running in node-1: {left.stdout}"
