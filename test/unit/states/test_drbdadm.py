"""The drbdadm states with the execution modules replaced by recorders: what each decides, test=True writes nothing."""

import os
import stat

import pytest
from helpers import (
    CONNECTED_84,
    STANDALONE_84,
    Recorder,
    call_recorder,
    drbd84_status,
    fixture_text,
    load_file,
    loader_dunders,
)
from salt.exceptions import CommandExecutionError
from salt.modules import cmdmod

drbd_state = load_file("_states", "drbdadm")
drbdadm_mod = load_file("_modules", "drbdadm")
drbd = load_file("_utils", "drbdha_drbd")


@pytest.fixture
def configure_loader_modules():
    """One state run: the states, and the drbdadm module they call running this host's commands."""
    return {
        drbd_state: loader_dunders(__grains__={"id": "node-1"}),
        drbdadm_mod: loader_dunders(__salt__={"cmd.run_all": cmdmod.run_all}),
    }


def d9_status(fixture):
    return drbd.parse_status_json(fixture_text("drbd", "9", fixture))["vm1"]


# ------------------------------------------------------------- first Primary --


def new_resource(connected=True):
    peer = {
        "connection": "Connected" if connected else "Connecting",
        "role": "Secondary" if connected else None,
        "peer_disk": "Inconsistent" if connected else "DUnknown",
        "replication": "Established" if connected else "Off",
        "sync_percent": None,
        "out_of_sync_bytes": 0,
        "standalone": False,
    }
    return {"name": "vm1", "role": "Secondary", "disk": "Inconsistent", "volumes": [], "peers": {"node-b": peer}}


@pytest.mark.parametrize(
    "status, new_devices, action",
    [
        (new_resource(), True, "clear_bitmap"),
        (new_resource(), False, "force_primary"),
        (new_resource(connected=False), True, "wait"),
        (d9_status("status-json-connected-uptodate.json"), True, "none"),
        (d9_status("status-json-syncsource.json"), False, "none"),
    ],
)
def test_initial_primary_decision(status, new_devices, action):
    assert drbd_state.decide_initial_primary(status, new_devices)[0] == action


def test_forced_primary_refused_while_the_peer_is_uptodate_and_we_are_not():
    status = d9_status("status-json-synctarget.json")  # we: SyncTarget Inconsistent, peer UpToDate
    status = dict(status, role="Secondary", peers={k: dict(v, role="Secondary") for k, v in status["peers"].items()})
    action, reason = drbd_state.decide_initial_primary(status, new_devices=False)
    assert action == "refuse"
    assert "overwrite the peer's data" in reason


@pytest.mark.parametrize("test_mode", [True, False])
def test_initial_primary_skips_sync_only_for_declared_new_devices(test_mode):
    salt = Recorder(drbdadm__status=lambda name, **_: {"vm1": new_resource()}, drbdadm__first_primary=None)
    call_recorder(drbd_state, salt, test=test_mode)
    ret = drbd_state.initial_primary("vm1", new_devices=True)
    assert ret["result"] is (None if test_mode else True)
    assert ret["changes"]["initial_sync"].startswith("skipped")
    writes = [c for c in salt.calls if c[0] != "drbdadm.status"]
    assert writes == ([] if test_mode else [("drbdadm.first_primary", ("vm1",), {"skip_initial_sync": True})])


def test_initial_primary_without_new_devices_forces_and_syncs():
    salt = Recorder(drbdadm__status=lambda name, **_: {"vm1": new_resource()}, drbdadm__first_primary=None)
    call_recorder(drbd_state, salt)
    ret = drbd_state.initial_primary("vm1")
    assert ret["result"] is True
    assert ("drbdadm.first_primary", ("vm1",), {"skip_initial_sync": False}) in salt.calls


def test_initial_primary_is_a_no_op_once_data_exists():
    salt = Recorder(drbdadm__status=lambda name, **_: {"vm1": d9_status("status-json-connected-uptodate.json")})
    call_recorder(drbd_state, salt)
    ret = drbd_state.initial_primary("vm1", new_devices=True)
    assert ret["result"] is True and ret["changes"] == {}
    assert salt.names() == ["drbdadm.status"]


# ------------------------------------------------------------------ metadata --


def down(name, **_):
    raise CommandExecutionError("not up")


@pytest.mark.parametrize(("managed", "calls"), [(True, []), (False, ["drbdadm.up"])])
def test_up_leaves_a_pacemaker_managed_resource_to_pacemaker(managed, calls):
    """A down resource the cluster manages is not brought up (nor ever taken down) by the state."""
    salt = Recorder(drbdadm__status=down, crmsh__drbd_resources=lambda: ["res0"] if managed else [], drbdadm__up=None)
    call_recorder(drbd_state, salt)
    ret = drbd_state.up("res0")
    assert ret["result"] is True
    assert [n for n in salt.names() if n.startswith("drbdadm.") and n != "drbdadm.status"] == calls
    assert ("managed by Pacemaker" in ret["comment"]) is managed


