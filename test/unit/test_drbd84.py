"""DRBD 8.4 status, from output captured on the real 8.4.11 kernel module in the lab."""

import pytest
from helpers import fixture_text, load_file, utils_dunder

drbdadm = load_file("_modules", "drbdadm")
drbdadm.__utils__ = utils_dunder()

D84 = ("drbd", "8.4.11")


def status(status_file, proc_file):
    resources = drbdadm.parse_status_text(fixture_text(*D84, status_file))
    return drbdadm.merge_proc_drbd(resources, drbdadm.parse_proc_drbd(fixture_text(*D84, proc_file)))


def test_version_from_real_drbdadm():
    info = drbdadm.parse_version(fixture_text(*D84, "drbdadm--version.txt"))
    assert info["kernel"] == "8.4.11" and (info["kernel_major"], info["kernel_minor"]) == (8, 4)
    assert info["utils"].startswith("9.22")


def test_proc_drbd_connected():
    proc = drbdadm.parse_proc_drbd(fixture_text(*D84, "proc-drbd-primary-connected.txt"))
    assert proc["version"] == "8.4.11"
    row = proc["minors"][0]
    assert (row["connection"], row["role"], row["peer_role"], row["disk"], row["peer_disk"]) == (
        "Connected",
        "Primary",
        "Secondary",
        "UpToDate",
        "UpToDate",
    )
    assert row["out_of_sync_bytes"] == 0


def test_proc_drbd_mid_sync():
    row = drbdadm.parse_proc_drbd(fixture_text(*D84, "proc-drbd-syncsource.txt"))["minors"][0]
    assert row["connection"] == "SyncSource"
    assert row["sync_percent"] == pytest.approx(3.2)
    assert row["out_of_sync_bytes"] == 256276 * 1024


def test_proc_drbd_without_resources():
    assert drbdadm.parse_proc_drbd(fixture_text(*D84, "proc-drbd-unconfigured.txt"))["minors"] == {}


def test_connected_uptodate():
    res = drbdadm.parse_status_text(fixture_text(*D84, "drbdadm-status-primary.txt"))["res0"]
    assert res["role"] == "Primary" and res["disk"] == "UpToDate"
    peer = res["peers"]["peer"]
    assert (peer["connection"], peer["role"], peer["peer_disk"], peer["replication"]) == (
        "Connected",
        "Secondary",
        "UpToDate",
        "Established",
    )


@pytest.mark.parametrize(
    "fixture, replication, peer_disk",
    [
        ("drbdsetup-status-verbose-syncsource.txt", "SyncSource", "Inconsistent"),
        ("drbdsetup-status-verbose-synctarget.txt", "SyncTarget", "UpToDate"),
    ],
)
def test_verbose_status_mid_sync(fixture, replication, peer_disk):
    res = drbdadm.parse_status_text(fixture_text(*D84, fixture))["res0"]
    assert res["volumes"][0]["minor"] == 0
    peer = res["peers"]["peer"]
    assert peer["replication"] == replication
    assert peer["peer_disk"] == peer_disk
    assert 0 < peer["sync_percent"] < 100
    assert peer["out_of_sync_bytes"] > 0


def test_verbose_status_has_minor_and_out_of_sync():
    res = drbdadm.parse_status_text(fixture_text(*D84, "drbdsetup-status-verbose-syncsource.txt"))["res0"]
    assert res["peers"]["peer"]["out_of_sync_bytes"] == 255132 * 1024
    assert res["peers"]["peer"]["sync_percent"] == pytest.approx(2.66)


def test_new_resource_is_inconsistent_on_both_sides():
    res = drbdadm.parse_status_text(fixture_text(*D84, "drbdsetup-status-verbose-secondary-inconsistent.txt"))["res0"]
    assert res["disk"] == "Inconsistent"
    assert res["peers"]["peer"]["peer_disk"] == "Inconsistent"
    assert res["peers"]["peer"]["connection"] == "Connected"


def test_wfconnection_is_connecting():
    res = drbdadm.parse_status_text(fixture_text(*D84, "drbdadm-status-wfconnection.txt"))["res0"]
    peer = res["peers"]["peer"]
    assert peer["connection"] == "Connecting" and peer["peer_disk"] == "DUnknown"
    assert not res["standalone"]


def test_split_brain_standalone_needs_proc_drbd():
    """8.4's status lists no peer at all when StandAlone; /proc/drbd supplies it."""
    bare = drbdadm.parse_status_text(fixture_text(*D84, "drbdadm-status-splitbrain.txt"))["res0"]
    assert bare["peers"] == {}
    # The status text has no minors; the verbose status (which the module runs) does.
    bare["volumes"][0]["minor"] = 0
    merged = drbdadm.merge_proc_drbd(
        {"res0": bare}, drbdadm.parse_proc_drbd(fixture_text(*D84, "proc-drbd-splitbrain-standalone.txt"))
    )["res0"]
    assert merged["standalone"] and merged["split_brain_suspected"]
    peer = merged["peers"]["peer"]
    assert peer["connection"] == "StandAlone" and peer["peer_disk"] == "DUnknown"
    assert peer["out_of_sync_bytes"] == 256 * 1024


def test_dump_md_answers_from_real_output():
    assert drbdadm.parse_dump_md(fixture_text(*D84, "dump-md-with-md.txt"), "") is True
    assert (
        drbdadm.parse_dump_md(fixture_text(*D84, "dump-md-blank.txt"), fixture_text(*D84, "dump-md-blank.txt.stderr"))
        is False
    )
    assert (
        drbdadm.parse_dump_md(fixture_text(*D84, "dump-md-ext4.txt"), fixture_text(*D84, "dump-md-ext4.txt.stderr"))
        is False
    )
    # In use by DRBD: drbdmeta cannot open the device; undecided (the module then asks the status).
    assert (
        drbdadm.parse_dump_md(
            fixture_text(*D84, "dump-md-while-up.txt"), fixture_text(*D84, "dump-md-while-up.txt.stderr")
        )
        is None
    )
