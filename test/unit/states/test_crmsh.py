"""The crmsh states with the modules replaced by recorders: the CIB comparison, bootstrap, the quorum section."""

import os
import stat

import pytest
from helpers import Recorder, call_recorder, fixture_text, load_file, loader_dunders
from salt.exceptions import CommandExecutionError

crm_state = load_file("_states", "crmsh")
crmsh_mod = load_file("_modules", "crmsh")
cib = load_file("_utils", "drbdha_cib")


@pytest.fixture
def configure_loader_modules():
    """One state run: the states, and the crmsh module's file-handling commands they call for real."""
    return {crm_state: loader_dunders(), crmsh_mod: loader_dunders()}


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
        crmsh__verified_record=crmsh_mod.verified_record,
        crmsh__remember_verified=crmsh_mod.remember_verified,
    )


@pytest.fixture
def verified_record(tmp_path, monkeypatch):
    path = tmp_path / "drbdha" / "cib-verified.json"
    monkeypatch.setattr(crmsh_mod, "VERIFIED_RECORD", str(path))
    return path


@pytest.mark.parametrize("test", [False, True])
def test_cib_comparison_is_remembered_and_spares_crmsh_until_the_configuration_changes(verified_record, test):
    salt = cib_salt(["d1", "d1"])
    call_recorder(crm_state, salt, test=test)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert ret["result"] is True and ret["changes"] == {}
    assert "crmsh.configured_objects" in salt.names()
    if test:  # test=True writes nothing, not even the record
        assert not verified_record.exists()
        return
    assert stat.S_IMODE(os.stat(verified_record).st_mode) == 0o600
    # Same configuration, same objects: no crmsh process.
    salt = cib_salt(["d1"])
    call_recorder(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert ret["result"] is True and ret["changes"] == {} and "unchanged" in ret["comment"]
    assert "crmsh.configured_objects" not in salt.names()
    # The configuration changed (a constraint, a move…): compared again.
    salt = cib_salt(["d2", "d2"])
    call_recorder(crm_state, salt)
    crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert "crmsh.configured_objects" in salt.names()
    # Other objects asked for (a new pillar): compared again.
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    salt = cib_salt(["d2", "d2"])
    call_recorder(crm_state, salt, test=True)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert "crmsh.configured_objects" in salt.names() and list(ret["changes"]) == ["rsc_kvm_havm"]


@pytest.mark.parametrize("remembered", [False, True])
def test_objects_as_configured_need_no_cluster_status(verified_record, remembered):
    # A converged apply runs no crm_mon, with a DC or without: nothing is loaded.
    if remembered:
        call_recorder(crm_state, cib_salt(["d1", "d1"]))
        crm_state.cib_objects("drbdha", [CIB_OBJECT])
    salt = cib_salt(["d1", "d1"], dc=None)
    call_recorder(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT])
    assert ret["result"] is True and ret["changes"] == {}
    assert "crmsh.status" not in salt.names()


@pytest.mark.parametrize("test", [False, True])
def test_objects_that_differ_are_not_loaded_without_a_dc(verified_record, test):
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    salt = cib_salt(["d1", "d1"], dc=None)
    call_recorder(crm_state, salt, test=test)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("1 CIB object(s) differ (rsc_kvm_havm), but the cluster has no DC yet")
    assert "crmsh.configure_load" not in salt.names()
    # With a DC, the same apply loads them (or, in test mode, says it would).
    salt = cib_salt(["d1", "d2", "d2"], shown=[CIB_SHOWN, CIB_SHOWN.replace("timeout=360s", "timeout=600s")])
    call_recorder(crm_state, salt, test=test)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert list(ret["changes"]) == ["rsc_kvm_havm"] and ret["result"] is (None if test else True)
    assert ("crmsh.configure_load" in salt.names()) is not test


def test_objects_that_differ_are_not_loaded_when_the_cluster_status_cannot_be_read(verified_record):
    def crm_mon_fails():
        raise CommandExecutionError("crm_mon: Error: cluster is not available on this node")

    salt = cib_salt(["d1", "d1"])
    salt["crmsh.status"] = crm_mon_fails
    call_recorder(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [CIB_OBJECT.replace("timeout=360s", "timeout=600s")])
    assert ret["result"] is False and "the cluster's status cannot be read: crm_mon: Error" in ret["comment"]
    assert "crmsh.configure_load" not in salt.names()


def test_cib_comparison_is_not_remembered_when_the_configuration_moved_under_it(verified_record):
    call_recorder(crm_state, cib_salt(["d1", "d2"]))
    assert crm_state.cib_objects("drbdha", [CIB_OBJECT])["changes"] == {}
    assert not verified_record.exists()