@pytest.mark.parametrize("test_mode", [True, False])
def test_metadata_refused_over_a_filesystem(test_mode, tmp_path):
    device = tmp_path / "disk"
    device.write_text("")
    salt = Recorder(
        drbdadm__status=down,
        drbdadm__has_metadata=False,
        drbdadm__device_signature="an ext4 filesystem",
        drbdadm__create_md=None,
    )
    call_recorder(drbd_state, salt, test=test_mode)
    ret = drbd_state.metadata("res0", str(device))
    assert ret["result"] is False
    assert "holds an ext4 filesystem" in ret["comment"] and "blkdiscard" in ret["comment"]
    assert "drbdadm.create_md" not in salt.names()


@pytest.mark.parametrize("test_mode", [True, False])
def test_metadata_created_once_on_a_blank_device(test_mode, tmp_path):
    device = tmp_path / "disk"
    device.write_text("")
    salt = Recorder(
        drbdadm__status=down, drbdadm__has_metadata=False, drbdadm__device_signature=None, drbdadm__create_md=None
    )
    call_recorder(drbd_state, salt, test=test_mode)
    ret = drbd_state.metadata("res0", str(device))
    assert ret["result"] is (None if test_mode else True)
    assert ret["changes"]
    assert ("drbdadm.create_md" in salt.names()) is (not test_mode)


def test_existing_metadata_is_kept(tmp_path):
    device = tmp_path / "disk"
    device.write_text("")
    salt = Recorder(drbdadm__status=down, drbdadm__has_metadata=True, drbdadm__create_md=None)
    call_recorder(drbd_state, salt)
    ret = drbd_state.metadata("res0", str(device))
    assert ret["result"] is True and ret["changes"] == {}
    assert "drbdadm.create_md" not in salt.names()


# -------------------------------------------------------------------- config --

SECRET = "very-secret-1234"
GLOBAL = f'common {{ net {{ cram-hmac-alg "sha1"; shared-secret "{SECRET}"; protocol C; }} }}\n'
RES = fixture_text("drbd-config", "res0.res")


def real_drbdadm(**more):
    """The drbdadm module's config commands, running the real drbdadm of this host (its DRBD 9 parser)."""
    return Recorder(
        drbdadm__check_config=drbdadm_mod.check_config, drbdadm__write_config=drbdadm_mod.write_config, **more
    )


@pytest.mark.parametrize("test_mode", [True, False])
def test_config_is_validated_written_private_and_secret_free(test_mode, tmp_path, cmdmod_ready):
    salt = real_drbdadm()
    call_recorder(drbd_state, salt, test=test_mode)
    files = {"global_common.conf": GLOBAL, "res0.res": RES}
    ret = drbd_state.config(str(tmp_path), files)
    assert ret["result"] is (None if test_mode else True), ret
    assert set(ret["changes"]) == set(files)
    assert SECRET not in str(ret)
    if test_mode:
        assert list(tmp_path.iterdir()) == []
        return
    for name, text in files.items():
        path = tmp_path / name
        assert path.read_text() == text
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = drbd_state.config(str(tmp_path), files)
    assert again["result"] is True and again["changes"] == {}


def test_config_fills_the_secret_in_from_pillar(tmp_path, cmdmod_ready):
    """The state is given a placeholder; the secret comes from pillar and is written, never shown."""
    salt = real_drbdadm(drbdha__secret_placeholder="@DRBDHA_SHARED_SECRET@")
    call_recorder(drbd_state, salt)
    drbd_state.__pillar__["drbdha"] = {"drbd": {"shared_secret": SECRET}}
    files = {"global_common.conf": GLOBAL.replace(SECRET, "@DRBDHA_SHARED_SECRET@"), "res0.res": RES}
    ret = drbd_state.config(str(tmp_path), files, secret_pillar_key="drbdha:drbd:shared_secret")
    assert ret["result"] is True and SECRET not in str(ret)
    assert (tmp_path / "global_common.conf").read_text() == GLOBAL
    again = drbd_state.config(str(tmp_path), files, secret_pillar_key="drbdha:drbd:shared_secret")
    assert again["changes"] == {}
    drbd_state.__pillar__.clear()
    missing = drbd_state.config(str(tmp_path), files, secret_pillar_key="drbdha:drbd:shared_secret")
    assert missing["result"] is False and "drbdha:drbd:shared_secret is not set" in missing["comment"]


