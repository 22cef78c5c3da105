"""
The formula in the full-tier lab, from blank disks: the orchestrated rollout
converges, drbdha.status is healthy on both nodes, the guest runs on DRBD, a
second apply changes nothing and test=True predicts nothing, the move
orchestration moves the guest and leaves no constraint, and a hard power-off
of the guest's node loses no acknowledged write.

Skipped unless DRBDHA_LAB=1. Runs after test_lab.py (alphabetical order) on
the same lab; resets it first so the rollout starts from blank disks. The
move and power-off drills are marked ``drill``: `make test-drills` runs them
(not yet part of `make test`).
"""

import json
import os
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "lab")
REPORT = os.path.join(HERE, "guest", "ack-report")
RUN = os.environ.get("DRBDHA_LAB_DIR", "/var/tmp/drbdha-lab")
NODES = ("node-1", "node-2")
GUEST, RESOURCE = "havm", "rsc_kvm_havm"

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.environ.get("DRBDHA_LAB") != "1", reason="full-tier lab: set DRBDHA_LAB=1"),
]


def lab(*args, timeout=900, check=True):
    result = subprocess.run([LAB, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"lab {' '.join(args)} -> rc={result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def salt_json(*args, timeout=900):
    out = lab("salt", "--out=json", "--static", "-t", str(timeout), *args, timeout=timeout + 60, check=False)
    return json.loads(out.stdout or "{}"), out


def state_changes(ret):
    """{minion: [ids of states that changed or would change]} of a state.apply --out=json answer."""
    changed = {}
    for minion, states in ret.items():
        assert isinstance(states, dict), f"{minion}: {states}"
        changed[minion] = sorted(s["__id__"] for s in states.values() if s.get("changes") or s.get("result") is None)
    return changed


def status(node):
    ret, out = salt_json(node, "drbdha.status", timeout=180)
    assert node in ret, out.stdout + out.stderr
    return ret[node]


def wait_for(predicate, timeout, what, interval=5):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        ok, last = predicate()
        if ok:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last}")


def guest_node():
    cluster = status("node-1")["cluster"] or {}
    nodes = cluster.get("resources", {}).get(RESOURCE, {}).get("nodes", [])
    return nodes[0] if len(nodes) == 1 else None


def ack_report():
    out = subprocess.run([REPORT, os.path.join(RUN, "acks.log")], capture_output=True, text=True, check=False)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def rolled_out():
    lab("reset", timeout=900)
    lab("up", timeout=2700)
    lab("salt", "*", "saltutil.sync_all", "-t", "300", timeout=400)
    # The lab's guest program, which its domain XML boots (salt://lab/ is the lab's own file root).
    lab(
        "salt",
        "*",
        "cp.get_file",
        "salt://lab/havm-bare.elf",
        "/var/lib/havm/havm-bare.elf",
        "makedirs=True",
        "-t",
        "120",
        timeout=200,
    )
    started = time.monotonic()
    out = lab("salt-run", "state.orchestrate", "drbdha.orch.deploy", timeout=3600, check=False)
    assert out.returncode == 0, out.stdout[-20000:] + out.stderr[-5000:]
    print(f"rollout took {time.monotonic() - started:.0f} s")
    yield
    if os.environ.get("DRBDHA_LAB_KEEP") != "1":
        lab("down", timeout=900)


def test_status_is_healthy_on_both_nodes(rolled_out):
    for node in NODES:
        view = wait_for(lambda n=node: ((s := status(n))["verdict"] == "healthy", s), 600, f"{node} healthy")
        assert view["drbd"]["res0"]["disk"] == "UpToDate"
        (peer,) = view["drbd"]["res0"]["peers"].values()
        assert peer["connection"] == "Connected" and peer["peer_disk"] == "UpToDate"


def test_guest_runs_on_the_drbd_device(rolled_out):
    node = wait_for(lambda: ((n := guest_node()) is not None, n), 600, "the guest to run")
    blk = lab("exec", node, "virsh", "domblklist", GUEST, timeout=300).stdout
    assert "/dev/drbd0" in blk
    assert status(node)["drbd"]["res0"]["role"] == "Primary"
    report = wait_for(lambda: (((r := ack_report())["last_ack"] or 0) > 0, r), 600, "the guest's first ACK")
    assert report["ok"], report


def test_second_apply_changes_nothing_and_test_mode_predicts_nothing(rolled_out):
    ret, out = salt_json("*", "state.apply", "drbdha", timeout=1800)
    assert state_changes(ret) == {n: [] for n in NODES}, out.stdout[-20000:]
    ret, out = salt_json("*", "state.apply", "drbdha", "test=True", timeout=1800)
    assert state_changes(ret) == {n: [] for n in NODES}, out.stdout[-20000:]


@pytest.mark.drill
def test_move_and_back_leaves_no_constraint(rolled_out):
    start = guest_node()
    other = next(n for n in NODES if n != start)
    for target in (other, start):
        pillar = json.dumps({"vm": GUEST, "to": target})
        out = lab("salt-run", "state.orchestrate", "drbdha.orch.move", f"pillar={pillar}", timeout=2400, check=False)
        assert out.returncode == 0, out.stdout[-10000:]
        assert guest_node() == target
    constraints, _ = salt_json("node-1", "crmsh.constraints")
    assert constraints["node-1"]["leftovers"] == []


@pytest.mark.drill
def test_hard_power_off_loses_no_acknowledged_write(rolled_out):
    victim = guest_node()
    survivor = next(n for n in NODES if n != victim)
    before = ack_report()["last_ack"]
    assert before, "the guest has acknowledged no write yet"
    killed = time.monotonic()
    lab("kill", victim)
    wait_for(lambda: ((n := guest_node_from(survivor)) == survivor, n), 1200, f"the guest on {survivor}")
    report = wait_for(
        lambda: ((r := ack_report())["last_found"] is not None and r["last_found"] >= before, r),
        900,
        "the guest's FOUND line after the failover",
    )
    print(f"guest running again {time.monotonic() - killed:.0f} s after the power-off")
    assert report["ok"], report
    lab("start", victim, "--salt", timeout=900)


def guest_node_from(node):
    cluster = status(node)["cluster"] or {}
    nodes = cluster.get("resources", {}).get(RESOURCE, {}).get("nodes", [])
    return nodes[0] if len(nodes) == 1 else None
