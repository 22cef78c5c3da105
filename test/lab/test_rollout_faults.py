"""
Fault drills on the rolled-out lab (after test_rollout.py, same session
rollout), each with the guest writing its acknowledged counter:

- replication link cut while Primary: DRBD's resource-level fencing forbids
  promoting the Secondary, nothing forks; heal -> resync -> the fencing
  constraint is gone;
- hung node (frozen until the peer runs the guest, then woken): it is reset
  and writes nothing more;
- reboot of the Secondary: it rejoins and resyncs; a re-apply changes nothing;
- state.apply during a resync: it waits for the resync (progress events) and
  changes nothing;
- a real split brain: the runner reports it with what each node holds; the
  recovery refuses to discard the Primary's writes, then discards the named
  Secondary's after recording its generations, and ends UpToDate on both.

After every drill no acknowledged write is lost. Marked ``drill``:
`make test-drills` runs them (DRBDHA_LAB=1).
"""

import json
import time

import pytest
from labdriver import (
    DRBD,
    LAB_ONLY,
    MINIONS,
    NODES,
    ack_report,
    acks_grow,
    boot_id,
    failed_states,
    guest_node,
    healthy_pair,
    lab,
    leftover_constraints,
    logged_commands,
    on,
    pair_status,
    rebooted,
    salt_json,
    settled_pair,
    state_changes,
    status,
    wait_for,
)

pytestmark = [
    pytest.mark.lab,
    pytest.mark.drill,
    LAB_ONLY,
]
FENCE_PREFIX = "drbd-fence-by-handler-"


@pytest.fixture
def settled(rolled_out):
    """Each drill starts from a healthy pair with the guest writing; returns (primary, secondary)."""
    return settled_pair()


def fences():
    """The fence-peer handler's constraints now in the CIB."""
    return [c for c in leftover_constraints() if c.startswith(FENCE_PREFIX)]


def split_brain_reasons():
    return [r for r in pair_status()["reasons"] if "split brain:" in r]


def peer_of(view):
    (peer,) = view["drbd"][DRBD]["peers"].values()
    return peer


def test_link_cut_fences_the_secondary_and_heal_resyncs(settled):
    primary, secondary = settled
    cut = time.monotonic()
    lab("cut")
    try:
        placed = wait_for(lambda: (bool(f := fences()), f), 300, "the fence-peer handler's constraint")
        print(f"link cut: fencing constraint {placed} after {time.monotonic() - cut:.0f} s")
        assert status(primary)["drbd"][DRBD]["role"] == "Primary"
        assert status(secondary)["drbd"][DRBD]["role"] == "Secondary"
        assert split_brain_reasons() == []
        acks_grow()  # the guest keeps writing on the Primary meanwhile
    finally:
        lab("heal")
    healed = time.monotonic()
    healthy_pair()
    wait_for(lambda: (not (f := fences()), f), 600, "the fencing constraint to be removed")
    print(f"heal: both UpToDate and the constraint removed {time.monotonic() - healed:.0f} s after heal")
    assert guest_node() == primary
    assert ack_report()["ok"]


def test_hung_node_is_reset_when_it_wakes_and_the_guest_runs_once(settled):
    """
    The guest's node hangs (its qemu stopped) until the peer runs the guest,
    then wakes up. Its clocks catch up at once, so its watchdog fires as a
    hardware one that kept counting would have: the woken node is reset and
    acknowledges no write on its own; no acknowledged write is lost.
    """
    primary, secondary = settled
    boots = {node: boot_id(node) for node in NODES}
    lab("freeze", primary)
    frozen = time.monotonic()
    try:
        wait_for(lambda: ((n := guest_node(secondary)) == secondary, n), 900, f"the guest to run on {secondary}")
        print(f"hung node: the guest ran on {secondary} {time.monotonic() - frozen:.0f} s after {primary} hung")
        acks_grow()
    finally:
        lab("thaw", primary)
    woken = time.monotonic()
    wait_for(lambda: (rebooted(primary, boots[primary]), "same boot"), 600, f"{primary} to be reset")
    print(f"hung node: {primary} reset {time.monotonic() - woken:.0f} s after it woke")
    assert not rebooted(secondary, boots[secondary]), f"{secondary} was reset too"
    report = ack_report()
    assert report["concurrent"] == [] and report["ok"], report
    view = healthy_pair()
    assert view["verdict"] == "healthy", view["reasons"]
    assert guest_node() == secondary
    assert ack_report()["ok"]


def test_reboot_of_the_secondary_rejoins_and_a_reapply_changes_nothing(settled):
    primary, secondary = settled
    rebooted = time.monotonic()
    on(secondary, "systemctl", "reboot", check=False)
    time.sleep(20)  # the agent still answers until systemd takes it down; the lab's wait needs it gone first
    lab("wait", secondary, "--salt", timeout=1200)
    view = healthy_pair()
    print(f"reboot of {secondary}: pair healthy again after {time.monotonic() - rebooted:.0f} s")
    assert view["verdict"] == "healthy", view["reasons"]
    ret, out = salt_json("*", "state.apply", "drbdha", timeout=1800)
    assert failed_states(ret) == {n: [] for n in MINIONS}, out.stdout[-20000:]
    assert state_changes(ret) == {n: [] for n in MINIONS}, out.stdout[-20000:]
    assert guest_node() == primary and ack_report()["ok"]


