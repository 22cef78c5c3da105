"""
DRBD states for drbdha, each with its guard for the data on the disks.

- ``drbdadm.config``: the configuration files, validated with ``drbdadm dump``
  as a whole before they replace the live ones; the shared secret never shows.
- ``drbdadm.metadata``: metadata created once; refused on a device that holds
  a filesystem or any other signature.
- ``drbdadm.up``: the resource is up, unless Pacemaker manages it.
- ``drbdadm.initial_primary``: the first Primary of a new resource, skipping
  the initial sync only when the pillar declares both devices new.
- ``drbdadm.synced``: waits, with progress, until both disks are UpToDate.
- ``drbdadm.split_brain_resolved``: after a split brain, reconnects with
  the node the operator names as the one whose writes are discarded, after
  recording that node's data generations.
"""

import difflib
import logging
import os
import re
import time

from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

_SECRET_RE = re.compile(r'(shared-secret\s+)("[^"]*"|\S+)(;?)')


def mask_secret(text):
    """DRBD configuration text with the shared secret replaced by ``*****``."""
    return _SECRET_RE.sub(lambda m: f'{m.group(1)}"*****"{m.group(3)}', text)


def masked_diff(old, new, filename):
    """A unified diff of two config texts with the shared secret masked."""
    return "".join(
        difflib.unified_diff(
            mask_secret(old or "").splitlines(keepends=True),
            mask_secret(new).splitlines(keepends=True),
            fromfile=filename,
            tofile=filename,
        )
    )


def _with_secret(files, secret_pillar_key):
    """The file texts with the placeholder replaced by the pillar's secret (read here, never passed in)."""
    if secret_pillar_key is None:
        return dict(files)
    secret = __utils__["drbdha_util.pillar_secret"](__pillar__, secret_pillar_key)
    placeholder = __salt__["drbdha.secret_placeholder"]()
    return {filename: text.replace(placeholder, str(secret)) for filename, text in files.items()}


def config(name, files, secret_pillar_key=None):
    """
    The DRBD configuration files in directory ``name`` (``/etc/drbd.d``)
    have the given contents. The whole candidate set is checked with
    ``drbdadm dump`` first; nothing is written if drbdadm rejects it. Files
    are written 0600 (they hold the shared secret); the changes show a diff
    with the secret masked. Running resources are adjusted by the
    ``drbdadm.adjusted`` state, not here.

    files
        ``{filename: text}``, e.g. ``global_common.conf`` and ``res0.res``.
    secret_pillar_key
        Where the shared secret is in pillar: the texts carry
        ``@DRBDHA_SHARED_SECRET@`` in its place, so the value never travels in
        state arguments.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        files = _with_secret(files, secret_pillar_key)
    except ValueError as exc:
        return __utils__["drbdha_util.state_fail"](ret, str(exc))
    changed = {}
    for filename, text in files.items():
        if "/" in filename or filename.startswith("."):
            return __utils__["drbdha_util.state_fail"](ret, f"invalid file name {filename!r}")
        path = os.path.join(name, filename)
        current = __utils__["drbdha_util.read_text"](path)
        mode_ok = current is None or (os.stat(path).st_mode & 0o777) == 0o600
        if current != text or not mode_ok:
            changed[filename] = masked_diff(current, text, path) or "mode set to 0600"
    if not changed:
        ret["comment"] = f"DRBD configuration in {name} is up to date."
        return ret
    try:
        __salt__["drbdadm.check_config"](files, name)
    except CommandExecutionError as exc:
        return __utils__["drbdha_util.state_fail"](
            ret, f"drbdadm rejected the new configuration; nothing was written: {mask_secret(str(exc))}"
        )
    updated = ", ".join(sorted(changed))
    return __utils__["drbdha_util.state_change"](
        ret,
        changed,
        f"Would update {updated} in {name} (validated with drbdadm dump).",
        f"Updated {updated} in {name} (validated with drbdadm dump).",
        __opts__["test"],
        __salt__["drbdadm.write_config"],
        {filename: files[filename] for filename in changed},
        name,
    )


def _resource_status(resource, fresh=False):
    """This resource's status, or None when it is not up (or DRBD is not loaded)."""
    try:
        return __salt__["drbdadm.status"](resource, fresh=fresh).get(resource)
    except CommandExecutionError:
        return None


