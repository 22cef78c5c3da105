"""The drbdha verdict and its reasons, from captured tool output."""

import copy

import yaml
from helpers import ROOT, fixture_text, load_file, utils_dunder

drbdha = load_file("_modules", "drbdha")
drbdadm = load_file("_modules", "drbdadm")
crmsh = load_file("_modules", "crmsh")
crmsh_state = load_file("_states", "crmsh")
for module in (drbdha, drbdadm, crmsh):
    module.__utils__ = utils_dunder()


def d9(fixture):
    return drbdadm.parse_status_json(fixture_text("drbd", "9", fixture))


def cluster(fixture="crm_mon-healthy.xml"):
    return crmsh.parse_crm_mon_xml(fixture_text("pacemaker", "2.1.5", fixture))


def test_healthy_drbd_has_no_findings():
    assert drbdha.drbd_findings(d9("status-json-connected-uptodate.json")) == []


def test_mid_sync_is_degraded_with_progress():
    ((severity, reason),) = drbdha.drbd_findings(d9("status-json-syncsource.json"))
    assert severity == drbdha.DEGRADED
    assert reason == "vm1 peer disk Inconsistent, 43.1% synced"


def test_standalone_is_failed():
    findings = drbdha.drbd_findings(d9("status-json-standalone-splitbrain.json"))
    assert drbdha.verdict(findings) == drbdha.FAILED
    assert any("split brain suspected" in r for _, r in findings)


def test_peer_down_is_degraded():
    findings = drbdha.drbd_findings(d9("status-json-connecting.json"))
    assert drbdha.verdict(findings) == drbdha.DEGRADED
    assert findings[0][1] == "vm1 peer node-b Connecting: not replicating"


def test_healthy_cluster_and_guest():
    status = cluster()
    findings = drbdha.cluster_findings(status) + drbdha.guest_findings(status, {}, "node-1")
    assert drbdha.verdict(findings) == drbdha.HEALTHY


def test_guest_on_the_wrong_node_is_failed():
    status = cluster()
    status["resources"]["rsc_kvm_havm"]["nodes"] = ["node-2"]
    findings = drbdha.guest_findings(status, {}, "node-1")
    assert (drbdha.FAILED, "VM rsc_kvm_havm running on node-2 but DRBD Primary is node-1") in findings


def test_guest_running_in_local_libvirt_but_placed_elsewhere_is_failed():
    status = cluster()
    findings = drbdha.guest_findings(status, {"havm": "running"}, "node-2")
    assert drbdha.verdict(findings) == drbdha.FAILED


def test_offline_node_is_degraded():
    status = cluster()
    status["nodes"]["node-2"]["online"] = False
    assert (drbdha.DEGRADED, "node node-2 is offline") in drbdha.cluster_findings(status)


def test_no_stonith_is_only_a_warning():
    status = cluster()
    status["stonith_enabled"] = False
    findings = drbdha.cluster_findings(status)
    assert drbdha.verdict(findings) == drbdha.HEALTHY
    assert findings[0][0] == drbdha.WARNING


def settings():
    config = yaml.safe_load((ROOT / "pillar.example").read_text())["drbdha"]
    config = copy.deepcopy(config)
    config.setdefault(
        "vm_defaults", {"timeouts": {"start": "120s", "stop": "360s", "monitor": "30s", "monitor_interval": "10s"}}
    )
    return drbdha.derive_settings(config, "node-1", 9)


def test_derived_settings():
    s = settings()
    assert s["first_node"] == "node-1" and s["is_first_node"] and s["peer_node"] == "node-2"
    assert s["drbd"]["resources"]["res0"]["disks"] == {"node-1": "/dev/sda4", "node-2": "/dev/sda4"}


def test_cib_objects_follow_the_reference_procedure():
    objects = {crmsh.canonical_crm_object(o)[1]: o for o in drbdha.build_cib_objects(settings())}
    assert set(objects) >= {"rsc_drbd_res0", "ms_drbd_res0", "rsc_kvm_sesadm", "rsc_vip"}
    assert 'config="/etc/havm/sesadm.xml"' in objects["rsc_kvm_sesadm"]
    assert "op stop interval=0 timeout=360s" in objects["rsc_kvm_sesadm"]
    assert "role=Promoted" in objects["rsc_drbd_res0"] and "role=Unpromoted" in objects["rsc_drbd_res0"]
    (colocation,) = [o for o in objects.values() if o.startswith("colocation")]
    assert colocation.endswith("rsc_kvm_sesadm ms_drbd_res0:Promoted")
    (order,) = [o for o in objects.values() if o.startswith("order")]
    assert order.endswith("ms_drbd_res0:promote rsc_kvm_sesadm:start")
    # pillar.example's diskless SBD, watchdog_timeout 35: twice that, and stonith-timeout 20 % above it.
    assert drbdha.cluster_properties(settings()) == {
        "stonith-enabled": "true",
        "stonith-watchdog-timeout": "70s",
        "stonith-timeout": "84s",
    }