def test_apply_during_a_resync_waits_for_it_and_changes_nothing(settled):
    primary, secondary = settled
    for node in NODES:  # slow the resync so the apply meets it (restored by adjust below)
        on(node, "drbdadm", "disk-options", "--c-plan-ahead=0", "--resync-rate=2M", DRBD)
    try:
        on(secondary, "drbdadm", "invalidate", DRBD)  # a full resync from the Primary
        wait_for(
            lambda: ((p := peer_of(status(secondary)))["replication"] == "SyncTarget", p), 120, "the resync to start"
        )
        # Guard: no forced Primary on a node that is behind. Its peer is Primary here, so the state
        # does nothing at all ("already has a Primary"); the refusal for
        # a peer that is UpToDate but not Primary is unit-tested (test_states.py).
        logged_before = len(logged_commands(secondary))
        refused, raw = salt_json(secondary, "state.single", "drbdadm.initial_primary", "name=res0", timeout=600)
        (forced,) = refused[secondary].values()
        assert forced["changes"] == {}, raw.stdout
        assert any(
            text in forced["comment"]
            for text in ("the resource already has a Primary", "forcing Primary here would overwrite the peer's data")
        ), forced
        assert not [argv for argv in logged_commands(secondary)[logged_before:] if argv[:2] == ["drbdadm", "primary"]]
        ret, out = salt_json("*", "state.apply", "drbdha", timeout=3000)
        assert failed_states(ret) == {n: [] for n in MINIONS}, out.stdout[-20000:]
        assert state_changes(ret) == {n: [] for n in MINIONS}, out.stdout[-20000:]
        waits = {
            node: s["comment"]
            for node, states in ret.items()
            for s in states.values()
            if s["__id__"] == f"drbdha-drbd-{DRBD}-resync-finished"
        }
        print(f"apply during resync: {waits}")
        assert any("waited" in comment for comment in waits.values()), waits
        view = status(secondary)["drbd"][DRBD]
        assert view["disk"] == "UpToDate" and peer_of(status(secondary))["peer_disk"] == "UpToDate"
    finally:
        for node in NODES:
            on(node, "drbdadm", "adjust", DRBD, check=False)
    assert ack_report()["ok"]


def set_maintenance(node, on_off):
    on(node, "crm_attribute", "--type", "crm_config", "--name", "maintenance-mode", "--update", on_off)


def orchestrate_split_brain(discard):
    pillar = json.dumps({"resource": DRBD, "discard": discard})
    return lab("salt-run", "state.orchestrate", "drbdha.orch.splitbrain", f"pillar={pillar}", timeout=3600, check=False)


def test_split_brain_is_reported_and_resolved_discarding_only_the_named_node(settled):
    primary, secondary = settled
    set_maintenance(primary, "true")
    try:
        # The Secondary goes its own way: disconnected, promoted by hand, written to, then reconnected.
        on(secondary, "drbdadm", "disconnect", DRBD)
        on(secondary, "drbdadm", "primary", "--force", DRBD)
        size = int(on(secondary, "blockdev", "--getsize64", "/dev/drbd0").stdout)
        last_mib = size // (1 << 20) - 1  # far from the guest's records at the start of the disk
        on(
            secondary,
            "dd",
            "if=/dev/urandom",
            "of=/dev/drbd0",
            "bs=1M",
            "count=1",
            f"seek={last_mib}",
            "oflag=direct",
        )
        on(secondary, "drbdadm", "secondary", DRBD)
        acks_grow()  # the Primary's side moves on too
        on(secondary, "drbdadm", "connect", DRBD)
        view = wait_for(lambda: (bool(r := split_brain_reasons()), r), 300, "the runner to report the split brain")
        print(f"split brain reported: {view}")
    finally:
        set_maintenance(primary, "false")

    refused = orchestrate_split_brain(discard=primary)
    assert refused.returncode != 0
    assert "this node is Primary" in refused.stdout, refused.stdout[-5000:]
    assert split_brain_reasons()  # nothing was touched

    started = time.monotonic()
    out = orchestrate_split_brain(discard=secondary)
    assert out.returncode == 0, out.stdout[-20000:]
    print(f"split brain resolved (resync and verify included) in {time.monotonic() - started:.0f} s")
    view = healthy_pair()
    assert view["verdict"] == "healthy", view["reasons"]
    records = on(secondary, "sh", "-c", "stat -c '%a %n' /var/lib/drbdha/discarded/*.json").stdout.split()
    assert records[0] == "600" and records[1].endswith(".json"), records
    wait_for(lambda: (not (f := fences()), f), 600, "the fencing constraint to be removed")
    assert guest_node() == primary and ack_report()["ok"]


def test_no_state_ran_drbdadm_down_or_rewrote_metadata(rolled_out):
    """
    Over the whole session (rollout, applies, drills, recoveries) the
    formula's modules never ran ``drbdadm down`` (Pacemaker manages DRBD) and
    created metadata only during the rollout, once per node.
    """
    for node in NODES:
        commands = logged_commands(node)
        assert commands, f"{node}: the command log is empty: is drbdha_command_log set?"
        downs = [argv for argv in commands if argv[:1] == ["drbdadm"] and "down" in argv]
        assert downs == [], f"{node}: {downs}"
        create_md = [argv for argv in commands if argv[:1] == ["drbdadm"] and "create-md" in argv]
        assert len(create_md) == 1, f"{node}: {create_md}"
        print(f"{node}: {len(commands)} commands logged, no drbdadm down, create-md once")
