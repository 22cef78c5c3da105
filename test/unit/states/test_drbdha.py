"""The drbdha states: secrets written private and never shown, cluster membership, the guest's moves."""

import os
import stat

import pytest
from helpers import Recorder, call_recorder, fixture_text, load_file, loader_dunders

ha_state = load_file("_states", "drbdha")
cib = load_file("_utils", "drbdha_cib")


@pytest.fixture
def configure_loader_modules():
    return {ha_state: loader_dunders()}


# ------------------------------------------------------------------ secrets --


@pytest.mark.parametrize("test_mode", [True, False])
def test_secret_file_hides_the_value_and_is_private(test_mode, tmp_path):
    target = tmp_path / "authkey"
    salt = Recorder(file__chown=None)
    call_recorder(ha_state, salt, test=test_mode)
    ha_state.__pillar__["drbdha"] = {"cluster": {"authkey": "c2VjcmV0LWtleS1ieXRlcw=="}}
    ret = ha_state.secret_file(str(target), "drbdha:cluster:authkey", encoding="base64", mode="0400")
    assert ret["result"] is (None if test_mode else True)
    assert "secret-key-bytes" not in str(ret) and "c2VjcmV0" not in str(ret)
    if test_mode:
        assert not target.exists()
        return
    assert target.read_bytes() == b"secret-key-bytes"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o400
    assert ha_state.secret_file(str(target), "drbdha:cluster:authkey", encoding="base64", mode="0400")["changes"] == {}


def test_password_check_against_shadow():
    import crypt

    hashed = crypt.crypt("right-password", crypt.mksalt(crypt.METHOD_SHA512))
    shadow = f"root:*:1:0:99999:7:::\nhacluster:{hashed}:1:0:99999:7:::\n"
    assert ha_state.shadow_hash("hacluster", shadow) == hashed
    assert ha_state.password_matches("right-password", hashed)
    assert not ha_state.password_matches("wrong-password", hashed)
    assert not ha_state.password_matches("x", "!")


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
