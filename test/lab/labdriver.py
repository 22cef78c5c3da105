"""
Driving the full-tier lab from the lab tests and the benchmarks, only through
its command (test/lab/lab), as a person would: Salt calls with JSON answers,
the cluster-wide view, waits on real conditions, and the guest's write log.
Stdlib only apart from pytest's marker, so that bench/ runs it with any
Python 3.11.
"""

import importlib.util
import json
import os
import signal
import subprocess
import time

try:
    import pytest
except ImportError:  # bench/ drives the lab without pytest
    pytest = None

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(HERE, "lab")
REPORT = os.path.join(HERE, "guest", "ack-report")
RUN = os.environ.get("DRBDHA_LAB_DIR", "/var/tmp/drbdha-lab")
NODES = ("node-1", "node-2")
# The quorum host (corosync-qnetd), a Salt minion of the same master.
QUORUM_HOST = "qnetd"
MINIONS = (*NODES, QUORUM_HOST)
GUEST, RESOURCE, DRBD = "havm", "rsc_kvm_havm", "res0"
# The lab's tests boot VMs under TCG (minutes): they run only when asked for.
LAB_ONLY = pytest and pytest.mark.skipif(os.environ.get("DRBDHA_LAB") != "1", reason="full-tier lab: set DRBDHA_LAB=1")


