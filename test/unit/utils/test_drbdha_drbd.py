"""Readers of what DRBD's tools print: DRBD 9 (source-derived and captured output) and the real 8.4.11 module."""

import pytest
from helpers import FIXTURES, fixture_text, load_file

drbd = load_file("_utils", "drbdha_drbd")

D9 = ("drbd", "9")
D84 = ("drbd", "8.4.11")


def test_version_of_drbd9_kernel():
    info = drbd.parse_version(fixture_text(*D9, "drbdadm-version-9.txt"))
    assert info["kernel"] == "9.2.12"
    assert (info["kernel_major"], info["kernel_minor"]) == (9, 2)
    assert info["utils"] == "9.22.0"


def test_version_without_kernel_module():
    info = drbd.parse_version(fixture_text(*D9, "drbdadm-version-9.22-nokernel.txt"))
    assert info["kernel"] is None
    assert info["kernel_major"] is None
    assert info["utils"] == "9.22.0"


def test_json_connected_uptodate():
    res = drbd.parse_status_json(fixture_text(*D9, "status-json-connected-uptodate.json"))
    ((name, vm1),) = res.items()
    assert vm1["role"] == "Primary"
    assert vm1["disk"] == "UpToDate"
    ((peer_name, peer),) = vm1["peers"].items()
    assert peer["connection"] == "Connected"
    assert peer["role"] == "Secondary"
    assert peer["peer_disk"] == "UpToDate"
    assert peer["replication"] == "Established"
    assert peer["sync_percent"] is None
    assert peer["out_of_sync_bytes"] == 0
    assert not vm1["standalone"] and not vm1["split_brain_suspected"]


@pytest.mark.parametrize(
    "fixture, replication, peer_disk, own_disk",
    [
        ("status-json-syncsource.json", "SyncSource", "Inconsistent", "UpToDate"),
        ("status-json-synctarget.json", "SyncTarget", "UpToDate", "Inconsistent"),
    ],
)
def test_json_mid_sync(fixture, replication, peer_disk, own_disk):
    res = drbd.parse_status_json(fixture_text(*D9, fixture))
    (vm1,) = res.values()
    (peer,) = vm1["peers"].values()
    assert vm1["disk"] == own_disk
    assert peer["replication"] == replication
    assert peer["peer_disk"] == peer_disk
    assert 0 < peer["sync_percent"] < 100
    assert peer["out_of_sync_bytes"] > 0


def test_json_syncsource_progress_and_bytes():
    res = drbd.parse_status_json(fixture_text(*D9, "status-json-syncsource.json"))
    peer = res["vm1"]["peers"]["node-b"]
    assert peer["sync_percent"] == pytest.approx(43.10)
    # drbdsetup prints out-of-sync in KiB
    assert peer["out_of_sync_bytes"] == 5966396 * 1024


def test_json_connecting_peer_down():
    res = drbd.parse_status_json(fixture_text(*D9, "status-json-connecting.json"))
    (peer,) = res["vm1"]["peers"].values()
    assert peer["connection"] == "Connecting"
    assert peer["peer_disk"] == "DUnknown"
    assert not peer["standalone"]


def test_json_standalone_is_flagged():
    res = drbd.parse_status_json(fixture_text(*D9, "status-json-standalone-splitbrain.json"))
    vm1 = res["vm1"]
    assert vm1["standalone"] and vm1["split_brain_suspected"]
    (peer,) = vm1["peers"].values()
    assert peer["connection"] == "StandAlone"


def test_json_two_resources():
    res = drbd.parse_status_json(fixture_text(*D9, "status-json-two-resources.json"))
    assert sorted(res) == ["vm1", "vm2"]
    assert res["vm2"]["role"] == "Secondary"
    assert res["vm2"]["peers"]["node-b"]["role"] == "Primary"


