"""The fencing rules (_utils/drbdha_fencing.py): timeouts, what each mode writes, and its checks."""

import copy
import pathlib

import pytest
import yaml
from helpers import ROOT, load_file

fencing = load_file("_utils", "drbdha_fencing")

GOOD = ROOT / "test" / "pillar" / "good"


def config(name):
    return yaml.safe_load(pathlib.Path(GOOD / name).read_text())["drbdha"]


def with_stonith(base, **stonith):
    changed = copy.deepcopy(base)
    changed["cluster"]["stonith"] = stonith
    return changed


SBD = config("sbd-qdevice.yaml")
IPMI = config("ipmi-qdevice.yaml")
NONE = config("minimal-drbd84.yaml")


def test_sbd_timeouts_follow_suses_rules():
    # watchdog 25 s: stonith-watchdog-timeout twice that, stonith-timeout above it.
    props = fencing.cluster_properties(SBD)
    assert props == {"stonith-enabled": "true", "stonith-watchdog-timeout": "50s", "stonith-timeout": "60s"}
    watchdog = SBD["cluster"]["stonith"]["sbd"]["watchdog_timeout"]
    assert int(props["stonith-watchdog-timeout"][:-1]) >= 2 * watchdog
    assert int(props["stonith-timeout"][:-1]) > int(props["stonith-watchdog-timeout"][:-1])


def test_ipmi_gets_a_priority_fencing_delay_and_guests_a_priority():
    props = fencing.cluster_properties(IPMI)
    assert props == {"stonith-enabled": "true", "stonith-timeout": "70s", "priority-fencing-delay": "10s"}
    assert fencing.guest_meta(IPMI) == {"priority": "10"}
    assert fencing.guest_meta(SBD) == {} and fencing.guest_meta(NONE) == {}


def test_no_fencing_turns_stonith_off():
    assert fencing.cluster_properties(NONE) == {"stonith-enabled": "false"}


@pytest.mark.parametrize(
    ("settings", "policy"), [(NONE, "resource-only"), (SBD, "resource-and-stonith"), (IPMI, "resource-and-stonith")]
)
def test_drbd_freezes_io_only_with_node_fencing(settings, policy):
    assert fencing.drbd_fencing_policy(settings) == policy


def test_the_quorum_section_text_has_the_device_or_two_node():
    with_device = fencing.plan(SBD, "node-1")["quorum_section"]
    assert "two_node" not in with_device and "host: " + SBD["cluster"]["qdevice"]["host"] in with_device
    assert "    two_node: 1\n" in fencing.plan(NONE, "node-1")["quorum_section"]
    assert "device {" not in fencing.plan(NONE, "node-1")["quorum_section"]


def test_the_quorum_device_replaces_two_node():
    assert fencing.corosync_quorum(NONE) == {"two_node": True, "device": None}
    quorum = fencing.corosync_quorum(SBD)
    assert quorum["two_node"] is False
    assert quorum["device"] == {
        "host": "10.0.2.100",
        "port": 45540,
        "qnetd_minion": "qnetd",
        "algorithm": "ffsplit",
        "tie_breaker": "lowest",
        "timeout": 10000,
        "sync_timeout": 20000,
    }


def test_sbd_config_is_diskless_with_the_pillars_watchdog():
    text = fencing.sbd_config_text(SBD)
    lines = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    assert "SBD_DEVICE" not in lines
    assert lines["SBD_WATCHDOG_DEV"] == "/dev/watchdog" and lines["SBD_WATCHDOG_TIMEOUT"] == "25"
    assert lines["SBD_PACEMAKER"] == "yes"


def test_the_bmc_password_stays_out_of_the_cib_objects():
    objects = fencing.ipmi_objects(IPMI)
    text = "\n".join(objects)
    for node, entry in IPMI["cluster"]["stonith"]["ipmi"].items():
        assert entry["password"] not in text
        assert f'password_script="cat {fencing.fence_secret_path(node)}"' in text
        assert f"location loc_stonith_{node}_elsewhere stonith_{node} -inf: {node}" in objects
    assert "ipport=9011" in text and "lanplus=0" in text
    # node-2's BMC names its cipher suite, node-1's leaves it to ipmitool.
    assert objects[0].count("cipher=") == 0 and "lanplus=0 cipher=3 " in objects[2]


def test_the_bmc_status_request_carries_the_password_on_stdin_only():
    entry = IPMI["cluster"]["stonith"]["ipmi"]["node-1"]
    request = fencing.ipmi_status_request(entry)
    assert request.splitlines() == [
        "ip=127.0.0.1",
        "ipport=9011",
        "username=admin",
        "lanplus=1",
        "password=bmc-secret-1",
        "action=status",
    ]


def test_the_plan_names_packages_and_secret_files_but_no_secret():
    plan = fencing.plan(
        dict(IPMI, packages={"ipmi": ["fence-agents", "ipmitool"], "qdevice": ["corosync-qdevice"]}), "node-1"
    )
    assert plan["packages"] == ["fence-agents", "ipmitool", "corosync-qdevice"]
    # node-1 fences node-2 only: it holds node-2's BMC password, not its own.
    assert list(plan["ipmi_secrets"]) == ["node-2"]
    assert plan["ipmi_secrets"]["node-2"] == {
        "path": "/etc/drbdha/fencing/ipmi-node-2",
        "pillar_key": "drbdha:cluster:stonith:ipmi:node-2:password",
    }
    assert "bmc-secret" not in repr(plan)
    sbd = fencing.plan(dict(SBD, packages={"sbd": ["sbd"], "qdevice": ["corosync-qdevice"]}), "node-1")
    assert sbd["packages"] == ["sbd", "corosync-qdevice"] and sbd["sbd"]["module"] == "i6300esb"
    assert sbd["sbd"]["software"] is False


def test_softdog_is_only_a_stated_fallback():
    soft = copy.deepcopy(SBD)
    soft["cluster"]["stonith"]["sbd"]["watchdog_module"] = "softdog"
    assert fencing.problems(soft) == []
    assert fencing.watchdog_is_software(soft) is True


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, []),
        ({"watchdog": "no driver"}, ["no driver"]),
        ({"peer_bmc": "no answer", "qnetd_probe": "unreachable"}, ["no answer", "unreachable"]),
    ],
)
def test_preflight_reports_the_fencing_facts(facts, expected):
    assert fencing.preflight_problems(SBD, facts) == expected


def test_preflight_refuses_no_fencing_without_the_waiver_and_says_what_is_lost():
    (problem,) = fencing.preflight_problems(with_stonith(NONE, mode="none"), {})
    assert "acknowledged writes are lost" in problem and "accept_no_fencing: true" in problem
    assert fencing.preflight_problems(with_stonith(NONE, mode="none", accept_no_fencing=True), {}) == []
