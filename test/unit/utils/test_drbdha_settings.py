"""The settings rules (_utils/drbdha_settings.py): what follows from the pillar for one minion."""

import copy

import yaml
from helpers import ROOT, load_file
from salt.utils.dictupdate import merge

derived = load_file("_utils", "drbdha_settings")

EXAMPLE = yaml.safe_load((ROOT / "pillar.example").read_text())["drbdha"]
QDEVICE = yaml.safe_load((ROOT / "test" / "pillar" / "good" / "sbd-qdevice.yaml").read_text())["drbdha"]


def test_derived_settings():
    s = derived.derive_settings(EXAMPLE, "node-1", 9)
    assert s["first_node"] == "node-1" and s["is_first_node"] and s["peer_node"] == "node-2"
    assert s["drbd"]["resources"]["res0"]["disks"] == {"node-1": "/dev/sda4", "node-2": "/dev/sda4"}
    assert s["this_node"] == "node-1" and s["drbd_major"] == 9 and not s["is_qnetd"]


def test_the_first_node_is_the_pillars_else_the_one_with_the_lowest_id_whatever_the_names():
    config = copy.deepcopy(EXAMPLE)
    assert derived.first_node_of(config) == "node-1"
    del config["first_node"]
    config["nodes"]["node-1"]["id"], config["nodes"]["node-2"]["id"] = 1, 0
    assert derived.first_node_of(config) == "node-2"
    assert derived.derive_settings(config, "node-1", 9)["first_node"] == "node-2"
    assert derived.derive_settings(config, "node-2", 9)["is_first_node"] is True


def test_the_orchestrations_plan_takes_its_timeouts_from_the_defaults():
    defaults = yaml.safe_load((ROOT / "drbdha" / "defaults.yaml").read_text())["drbdha"]
    plan = derived.pair_plan(merge(defaults, EXAMPLE, merge_lists=False))
    assert plan == {
        "nodes": ["node-1", "node-2"],
        "first_node": "node-1",
        "step_timeout": EXAMPLE["orchestrate"]["step_timeout"],
        "sync_timeout": defaults["drbd"]["sync_timeout"],
    }


def test_the_second_node_and_the_quorum_host():
    second = derived.derive_settings(EXAMPLE, "node-2", 8)
    assert second["first_node"] == "node-1" and not second["is_first_node"] and second["peer_node"] == "node-1"
    qnetd = QDEVICE["cluster"]["qdevice"]["qnetd_minion"]
    host = derived.derive_settings(QDEVICE, qnetd, 9)
    assert host["is_qnetd"] and host["peer_node"] is None


def test_only_the_nodes_and_the_quorum_host_have_a_role():
    assert derived.role_problem(EXAMPLE, "node-2") is None
    assert derived.role_problem(QDEVICE, QDEVICE["cluster"]["qdevice"]["qnetd_minion"]) is None
    problem = derived.role_problem(EXAMPLE, "salt-master")
    assert problem == (
        "drbdha:nodes: this minion (salt-master) is not one of the nodes (node-1, node-2) "
        "nor the quorum host (drbdha:cluster:qdevice:qnetd_minion)"
    )


def test_the_drbd_version_is_the_pillars_else_the_loaded_drivers_else_the_default():
    def major(drbd, loaded):
        return derived.drbd_major_of({"drbd": drbd}, loaded)

    assert major({"version": "8"}, (9, 2, 4)) == 8
    assert major({}, (8, 4, 11)) == 8
    assert major({"default_version": 8}, None) == 8
    assert major({}, None) == 9
