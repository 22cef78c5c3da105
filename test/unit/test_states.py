"""
State logic with the execution modules replaced by recorders: what each state
decides, that test=True writes nothing and predicts the change, and that a
converged system reports no change.
"""

import os
import stat

import pytest
from helpers import Recorder, fixture_text, load_file, use, utils_dunder
from salt.exceptions import CommandExecutionError

drbd_state = load_file("_states", "drbdadm")
crm_state = load_file("_states", "crmsh")
ha_state = load_file("_states", "drbdha")
drbdadm_mod = load_file("_modules", "drbdadm")
drbd = load_file("_utils", "drbdha_drbd")
crmsh_mod = load_file("_modules", "crmsh")
cib = load_file("_utils", "drbdha_cib")
for module in (drbdadm_mod, crmsh_mod, ha_state, drbd_state, crm_state):
    module.__utils__ = utils_dunder()
    module.__opts__ = {}


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
    use(drbd_state, salt, test=test_mode)
    ret = drbd_state.initial_primary("vm1", new_devices=True)
    assert ret["result"] is (None if test_mode else True)
    assert ret["changes"]["initial_sync"].startswith("skipped")
    writes = [c for c in salt.calls if c[0] != "drbdadm.status"]
    assert writes == ([] if test_mode else [("drbdadm.first_primary", ("vm1",), {"skip_initial_sync": True})])


def test_initial_primary_without_new_devices_forces_and_syncs():
    salt = Recorder(drbdadm__status=lambda name, **_: {"vm1": new_resource()}, drbdadm__first_primary=None)
    use(drbd_state, salt)
    ret = drbd_state.initial_primary("vm1")
    assert ret["result"] is True
    assert ("drbdadm.first_primary", ("vm1",), {"skip_initial_sync": False}) in salt.calls


def test_initial_primary_is_a_no_op_once_data_exists():
    salt = Recorder(drbdadm__status=lambda name, **_: {"vm1": d9_status("status-json-connected-uptodate.json")})
    use(drbd_state, salt)
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
    use(drbd_state, salt)
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
    use(drbd_state, salt, test=test_mode)
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
    use(drbd_state, salt, test=test_mode)
    ret = drbd_state.metadata("res0", str(device))
    assert ret["result"] is (None if test_mode else True)
    assert ret["changes"]
    assert ("drbdadm.create_md" in salt.names()) is (not test_mode)


def test_existing_metadata_is_kept(tmp_path):
    device = tmp_path / "disk"
    device.write_text("")
    salt = Recorder(drbdadm__status=down, drbdadm__has_metadata=True, drbdadm__create_md=None)
    use(drbd_state, salt)
    ret = drbd_state.metadata("res0", str(device))
    assert ret["result"] is True and ret["changes"] == {}
    assert "drbdadm.create_md" not in salt.names()


# -------------------------------------------------------------------- config --

SECRET = "very-secret-1234"
GLOBAL = f'common {{ net {{ cram-hmac-alg "sha1"; shared-secret "{SECRET}"; protocol C; }} }}\n'
RES = """resource r0 {
  device /dev/drbd0;
  meta-disk internal;
  on node-1 { node-id 0; disk /dev/vdb; address 10.20.30.71:7788; }
  on node-2 { node-id 1; disk /dev/vdb; address 10.20.30.72:7788; }
  connection-mesh { hosts node-1 node-2; }
}
"""


def real_drbdadm(**more):
    """The drbdadm module's config commands, running the real drbdadm of this host (its DRBD 9 parser)."""
    drbdadm_mod.__salt__ = {"cmd.run_all": __import__("salt.modules.cmdmod", fromlist=["run_all"]).run_all}
    drbdadm_mod.__context__ = {}
    return Recorder(
        drbdadm__check_config=drbdadm_mod.check_config, drbdadm__write_config=drbdadm_mod.write_config, **more
    )


@pytest.fixture
def cmdmod_ready():
    from salt.modules import cmdmod

    cmdmod.__opts__ = {"cachedir": "/tmp", "hash_type": "sha256"}
    cmdmod.__salt__ = {}
    cmdmod.__grains__ = {"os": "Debian", "os_family": "Debian", "kernel": "Linux"}
    cmdmod.__context__ = {}
    cmdmod.__pillar__ = {}
    return cmdmod


