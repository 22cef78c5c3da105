"""The health verdict and its reasons (_utils/drbdha_health.py), from captured tool output."""

from helpers import crm_mon, drbd9_status, load_file

health = load_file("_utils", "drbdha_health")
config = load_file("_utils", "drbdha_config")


def test_healthy_drbd_has_no_findings():
    assert health.drbd_findings(drbd9_status("status-json-connected-uptodate.json")) == []


def test_mid_sync_is_degraded_with_progress():
    ((severity, reason),) = health.drbd_findings(drbd9_status("status-json-syncsource.json"))
    assert severity == health.DEGRADED
    assert reason == "vm1 peer disk Inconsistent, 43.1% synced"


def test_standalone_is_failed():
    findings = health.drbd_findings(drbd9_status("status-json-standalone-splitbrain.json"))
    assert health.verdict(findings) == health.FAILED
    assert any("split brain suspected" in r for _, r in findings)


def test_peer_down_is_degraded():
    findings = health.drbd_findings(drbd9_status("status-json-connecting.json"))
    assert health.verdict(findings) == health.DEGRADED
    assert findings[0][1] == "vm1 peer node-b Connecting: not replicating"


def test_healthy_cluster_and_guest():
    status = crm_mon()
    findings = health.cluster_findings(status) + health.guest_findings(status, {}, "node-1", config.domain_of)
    assert health.verdict(findings) == health.HEALTHY


def test_guest_on_the_wrong_node_is_failed():
    status = crm_mon()
    status["resources"]["rsc_kvm_havm"]["nodes"] = ["node-2"]
    findings = health.guest_findings(status, {}, "node-1", config.domain_of)
    assert (health.FAILED, "VM rsc_kvm_havm running on node-2 but DRBD Primary is node-1") in findings


def test_guest_running_in_local_libvirt_but_placed_elsewhere_is_failed():
    status = crm_mon()
    findings = health.guest_findings(status, {"havm": "running"}, "node-2", config.domain_of)
    assert health.verdict(findings) == health.FAILED


def test_offline_node_is_degraded():
    status = crm_mon()
    status["nodes"]["node-2"]["online"] = False
    assert (health.DEGRADED, "node node-2 is offline") in health.cluster_findings(status)


def test_no_stonith_is_only_a_warning():
    status = crm_mon()
    status["stonith_enabled"] = False
    findings = health.cluster_findings(status)
    assert health.verdict(findings) == health.HEALTHY
    assert findings[0][0] == health.WARNING


def test_verdicts_on_captured_cluster_states():
    def cluster_verdict(fixture):
        findings = health.cluster_findings(crm_mon(fixture))
        return health.verdict(findings), [r for _, r in findings]

    verdict, reasons = cluster_verdict("crm_mon-node-1-unclean.xml")
    assert verdict == health.FAILED and "node node-1 is UNCLEAN (needs fencing)" in reasons
    verdict, reasons = cluster_verdict("crm_mon-failed-bad-config.xml")
    assert verdict == health.DEGRADED
    assert any(r.startswith("failed action rsc_kvm_broken_start_0 on node-1: not installed") for r in reasons)
    verdict, reasons = cluster_verdict("crm_mon-standby-node-1.xml")
    assert verdict == health.DEGRADED and "node node-1 is in standby" in reasons
    verdict, reasons = cluster_verdict("crm_mon-fence-history-failed-then-ok.xml")
    assert "node-2 was fenced (reboot) at 2026-11-25 19:40:38Z" in reasons


def test_a_guest_is_checked_against_its_own_clone_when_pillar_names_it():
    status = crm_mon()
    assert health.guest_findings(status, {}, "node-1", config.domain_of, {"rsc_kvm_havm": "ms_drbd_res0"}) == []
    (finding,) = health.guest_findings(status, {}, "node-1", config.domain_of, {"rsc_kvm_havm": "ms_drbd_other"})
    assert finding == (health.FAILED, "VM rsc_kvm_havm running on node-1 but DRBD Primary is nowhere")


def views(**changed):
    return {"drbd": drbd9_status("status-json-connected-uptodate.json"), "cluster": crm_mon(), "libvirt": {}, **changed}


def test_report_of_a_healthy_node():
    report = health.report("node-1", views(), {}, config.domain_of)
    assert report == {
        "node": "node-1",
        "verdict": health.HEALTHY,
        "reasons": [],
        "warnings": [],
        **views(),
        "errors": {},
    }


def test_report_names_a_view_it_could_not_read_and_keeps_every_error():
    errors = {"cluster": "crm_mon failed", "drbd:vm1:generation_ids": "drbdsetup failed"}
    report = health.report("node-1", views(cluster=None), errors, config.domain_of)
    assert report["verdict"] == health.FAILED
    assert report["reasons"] == ["cannot read the cluster: crm_mon failed"]
    assert report["cluster"] is None and report["errors"] == errors


def test_report_keeps_warnings_apart_from_reasons():
    without_stonith = dict(crm_mon(), stonith_enabled=False)
    report = health.report("node-1", views(cluster=without_stonith), {}, config.domain_of)
    assert report["verdict"] == health.HEALTHY and report["reasons"] == []
    assert report["warnings"] == ["STONITH is disabled: only DRBD resource-level fencing protects the data"]


def test_report_checks_the_guests_against_this_nodes_libvirt():
    report = health.report("node-2", views(libvirt={"havm": "running"}), {}, config.domain_of)
    assert report["verdict"] == health.FAILED
    assert "domain havm runs in this node's libvirt but the cluster does not place it here" in report["reasons"]
