"""The drbdadm module's multi-step commands: what they run, in which order, and what they refuse."""

import json

import pytest
from helpers import load_file, utils_dunder
from salt.exceptions import CommandExecutionError

drbdadm = load_file("_modules", "drbdadm")

GI = "1A2B3C4D5E6F7081:0000000000000000:0000000000000000:0000000000000000:1:1:0:0:0:0:0:0:0:0"


def peer(standalone):
    return {"connection": "StandAlone" if standalone else "Connecting", "standalone": standalone}


class Drbd:
    """A cmd.run_all that records every argv and answers get-gi."""

    def __init__(self):
        self.argvs = []

    def run_all(self, argv, **kwargs):
        self.argvs.append(argv)
        return {"retcode": 0, "stdout": GI + "\n" if "get-gi" in argv else "", "stderr": ""}


@pytest.fixture
def tool():
    return Drbd()


@pytest.fixture
def configure_loader_modules(tool):
    return {
        drbdadm: {
            "__salt__": {"cmd.run_all": tool.run_all},
            "__opts__": {},
            "__context__": {},
            "__utils__": utils_dunder(),
        }
    }


def with_status(monkeypatch, role, standalone):
    state = {"res0": {"role": role, "peers": {"node-1": peer(standalone)}}}
    monkeypatch.setattr(drbdadm, "status", lambda resource="all", fresh=False: state)


@pytest.mark.parametrize(("standalone", "disconnects"), [(True, False), (False, True)])
def test_discard_records_the_generation_first_then_reconnects_discarding(
    tool, monkeypatch, tmp_path, standalone, disconnects
):
    with_status(monkeypatch, "Secondary", standalone)
    record = tmp_path / "discarded" / "res0-x.json"
    drbdadm.discard_my_data("res0", str(record))
    assert record.stat().st_mode & 0o777 == 0o600 and record.parent.stat().st_mode & 0o777 == 0o700
    assert json.loads(record.read_text())["generation_ids"]["current"] == "1A2B3C4D5E6F7081"
    expected = [["drbdadm", "get-gi", "res0"]]
    expected += [["drbdadm", "disconnect", "res0"]] if disconnects else []
    expected += [["drbdadm", "connect", "--discard-my-data", "res0"]]
    assert tool.argvs == expected


def test_discard_is_refused_on_the_primary(tool, monkeypatch, tmp_path):
    with_status(monkeypatch, "Primary", True)
    with pytest.raises(CommandExecutionError, match="this node is Primary"):
        drbdadm.discard_my_data("res0", str(tmp_path / "r.json"))
    assert tool.argvs == [] and not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    ("skip", "argvs"),
    [
        (False, [["drbdadm", "primary", "--force", "res0"]]),
        (True, [["drbdadm", "--clear-bitmap", "new-current-uuid", "res0"], ["drbdadm", "primary", "res0"]]),
    ],
)
def test_the_first_primary_syncs_from_here_unless_told_to_skip_the_initial_sync(tool, skip, argvs):
    drbdadm.first_primary("res0", skip_initial_sync=skip)
    assert tool.argvs == argvs


@pytest.mark.parametrize("name", ["../etc/passwd", ".hidden.res", "a/b.res"])
def test_write_config_refuses_a_file_name_outside_the_directory(tmp_path, name):
    with pytest.raises(Exception, match="invalid file name"):
        drbdadm.write_config({name: "x"}, str(tmp_path))
    assert list(tmp_path.iterdir()) == []