def test_cib_objects_converge_against_what_crmsh_shows_back():
    """Objects in the form crmsh 4.4.1 shows them compare equal to ours (no reload every apply)."""
    shown = crmsh.split_crm_objects(fixture_text("crmsh", "4.4.1", "crm-configure-show.txt"))
    crmsh_state.__salt__ = {"crmsh.runtime_meta_of": crmsh.runtime_meta_of}
    ours = [
        "clone ms_drbd_res0 rsc_drbd_res0 meta promotable=true promoted-max=1 promoted-node-max=1 "
        "clone-max=2 clone-node-max=1 notify=true",
    ]
    to_load, _ = crmsh_state.plan_cib_changes(ours, shown, crmsh.canonical_crm_object)
    assert to_load == []


runner = load_file("_runners", "drbdha")


def two_views():
    healthy = cluster()
    node1 = {"drbd": d9("status-json-connected-uptodate.json"), "cluster": healthy, "libvirt": {"havm": "running"}}
    node2_drbd = copy.deepcopy(node1["drbd"])
    node2_drbd["vm1"]["role"] = "Secondary"
    node2 = {"drbd": node2_drbd, "cluster": copy.deepcopy(healthy), "libvirt": {}}
    return {"node-1": node1, "node-2": node2}


def test_runner_cross_check_of_a_healthy_pair():
    assert runner.cross_check(two_views()) == []


def test_runner_sees_two_primaries():
    views = two_views()
    views["node-2"]["drbd"]["vm1"]["role"] = "Primary"
    assert (runner.FAILED, "vm1 is Primary on node-1, node-2: split brain risk") in runner.cross_check(views)


def test_runner_sees_membership_disagreement_and_misplaced_guest():
    views = two_views()
    views["node-2"]["cluster"]["nodes"]["node-1"]["online"] = False
    views["node-2"]["libvirt"] = {"havm": "running"}
    reasons = [r for _, r in runner.cross_check(views)]
    assert any(r.startswith("the nodes disagree on membership") for r in reasons)
    assert "guest havm runs on node-2 but DRBD is Primary on node-1" in reasons


def test_verdicts_on_captured_cluster_states():
    def cluster_verdict(fixture):
        findings = drbdha.cluster_findings(cluster(fixture))
        return drbdha.verdict(findings), [r for _, r in findings]

    verdict, reasons = cluster_verdict("crm_mon-node-1-unclean.xml")
    assert verdict == drbdha.FAILED and "node node-1 is UNCLEAN (needs fencing)" in reasons
    verdict, reasons = cluster_verdict("crm_mon-failed-bad-config.xml")
    assert verdict == drbdha.DEGRADED
    assert any(r.startswith("failed action rsc_kvm_broken_start_0 on node-1: not installed") for r in reasons)
    verdict, reasons = cluster_verdict("crm_mon-standby-node-1.xml")
    assert verdict == drbdha.DEGRADED and "node node-1 is in standby" in reasons
    verdict, reasons = cluster_verdict("crm_mon-fence-history-failed-then-ok.xml")
    assert "node-2 was fenced (reboot) at 2026-11-25 19:40:38Z" in reasons


def test_formula_objects_match_what_crmsh_shows_in_the_lab():
    """The objects drbdha loads compare equal to their crmsh 4.4.1 rendering (lab fixture),
    so a converged apply loads nothing."""
    shown = crmsh.split_crm_objects(fixture_text("pacemaker", "2.1.5", "lab-crm-configure-show.txt"))
    ours = {crmsh.canonical_crm_object(o)[1]: o for o in drbdha.build_cib_objects(settings())}
    # The lab's hand-made CIB has no notify op and names the constraints differently.
    drbd = ours["rsc_drbd_res0"].replace(" op notify interval=0 timeout=90", "")
    assert crmsh.canonical_crm_object(drbd) == crmsh.canonical_crm_object(shown["rsc_drbd_res0"])
    assert crmsh.canonical_crm_object(ours["ms_drbd_res0"]) == crmsh.canonical_crm_object(shown["ms_drbd_res0"])