@pytest.mark.parametrize("utils", [".", "utils-9.22.0"])
@pytest.mark.parametrize(
    "stem",
    ["connected-uptodate", "syncsource", "synctarget", "connecting", "standalone-splitbrain", "two-resources"],
)
def test_text_and_json_agree_on_drbd9(stem, utils):
    """`drbdadm status` text and `drbdsetup status --json` give the same answer
    (printed by drbd-utils HEAD and by 9.22, the version Debian 12 ships)."""
    from_json = drbd.parse_status_json(fixture_text(*D9, utils, f"status-json-{stem}.json"))
    from_text = drbd.parse_status_text(fixture_text(*D9, utils, f"drbdadm-status-{stem}.txt"))
    assert sorted(from_text) == sorted(from_json)
    for name, res in from_json.items():
        other = from_text[name]
        assert other["role"] == res["role"]
        assert other["disk"] == res["disk"]
        assert other["standalone"] == res["standalone"]
        assert sorted(other["peers"]) == sorted(res["peers"])
        for peer_name, peer in res["peers"].items():
            for key in ("connection", "peer_disk", "replication"):
                assert other["peers"][peer_name][key] == peer[key], (name, peer_name, key)
            if peer["sync_percent"] is not None:
                assert other["peers"][peer_name]["sync_percent"] == pytest.approx(peer["sync_percent"], abs=0.01)


def test_worst_disk_state():
    assert drbd.worst_disk_state(["UpToDate", "Inconsistent"]) == "Inconsistent"
    assert drbd.worst_disk_state(["UpToDate"]) == "UpToDate"
    assert drbd.worst_disk_state(["Whatever", "UpToDate"]) == "Whatever"
    assert drbd.worst_disk_state([]) is None


def test_dump_md_decides_metadata():
    assert drbd.parse_dump_md('# DRBD meta data dump\nversion "v08";\n', "") is True
    assert drbd.parse_dump_md("", "No valid meta data found\n") is False
    assert drbd.parse_dump_md("", "Device '0' is configured!\n") is None


def test_every_drbd_fixture_has_a_note():
    for folder in (FIXTURES / "drbd").iterdir():
        assert (folder / "NOTES.md").is_file() or all(
            f.with_name(f.name + ".note").is_file() for f in folder.iterdir() if not f.name.endswith((".note", ".md"))
        ), f"{folder} has fixtures without a note of how they were captured"


# ---------------------------------------- DRBD 8.4.11, captured in the lab --


def status(status_file, proc_file):
    resources = drbd.parse_status_text(fixture_text(*D84, status_file))
    return drbd.merge_proc_drbd(resources, drbd.parse_proc_drbd(fixture_text(*D84, proc_file)))


def test_version_from_real_drbdadm():
    info = drbd.parse_version(fixture_text(*D84, "drbdadm--version.txt"))
    assert info["kernel"] == "8.4.11" and (info["kernel_major"], info["kernel_minor"]) == (8, 4)
    assert info["utils"].startswith("9.22")


def test_proc_drbd_connected():
    proc = drbd.parse_proc_drbd(fixture_text(*D84, "proc-drbd-primary-connected.txt"))
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
    row = drbd.parse_proc_drbd(fixture_text(*D84, "proc-drbd-syncsource.txt"))["minors"][0]
    assert row["connection"] == "SyncSource"
    assert row["sync_percent"] == pytest.approx(3.2)
    assert row["out_of_sync_bytes"] == 256276 * 1024


def test_proc_drbd_without_resources():
    assert drbd.parse_proc_drbd(fixture_text(*D84, "proc-drbd-unconfigured.txt"))["minors"] == {}


def test_connected_uptodate():
    res = drbd.parse_status_text(fixture_text(*D84, "drbdadm-status-primary.txt"))["res0"]
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
    res = drbd.parse_status_text(fixture_text(*D84, fixture))["res0"]
    assert res["volumes"][0]["minor"] == 0
    peer = res["peers"]["peer"]
    assert peer["replication"] == replication
    assert peer["peer_disk"] == peer_disk
    assert 0 < peer["sync_percent"] < 100
    assert peer["out_of_sync_bytes"] > 0


def test_verbose_status_has_minor_and_out_of_sync():
    res = drbd.parse_status_text(fixture_text(*D84, "drbdsetup-status-verbose-syncsource.txt"))["res0"]
    assert res["peers"]["peer"]["out_of_sync_bytes"] == 255132 * 1024
    assert res["peers"]["peer"]["sync_percent"] == pytest.approx(2.66)


