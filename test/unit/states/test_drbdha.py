"""The drbdha states: secrets written private and never shown, cluster membership, the guest's moves."""

import os
import stat

import pytest
from helpers import Recorder, call_recorder, fixture_text, load_file, loader_dunders

ha_state = load_file("_states", "drbdha")
ha_mod = load_file("_modules", "drbdha")
cib = load_file("_utils", "drbdha_cib")


@pytest.fixture
def configure_loader_modules():
    """The states, and the drbdha module's secret commands on a pillar with the corosync authkey."""
    return {
        ha_state: loader_dunders(),
        ha_mod: loader_dunders(__pillar__=AUTHKEY_PILLAR),
    }


# ------------------------------------------------------------------ secrets --


AUTHKEY_PILLAR = {"drbdha": {"cluster": {"authkey": "c2VjcmV0LWtleS1ieXRlcw=="}}}


@pytest.mark.parametrize("test_mode", [True, False])
def test_secret_file_hides_the_value_and_is_private(test_mode, tmp_path):
    target = tmp_path / "corosync" / "authkey"
    salt = Recorder(
        drbdha__secret_file_status=ha_mod.secret_file_status, drbdha__write_secret_file=ha_mod.write_secret_file
    )
    call_recorder(ha_state, salt, test=test_mode)
    call_recorder(ha_mod, chown := Recorder(file__chown=None))
    ret = ha_state.secret_file(str(target), "drbdha:cluster:authkey", encoding="base64", mode="0400")
    assert ret["result"] is (None if test_mode else True)
    assert ret["changes"] == {str(target): "created (content hidden)"}
    assert "secret-key-bytes" not in str(ret) and "c2VjcmV0" not in str(ret)
    if test_mode:
        assert not target.exists() and "drbdha.write_secret_file" not in salt.names()
        return
    assert target.read_bytes() == b"secret-key-bytes"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o400
    assert chown.calls == [("file.chown", (str(target), "root", "root"), {})]
    again = ha_state.secret_file(str(target), "drbdha:cluster:authkey", encoding="base64", mode="0400")
    assert again["result"] is True and again["changes"] == {}
    os.chmod(target, 0o644)
    assert ha_state.secret_file(str(target), "drbdha:cluster:authkey", encoding="base64", mode="0400")["changes"] == {
        str(target): "mode set to 0400 (content hidden)"
    }
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o400


def test_secret_file_without_its_pillar_key_fails_naming_it(tmp_path):
    call_recorder(ha_state, Recorder(drbdha__secret_file_status=ha_mod.secret_file_status))
    ret = ha_state.secret_file(str(tmp_path / "authkey"), "drbdha:cluster:missing")
    assert ret["result"] is False and "drbdha:cluster:missing is not set" in ret["comment"]
    assert not (tmp_path / "authkey").exists()


@pytest.mark.parametrize("test_mode", [True, False])
def test_user_password_is_set_only_when_it_differs(test_mode):
    matches = {"now": False}
    salt = Recorder(drbdha__user_has_password=lambda user, key: matches["now"], drbdha__set_user_password=True)
    call_recorder(ha_state, salt, test=test_mode)
    ret = ha_state.user_password("hacluster", "drbdha:cluster:hacluster_password")
    assert ret["result"] is (None if test_mode else True)
    assert ret["changes"] == {"hacluster": "password changed (value hidden)"}
    assert ("drbdha.set_user_password" in salt.names()) is not test_mode
    matches["now"] = True
    assert ha_state.user_password("hacluster", "drbdha:cluster:hacluster_password")["changes"] == {}


# ------------------------------------------------------------------ watchdog --


@pytest.mark.parametrize("test_mode", [True, False])
def test_a_missing_watchdog_has_its_driver_loaded_and_softdog_is_named_a_software_watchdog(test_mode):
    present = {"now": False}
    salt = Recorder(
        drbdha__watchdog_present=lambda device, module: present["now"],
        drbdha__load_watchdog_driver=lambda device, module: present.update(now=True),
    )
    call_recorder(ha_state, salt, test=test_mode)
    ret = ha_state.watchdog("/dev/watchdog", "softdog", software=True)
    assert ret["result"] is (None if test_mode else True) and ret["changes"] == {"softdog": "loaded"}
    assert "software watchdog" in ret["comment"]
    assert ("drbdha.load_watchdog_driver" in salt.names()) is not test_mode
    if not test_mode:
        again = ha_state.watchdog("/dev/watchdog", "softdog", software=True)
        assert again["changes"] == {} and again["comment"].startswith("/dev/watchdog is there (softdog loaded).")


def test_a_driver_that_makes_no_watchdog_is_a_failure_saying_what_to_set(tmp_path):
    salt = Recorder(
        drbdha__watchdog_present=ha_mod.watchdog_present, drbdha__load_watchdog_driver=ha_mod.load_watchdog_driver
    )
    call_recorder(ha_state, salt)
    call_recorder(ha_mod, Recorder(cmd__run_all={"retcode": 0, "stdout": "", "stderr": ""}))
    ret = ha_state.watchdog(str(tmp_path / "watchdog"), "i6300esb")
    assert ret["result"] is False and ret["changes"] == {}
    assert "i6300esb is loaded but" in ret["comment"] and "watchdog_module and watchdog_device" in ret["comment"]
    assert ha_state.watchdog(str(tmp_path / "watchdog"), "-r")["result"] is False


def test_members_state():
    status = cib.parse_crm_mon_xml(fixture_text("pacemaker", "2.1.5", "crm_mon-healthy.xml"))
    assert ha_state.members_state(status, ["node-1", "node-2"])[0] is True
    status["nodes"]["node-2"]["online"] = False
    done, detail = ha_state.members_state(status, ["node-1", "node-2"])
    assert not done and "node-2" in detail


# --------------------------------------------------------------------- guest --

PCMK = ("pacemaker", "2.1.5")


def crm_mon(fixture):
    return cib.parse_crm_mon_xml(fixture_text(*PCMK, fixture))


def test_a_move_is_done_when_the_guest_is_started_on_the_target_not_while_it_starts():
    # havm on node-2, then starting on node-1 (crm_mon lists it there already), then started.
    views = iter(
        crm_mon(f) for f in ("crm_mon-after-clear.xml", "lab-crm_mon-guest-starting.xml", "crm_mon-banned-node-2.xml")
    )
    salt = Recorder(
        drbdha__guest_resource_id=lambda name: f"rsc_kvm_{name}",
        crmsh__status=lambda: next(views),
        crmsh__resource_move=None,
        crmsh__resource_clear=None,
    )
    call_recorder(ha_state, salt)
    ret = ha_state.guest_moved("havm", to="node-1", interval=0)
    assert ret["result"] is True, ret
    assert salt.names() == [
        "drbdha.guest_resource_id",
        "crmsh.status",
        "crmsh.resource_move",
        "crmsh.status",
        "crmsh.status",
        "crmsh.resource_clear",
    ]
    assert ret["changes"] == {"havm": {"old": "node-2", "new": "node-1"}}
    assert ret["comment"].startswith("Moved havm to node-1 in ")
