"""
The cluster concern's crmsh mode on the blank lab: ``crm cluster init`` on the
first node, driven by the formula (pillar ``drbdha:cluster:mode: crmsh``).

Debian 12's crmsh 4.4.1 cannot carry out ``crm cluster join`` (the README's
Supported section says why), so only the first node's bootstrap is exercised here; the
rollout tests use the default native mode. The quorum device goes in only once
corosync's nodelist names both nodes; here ``crm corosync add-node`` lists node-2
in the file as a join would, and the device then really votes for node-1 (node-2
stays out of the cluster). This runs before the rollout on the same blank lab and takes the
one-node cluster down again afterwards, so the rollout starts from nothing.
Marked ``drill``: `make test-drills` runs it.
"""

import json
import xml.etree.ElementTree as ET

import pytest
from labdriver import LAB_ONLY, MINIONS, NODES, QUORUM_HOST, failed_states, lab, on, salt_json, state_changes, wait_for

pytestmark = [pytest.mark.lab, pytest.mark.drill, LAB_ONLY]

# The lab's quorum device; no SBD: a one-node bootstrap has no peer to fence.
CRMSH_CLUSTER = {"mode": "crmsh", "stonith": {"mode": "none", "accept_no_fencing": True, "sbd": None}}
COROSYNC_CONF = "/etc/corosync/corosync.conf"
CRMSH_MODE = "pillar=" + json.dumps({"drbdha": {"cluster": CRMSH_CLUSTER}})


def _apply(*extra):
    ret, out = salt_json("node-1", "state.apply", "drbdha.packages,drbdha.cluster", CRMSH_MODE, *extra, timeout=1500)
    assert "node-1" in ret, out.stdout[-5000:] + out.stderr[-5000:]
    return ret


def _online_nodes():
    root = ET.fromstring(on("node-1", "crm_mon", "-1", "--output-as=xml").stdout)
    return sorted(n.get("name") for n in root.iter("node") if n.get("online") == "true")


def _quorum_status():
    """corosync-quorumtool's flags and whether a Qdevice vote is in its membership list."""
    out = on("node-1", "corosync-quorumtool", "-s", check=False).stdout
    flags = next((line.split(":", 1)[1].split() for line in out.splitlines() if line.startswith("Flags:")), [])
    return flags, out


def _certificates_from_the_quorum_host():
    """The quorum host's corosync-qnetd and each node's certificate, as the rollout's first steps do them."""
    lab("salt", "-L", ",".join(MINIONS), "saltutil.sync_all", "-t", "600", timeout=700)
    lab("salt-run", "saltutil.sync_all", timeout=300)
    ret, out = salt_json(QUORUM_HOST, "state.apply", "drbdha.qnetd", timeout=900)
    assert failed_states(ret) == {QUORUM_HOST: []}, out.stdout[-5000:]
    lab("salt-run", "drbdha.qdevice_certificates", timeout=900)


def _take_the_cluster_down():
    """Back to the blank lab: no cluster, no CIB, nothing crmsh enabled, no qdevice certificate."""
    on("node-1", "systemctl", "disable", "--now", "corosync-qdevice", check=False, timeout=300)
    on("node-1", "crm", "cluster", "stop", check=False, timeout=600)
    on("node-1", "systemctl", "disable", "corosync", "pacemaker", check=False)
    on(
        "node-1",
        "sh",
        "-c",
        "rm -f /etc/corosync/corosync.conf /etc/corosync/authkey /var/lib/pacemaker/cib/*",
    )
    for node in NODES:
        on(node, "rm", "-rf", "/etc/corosync/qdevice/net/nssdb", check=False)


def test_crmsh_mode_bootstraps_the_first_node_adds_the_quorum_device_and_a_reapply_changes_nothing(blank):
    _certificates_from_the_quorum_host()
    try:
        ret = _apply()
        assert failed_states(ret) == {"node-1": []}, json.dumps(ret, indent=1)[-8000:]
        assert "drbdha-cluster-crmsh" in state_changes(ret)["node-1"]
        assert _online_nodes() == ["node-1"]
        conf = on("node-1", "cat", COROSYNC_CONF).stdout
        assert "cluster_name: drbdha-lab" in conf
        # Alone in the nodelist, node-1 keeps crmsh's quorum section and starts no corosync-qdevice.
        (quorum,) = [s for s in ret["node-1"].values() if s["__id__"] == "drbdha-cluster-quorum"]
        assert "until the nodelist names all 2 nodes (it names 1)" in quorum["comment"]
        assert "device {" not in conf
        # crm cluster init ran once: the next apply finds the cluster running and changes nothing,
        # and test=True predicts nothing.
        assert state_changes(_apply()) == {"node-1": []}
        assert state_changes(_apply("test=True")) == {"node-1": []}

        # node-2 in the nodelist, as crm cluster join puts it: the device goes in and votes.
        on("node-1", "crm", "corosync", "add-node", "10.20.30.72", "node-2")
        # test=True predicts the new section and the reload; whether corosync-qdevice would start is
        # decided from the file, which test=True leaves as it is.
        predicted = state_changes(_apply("test=True"))["node-1"]
        assert predicted == ["drbdha-cluster-corosync-reload", "drbdha-cluster-quorum"]
        ret = _apply()
        assert failed_states(ret) == {"node-1": []}, json.dumps(ret, indent=1)[-8000:]
        assert state_changes(ret)["node-1"] == [
            "drbdha-cluster-corosync-reload",
            "drbdha-cluster-qdevice-service",
            "drbdha-cluster-quorum",
        ]
        conf = on("node-1", "cat", COROSYNC_CONF).stdout
        assert "device {" in conf and "two_node" not in conf and "cluster_name: drbdha-lab" in conf
        # node-1 quorate with the quorum host's vote: corosync-quorumtool lists the Qdevice with its vote.
        flags, out = wait_for(
            lambda: ((st := _quorum_status())[0] and {"Quorate", "Qdevice"} <= set(st[0]), st), 120, "qdevice's vote"
        )
        assert "Total votes:      2" in out and any(line.split()[-1:] == ["Qdevice"] for line in out.splitlines()), out
        assert state_changes(_apply()) == {"node-1": []}
        assert state_changes(_apply("test=True")) == {"node-1": []}
    finally:
        _take_the_cluster_down()
    assert on("node-1", "test", "-e", COROSYNC_CONF, check=False).returncode == 1