def test_new_resource_is_inconsistent_on_both_sides():
    res = drbd.parse_status_text(fixture_text(*D84, "drbdsetup-status-verbose-secondary-inconsistent.txt"))["res0"]
    assert res["disk"] == "Inconsistent"
    assert res["peers"]["peer"]["peer_disk"] == "Inconsistent"
    assert res["peers"]["peer"]["connection"] == "Connected"


def test_wfconnection_is_connecting():
    res = drbd.parse_status_text(fixture_text(*D84, "drbdadm-status-wfconnection.txt"))["res0"]
    peer = res["peers"]["peer"]
    assert peer["connection"] == "Connecting" and peer["peer_disk"] == "DUnknown"
    assert not res["standalone"]


def test_split_brain_standalone_needs_proc_drbd():
    """8.4's status lists no peer at all when StandAlone; /proc/drbd supplies it."""
    bare = drbd.parse_status_text(fixture_text(*D84, "drbdadm-status-splitbrain.txt"))["res0"]
    assert bare["peers"] == {}
    # The status text has no minors; the verbose status (which the module runs) does.
    bare["volumes"][0]["minor"] = 0
    merged = drbd.merge_proc_drbd(
        {"res0": bare}, drbd.parse_proc_drbd(fixture_text(*D84, "proc-drbd-splitbrain-standalone.txt"))
    )["res0"]
    assert merged["standalone"] and merged["split_brain_suspected"]
    peer = merged["peers"]["peer"]
    assert peer["connection"] == "StandAlone" and peer["peer_disk"] == "DUnknown"
    assert peer["out_of_sync_bytes"] == 256 * 1024


def test_dump_md_answers_from_real_output():
    assert drbd.parse_dump_md(fixture_text(*D84, "dump-md-with-md.txt"), "") is True
    assert (
        drbd.parse_dump_md(fixture_text(*D84, "dump-md-blank.txt"), fixture_text(*D84, "dump-md-blank.txt.stderr"))
        is False
    )
    assert (
        drbd.parse_dump_md(fixture_text(*D84, "dump-md-ext4.txt"), fixture_text(*D84, "dump-md-ext4.txt.stderr"))
        is False
    )
    # In use by DRBD: drbdmeta cannot open the device; undecided (the module then asks the status).
    assert (
        drbd.parse_dump_md(
            fixture_text(*D84, "dump-md-while-up.txt"), fixture_text(*D84, "dump-md-while-up.txt.stderr")
        )
        is None
    )


def test_blkid_answers_in_words():
    assert drbd.describe_signature(fixture_text("linux", "blkid-p-export-ext4.txt")) == "an ext4 filesystem"
    assert drbd.describe_signature(fixture_text("linux", "blkid-p-export-blank.txt")) is None


# ------------------------------------------------ generation identifiers --


def gi(fixture):
    return drbd.parse_generation_ids(fixture_text(*D84, fixture))


def test_get_gi_is_parsed():
    parsed = gi("splitbrain-node-2-get-gi.txt")
    assert parsed == {
        "current": "8983F1E0544865E4",
        "bitmap": "FCEA00C6F335A4AD",
        "history": ["0000000000000000", "0000000000000000"],
        "flags": [1, 1, 0, 0, 0, 1, 0],
    }
    assert drbd.parse_generation_ids("") is None


def test_a_standalone_peer_keeps_what_proc_drbd_last_knew_of_its_disk():
    # node-1 (the survivor) saw node-2 outdate itself before the split brain dropped the connection.
    resources = drbd.parse_status_text(fixture_text(*D84, "splitbrain-node-1-drbdsetup-status-verbose.txt"))
    proc = drbd.parse_proc_drbd(fixture_text(*D84, "splitbrain-node-1-proc-drbd.txt"))
    peer = drbd.merge_proc_drbd(resources, proc)["res0"]["peers"]["peer"]
    assert peer["connection"] == "StandAlone" and peer["peer_disk"] == "Outdated"