def metadata(name, disk):
    """
    The backing device ``disk`` of resource ``name`` carries DRBD metadata.
    Created once; never over a filesystem, a partition table, LVM or other
    data: those are refused with what to do instead.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    status = _resource_status(name)
    if status and any(v.get("disk") not in (None, "Diskless") for v in status["volumes"]):
        ret["comment"] = f"{name} is attached: its metadata is in use."
        return ret
    if not os.path.exists(disk):
        return __utils__["drbdha_util.state_fail"](ret, f"backing device {disk} of {name} does not exist on this node")
    try:
        if __salt__["drbdadm.has_metadata"](name):
            ret["comment"] = f"{disk} already carries DRBD metadata for {name}; it is kept as it is."
            return ret
        signature = __salt__["drbdadm.device_signature"](disk)
    except (CommandExecutionError, SaltInvocationError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"cannot inspect {disk}: {exc}")
    if signature:
        return __utils__["drbdha_util.state_fail"](
            ret,
            f"refusing to create DRBD metadata on {disk}: it holds {signature}. drbdha never writes over "
            f"existing data. If that data is disposable, zero the device yourself (blkdiscard --zeroout {disk}, or "
            f"dd if=/dev/zero of={disk} bs=1M) and apply again; if it must be kept, move it away first.",
        )
    return __utils__["drbdha_util.state_change"](
        ret,
        {"metadata": {"old": None, "new": f"created on {disk}"}},
        f"Would create DRBD metadata for {name} on {disk} (the device is blank).",
        f"Created DRBD metadata for {name} on {disk}.",
        __opts__["test"],
        __salt__["drbdadm.create_md"],
        name,
    )


def _managed_by_pacemaker(resource):
    try:
        return resource in __salt__["crmsh.drbd_resources"]()
    except (KeyError, CommandExecutionError):
        return False


def up(name):
    """
    Resource ``name`` is up (attached and connecting). Left alone when
    Pacemaker manages it: the cluster decides where DRBD runs then.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    if _resource_status(name) is not None:
        ret["comment"] = f"{name} is up."
        return ret
    if _managed_by_pacemaker(name):
        ret["comment"] = f"{name} is managed by Pacemaker; the cluster starts it, not this state."
        return ret
    return __utils__["drbdha_util.state_change"](
        ret,
        {"state": {"old": "down", "new": "up"}},
        f"Would bring {name} up.",
        f"Brought {name} up.",
        __opts__["test"],
        __salt__["drbdadm.up"],
        name,
    )


