"""The pre-flight verdicts (drbdha.preflight_problems, the runner's pair_problems) from facts."""

import copy

import pytest
from helpers import fixture_text, load_file, utils_dunder

drbdha = load_file("_modules", "drbdha")
drbdha.__utils__ = utils_dunder()
runner = load_file("_runners", "drbdha")

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
    return drbdha.preflight_problems(facts, settings or SETTINGS)


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
    mounts = drbdha.mounts_by_device(fixture_text("linux", "mountinfo-debian12.txt"))
    assert "/proc" in mounts["0:21"]
    assert all(m.startswith("/") for points in mounts.values() for m in points)


def test_probe_treats_a_refused_connection_as_an_answer():
    # 127.0.0.2 is loopback: nothing listens on port 9 there, so the kernel refuses at once.
    assert drbdha.probe_replication("127.0.0.1", "127.0.0.2", 9) is None


def test_probe_names_a_source_address_this_host_does_not_have():
    problem = drbdha.probe_replication("192.0.2.99", "127.0.0.1", 9)
    assert problem.startswith("this node has no replication address 192.0.2.99")


def pair(size_2=268435456, time_2=1764110000.5):
    node_2 = dict(copy.deepcopy(FACTS), node="node-2", time=time_2)
    node_2["devices"]["res0"]["size"] = size_2
    return {"node-1": copy.deepcopy(FACTS), "node-2": node_2}


def test_pair_of_equal_devices_and_close_clocks_passes():
    assert runner.pair_problems(pair(), {"res0"}, max_skew=5, uncertainty=2.0) == []


def test_pair_with_unequal_devices_is_refused():
    (problem,) = runner.pair_problems(pair(size_2=134217728), {"res0"}, max_skew=5, uncertainty=2.0)
    assert problem.startswith("res0: the backing devices differ in size (node-1 268435456 bytes, node-2 134217728")


def test_clock_skew_counts_only_beyond_the_measurement_uncertainty():
    assert runner.pair_problems(pair(time_2=1764110006.0), {"res0"}, max_skew=5, uncertainty=2.0) == []
    (problem,) = runner.pair_problems(pair(time_2=1764110030.0), {"res0"}, max_skew=5, uncertainty=2.0)
    assert "at least 28.0 s apart (limit 5 s" in problem


def test_blkid_answers_in_words():
    drbdadm = load_file("_modules", "drbdadm")
    assert drbdadm.describe_signature(fixture_text("linux", "blkid-p-export-ext4.txt")) == "an ext4 filesystem"
    assert drbdadm.describe_signature(fixture_text("linux", "blkid-p-export-blank.txt")) is None
