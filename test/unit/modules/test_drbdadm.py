"""The drbdadm module's multi-step commands: what they run, in which order, and what they refuse."""

import json

import pytest
from helpers import FIXTURES, fixture_text, load_file, loader_dunders
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
        drbdadm: loader_dunders(__salt__={"cmd.run_all": tool.run_all}),
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


def test_status_is_asked_once_per_job_until_drbd_is_changed(monkeypatch):
    """A state run asks DRBD's status once; a DRBD command or fresh=True asks again."""
    monkeypatch.setattr(drbdadm, "kernel_version", lambda: (8, 4))
    monkeypatch.setattr(drbdadm, "PROC_DRBD", str(FIXTURES / "drbd" / "8.4.11" / "proc-drbd-primary-connected.txt"))
    verbose = fixture_text("drbd", "8.4.11", "drbdsetup-status-verbose-primary.txt")
    runs = []

    def run_all(argv, **_):
        runs.append(argv[:2])
        return {"retcode": 0, "stdout": verbose if argv[:2] == ["drbdsetup", "status"] else "", "stderr": ""}

    drbdadm.__salt__["cmd.run_all"] = run_all
    first = drbdadm.status()
    assert drbdadm.status() == first and runs == [["drbdsetup", "status"]]
    drbdadm.status(fresh=True)
    drbdadm.connect("res0")
    drbdadm.status()
    assert runs == [["drbdsetup", "status"], ["drbdsetup", "status"], ["drbdadm", "connect"], ["drbdsetup", "status"]]


def test_create_md_explains_drbdmetas_question():
    """drbdmeta asks before overwriting old data at the device's end; the answer is "no" and says why."""

    def run_all(argv, **_):
        return {"retcode": 1, "stdout": "", "stderr": "\nDo you want to proceed?\nstdin not a TTY, not waiting"}

    drbdadm.__salt__["cmd.run_all"] = run_all
    with pytest.raises(drbdadm.CommandExecutionError, match="drbdmeta found existing data where res0's metadata"):
        drbdadm.create_md("res0")