@pytest.mark.parametrize("test_mode", [True, False])
def test_config_is_validated_written_private_and_secret_free(test_mode, tmp_path, cmdmod_ready):
    salt = real_drbdadm()
    use(drbd_state, salt, test=test_mode)
    files = {"global_common.conf": GLOBAL, "r0.res": RES}
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
    use(drbd_state, salt)
    drbd_state.__pillar__ = {"drbdha": {"drbd": {"shared_secret": SECRET}}}
    files = {"global_common.conf": GLOBAL.replace(SECRET, "@DRBDHA_SHARED_SECRET@"), "r0.res": RES}
    ret = drbd_state.config(str(tmp_path), files, secret_pillar_key="drbdha:drbd:shared_secret")
    assert ret["result"] is True and SECRET not in str(ret)
    assert (tmp_path / "global_common.conf").read_text() == GLOBAL
    again = drbd_state.config(str(tmp_path), files, secret_pillar_key="drbdha:drbd:shared_secret")
    assert again["changes"] == {}
    drbd_state.__pillar__ = {}
    missing = drbd_state.config(str(tmp_path), files, secret_pillar_key="drbdha:drbd:shared_secret")
    assert missing["result"] is False and "drbdha:drbd:shared_secret is not set" in missing["comment"]


def test_config_rejected_by_drbdadm_writes_nothing(tmp_path, cmdmod_ready):
    salt = real_drbdadm()
    use(drbd_state, salt)
    broken = RES.replace("meta-disk internal;", "meta-disk internal")
    ret = drbd_state.config(str(tmp_path), {"global_common.conf": GLOBAL, "r0.res": broken})
    assert ret["result"] is False
    assert "drbdadm rejected" in ret["comment"]
    assert SECRET not in ret["comment"]
    assert list(tmp_path.iterdir()) == []


def test_mask_secret():
    assert SECRET not in drbd_state.mask_secret(GLOBAL)
    assert 'shared-secret "*****";' in drbd_state.mask_secret(GLOBAL)


# ----------------------------------------------------------------------- cib --


def test_cib_plan_loads_only_what_differs_and_keeps_run_time_meta():
    shown = cib.split_crm_objects(fixture_text("crmsh", "4.4.1", "crm-configure-show.txt"))
    same = (
        'primitive rsc_kvm_havm ocf:heartbeat:VirtualDomain params config="/etc/havm/havm.xml" '
        'hypervisor="qemu:///system" op monitor interval=10 timeout=30 op start interval=0 timeout=120s '
        "op stop interval=0 timeout=360s"
    )
    changed = same.replace("timeout=360s", "timeout=600s")
    new = "order o_new Mandatory: ms_drbd_res0:promote rsc_kvm_havm:start"
    crm_state.__salt__ = {"cib.runtime_meta_of": cib.runtime_meta_of}
    to_load, changes = crm_state.plan_cib_changes([same], shown, cib.canonical_crm_object)
    assert to_load == [] and changes == {}
    to_load, changes = crm_state.plan_cib_changes([changed, new], shown, cib.canonical_crm_object)
    assert sorted(changes) == ["o_new", "rsc_kvm_havm"]
    assert changes["o_new"]["old"] is None
    # The operator's target-role on the live object survives the update.
    assert "target-role=Started" in to_load[0]


CIB_SHOWN = fixture_text("crmsh", "4.4.1", "crm-configure-show.txt")
CIB_OBJECT = (
    'primitive rsc_kvm_havm ocf:heartbeat:VirtualDomain params config="/etc/havm/havm.xml" '
    'hypervisor="qemu:///system" op monitor interval=10 timeout=30 op start interval=0 timeout=120s '
    "op stop interval=0 timeout=360s"
)


def cib_salt(digests, shown=(CIB_SHOWN,), dc="node-1"):
    """
    The modules cib_objects calls; ``digests`` and ``shown`` are what successive
    configuration_digest and ``crm configure show`` calls answer (the last
    ``shown`` again once they run out); ``dc`` is the DC crm_mon names.
    """
    answers, shows = iter(digests), list(shown)
    return Recorder(
        crmsh__status={"dc": dc},
        crmsh__configuration_digest=lambda cached=False: next(answers),
        crmsh__configured_objects=lambda: cib.split_crm_objects(shows.pop(0) if len(shows) > 1 else shows[0]),
        crmsh__canonical_crm_object=cib.canonical_crm_object,
        crmsh__runtime_meta_of=cib.runtime_meta_of,
        crmsh__configure_load=lambda method, text: "",
    )


@pytest.fixture
def verified_record(tmp_path, monkeypatch):
    path = tmp_path / "drbdha" / "cib-verified.json"
    monkeypatch.setattr(crm_state, "VERIFIED_RECORD", str(path))
    return path


