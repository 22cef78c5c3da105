"""The runner's checks that need both nodes (_runners/drbdha.py): the status views and the pre-flight facts."""

import copy

import pytest
from helpers import STANDALONE_84, crm_mon, drbd9_status, drbd84_status, fixture_text, load_file, loader_dunders

runner = load_file("_runners", "drbdha")
drbd = load_file("_utils", "drbdha_drbd")


@pytest.fixture
def configure_loader_modules():
    return {runner: loader_dunders()}


def two_views():
    healthy = crm_mon()
    node1 = {
        "drbd": drbd9_status("status-json-connected-uptodate.json"),
        "cluster": healthy,
        "libvirt": {"havm": "running"},
    }
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


FACTS = {
    "node": "node-1",
    "hostname": "node-1",
    "driver": "8.4",
    "devices": {"res0": {"path": "/dev/vdb", "size": 268435456}},
    "resolves": {"node-1": ["192.168.98.71"], "node-2": ["192.168.98.72"]},
    "peer_probe": None,
    "time": 1764110000.0,
}


def pair(size_2=268435456, time_2=1764110000.5):
    node_2 = dict(copy.deepcopy(FACTS), node="node-2", time=time_2)
    node_2["devices"]["res0"]["size"] = size_2
    return {"node-1": copy.deepcopy(FACTS), "node-2": node_2}


def test_pair_of_equal_devices_and_close_clocks_passes():
    assert runner.pair_problems(pair(), {"res0"}, max_skew=5, uncertainty=2.0) == []


def test_pair_with_unequal_devices_is_refused():
    (problem,) = runner.pair_problems(pair(size_2=134217728), {"res0"}, max_skew=5, uncertainty=2.0)
    assert problem.startswith("res0: the backing devices differ in size (node-1 268435456 bytes, node-2 134217728")


def test_clock_skew_counts_only_beyond_the_measurement_uncertainty():
    assert runner.pair_problems(pair(time_2=1764110006.0), {"res0"}, max_skew=5, uncertainty=2.0) == []
    (problem,) = runner.pair_problems(pair(time_2=1764110030.0), {"res0"}, max_skew=5, uncertainty=2.0)
    assert "at least 28.0 s apart (limit 5 s" in problem


# ------------------------------------------------------------- split brain --


def gi(fixture):
    return drbd.parse_generation_ids(fixture_text("drbd", "8.4.11", fixture))


def standalone_view(node, scenario, role):
    res = dict(drbd84_status(*STANDALONE_84), role=role, generation_ids=gi(f"{scenario}-{node}-get-gi.txt"))
    return {"drbd": {"res0": res}, "cluster": None, "libvirt": {}}


def test_the_runner_reports_a_split_brain_with_what_each_node_holds():
    views = {
        "node-1": standalone_view("node-1", "splitbrain", "Primary"),
        "node-2": standalone_view("node-2", "splitbrain", "Secondary"),
    }
    ((severity, reason),) = runner.split_brains(views)
    assert severity == runner.FAILED
    assert reason.startswith(
        "res0: split brain: node-1 (Primary, UpToDate, generation E0897FD0DFA3A44D) and node-2 "
        "(Secondary, UpToDate, generation 8983F1E0544865E4) each hold writes the other lacks."
    )
    assert "drbdha.orch.splitbrain" in reason


def test_the_runner_says_which_side_is_ahead_when_nothing_forked():
    views = {
        "node-1": standalone_view("node-1", "disconnected", "Primary"),
        "node-2": standalone_view("node-2", "disconnected", "Secondary"),
    }
    assert runner.split_brains(views) == [
        (runner.DEGRADED, "res0: node-1 has newer data than node-2; node-2 resyncs from it when they reconnect")
    ]