def adjusted(name):
    """
    A running resource follows its configuration files: when a state this
    one watches (``drbdadm.config``) changed them, ``drbdadm adjust`` applies
    the difference (``mod_watch``). Without such a change it does nothing.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    ret["comment"] = f"The configuration of {name} did not change; nothing to adjust."
    return ret


def mod_watch(name, sfun=None, **kwargs):
    """Run ``drbdadm adjust`` for ``adjusted`` when a watched state changed."""
    ret = __utils__["drbdha_util.state_ret"](name)
    if sfun != "adjusted":
        return ret
    if _resource_status(name) is None:
        ret["comment"] = f"{name} is not up; the new configuration applies when it starts."
        return ret
    return __utils__["drbdha_util.state_change"](
        ret,
        {"adjusted": name},
        f"Would run drbdadm adjust {name}.",
        f"Adjusted {name} to its new configuration.",
        __opts__["test"],
        __salt__["drbdadm.adjust"],
        name,
    )


def decide_initial_primary(status, new_devices):
    """
    What the first-Primary step should do for a resource's current status
    (pure). Returns ``(action, reason)``; action is one of ``none``,
    ``refuse``, ``wait``, ``clear_bitmap`` (skip the initial sync, then
    promote) or ``force_primary`` (promote and copy to the peer).
    """
    peers = list(status["peers"].values())
    if status["role"] == "Primary" or any(p.get("role") == "Primary" for p in peers):
        return "none", "the resource already has a Primary"
    if status["disk"] == "UpToDate":
        return "none", "this node already holds UpToDate data (the resource was initialised before)"
    if any(p.get("peer_disk") == "UpToDate" for p in peers):
        return "refuse", (
            "the peer holds UpToDate data and this node does not: forcing Primary here would overwrite "
            "the peer's data. Nothing was done; the peer's data will sync to this node."
        )
    if status["disk"] != "Inconsistent":
        return "refuse", f"this node's disk is {status['disk']}; expected Inconsistent for a new resource"
    if not peers or any(p.get("connection") != "Connected" for p in peers):
        return "wait", "the peer is not connected yet: bring the resource up on both nodes first"
    if any(p.get("peer_disk") != "Inconsistent" for p in peers):
        return "refuse", "the peer's disk is not Inconsistent; this is not a new resource"
    if new_devices:
        return "clear_bitmap", "both backing devices are declared new: the initial sync is skipped"
    return "force_primary", "the initial full sync copies this node's device to the peer"


def initial_primary(name, new_devices=False):
    """
    The first Primary of a new resource, on the node this runs on (the
    pillar's first_node). With ``new_devices: True`` (both backing devices
    brand new and empty) the initial sync is skipped with ``new-current-uuid
    --clear-bitmap``; otherwise this node's data is copied to the peer (wait
    for it with ``drbdadm.synced``). Does nothing once the resource has
    data; refuses when the peer holds UpToDate data and this node does not.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    if not isinstance(new_devices, bool):
        return __utils__["drbdha_util.state_fail"](ret, "new_devices must be true or false")
    status = _resource_status(name)
    if status is None:
        return __utils__["drbdha_util.state_fail"](ret, f"{name} is not up on this node")
    action, reason = decide_initial_primary(status, new_devices)
    if action == "none":
        ret["comment"] = f"{name}: {reason}."
        return ret
    if action in ("refuse", "wait"):
        return __utils__["drbdha_util.state_fail"](ret, f"{name}: {reason}")
    skip = action == "clear_bitmap"
    changes = {
        "initial_sync": "skipped (both devices declared new)" if skip else "started from this node",
        "role": {"old": "Secondary", "new": "Primary"},
    }
    return __utils__["drbdha_util.state_change"](
        ret,
        changes,
        f"Would make this node the first Primary of {name}; {reason}.",
        f"This node is the first Primary of {name}; {reason}.",
        __opts__["test"],
        __salt__["drbdadm.first_primary"],
        name,
        skip_initial_sync=skip,
    )


def sync_progress(status):
    """``(done, percent, text)`` for a resource status: done when every disk is UpToDate."""
    peers = status["peers"].values()
    done = status["disk"] == "UpToDate" and all(p.get("peer_disk") == "UpToDate" for p in peers)
    percents = [p["sync_percent"] for p in peers if p.get("sync_percent") is not None]
    percent = min(percents) if percents else (100.0 if done else None)
    states = ", ".join(f"{n} {p.get('replication')} {p.get('peer_disk')}" for n, p in status["peers"].items())
    return done, percent, f"disk {status['disk']}; peers: {states or 'none'}"


