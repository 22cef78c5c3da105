"""
Split brain: the state that ends one (only for the node the operator names,
never while it is Primary, recording what it gives up), the wait for a
running resync, from DRBD 8.4.11 status captured in the lab.
"""

import pytest
from helpers import ROOT, Recorder, fixture_text, load_file, use, utils_dunder

drbd_state = load_file("_states", "drbdadm")
drbdadm = load_file("_modules", "drbdadm")
drbd = load_file("_utils", "drbdha_drbd")
for module in (drbd_state, drbdadm):
    module.__utils__ = utils_dunder()
D84 = ("drbd", "8.4.11")
FIXTURES = ROOT / "test" / "fixtures" / "drbd" / "8.4.11"


def status_84(status_file, proc_file):
    resources = drbd.parse_status_text(fixture_text(*D84, status_file))
    for volume in resources["res0"]["volumes"]:
        # drbdadm status names no minor; the verbose status the module runs does (res0 is minor 0).
        volume["minor"] = 0 if volume["minor"] is None else volume["minor"]
    return drbd.merge_proc_drbd(resources, drbd.parse_proc_drbd(fixture_text(*D84, proc_file)))["res0"]


STANDALONE = ("drbdadm-status-splitbrain-node-2.txt", "proc-drbd-splitbrain-node-2.txt")
CONNECTED = ("drbdsetup-status-verbose-primary.txt", "proc-drbd-primary-connected.txt")


@pytest.mark.parametrize(
    ("this_node", "role", "action"),
    [
        ("node-2", "Secondary", "discard"),
        ("node-2", "Primary", "refuse"),
        ("node-1", "Secondary", "connect"),
    ],
)
def test_split_brain_plan_for_each_side(this_node, role, action):
    status = dict(status_84(*STANDALONE), role=role)
    assert drbd_state.plan_split_brain_step(status, this_node, discard="node-2")[0] == action


def test_a_connected_resource_has_no_split_brain_to_resolve():
    status = status_84(*CONNECTED)
    assert drbd_state.plan_split_brain_step(status, "node-2", discard="node-2")[0] == "nothing"


def gi_fake(name):
    return {"current": "1A2B3C4D5E6F7081", "bitmap": "0", "history": [], "flags": [], "text": "..."}


@pytest.mark.parametrize("test_mode", [True, False])
def test_the_discarded_side_records_its_generations_then_reconnects(test_mode):
    record = "/var/lib/drbdha/discarded/res0-20261204T180000Z.json"
    salt = Recorder(
        drbdadm__status=lambda name, **_: {"res0": status_84(*STANDALONE)},
        drbdadm__generation_ids=gi_fake,
        drbdadm__discard_record_path=lambda name: record,
        drbdadm__discard_my_data=None,
    )
    use(drbd_state, salt, test=test_mode)
    drbd_state.__grains__ = {"id": "node-2"}
    ret = drbd_state.split_brain_resolved("res0", discard="node-2")
    assert ret["result"] is (None if test_mode else True), ret
    assert ret["changes"]["discarded"] == {"node": "node-2", "generation": "1A2B3C4D5E6F7081", "record": record}
    writes = [c for c in salt.calls if c[0] == "drbdadm.discard_my_data"]
    assert writes == ([] if test_mode else [("drbdadm.discard_my_data", ("res0", record), {})])


def test_the_discarded_side_is_refused_while_primary():
    status = dict(status_84(*STANDALONE), role="Primary")
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": status}, drbdadm__connect=None)
    use(drbd_state, salt)
    drbd_state.__grains__ = {"id": "node-2"}
    ret = drbd_state.split_brain_resolved("res0", discard="node-2")
    assert ret["result"] is False and "this node is Primary" in ret["comment"]
    assert salt.names() == ["drbdadm.status"]


def test_the_kept_side_reconnects_without_discarding():
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": status_84(*STANDALONE)}, drbdadm__connect=None)
    use(drbd_state, salt)
    drbd_state.__grains__ = {"id": "node-1"}
    ret = drbd_state.split_brain_resolved("res0", discard="node-2")
    assert ret["result"] is True
    assert ("drbdadm.connect", ("res0",), {}) in salt.calls


def test_a_converged_apply_passes_when_no_resync_runs():
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": status_84(*CONNECTED)})
    use(drbd_state, salt)
    ret = drbd_state.synced("res0", only_running=True)
    assert ret == {"name": "res0", "changes": {}, "result": True, "comment": "res0: no resync running."}


