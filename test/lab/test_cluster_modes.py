"""
The cluster concern's crmsh mode on the blank lab: ``crm cluster init`` on the
first node, driven by the formula (pillar ``drbdha:cluster:mode: crmsh``).

Debian 12's crmsh 4.4.1 cannot carry out ``crm cluster join`` (the README's
Supported section says why), so only the first node's bootstrap is exercised here; the
rollout tests use the default native mode. This runs before the rollout on
the same blank lab and takes the one-node cluster down again afterwards, so
the rollout starts from nothing. Marked ``drill``: `make test-drills` runs it.
"""

import json
import xml.etree.ElementTree as ET

import pytest
from labdriver import LAB_ONLY, failed_states, lab, on, salt_json, state_changes

pytestmark = [pytest.mark.lab, pytest.mark.drill, LAB_ONLY]

# The formula sets a quorum device up in native mode only: this one-node bootstrap runs without
# the lab's SBD and quorum device.
CRMSH_CLUSTER = {"mode": "crmsh", "qdevice": None, "stonith": {"mode": "none", "accept_no_fencing": True, "sbd": None}}
CRMSH_MODE = "pillar=" + json.dumps({"drbdha": {"cluster": CRMSH_CLUSTER}})


def _apply(*extra):
    ret, out = salt_json("node-1", "state.apply", "drbdha.packages,drbdha.cluster", CRMSH_MODE, *extra, timeout=1500)
    assert "node-1" in ret, out.stdout[-5000:] + out.stderr[-5000:]
    return ret


def _online_nodes():
    root = ET.fromstring(on("node-1", "crm_mon", "-1", "--output-as=xml").stdout)
    return sorted(n.get("name") for n in root.iter("node") if n.get("online") == "true")


def _take_the_cluster_down():
    """Back to the blank lab: no cluster, no CIB, nothing crmsh enabled."""
    on("node-1", "crm", "cluster", "stop", check=False, timeout=600)
    on("node-1", "systemctl", "disable", "corosync", "pacemaker", check=False)
    on(
        "node-1",
        "sh",
        "-c",
        "rm -f /etc/corosync/corosync.conf /etc/corosync/authkey /var/lib/pacemaker/cib/*",
    )


def test_crmsh_mode_bootstraps_the_first_node_and_a_reapply_changes_nothing(blank):
    # The formula's modules, as the rollout's first step would sync them (the blank lab has none).
    lab("salt", "node-1", "saltutil.sync_all", "-t", "600", timeout=700)
    try:
        ret = _apply()
        assert failed_states(ret) == {"node-1": []}, json.dumps(ret, indent=1)[-8000:]
        assert "drbdha-cluster-crmsh" in state_changes(ret)["node-1"]
        assert _online_nodes() == ["node-1"]
        conf = on("node-1", "cat", "/etc/corosync/corosync.conf").stdout
        assert "cluster_name: drbdha-lab" in conf
        # crm cluster init ran once: the next apply finds the cluster running and changes nothing,
        # and test=True predicts nothing.
        assert state_changes(_apply()) == {"node-1": []}
        assert state_changes(_apply("test=True")) == {"node-1": []}
    finally:
        _take_the_cluster_down()
    assert on("node-1", "test", "-e", "/etc/corosync/corosync.conf", check=False).returncode == 1