def test_cib_objects_loaded_are_read_back_and_remembered(verified_record):
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    after_load = CIB_SHOWN.replace("timeout=360s", "timeout=600s")
    assert after_load != CIB_SHOWN
    # digests: before the comparison; after the load, before and after reading it back
    salt = cib_salt(["d1", "d2", "d2"], shown=[CIB_SHOWN, after_load])
    call_recorder(crm_state, salt)
    ret = crm_state.cib_objects("drbdha", [changed])
    assert ret["result"] is True and list(ret["changes"]) == ["rsc_kvm_havm"]
    assert ret["comment"].endswith("read back as configured.")
    assert salt.names().count("crmsh.configured_objects") == 2
    assert crmsh_mod.verified_record() == crm_state.verification_record([changed], "d2")


def test_a_load_that_does_not_take_is_a_failure_that_keeps_its_changes(verified_record):
    changed = CIB_OBJECT.replace("timeout=360s", "timeout=600s")
    call_recorder(crm_state, cib_salt(["d1", "d2"]))  # crm configure show answers the old text after the load
    ret = crm_state.cib_objects("drbdha", [changed])
    assert ret["result"] is False and list(ret["changes"]) == ["rsc_kvm_havm"]
    assert ret["comment"].endswith("but crm configure show still differs for: rsc_kvm_havm")
    assert not verified_record.exists()


def test_a_damaged_cib_record_costs_one_comparison(verified_record):
    verified_record.parent.mkdir()
    verified_record.write_text("{not json")
    salt = cib_salt(["d1", "d1"])
    call_recorder(crm_state, salt)
    assert crm_state.cib_objects("drbdha", [CIB_OBJECT])["result"] is True
    assert "crmsh.configured_objects" in salt.names()
    assert crm_state.verification_record([CIB_OBJECT], "d1") == crmsh_mod.verified_record()


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
    call_recorder(crm_state, salt, test=test)
    ret = crm_state.cluster_bootstrapped("hacluster", node=node, first_node="node-1", interface="eth1")
    assert ret["changes"] == {node: {"old": "no cluster", "new": "member of cluster hacluster"}}
    assert ret["result"] is (None if test else True)
    assert ret["comment"].startswith("Would " if test else ("Bootstrapped" if node == "node-1" else "Joined"))
    ran = [c for c in salt.calls if c[0] in ("crmsh.cluster_init", "crmsh.cluster_join")]
    assert ran == ([] if test else [(command, *ran[0][1:])])
    if not test and node == "node-1":
        assert ran[0][1:] == (("hacluster",), {"interface": "eth1"})


def test_crmsh_bootstrap_runs_nothing_on_a_node_that_runs_a_cluster():
    salt = crmsh_bootstrap_salt(running=True)
    call_recorder(crm_state, salt)
    ret = crm_state.cluster_bootstrapped("hacluster", node="node-2", first_node="node-1")
    assert ret["result"] is True and ret["changes"] == {} and "already" in ret["comment"]
    assert salt.names() == ["crmsh.cluster_running"]


def test_a_failed_crmsh_bootstrap_is_a_failed_state_with_the_tools_message():
    message = "crm cluster init -y --name hacluster failed with exit code 1: ERROR: cluster.init: ssh-keygen failed"
    call_recorder(crm_state, crmsh_bootstrap_salt(fails=message))
    ret = crm_state.cluster_bootstrapped("hacluster", node="node-1", first_node="node-1")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"bootstrap cluster hacluster on node-1 with crm cluster init failed: {message}"


def test_crmsh_bootstrap_refuses_a_node_bootstrapped_before_whose_cluster_is_stopped(no_corosync_authkey):
    no_corosync_authkey.write_text("key")
    salt = crmsh_bootstrap_salt()
    call_recorder(crm_state, salt)
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
    call_recorder(crm_state, quorum_salt(), test=test)
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
    call_recorder(crm_state, salt := quorum_salt())
    again = crm_state.corosync_quorum(str(path), section=QUORUM_WITH_DEVICE, nodes=2)
    assert again["changes"] == {} and again["result"] is True
    assert salt.names() == ["crmsh.corosync_quorum"]


def test_the_quorum_device_waits_for_the_other_node_to_join(tmp_path):
    path = corosync_conf(tmp_path, nodes=1)
    before = path.read_text()
    call_recorder(crm_state, salt := quorum_salt())
    ret = crm_state.corosync_quorum(str(path), section=QUORUM_WITH_DEVICE, nodes=2)
    assert ret["result"] is True and ret["changes"] == {}
    assert "until the nodelist names all 2 nodes (it names 1)" in ret["comment"]
    assert path.read_text() == before and salt.names() == ["crmsh.corosync_quorum"]
    assert crmsh_mod.quorum_device_configured(str(path)) is False


def test_the_quorum_state_fails_without_a_corosync_conf(tmp_path):
    call_recorder(crm_state, quorum_salt())
    ret = crm_state.corosync_quorum(str(tmp_path / "corosync.conf"), section=QUORUM_WITH_DEVICE, nodes=2)
    assert ret["result"] is False and "does not exist" in ret["comment"]
    assert crmsh_mod.quorum_device_configured(str(tmp_path / "corosync.conf")) is False


def test_fence_passwords_are_masked():
    text = "primitive st stonith:fence_ipmilan params ip=1.2.3.4 password=hunter2 lanplus=1"
    assert "hunter2" not in crm_state.mask_secrets(text)