def test_config_rejected_by_drbdadm_writes_nothing(tmp_path, cmdmod_ready):
    salt = real_drbdadm()
    call_recorder(drbd_state, salt)
    broken = RES.replace("meta-disk internal;", "meta-disk internal")
    assert broken != RES
    ret = drbd_state.config(str(tmp_path), {"global_common.conf": GLOBAL, "res0.res": broken})
    assert ret["result"] is False
    assert "drbdadm rejected" in ret["comment"]
    assert SECRET not in ret["comment"]
    assert list(tmp_path.iterdir()) == []


def test_mask_secret():
    assert SECRET not in drbd_state.mask_secret(GLOBAL)
    assert 'shared-secret "*****";' in drbd_state.mask_secret(GLOBAL)


# --------------------------------------------------------------- split brain --


@pytest.mark.parametrize(
    ("this_node", "role", "action"),
    [
        ("node-2", "Secondary", "discard"),
        ("node-2", "Primary", "refuse"),
        ("node-1", "Secondary", "connect"),
    ],
)
def test_split_brain_plan_for_each_side(this_node, role, action):
    status = dict(drbd84_status(*STANDALONE_84), role=role)
    assert drbd_state.plan_split_brain_step(status, this_node, discard="node-2")[0] == action


def test_a_connected_resource_has_no_split_brain_to_resolve():
    status = drbd84_status(*CONNECTED_84)
    assert drbd_state.plan_split_brain_step(status, "node-2", discard="node-2")[0] == "nothing"


def gi_fake(name):
    return {"current": "1A2B3C4D5E6F7081", "bitmap": "0", "history": [], "flags": [], "text": "..."}


@pytest.mark.parametrize("test_mode", [True, False])
def test_the_discarded_side_records_its_generations_then_reconnects(test_mode):
    record = "/var/lib/drbdha/discarded/res0-20261204T180000Z.json"
    salt = Recorder(
        drbdadm__status=lambda name, **_: {"res0": drbd84_status(*STANDALONE_84)},
        drbdadm__generation_ids=gi_fake,
        drbdadm__discard_record_path=lambda name: record,
        drbdadm__discard_my_data=None,
    )
    call_recorder(drbd_state, salt, test=test_mode)
    drbd_state.__grains__["id"] = "node-2"
    ret = drbd_state.split_brain_resolved("res0", discard="node-2")
    assert ret["result"] is (None if test_mode else True), ret
    assert ret["changes"]["discarded"] == {"node": "node-2", "generation": "1A2B3C4D5E6F7081", "record": record}
    writes = [c for c in salt.calls if c[0] == "drbdadm.discard_my_data"]
    assert writes == ([] if test_mode else [("drbdadm.discard_my_data", ("res0", record), {})])


def test_the_discarded_side_is_refused_while_primary():
    status = dict(drbd84_status(*STANDALONE_84), role="Primary")
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": status}, drbdadm__connect=None)
    call_recorder(drbd_state, salt)
    drbd_state.__grains__["id"] = "node-2"
    ret = drbd_state.split_brain_resolved("res0", discard="node-2")
    assert ret["result"] is False and "this node is Primary" in ret["comment"]
    assert salt.names() == ["drbdadm.status"]


def test_the_kept_side_reconnects_without_discarding():
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": drbd84_status(*STANDALONE_84)}, drbdadm__connect=None)
    call_recorder(drbd_state, salt)
    drbd_state.__grains__["id"] = "node-1"
    ret = drbd_state.split_brain_resolved("res0", discard="node-2")
    assert ret["result"] is True
    assert ("drbdadm.connect", ("res0",), {}) in salt.calls


def test_a_converged_apply_passes_when_no_resync_runs():
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": drbd84_status(*CONNECTED_84)})
    call_recorder(drbd_state, salt)
    ret = drbd_state.synced("res0", only_running=True)
    assert ret == {"name": "res0", "changes": {}, "result": True, "comment": "res0: no resync running."}


def test_an_apply_during_a_resync_waits_for_it_with_progress():
    states = iter(
        [
            drbd84_status("drbdsetup-status-verbose-syncsource.txt", "proc-drbd-syncsource.txt"),
            drbd84_status("drbdsetup-status-verbose-syncsource.txt", "proc-drbd-syncsource.txt"),
            drbd84_status(*CONNECTED_84),
        ]
    )
    events = []
    salt = Recorder(
        drbdadm__status=lambda name, **_: {"res0": next(states)},
        event__fire=lambda data, tag: events.append((tag, data)),
    )
    call_recorder(drbd_state, salt)
    ret = drbd_state.synced("res0", only_running=True, interval=0)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"].startswith("res0 is UpToDate on both nodes (waited")
    assert events and events[0][0] == "drbdha/sync/res0" and events[0][1]["percent"] is not None


def test_an_apply_with_the_peer_away_says_what_is_pending():
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": drbd84_status(*STANDALONE_84)})
    call_recorder(drbd_state, salt)
    ret = drbd_state.synced("res0", only_running=True)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"].startswith("res0: the peer is not connected (StandAlone); pending: it resyncs")