@pytest.mark.parametrize("test", [False, True])
def test_cib_comparison_is_remembered_and_spares_crmsh_until_the_configuration_changes(verified_record, test):
    salt = cib_salt(["d1", "d1"])
    use(crm_state, salt, test=test)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert ret["result"] is True and ret["changes"] == {}
    assert "crmsh.configured_objects" in salt.names()
    if test:  # test=True writes nothing, not even the record
        assert not verified_record.exists()
        return
    assert stat.S_IMODE(os.stat(verified_record).st_mode) == 0o600
    # Same configuration, same objects: no crmsh process.
    salt = cib_salt(["d1"])
    use(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert ret["result"] is True and ret["changes"] == {} and "unchanged" in ret["comment"]
    assert "crmsh.configured_objects" not in salt.names()
    # The configuration changed (a constraint, a move…): compared again.
    salt = cib_salt(["d2", "d2"])
    use(crm_state, salt)
    crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert "crmsh.configured_objects" in salt.names()
    # Other objects asked for (a new pillar): compared again.
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    salt = cib_salt(["d2", "d2"])
    use(crm_state, salt, test=True)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert "crmsh.configured_objects" in salt.names() and list(ret["changes"]) == ["rsc_kvm_havm"]


@pytest.mark.parametrize("remembered", [False, True])
def test_objects_as_configured_need_no_cluster_status(verified_record, remembered):
    # A converged apply runs no crm_mon, with a DC or without: nothing is loaded.
    if remembered:
        use(crm_state, cib_salt(["d1", "d1"]))
        crm_state.cib_objects("drbdha", [CIB_OBJECT])
    salt = cib_salt(["d1", "d1"], dc=None)
    use(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert ret["result"] is True and ret["changes"] == {}
    assert "crmsh.status" not in salt.names()


@pytest.mark.parametrize("test", [False, True])
def test_objects_that_differ_are_not_loaded_without_a_dc(verified_record, test):
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    salt = cib_salt(["d1", "d1"], dc=None)
    use(crm_state, salt, test=test)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("1 CIB object(s) differ (rsc_kvm_havm), but the cluster has no DC yet")
    assert "crmsh.configure_load" not in salt.names()
    # With a DC, the same apply loads them (or, in test mode, says it would).
    salt = cib_salt(["d1", "d2", "d2"], shown=[CIB_SHOWN, CIB_SHOWN.replace("timeout=360s", "timeout=600s")])
    use(crm_state, salt, test=test)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert list(ret["changes"]) == ["rsc_kvm_havm"] and ret["result"] is (None if test else True)
    assert ("crmsh.configure_load" in salt.names()) is not test


def test_objects_that_differ_are_not_loaded_when_the_cluster_status_cannot_be_read(verified_record):
    def crm_mon_fails():
        raise CommandExecutionError("crm_mon: Error: cluster is not available on this node")

    salt = cib_salt(["d1", "d1"])
    salt["crmsh.status"] = crm_mon_fails
    use(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT.replace("timeout=360s", "timeout=600s")])
    assert ret["result"] is False and "the cluster's status cannot be read: crm_mon: Error" in ret["comment"]
    assert "crmsh.configure_load" not in salt.names()


def test_cib_comparison_is_not_remembered_when_the_configuration_moved_under_it(verified_record):
    use(crm_state, cib_salt(["d1", "d2"]))
    assert crm_state.cib_objects("drbdha", [CIB_OBJECT])["changes"] == {}
    assert not verified_record.exists()


def test_cib_objects_loaded_are_read_back_and_remembered(verified_record):
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    after_load = CIB_SHOWN.replace("timeout=360s", "timeout=600s")
    assert after_load != CIB_SHOWN
    # digests: before the comparison; after the load, before and after reading it back
    salt = cib_salt(["d1", "d2", "d2"], shown=[CIB_SHOWN, after_load])
    use(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert ret["result"] is True and list(ret["changes"]) == ["rsc_kvm_havm"]
    assert ret["comment"].endswith("read back as configured.")
    assert salt.names().count("crmsh.configured_objects") == 2
    assert crm_state._read_verified() == crm_state.verification_record([changed], "d2")


def test_a_load_that_does_not_take_is_a_failure_that_keeps_its_changes(verified_record):
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    use(crm_state, cib_salt(["d1", "d2"]))  # crm configure show answers the old text after the load
    ret = crm_state.cib_objects("drbdha", [changed])
    assert ret["result"] is False and list(ret["changes"]) == ["rsc_kvm_havm"]
    assert ret["comment"].endswith("but crm configure show still differs for: rsc_kvm_havm")
    assert not verified_record.exists()


def test_a_damaged_cib_record_costs_one_comparison(verified_record):
    verified_record.parent.mkdir()
    verified_record.write_text("{not json")
    salt = cib_salt(["d1", "d1"])
    use(crm_state, salt)
    assert crm_state.cib_objects("drbdha", [CIB_OBJECT])["result"] is True
    assert "crmsh.configured_objects" in salt.names()
    assert crm_state.verification_record([CIB_OBJECT], "d1") == crm_state._read_verified()


def test_the_configuration_digest_follows_the_cib_configuration():
    """cibadmin output captured in the lab (pacemaker 2.1.5, lab-NOTES.md): a fencing constraint changes the digest."""
    outputs = {
        name: fixture_text("pacemaker", "2.1.5", f"lab-cibadmin-constraints-{name}.xml")
        for name in ("healthy", "fence-by-handler", "after-unfence")
    }

    def digest(name):
        crmsh_mod.__salt__ = Recorder(cmd__run_all={"retcode": 0, "stdout": outputs[name], "stderr": ""})
        digest = crmsh_mod.configuration_digest()
        assert crmsh_mod.__salt__.calls[0][1][0] == ["cibadmin", "--query", "--scope", "configuration"]
        return digest

    assert digest("healthy") != digest("fence-by-handler")
    # The handler removed its constraint after the resync: the same configuration, the same digest.
    assert digest("after-unfence") == digest("healthy")


def lab_configuration_section(drop_utilization=False, hv_memory=None):
    """The configuration section of a full `cibadmin -Q` captured in the lab (pacemaker 2.1.5),
    as `cibadmin --query --scope configuration` prints it; optionally as it was before
    VirtualDomain wrote its utilization, or with another value written there."""
    text = fixture_text("pacemaker", "2.1.5", "lab-cibadmin-Q-healthy.xml")
    section = text[text.index("<configuration>") : text.index("</configuration>") + len("</configuration>")]
    if drop_utilization:
        start = section.index("        <utilization ")
        end = section.index("</utilization>\n", start) + len("</utilization>\n")
        section = section[:start] + section[end:]
    if hv_memory is not None:
        section = section.replace('name="hv_memory" value="32"', f'name="hv_memory" value="{hv_memory}"')
    return section


def test_the_configuration_digest_leaves_out_what_the_cluster_writes_itself():
    """VirtualDomain adds utilization after the load; the record made at the load must still match."""
    before = cib.cib_digest(lab_configuration_section(drop_utilization=True))
    assert "<utilization" in lab_configuration_section()
    assert "<utilization" not in lab_configuration_section(drop_utilization=True)
    assert cib.cib_digest(lab_configuration_section()) == before
    assert lab_configuration_section(hv_memory=64) != lab_configuration_section()
    assert cib.cib_digest(lab_configuration_section(hv_memory=64)) == before
    # Anything the formula configures still counts.
    changed = lab_configuration_section().replace('value="Started"', 'value="Stopped"', 1)
    assert changed != lab_configuration_section()
    assert cib.cib_digest(changed) != before


def crmsh_bootstrap_salt(running=False, fails=None):
    """The crmsh module as cluster_bootstrapped sees it."""
    state = {"running": running}

    def bootstrap(*args, **kwargs):
        if fails:
            raise CommandExecutionError(fails)
        state["running"] = True
        return "  output of crmsh\n"

    return Recorder(
        crmsh__cluster_running=lambda: state["running"], crmsh__cluster_init=bootstrap, crmsh__cluster_join=bootstrap
    )


@pytest.fixture(autouse=True)
def no_corosync_authkey(tmp_path, monkeypatch):
    """cluster_bootstrapped looks for a corosync authkey: none, unless a test writes one."""
    monkeypatch.setattr(crm_state, "COROSYNC_AUTHKEY", str(tmp_path / "authkey"))
    return tmp_path / "authkey"


@pytest.mark.parametrize("test", [False, True])
@pytest.mark.parametrize(("node", "command"), [("node-1", "crmsh.cluster_init"), ("node-2", "crmsh.cluster_join")])
def test_crmsh_bootstrap_inits_the_first_node_and_joins_the_other(node, command, test):
    salt = crmsh_bootstrap_salt()
    use(crm_state, salt, test=test)
    ret = crm_state.cluster_bootstrapped("hacluster", node=node, first_node="node-1", interface="eth1")
    assert ret["changes"] == {node: {"old": "no cluster", "new": "member of cluster hacluster"}}
    assert ret["result"] is (None if test else True)
    assert ret["comment"].startswith("Would " if test else ("Bootstrapped" if node == "node-1" else "Joined"))
    ran = [c for c in salt.calls if c[0] in ("crmsh.cluster_init", "crmsh.cluster_join")]
    assert ran == ([] if test else [(command, *ran[0][1:])])
    if not test and node == "node-1":
        assert ran[0][1:] == (("hacluster",), {"interface": "eth1", "virtual_ip": None})


def test_crmsh_bootstrap_runs_nothing_on_a_node_that_runs_a_cluster():
    salt = crmsh_bootstrap_salt(running=True)
    use(crm_state, salt)
    ret = crm_state.cluster_bootstrapped("hacluster", node="node-2", first_node="node-1")
    assert ret["result"] is True and ret["changes"] == {} and "already" in ret["comment"]
    assert salt.names() == ["crmsh.cluster_running"]


def test_a_failed_crmsh_bootstrap_is_a_failed_state_with_the_tools_message():
    message = "crm cluster init -y --name hacluster failed with exit code 1: ERROR: cluster.init: ssh-keygen failed"
    use(crm_state, crmsh_bootstrap_salt(fails=message))
    ret = crm_state.cluster_bootstrapped("hacluster", node="node-1", first_node="node-1")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"bootstrap cluster hacluster on node-1 with crm cluster init failed: {message}"


def test_crmsh_bootstrap_refuses_a_node_bootstrapped_before_whose_cluster_is_stopped(no_corosync_authkey):
    no_corosync_authkey.write_text("key")
    salt = crmsh_bootstrap_salt()
    use(crm_state, salt)
    ret = crm_state.cluster_bootstrapped("hacluster", node="node-1", first_node="node-1")
    assert ret["result"] is False and "new keys and an empty CIB" in ret["comment"]
    assert salt.names() == ["crmsh.cluster_running"]


# crm cluster init's corosync.conf (one node in its nodelist), and the quorum section with a device.
CRMSH_COROSYNC = fixture_text("crmsh", "4.4.1", "corosync.conf-after-crm-cluster-init.txt")
QUORUM_WITH_DEVICE = (
    "quorum {\n    provider: corosync_votequorum\n    device {\n        model: net\n        votes: 1\n"
    "        net {\n            host: 10.0.2.2\n        }\n    }\n}\n"
)


def corosync_conf(tmp_path, nodes):
    """CRMSH_COROSYNC with ``nodes`` entries in its nodelist (crm cluster join adds the second)."""
    text = CRMSH_COROSYNC
    if nodes == 2:
        text = text.replace("nodelist {\n", "nodelist {\n    node {\n        ring0_addr: 10.0.1.22\n    }\n", 1)
    path = tmp_path / "corosync.conf"
    path.write_text(text)
    path.chmod(0o644)
    return path


def quorum_salt():
    return Recorder(
        crmsh__corosync_quorum=crmsh_mod.corosync_quorum, crmsh__set_corosync_quorum=crmsh_mod.set_corosync_quorum
    )


@pytest.mark.parametrize("test", [False, True])
def test_the_quorum_device_goes_into_crmshs_corosync_conf_once_both_nodes_are_listed(tmp_path, test):
    path = corosync_conf(tmp_path, nodes=2)
    before = path.read_text()
    use(crm_state, quorum_salt(), test=test)
    ret = crm_state.corosync_quorum(str(path), section=QUORUM_WITH_DEVICE, nodes=2)
    assert ret["result"] is (None if test else True)
    assert ret["changes"]["quorum"]["new"] == QUORUM_WITH_DEVICE
    assert "two_node" in ret["changes"]["quorum"]["old"]
    if test:
        assert path.read_text() == before
        return
    assert crmsh_mod.corosync_quorum(str(path))["section"] == QUORUM_WITH_DEVICE
    assert crmsh_mod.quorum_device_configured(str(path)) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    # Converged: nothing to change, nothing written.
    use(crm_state, salt := quorum_salt())
    again = crm_state.corosync_quorum(str(path), section=QUORUM_WITH_DEVICE, nodes=2)
    assert again["changes"] == {} and again["result"] is True
    assert salt.names() == ["crmsh.corosync_quorum"]


def test_the_quorum_device_waits_for_the_other_node_to_join(tmp_path):
    path = corosync_conf(tmp_path, nodes=1)
    before = path.read_text()
    use(crm_state, salt := quorum_salt())
    ret = crm_state.corosync_quorum(str(path), section=QUORUM_WITH_DEVICE, nodes=2)
    assert ret["result"] is True and ret["changes"] == {}
    assert "until the nodelist names all 2 nodes (it names 1)" in ret["comment"]
    assert path.read_text() == before and salt.names() == ["crmsh.corosync_quorum"]
    assert crmsh_mod.quorum_device_configured(str(path)) is False


def test_the_quorum_state_fails_without_a_corosync_conf(tmp_path):
    use(crm_state, quorum_salt())
    ret = crm_state.corosync_quorum(str(tmp_path / "corosync.conf"), section=QUORUM_WITH_DEVICE, nodes=2)
    assert ret["result"] is False and "does not exist" in ret["comment"]
    assert crmsh_mod.quorum_device_configured(str(tmp_path / "corosync.conf")) is False


def test_fence_passwords_are_masked():
    text = "primitive st stonith:fence_ipmilan params ip=1.2.3.4 password=hunter2 lanplus=1"
    assert "hunter2" not in crm_state.mask_secrets(text)


# ------------------------------------------------------------------ secrets --


@pytest.mark.parametrize("test_mode", [True, False])
def test_secret_file_hides_the_value_and_is_private(test_mode, tmp_path):
    target = tmp_path / "authkey"
    salt = Recorder(file__chown=None)
    use(ha_state, salt, test=test_mode)
    ha_state.__pillar__ = {"drbdha": {"cluster": {"authkey": "c2VjcmV0LWtleS1ieXRlcw=="}}}
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


def test_every_command_is_recorded_without_its_input(tmp_path, cmdmod_ready):
    """The command log (drbdha_command_log) has argv and exit code, never stdin."""
    log_path = tmp_path / "commands.log"
    util = load_file("_utils", "drbdha_util")
    util.run(cmdmod_ready.run_all, ["true"], record=str(log_path))
    util.run(cmdmod_ready.run_all, ["cat"], stdin="a-secret\n", quiet=True, record=str(log_path))
    lines = [__import__("json").loads(line) for line in log_path.read_text().splitlines()]
    assert [entry["argv"] for entry in lines] == [["true"], ["cat"]]
    assert all(entry["retcode"] == 0 for entry in lines)
    assert "a-secret" not in log_path.read_text()
    assert stat.S_IMODE(os.stat(log_path).st_mode) == 0o600


# ------------------------------- one configuration read for properties and CIB --


def test_cluster_properties_are_read_from_the_captured_configuration():
    text = lab_configuration_section()
    assert cib.cib_property(text, "stonith-enabled") == "false"
    assert cib.cib_property(text, "cluster-name") == "drbdha-lab"
    assert cib.cib_property(text, "no-quorum-policy") is None


def test_a_property_set_twice_to_different_values_is_ambiguous():
    text = lab_configuration_section().replace(
        "</crm_config>",
        '<cluster_property_set id="other"><nvpair id="o-s" name="stonith-enabled" value="true"/>'
        "</cluster_property_set></crm_config>",
    )
    with pytest.raises(CommandExecutionError, match="stonith-enabled is set to several values"):
        cib.cib_property(text, "stonith-enabled")


def test_properties_and_the_cib_digest_share_one_cibadmin_read_until_a_write():
    section = lab_configuration_section()
    crmsh_mod.__context__ = {}
    crmsh_mod.__opts__ = {}
    crmsh_mod.__salt__ = Recorder(cmd__run_all={"retcode": 0, "stdout": section, "stderr": ""})
    assert crmsh_mod.get_property("stonith-enabled", cached=True) == "false"
    digest = crmsh_mod.configuration_digest(cached=True)
    assert digest == cib.cib_digest(section)
    assert len(crmsh_mod.__salt__.calls) == 1
    crmsh_mod.set_property("stonith-enabled", "true")  # a write: the read is stale now
    crmsh_mod.configuration_digest(cached=True)
    argvs = [call[1][0] for call in crmsh_mod.__salt__.calls]
    assert argvs[1][0] == "crm_attribute" and argvs[2] == ["cibadmin", "--query", "--scope", "configuration"]
    crmsh_mod.configuration_digest()  # not cached: asks again
    assert len(crmsh_mod.__salt__.calls) == 4


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
    use(ha_state, salt)
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