def test_an_apply_during_a_resync_waits_for_it_with_progress():
    states = iter(
        [
            status_84("drbdsetup-status-verbose-syncsource.txt", "proc-drbd-syncsource.txt"),
            status_84("drbdsetup-status-verbose-syncsource.txt", "proc-drbd-syncsource.txt"),
            status_84(*CONNECTED),
        ]
    )
    events = []
    salt = Recorder(
        drbdadm__status=lambda name, **_: {"res0": next(states)},
        event__fire=lambda data, tag: events.append((tag, data)),
    )
    use(drbd_state, salt)
    ret = drbd_state.synced("res0", only_running=True, interval=0)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"].startswith("res0 is UpToDate on both nodes (waited")
    assert events and events[0][0] == "drbdha/sync/res0" and events[0][1]["percent"] is not None


# ------------------------------------------------ generation identifiers --

runner = load_file("_runners", "drbdha")
runner.__utils__ = utils_dunder()
util = utils_dunder()


def gi(fixture):
    return drbd.parse_generation_ids(fixture_text(*D84, fixture))


def test_get_gi_is_parsed():
    parsed = gi("splitbrain-node-2-get-gi.txt")
    assert parsed == {
        "current": "8983F1E0544865E4",
        "bitmap": "FCEA00C6F335A4AD",
        "history": ["0000000000000000", "0000000000000000"],
        "flags": [1, 1, 0, 0, 0, 1, 0],
    }
    assert drbd.parse_generation_ids("") is None


@pytest.mark.parametrize(
    ("scenario", "relation"),
    [
        ("healthy", "same"),  # the Primary's current differs only in its lowest bit
        ("disconnected", "mine_newer"),  # node-1 wrote on alone; node-2 is where node-1 was
        ("splitbrain", "diverged"),  # both were Primary apart
        ("recovered", "same"),
    ],
)
def test_generations_tell_a_split_brain_from_one_side_ahead(scenario, relation):
    node_1, node_2 = gi(f"{scenario}-node-1-get-gi.txt"), gi(f"{scenario}-node-2-get-gi.txt")
    assert util["drbdha_util.compare_generations"](node_1, node_2) == relation
    mirrored = {"mine_newer": "theirs_newer"}.get(relation, relation)
    assert util["drbdha_util.compare_generations"](node_2, node_1) == mirrored


def standalone_view(node, scenario, role):
    res = dict(status_84(*STANDALONE), role=role, generation_ids=gi(f"{scenario}-{node}-get-gi.txt"))
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


def test_an_apply_with_the_peer_away_says_what_is_pending():
    salt = Recorder(drbdadm__status=lambda name, **_: {"res0": status_84(*STANDALONE)})
    use(drbd_state, salt)
    ret = drbd_state.synced("res0", only_running=True)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"].startswith("res0: the peer is not connected (StandAlone); pending: it resyncs")


def test_a_standalone_peer_keeps_what_proc_drbd_last_knew_of_its_disk():
    # node-1 (the survivor) saw node-2 outdate itself before the split brain dropped the connection.
    resources = drbd.parse_status_text(fixture_text(*D84, "splitbrain-node-1-drbdsetup-status-verbose.txt"))
    proc = drbd.parse_proc_drbd(fixture_text(*D84, "splitbrain-node-1-proc-drbd.txt"))
    peer = drbd.merge_proc_drbd(resources, proc)["res0"]["peers"]["peer"]
    assert peer["connection"] == "StandAlone" and peer["peer_disk"] == "Outdated"


def test_status_is_asked_once_per_job_until_drbd_is_changed(monkeypatch):
    """A state run asks DRBD's status once; a DRBD command or fresh=True asks again."""
    monkeypatch.setattr(drbdadm, "kernel_version", lambda: (8, 4))
    monkeypatch.setattr(drbdadm, "PROC_DRBD", str(FIXTURES / "proc-drbd-primary-connected.txt"))
    verbose = fixture_text(*D84, "drbdsetup-status-verbose-primary.txt")
    runs = []

    def run_all(argv, **_):
        runs.append(argv[:2])
        return {"retcode": 0, "stdout": verbose if argv[:2] == ["drbdsetup", "status"] else "", "stderr": ""}

    drbdadm.__salt__ = {"cmd.run_all": run_all}
    drbdadm.__opts__ = {}
    drbdadm.__context__ = {}
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

    drbdadm.__salt__ = {"cmd.run_all": run_all}
    drbdadm.__opts__ = {}
    with pytest.raises(drbdadm.CommandExecutionError, match="drbdmeta found existing data where res0's metadata"):
        drbdadm.create_md("res0")
