"""The pre-flight rules of one node (_utils/drbdha_preflight.py), from facts."""

import copy

import pytest
from helpers import fixture_text, load_file

preflight = load_file("_utils", "drbdha_preflight")
fencing = load_file("_utils", "drbdha_fencing")

SETTINGS = {
    "this_node": "node-1",
    "nodes": {
        "node-1": {"id": 0, "replication_address": "10.20.30.71", "external_address": "192.168.98.71"},
        "node-2": {"id": 1, "replication_address": "10.20.30.72", "external_address": "192.168.98.72"},
    },
    "cluster": {"stonith": {"mode": "none", "accept_no_fencing": True}},
}
BLANK = {
    "path": "/dev/vdb",
    "exists": True,
    "block": True,
    "size": 268435456,
    "holders": [],
    "partitions": [],
    "mounted": [],
    "signature": None,
}
FACTS = {
    "node": "node-1",
    "hostname": "node-1",
    "driver": "8.4",
    "devices": {"res0": BLANK},
    "resolves": {"node-1": ["192.168.98.71"], "node-2": ["192.168.98.72"]},
    "peer_probe": None,
    "time": 1764110000.0,
}


def problems(change=None, settings=None):
    facts = copy.deepcopy(FACTS)
    if change:
        change(facts)
    settings = settings or SETTINGS
    # As drbdha.preflight checks: the fencing mode's problems come last.
    return preflight.preflight_problems(
        facts, settings, fencing.preflight_problems(settings, facts.get("fencing") or {})
    )


def test_a_ready_node_has_no_problems():
    assert problems() == []


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ({"exists": False}, "res0: backing device /dev/vdb does not exist on this node"),
        ({"block": False}, "res0: /dev/vdb is not a block device"),
        ({"mounted": ["/srv"]}, "res0: /dev/vdb is in use, mounted on /srv"),
        ({"holders": ["dm-0"]}, "res0: /dev/vdb is in use by dm-0"),
        ({"partitions": ["vdb1"]}, "res0: /dev/vdb has partitions (vdb1)"),
        ({"signature": "an ext4 filesystem"}, "res0: /dev/vdb holds an ext4 filesystem;"),
        (
            {"signature": "a LVM2_member signature"},
            "(blkdiscard --zeroout /dev/vdb, or dd if=/dev/zero of=/dev/vdb bs=1M;",
        ),
    ],
)
def test_a_device_that_is_missing_or_in_use_is_refused(device, expected):
    (problem,) = problems(lambda f: f["devices"]["res0"].update(device))
    assert expected in problem


def test_drbd_metadata_or_an_attached_device_passes():
    assert problems(lambda f: f["devices"]["res0"].update(signature="DRBD metadata")) == []
    assert problems(lambda f: f["devices"].update(res0={"path": "/dev/vdb", "attached": True})) == []


def test_hostname_driver_and_name_resolution():
    def broken(facts):
        facts.update(hostname="localhost", driver=None)
        facts["resolves"].update({"node-1": ["127.0.1.1"], "node-2": []})

    found = problems(broken)
    assert any("hostname is localhost but its minion id" in p for p in found)
    assert any("DRBD kernel driver is neither loaded nor installed" in p for p in found)
    assert any("node-1 resolves to 127.0.1.1, not its external address 192.168.98.71" in p for p in found)
    assert any("node name node-2 does not resolve" in p for p in found)
    assert len(found) == 4


def test_loopback_only_name_without_an_external_address():
    settings = copy.deepcopy(SETTINGS)
    del settings["nodes"]["node-1"]["external_address"]
    (problem,) = problems(lambda f: f["resolves"].update({"node-1": ["127.0.1.1"]}), settings)
    assert "resolves only to loopback" in problem


def test_unreachable_peer_is_reported_as_probed():
    (problem,) = problems(lambda f: f.update(peer_probe="the peer's replication address 10.20.30.72 does not answer"))
    assert "10.20.30.72" in problem


def test_no_fencing_needs_an_explicit_waiver():
    settings = copy.deepcopy(SETTINGS)
    settings["cluster"]["stonith"] = {"mode": "none"}
    (problem,) = problems(settings=settings)
    assert "drbdha:cluster:stonith:accept_no_fencing: true" in problem
    settings["cluster"]["stonith"] = {"mode": "sbd"}
    assert problems(settings=settings) == []


def test_mountinfo_maps_devices_to_mount_points():
    mounts = preflight.mounts_by_device(fixture_text("linux", "mountinfo-debian12.txt"))
    assert "/proc" in mounts["0:21"]
    assert all(m.startswith("/") for points in mounts.values() for m in points)


def test_the_fencing_modes_problems_come_last():
    found = preflight.preflight_problems(dict(FACTS, driver=None), SETTINGS, ["fencing problem"])
    assert len(found) == 2 and found[-1] == "fencing problem"