def lab(*args, timeout=900, check=True):
    """Run test/lab/lab ARGS (CompletedProcess, text); subprocess.TimeoutExpired after TIMEOUT seconds."""
    with subprocess.Popen([LAB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            _end(proc)
            raise
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check and result.returncode != 0:
        raise AssertionError(f"lab {' '.join(args)} -> rc={result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def _end(proc):
    """SIGTERM first, not SIGKILL: `lab exec` then also ends its command inside the node, which would
    otherwise go on changing the lab after its caller gave up."""
    proc.terminate()
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def on(node, *argv, timeout=300, check=True):
    """Run argv on a node through the guest agent."""
    return lab("exec", f"--timeout={timeout}", node, *argv, timeout=timeout + 30, check=check)


def salt_json(*args, timeout=900):
    """`lab salt --out=json --static ARGS` (ARGS may start with -L for a list of minions): (answer, process)."""
    out = lab("salt", "--out=json", "--static", "-t", str(timeout), *args, timeout=timeout + 60, check=False)
    return json.loads(out.stdout or "{}"), out


def wait_minion(node):
    """Until NODE's agent and minion answer (after a restart of salt-minion or of the node)."""
    lab("wait", node, "--salt", timeout=900)


def salt_run_json(*args, timeout=900):
    out = lab("salt-run", "--out=json", *args, timeout=timeout, check=False)
    try:
        return json.loads(out.stdout or "{}"), out
    except json.JSONDecodeError:
        return None, out


def _minion_states(ret):
    """(minion, {state key: state return}) of a state.apply --out=json answer; a render error (a list
    of messages instead of states) fails the test with it."""
    for minion, states in ret.items():
        assert isinstance(states, dict), f"{minion}: {states}"
    return ret.items()


def state_changes(ret):
    """{minion: [ids of states that changed or would change]} of a state.apply --out=json answer."""
    return {
        minion: sorted(s["__id__"] for s in states.values() if s.get("changes") or s.get("result") is None)
        for minion, states in _minion_states(ret)
    }


def failed_states(ret):
    """{minion: [ids of states that failed]} of a state.apply --out=json answer."""
    return {m: [s["__id__"] for s in states.values() if s.get("result") is False] for m, states in _minion_states(ret)}


def status(node):
    view = answered_status(node)
    assert view is not None, f"{node} did not answer drbdha.status"
    return view


def answered_status(node):
    """drbdha.status of NODE, or None while its minion does not answer (rebooted, not reconnected)."""
    ret, _ = salt_json(node, "drbdha.status", timeout=180)
    return ret.get(node) if isinstance(ret.get(node), dict) else None


def pair_status():
    """salt-run drbdha.status: both views and the cross-node checks."""
    view, out = salt_run_json("drbdha.status", timeout=400)
    assert isinstance(view, dict) and "verdict" in view, out.stdout + out.stderr
    return view


def wait_for(predicate, timeout, what, interval=5):
    """Poll predicate() -> (ok, last seen) until ok; fail after timeout with the last thing seen."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        ok, last = predicate()
        if ok:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last}")


def guest_node(asked="node-1"):
    """The node the cluster runs the guest on, as ``asked`` sees it: None while it is not started
    on exactly one node (crm_mon lists a guest that is still starting on its node)."""
    cluster = status(asked)["cluster"] or {}
    guest = cluster.get("resources", {}).get(RESOURCE, {})
    nodes = guest.get("nodes", [])
    return nodes[0] if len(nodes) == 1 and guest.get("role") == "Started" else None


# The kernel's boot id: it changes when the node is reset.
BOOT_ID = "/proc/sys/kernel/random/boot_id"


def boot_id(node):
    return on(node, "cat", BOOT_ID, timeout=60).stdout.strip()


def rebooted(node, before):
    """True once NODE answers with a boot id other than BEFORE (False while it is down or booting)."""
    result = lab("exec", "--timeout=30", node, "cat", BOOT_ID, timeout=90, check=False)
    return result.returncode == 0 and result.stdout.strip() not in ("", before)


def other(node):
    return next(n for n in NODES if n != node)


def ack_report():
    out = subprocess.run([REPORT, os.path.join(RUN, "acks.log")], capture_output=True, text=True, check=False)
    return json.loads(out.stdout)


def acks_grow():
    """Wait until the guest acknowledges a write past the last one logged; returns the report."""
    before = ack_report()["last_ack"] or 0
    return wait_for(lambda: (((r := ack_report())["last_ack"] or 0) > before, r), 300, "the guest to write on")


def leftover_constraints(node="node-1"):
    ret, out = salt_json(node, "crmsh.constraints", timeout=180)
    assert node in ret, out.stdout + out.stderr
    return ret[node]["leftovers"]


def settled_pair():
    """A healthy pair with the guest writing and no write lost so far; returns (primary, secondary)."""
    healthy_pair()
    primary = wait_for(lambda: ((n := guest_node()) is not None, n), 900, "the guest to run")
    assert ack_report()["ok"]
    return primary, other(primary)


def healthy_pair():
    """Both nodes healthy (their own views); returns the pair view."""
    for node in NODES:
        wait_for(lambda n=node: _is_healthy(answered_status(n)), 900, f"{node} healthy")
    return pair_status()


def _is_healthy(view):
    if view is None:
        return False, "no answer"
    return view["verdict"] == "healthy", view["reasons"]


def healthy_now(nodes=NODES):
    """{node: drbdha.status} of NODES, each healthy now, without waiting (a benchmark measures only a healthy pair)."""
    views = {node: answered_status(node) for node in nodes}
    checks = {node: _is_healthy(view) for node, view in views.items()}
    unhealthy = {node: seen for node, (ok, seen) in checks.items() if not ok}
    assert not unhealthy, f"not healthy: {unhealthy}"
    return views


def record_events(path):
    """Record the master's event bus (salt-run state.event) into ``path`` until the process is stopped."""
    handle = open(path, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the recorder
    # Its own process group: `lab salt-run` starts salt-run as a child, which must stop with it.
    return subprocess.Popen(
        [LAB, "salt-run", "state.event", "pretty=True"],
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process):
    """Stop a process started by record_events and everything left in its process group."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived the leader
    except ProcessLookupError:
        pass
    process.wait()


# Every command the formula's modules run on a node is logged here (drbdha_command_log).
COMMAND_LOG = "/var/log/drbdha-commands.log"


def enable_command_log():
    """Point each lab minion's drbdha_command_log at COMMAND_LOG (a minion.d file) and restart it."""
    for node in NODES:
        on(node, "sh", "-c", f"echo 'drbdha_command_log: {COMMAND_LOG}' > /etc/salt/minion.d/drbdha-commands.conf")
        on(node, "systemctl", "restart", "salt-minion")
    for node in NODES:
        wait_minion(node)


def logged_commands(node):
    """
    The argv lists of every command the formula's modules ran on ``node`` so
    far. A hard power-off can leave a run of NUL bytes where the file had
    grown but its last blocks were never written (the file system had
    recorded the new size, not yet the data): those are dropped; anything else must parse.
    """
    text = on(node, "cat", COMMAND_LOG, check=False).stdout
    lines = (line.strip("\x00") for line in text.splitlines())
    return [json.loads(line)["argv"] for line in lines if line.strip()]


def load_util(name):
    """The formula's _utils/NAME.py imported from its file (a pure one: no Salt loader needed)."""
    path = os.path.join(PROJECT, "_utils", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"drbdha_lab_utils_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# One rule, the formula's, for which commands only read: the benchmarks and the lab tests judge by it.
COMMANDS = load_util("drbdha_commands")


def blank_lab():
    """
    From blank disks: reset, up, command logs on, the guest program on both
    nodes. The formula's modules are not synced here: the rollout's first
    step syncs them (a sync costs about two minutes on these emulated nodes).
    """
    lab("reset", timeout=900)
    lab("up", timeout=2700)
    enable_command_log()
    # The lab's guest program, which its domain XML boots (salt://lab/ is the lab's own file root).
    lab(
        "salt",
        "-L",
        ",".join(NODES),
        "cp.get_file",
        "salt://lab/havm-bare.elf",
        "/var/lib/havm/havm-bare.elf",
        "makedirs=True",
        "-t",
        "120",
        timeout=200,
    )


def orchestrate_deploy():
    # The orchestrations render with the formula's modules on the master (README, step 2).
    lab("salt-run", "saltutil.sync_all", timeout=300)
    return lab("salt-run", "state.orchestrate", "drbdha.orch.deploy", "--out=json", timeout=3600, check=False)


def deploy():
    """The orchestrated rollout (its JSON answer kept in RUN/deploy.json). Returns seconds taken."""
    started = time.monotonic()
    out = orchestrate_deploy()
    assert out.returncode == 0, out.stdout[-20000:] + out.stderr[-5000:]
    with open(os.path.join(RUN, "deploy.json"), "w", encoding="utf-8") as handle:
        handle.write(out.stdout)
    return time.monotonic() - started


def guards_before_rollout():
    """
    On the blank lab, with an ext4 filesystem put on node-2's DRBD backing
    disk: the rollout stops at its pre-flight step naming it, with nothing
    written; applying the DRBD concern on node-2 alone refuses to create
    metadata over it. Then the disk is wiped again for the real rollout.
    Returns what the refusals said.
    """
    on("node-2", "mkfs.ext4", "-q", "-F", "/dev/vdb")
    out = orchestrate_deploy()
    assert out.returncode != 0, "the rollout went ahead over a filesystem"
    assert "/dev/vdb holds an ext4 filesystem" in out.stdout, out.stdout[-10000:]
    for node in NODES:
        assert on(node, "test", "-e", "/etc/drbd.d/res0.res", check=False).returncode == 1, f"{node} was changed"
    ret, raw = salt_json("node-2", "state.apply", "drbdha.drbd", timeout=1200)
    metadata = next(s for s in ret["node-2"].values() if s["__id__"] == "drbdha-drbd-res0-metadata")
    assert metadata["result"] is False, raw.stdout[-10000:]
    assert "refusing to create DRBD metadata on /dev/vdb: it holds an ext4 filesystem" in metadata["comment"]
    assert on("node-2", "blkid", "-p", "-o", "value", "-s", "TYPE", "/dev/vdb").stdout.strip() == "ext4"
    # wipefs alone is not enough: drbdmeta still finds ext4's data where its metadata goes.
    # Zero the device, as the refusal says.
    on("node-2", "blkdiscard", "--zeroout", "/dev/vdb", timeout=600)
    preflight = next(line for line in out.stdout.splitlines() if "ext4 filesystem" in line)
    return {"preflight": preflight.strip(), "metadata": metadata["comment"]}