# Replication states in which DRBD is copying data (a resync or an online verify).
RESYNCING = {"SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "VerifyT", "WFBitMapS", "WFBitMapT"}


def resync_running(status):
    """Whether any peer of this resource status is resynchronising (or verifying) with this node."""
    return any(p.get("replication") in RESYNCING for p in status["peers"].values())


def synced(name, timeout=3600, interval=5, only_running=False):
    """
    Wait until resource ``name`` is UpToDate on both nodes, logging and
    sending progress events (``drbdha/sync/NAME``). Fails after ``timeout``
    seconds with the last progress seen. Waiting changes nothing.

    With ``only_running: true`` it waits only for a resync already under
    way (a converged apply during a resync waits for it to end, with
    progress, instead of working on a moving target) and passes otherwise.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    if only_running:
        status = _resource_status(name)
        if status is not None and not any(p["connection"] == "Connected" for p in status["peers"].values()):
            states = ", ".join(sorted({p["connection"] for p in status["peers"].values()})) or "no peer"
            ret["comment"] = (
                f"{name}: the peer is not connected ({states}); pending: it resyncs when it is back "
                "(nothing to do on this node until then)."
            )
            return ret
        if status is None or not resync_running(status):
            ret["comment"] = f"{name}: no resync running."
            return ret
    if __opts__["test"]:
        status = _resource_status(name)
        if status is None:
            ret["result"] = None
            ret["comment"] = f"{name} is not up yet; would wait for it to be in sync."
            return ret
        done, percent, text = sync_progress(status)
        ret["result"] = True if done else None
        ret["comment"] = f"{name} is in sync." if done else f"Would wait for {name} to sync ({text})."
        return ret
    start = time.monotonic()
    last = None
    while True:
        status = _resource_status(name, fresh=True)
        if status is None:
            return __utils__["drbdha_util.state_fail"](ret, f"{name} is not up on this node")
        done, percent, text = sync_progress(status)
        elapsed = time.monotonic() - start
        if done:
            ret["comment"] = f"{name} is UpToDate on both nodes (waited {elapsed:.0f} s)."
            return ret
        if percent != last:
            log.info("drbdha: %s sync %s%% (%s) after %.0f s", name, percent, text, elapsed)
            __salt__["event.fire"]({"resource": name, "percent": percent, "state": text}, f"drbdha/sync/{name}")
            last = percent
        if elapsed > timeout:
            return __utils__["drbdha_util.state_fail"](
                ret, f"{name} not in sync after {timeout} s: {percent}% ({text})"
            )
        time.sleep(interval)


def plan_split_brain_step(status, this_node, discard):
    """
    What this node does to end a split brain in which ``discard``'s writes
    are given up: ``(action, reason)`` with action one of ``nothing``,
    ``refuse``, ``discard`` (disconnect if needed, record, connect
    --discard-my-data) or ``connect`` (the kept side reconnects if it is
    StandAlone). Pure.
    """
    peers = status["peers"].values()
    if any(p["connection"] == "Connected" for p in peers):
        return "nothing", "connected to its peer: there is no split brain to resolve"
    if this_node != discard:
        if any(p["standalone"] for p in peers):
            return "connect", "StandAlone: reconnect; the peer's writes are the ones discarded"
        return "nothing", "already waiting for the peer (its writes are the ones discarded)"
    if status.get("role") == "Primary":
        return "refuse", (
            "this node is Primary (a guest may be writing here): move the guest to the other node first "
            "(drbdha.orch.move) or, if this node's writes must be kept, name the other node as the one to discard"
        )
    if status.get("disk") in (None, "Diskless"):
        return "refuse", "this node has no attached disk: there is nothing of its own to discard"
    return "discard", "its writes since the split are discarded; it resyncs from the peer"


def split_brain_resolved(name, discard):
    """
    End a split brain of resource ``name``, giving up the writes of node
    ``discard`` (the operator's choice; nothing is discarded without it).

    On the named node: refuses if it is Primary; records its data
    generations (``drbdadm get-gi``) and status in
    ``/var/lib/drbdha/discarded/RESOURCE-TIME.json``; then disconnects if
    needed and reconnects with ``--discard-my-data``. On the other node:
    reconnects if it is StandAlone. A connected resource is left alone.
    Run on the discarded node first (``drbdha.orch.splitbrain`` does).

    .. code-block:: yaml

        res0-split-brain:
          drbdadm.split_brain_resolved:
            - name: res0
            - discard: node-2
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    this_node = __grains__["id"]
    status = _resource_status(name)
    if status is None:
        return __utils__["drbdha_util.state_fail"](ret, f"{name} is not up on this node")
    action, reason = plan_split_brain_step(status, this_node, discard)
    if action == "nothing":
        ret["comment"] = f"{name} on {this_node}: {reason}."
        return ret
    if action == "refuse":
        return __utils__["drbdha_util.state_fail"](
            ret, f"refusing to discard {this_node}'s writes on {name}: {reason}."
        )
    if action == "connect":
        return __utils__["drbdha_util.state_change"](
            ret,
            {"connected": name},
            f"Would reconnect {name} ({reason}).",
            f"Reconnected {name}; {discard} resyncs from this node.",
            __opts__["test"],
            __salt__["drbdadm.connect"],
            name,
        )
    gi = __salt__["drbdadm.generation_ids"](name)
    record = __salt__["drbdadm.discard_record_path"](name)
    changes = {"discarded": {"node": this_node, "generation": gi["current"], "record": record}}
    return __utils__["drbdha_util.state_change"](
        ret,
        changes,
        f"Would record {this_node}'s generation {gi['current']} and discard its writes on {name} ({reason}).",
        f"Recorded {this_node}'s generation {gi['current']} and reconnected {name} discarding its writes; "
        "it resyncs from the peer.",
        __opts__["test"],
        __salt__["drbdadm.discard_my_data"],
        name,
        record,
    )
