"""drbdadm parsers against captured (8.4) and source-derived (9) output."""

import pytest
from helpers import FIXTURES, fixture_text, load_file, utils_dunder

drbdadm = load_file("_modules", "drbdadm")
drbdadm.__utils__ = utils_dunder()

D9 = ("drbd", "9")


def test_version_of_drbd9_kernel():
    info = drbdadm.parse_version(fixture_text(*D9, "drbdadm-version-9.txt"))
    assert info["kernel"] == "9.2.12"
    assert (info["kernel_major"], info["kernel_minor"]) == (9, 2)
    assert info["utils"] == "9.22.0"


def test_version_without_kernel_module():
    info = drbdadm.parse_version(fixture_text(*D9, "drbdadm-version-9.22-nokernel.txt"))
    assert info["kernel"] is None
    assert info["kernel_major"] is None
    assert info["utils"] == "9.22.0"


def test_json_connected_uptodate():
    res = drbdadm.parse_status_json(fixture_text(*D9, "status-json-connected-uptodate.json"))
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
    res = drbdadm.parse_status_json(fixture_text(*D9, fixture))
    (vm1,) = res.values()
    (peer,) = vm1["peers"].values()
    assert vm1["disk"] == own_disk
    assert peer["replication"] == replication
    assert peer["peer_disk"] == peer_disk
    assert 0 < peer["sync_percent"] < 100
    assert peer["out_of_sync_bytes"] > 0


def test_json_syncsource_progress_and_bytes():
    res = drbdadm.parse_status_json(fixture_text(*D9, "status-json-syncsource.json"))
    peer = res["vm1"]["peers"]["node-b"]
    assert peer["sync_percent"] == pytest.approx(43.10)
    # drbdsetup prints out-of-sync in KiB
    assert peer["out_of_sync_bytes"] == 5966396 * 1024


def test_json_connecting_peer_down():
    res = drbdadm.parse_status_json(fixture_text(*D9, "status-json-connecting.json"))
    (peer,) = res["vm1"]["peers"].values()
    assert peer["connection"] == "Connecting"
    assert peer["peer_disk"] == "DUnknown"
    assert not peer["standalone"]


def test_json_standalone_is_flagged():
    res = drbdadm.parse_status_json(fixture_text(*D9, "status-json-standalone-splitbrain.json"))
    vm1 = res["vm1"]
    assert vm1["standalone"] and vm1["split_brain_suspected"]
    (peer,) = vm1["peers"].values()
    assert peer["connection"] == "StandAlone"


def test_json_two_resources():
    res = drbdadm.parse_status_json(fixture_text(*D9, "status-json-two-resources.json"))
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
    from_json = drbdadm.parse_status_json(fixture_text(*D9, utils, f"status-json-{stem}.json"))
    from_text = drbdadm.parse_status_text(fixture_text(*D9, utils, f"drbdadm-status-{stem}.txt"))
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
    assert drbdadm.worst_disk_state(["UpToDate", "Inconsistent"]) == "Inconsistent"
    assert drbdadm.worst_disk_state(["UpToDate"]) == "UpToDate"
    assert drbdadm.worst_disk_state(["Whatever", "UpToDate"]) == "Whatever"
    assert drbdadm.worst_disk_state([]) is None


def test_dump_md_decides_metadata():
    assert drbdadm.parse_dump_md('# DRBD meta data dump\nversion "v08";\n', "") is True
    assert drbdadm.parse_dump_md("", "No valid meta data found\n") is False
    assert drbdadm.parse_dump_md("", "Device '0' is configured!\n") is None


def test_every_drbd_fixture_has_a_note():
    for folder in (FIXTURES / "drbd").iterdir():
        assert (folder / "NOTES.md").is_file() or all(
            f.with_name(f.name + ".note").is_file() for f in folder.iterdir() if not f.name.endswith((".note", ".md"))
        ), f"{folder} has fixtures without a note of how they were captured"
