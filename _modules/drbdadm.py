"""
DRBD control for drbdha, through drbdadm, drbdsetup and drbdmeta.

Works with DRBD 9 (SLES; status from ``drbdsetup status --json``) and the
in-kernel DRBD 8.4 of Debian/Ubuntu (status from ``drbdadm status`` and
``/proc/drbd``); ``status`` returns the same shape for both.

The module is named ``drbdadm`` so it does not collide with Salt's ``drbd``.

:depends: drbd-utils
"""

import copy
import json
import logging
import re

import salt.utils.path
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "drbdadm"

PROC_DRBD = "/proc/drbd"
# The loaded module's version, readable without starting a process.
SYS_MODULE_VERSION = "/sys/module/drbd/version"

# Disk states from worst to best, to summarise several volumes in one word.
_DISK_ORDER = (
    "Diskless",
    "Failed",
    "Attaching",
    "Detaching",
    "Negotiating",
    "Inconsistent",
    "Outdated",
    "DUnknown",
    "Consistent",
    "UpToDate",
)

# Replication states in which data is being copied (a resync or an online verify).
_SYNCING = {"SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "VerifyT"}


def __virtual__():
    if not salt.utils.path.which("drbdadm"):
        return (False, "the drbdadm module needs drbdadm on PATH (package drbd-utils)")
    return __virtualname__


# __context__ key of the status answers of this job (one state run asks several times).
STATUS_CACHE = "drbdadm.status"


def _run(argv, **kwargs):
    if argv[:2] != ["drbdsetup", "status"]:
        # Anything else may change DRBD's state: later status calls ask again.
        __context__.pop(STATUS_CACHE, None)
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def _resource(name):
    if name == "all":
        return name
    return __utils__["drbdha_util.require_name"](name, "DRBD resource name")


# ---------------------------------------------------------------- parsers --


def parse_version(text):
    """
    Parse ``drbdadm --version`` (KEY=VALUE lines) into
    ``{"kernel": "8.4.11" | None, "kernel_major": 8, "kernel_minor": 4,
    "utils": "9.22.0"}``. ``kernel`` is None when no DRBD module is loaded.
    """
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().replace("\\ ", " ")
    # Without a loaded module drbdadm prints DRBD_KERNEL_VERSION_CODE=0x000000
    # and DRBD_KERNEL_VERSION=0; the code is the reliable field.
    code = int(values.get("DRBD_KERNEL_VERSION_CODE", "0") or "0", 16)
    kernel = major = minor = None
    if code:
        major, minor = code >> 16, (code >> 8) & 0xFF
        kernel = values.get("DRBD_KERNEL_VERSION") or f"{major}.{minor}.{code & 0xFF}"
    return {
        "kernel": kernel,
        "kernel_major": major,
        "kernel_minor": minor,
        "utils": values.get("DRBDADM_VERSION"),
        "api": values.get("DRBDADM_API_VERSION"),
    }


def worst_disk_state(states):
    """The least healthy of several disk states (unknown names count as worst)."""
    if not states:
        return None
    return min(states, key=lambda s: _DISK_ORDER.index(s) if s in _DISK_ORDER else -1)


def _peer_summary(connection, replication, role, peer_disks, percents, oos_kib):
    syncing = replication in _SYNCING
    return {
        "connection": connection,
        "role": role,
        "peer_disk": worst_disk_state(peer_disks),
        "replication": replication,
        "sync_percent": (min(percents) if percents and syncing else None),
        "out_of_sync_bytes": None if oos_kib is None else oos_kib * 1024,
        "standalone": connection == "StandAlone",
    }


def _finish_resource(res):
    res["disk"] = worst_disk_state([v["disk"] for v in res["volumes"]])
    res["standalone"] = any(p["standalone"] for p in res["peers"].values())
    # DRBD drops to StandAlone when it detects a split brain (and when an
    # operator disconnects); the status cannot tell which, so both are flagged.
    res["split_brain_suspected"] = res["standalone"]
    return res


def parse_status_json(text):
    """
    Parse DRBD 9's ``drbdsetup status --json`` into ``{resource: status}``.
    Each status has ``role``, ``disk`` (worst of its volumes), ``volumes``,
    ``peers`` (per peer: ``connection``, ``role``, ``peer_disk``,
    ``replication``, ``sync_percent``, ``out_of_sync_bytes``, ``standalone``),
    ``standalone`` and ``split_brain_suspected``.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CommandExecutionError(f"drbdsetup returned invalid JSON: {exc}") from exc
    resources = {}
    for res in data:
        entry = {
            "name": res["name"],
            "role": res.get("role"),
            "suspended": bool(res.get("suspended")),
            "volumes": [
                {"volume": d.get("volume"), "minor": d.get("minor"), "disk": d.get("disk-state")}
                for d in res.get("devices", [])
            ],
            "peers": {},
        }
        for conn in res.get("connections", []):
            pdevs = conn.get("peer_devices", [])
            replications = {p.get("replication-state") for p in pdevs}
            # One replication state per peer: a syncing volume wins over Established.
            replication = next((r for r in replications if r in _SYNCING), None) or (
                sorted(replications)[0] if replications else None
            )
            oos = [p.get("out-of-sync") for p in pdevs if p.get("out-of-sync") is not None]
            entry["peers"][conn.get("name") or str(conn.get("peer-node-id"))] = _peer_summary(
                conn.get("connection-state"),
                replication,
                conn.get("peer-role"),
                [p.get("peer-disk-state") for p in pdevs],
                [_sync_percent(p) for p in pdevs if _sync_percent(p) is not None],
                sum(oos) if oos else None,
            )
        resources[entry["name"]] = _finish_resource(entry)
    return resources


def _sync_percent(peer_device):
    # "percent-resync-done" is printed while a resync runs (with the sync
    # details); "percent-in-sync" (the share of the bitmap in sync) otherwise.
    for key in ("percent-resync-done", "percent-in-sync"):
        if key in peer_device:
            return float(peer_device[key])
    return None


def _fields(line):
    return dict(tok.split(":", 1) for tok in line.split() if ":" in tok)


def parse_status_text(text):
    """
    Parse ``drbdadm status`` / ``drbdsetup status [--verbose --statistics]``
    text (DRBD 9, and drbd-utils 9 on an 8.4 kernel) into the same shape as
    :func:`parse_status_json`. Lines nest by indentation: a resource, its
    volumes and peers, each peer's volumes; deeper lines continue the line
    above them (``--verbose --statistics``).
    """
    resources = {}
    res = peer = None
    peers = {}  # (resource, peer) -> {"fields": {...}, "devices": [{...}]}
    for raw in text.splitlines():
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        tokens = raw.split()
        fields = _fields(raw)
        if indent == 0:
            res = {
                "name": tokens[0],
                "role": fields.get("role"),
                "suspended": fields.get("suspended", "no") != "no",
                "volumes": [],
                "peers": {},
            }
            resources[res["name"]] = res
            peer = None
        elif res is None:
            continue
        elif indent == 2 and ":" in tokens[0]:  # "disk:UpToDate" / "volume:0 minor:0 disk:UpToDate"
            res["volumes"].append(
                {"volume": int(fields.get("volume", 0)), "minor": _int(fields.get("minor")), "disk": fields.get("disk")}
            )
            peer = None
        elif indent == 2:  # "node-2 role:Secondary" / "peer connection:Connecting"
            peer = peers[(res["name"], tokens[0])] = {"fields": fields, "devices": []}
        elif peer is not None and ({"volume", "replication", "peer-disk"} & set(fields)):
            peer["devices"].append(fields)
        elif peer is not None and peer["devices"]:
            peer["devices"][-1].update(fields)  # a continuation line of the peer device above
    for (name, peer_name), state in peers.items():
        connection = state["fields"].get("connection", "Connected")
        connected = connection == "Connected"
        devices = state["devices"]
        # DRBD 9 reports replication "Off" for a peer that is not connected.
        replications = [d.get("replication", "Established") for d in devices] or (
            ["Established"] if connected else ["Off"]
        )
        replication = next((r for r in replications if r in _SYNCING), replications[0])
        oos = [int(d["out-of-sync"]) for d in devices if "out-of-sync" in d]
        resources[name]["peers"][peer_name] = _peer_summary(
            connection,
            replication,
            state["fields"].get("role") or ("Unknown" if not connected else None),
            [d["peer-disk"] for d in devices if "peer-disk" in d] or ([] if connected else ["DUnknown"]),
            [float(d["done"]) for d in devices if "done" in d],
            sum(oos) if oos else None,
        )
    return {name: _finish_resource(res) for name, res in resources.items()}


def _int(value):
    return None if value is None else int(value)


_PROC_MINOR_RE = re.compile(r"^\s*(\d+): cs:(\S+) ro:(\S+)/(\S+) ds:(\S+)/(\S+)")
_PROC_SYNC_RE = re.compile(r"sync'ed:\s*([\d.]+)%")
_PROC_OOS_RE = re.compile(r"\boos:(\d+)")


def parse_proc_drbd(text):
    """
    Parse DRBD 8.4's ``/proc/drbd`` into ``{"version": "8.4.11", "minors":
    {minor: {...}}}`` with per minor: ``connection`` (the 8.4 ``cs:``),
    ``role``, ``peer_role``, ``disk``, ``peer_disk``, ``sync_percent`` and
    ``out_of_sync_bytes`` (``oos:`` is in KiB).
    """
    version = None
    minors = {}
    current = None
    for line in text.splitlines():
        if line.startswith("version:"):
            version = line.split()[1]
            continue
        match = _PROC_MINOR_RE.match(line)
        if match:
            minor, cs, role, peer_role, disk, peer_disk = match.groups()
            current = minors[int(minor)] = {
                "connection": cs,
                "role": role,
                "peer_role": peer_role,
                "disk": disk,
                "peer_disk": peer_disk,
                "sync_percent": None,
                "out_of_sync_bytes": None,
            }
            continue
        if current is None:
            continue
        oos = _PROC_OOS_RE.search(line)
        if oos:
            current["out_of_sync_bytes"] = int(oos.group(1)) * 1024
        synced = _PROC_SYNC_RE.search(line)
        if synced:
            current["sync_percent"] = float(synced.group(1))
    return {"version": version, "minors": minors}


# The name drbd-utils gives the one peer of an 8.4 resource.
PEER_84 = "peer"


def merge_proc_drbd(resources, proc):
    """
    Complete DRBD 8.4 status (from ``drbdsetup status --verbose``) with
    ``/proc/drbd``, matched by minor: the sync percentage and out-of-sync
    bytes it may lack, and the peer of a StandAlone resource, which 8.4's
    status does not list at all.
    """
    for res in resources.values():
        rows = [proc["minors"][v["minor"]] for v in res["volumes"] if v.get("minor") in proc["minors"]]
        if not rows:
            continue
        oos = [r["out_of_sync_bytes"] for r in rows if r["out_of_sync_bytes"] is not None]
        percents = [r["sync_percent"] for r in rows if r["sync_percent"] is not None]
        if not res["peers"] and any(r["connection"] == "StandAlone" for r in rows):
            # /proc/drbd still knows what this node last learnt of the peer's disk (e.g. Outdated).
            peer_disks = [r["peer_disk"] for r in rows]
            res["peers"][PEER_84] = _peer_summary(
                "StandAlone", "Off", "Unknown", peer_disks, [], sum(oos) // 1024 if oos else None
            )
        for peer in res["peers"].values():
            if peer["out_of_sync_bytes"] is None and oos:
                peer["out_of_sync_bytes"] = sum(oos)
            if peer["sync_percent"] is None and percents and peer["replication"] in _SYNCING:
                peer["sync_percent"] = min(percents)
        _finish_resource(res)
    return resources


def parse_dump_md(stdout, stderr):
    """
    Decide from ``drbdadm dump-md`` output whether a backing device carries
    DRBD metadata: True (a metadata dump was printed), False (drbdmeta
    reported "No valid meta data found"), or None (undecided: another
    message, e.g. the device is in use by DRBD).
    """
    if "# DRBD meta data dump" in stdout or re.search(r'^version "v0\d";', stdout, re.M):
        return True
    if "No valid meta data found" in stderr or "No valid meta data found" in stdout:
        return False
    return None


def describe_signature(blkid_export):
    """
    What ``blkid -p -o export DEVICE`` found on a device, in words ("an ext4
    filesystem", "a dos partition table"), or None for a blank device.
    """
    values = dict(line.split("=", 1) for line in blkid_export.splitlines() if "=" in line)
    if values.get("TYPE"):
        kind = values["TYPE"]
        if kind == "drbd":
            return "DRBD metadata"
        return _with_article(f"{kind} {'filesystem' if values.get('USAGE') == 'filesystem' else 'signature'}")
    if values.get("PTTYPE"):
        return _with_article(f"{values['PTTYPE']} partition table")
    return None


def _with_article(words):
    return f"{'an' if words[0].lower() in 'aeiou' else 'a'} {words}"


def parse_generation_ids(text):
    """
    ``drbdadm get-gi RESOURCE`` → ``{"current", "bitmap", "history": [..],
    "flags": [..]}``: DRBD's data generation UUIDs (16 hex digits each) and
    the flag digits after them (``CURRENT:BITMAP:HISTORY1:HISTORY2:flags…``).
    None when the text has no such line.
    """
    for line in text.splitlines():
        fields = line.strip().split(":")
        if len(fields) >= 4 and all(re.fullmatch(r"[0-9A-Fa-f]{16}", f) for f in fields[:4]):
            return {
                "current": fields[0].upper(),
                "bitmap": fields[1].upper(),
                "history": [f.upper() for f in fields[2:4]],
                "flags": [int(f) for f in fields[4:] if f.isdigit()],
            }
    return None


# -------------------------------------------------------------- functions --


def version():
    """
    The loaded DRBD kernel module's version (``kernel``, ``kernel_major``,
    ``kernel_minor``; None when no module is loaded) and drbd-utils'
    (``utils``).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.version
    """
    if "drbdadm.version" not in __context__:
        out = _run(["drbdadm", "--version"])
        __context__["drbdadm.version"] = parse_version(out["stdout"])
    return __context__["drbdadm.version"]


def kernel_version():
    """
    The loaded DRBD kernel module's ``(major, minor)``, or None when no
    module is loaded. Read from sysfs (or /proc/drbd), so it costs no process.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.kernel_version
    """
    text = None
    for path in (SYS_MODULE_VERSION, PROC_DRBD):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.readline().strip()
            break
        except OSError:
            continue
    if not text:
        return None
    # sysfs holds "8.4.11"; /proc/drbd starts "version: 8.4.11 (api:1/proto:86-101)".
    match = re.search(r"(\d+)\.(\d+)\.", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _require_kernel():
    found = kernel_version()
    if found is None:
        raise CommandExecutionError(
            "the DRBD kernel module is not loaded (modprobe drbd, or install a kernel that has it)"
        )
    return found


def status(resource="all", fresh=False):
    """
    Every (or one) resource's state in one shape for DRBD 9 and 8.4: role,
    disk state, and per peer the connection state, peer role, peer disk
    state, replication state, sync progress (%), out-of-sync bytes and
    StandAlone / split-brain flags.

    Within one job (a state run) the answer is reused until a DRBD command
    other than a status runs; ``fresh=True`` asks DRBD again (for waits).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.status
        salt '*' drbdadm.status res0
    """
    major, _ = _require_kernel()
    name = _resource(resource)
    cache = __context__.setdefault(STATUS_CACHE, {})
    if not fresh and name in cache:
        return copy.deepcopy(cache[name])
    if major >= 9:
        out = _run(["drbdsetup", "status", "--json", name])
        resources = parse_status_json(out["stdout"])
    else:
        # 8.4: the verbose status names each volume's minor, which /proc/drbd
        # (a file, no process) is keyed by.
        argv = ["drbdsetup", "status", "--verbose", "--statistics"] + ([] if name == "all" else [name])
        resources = parse_status_text(_run(argv)["stdout"])
        with open(PROC_DRBD, encoding="utf-8") as handle:
            merge_proc_drbd(resources, parse_proc_drbd(handle.read()))
    __context__.setdefault(STATUS_CACHE, {})[name] = copy.deepcopy(resources)
    return resources


def dump(resource="all", config=None):
    """
    Validate the configuration with ``drbdadm dump``; returns the normalised
    configuration, or raises with drbdadm's message. ``config`` checks a file
    other than /etc/drbd.conf (a candidate before it replaces the live one).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.dump res0
        salt '*' drbdadm.dump all config=/etc/drbd.conf.new
    """
    argv = ["drbdadm"]
    if config is not None:
        argv.extend(["-c", config])
    argv.extend(["dump", _resource(resource)])
    return _run(argv)["stdout"]


def has_metadata(resource):
    """
    Whether the resource's backing device already carries DRBD metadata,
    decided from the output of ``drbdadm dump-md``. True too when the device
    is attached (DRBD is using its metadata).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.has_metadata res0
    """
    name = _resource(resource)
    out = _run(["drbdadm", "dump-md", name], ok_retcodes=tuple(range(256)), stdin="")
    answer = parse_dump_md(out.get("stdout", ""), out.get("stderr", ""))
    if answer is None:
        volumes = [v for r in _status_or_empty(name).values() for v in r["volumes"]]
        if any(v["disk"] not in (None, "Diskless") for v in volumes):
            return True
        raise CommandExecutionError(
            f"cannot tell whether {name} has DRBD metadata: {__utils__['drbdha_util.describe_failure'](out)}",
            info={"command": ["drbdadm", "dump-md", name], "stderr": out.get("stderr", "")},
        )
    return answer


def device_signature(device):
    """
    Any filesystem, partition table, RAID, LVM or other signature on a block
    device (``blkid -p``, which reads the device itself, not a cache), in
    words; None when the device is blank.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.device_signature /dev/sda4
    """
    path = __utils__["drbdha_util.require_device"](device)
    # blkid exits 2 when it finds nothing: that is the "blank" answer.
    out = _run(["blkid", "-p", "-o", "export", path], ok_retcodes=(0, 2))
    return describe_signature(out["stdout"])


def _status_or_empty(name):
    try:
        return status(name)
    except CommandExecutionError:
        return {}


def _simple(action, resource, *options):
    return _run(["drbdadm", *options, action, _resource(resource)])["stdout"]


def create_md(resource, force=False):
    """
    Write fresh DRBD metadata on the resource's backing device. drbdadm
    asks for confirmation when it finds existing data; without ``force``
    that question is answered "no" (stdin is empty) and the call fails with
    drbdadm's message. Data-safety checks belong to the caller (the
    ``drbdadm.metadata_present`` state).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.create_md res0
    """
    options = ["--force"] if force else []
    name = _resource(resource)
    try:
        return _run(["drbdadm", *options, "create-md", name], stdin="")["stdout"]
    except CommandExecutionError as exc:
        if "Do you want to proceed?" not in str(exc):
            raise
        # drbdmeta found old data where the metadata goes (e.g. a filesystem's tail after wipefs).
        raise CommandExecutionError(
            f"drbdmeta found existing data where {name}'s metadata would go (the end of the backing device) "
            "and asked before overwriting it; nothing was written. If the device's contents are disposable, "
            "zero it (blkdiscard --zeroout, or dd if=/dev/zero bs=1M) and apply again."
        ) from exc


def up(resource):
    """
    Attach and connect a resource (``drbdadm up``).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.up res0
    """
    return _simple("up", resource)


def down(resource):
    """
    Disconnect and detach a resource (``drbdadm down``). Never use this on a
    resource Pacemaker manages; stop it through the cluster instead.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.down res0
    """
    return _simple("down", resource)


def adjust(resource="all"):
    """
    Make the running resource match its configuration (``drbdadm adjust``).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.adjust res0
    """
    return _simple("adjust", resource)


def primary(resource, force=False):
    """
    Promote to Primary; ``force=True`` promotes even when this node's data
    is not known to be UpToDate (the first Primary of a new resource).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.primary res0
        salt node-1 drbdadm.primary res0 force=True
    """
    if force:
        return _run(["drbdadm", "primary", "--force", _resource(resource)])["stdout"]
    return _simple("primary", resource)


def secondary(resource):
    """
    Demote to Secondary.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.secondary res0
    """
    return _simple("secondary", resource)


def new_current_uuid(resource, clear_bitmap=False):
    """
    Start a new data generation; with ``clear_bitmap=True`` the peers are
    marked in sync without copying (skips the initial full sync — only for
    brand-new, empty backing devices on both nodes).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.new_current_uuid res0 clear_bitmap=True
    """
    options = ["--clear-bitmap"] if clear_bitmap else []
    return _run(["drbdadm", *options, "new-current-uuid", _resource(resource)])["stdout"]


def connect(resource, discard_my_data=False):
    """
    Connect a resource to its peer; ``discard_my_data=True`` makes this
    node the split-brain victim (its changes are discarded).

    CLI Example:

    .. code-block:: bash

        salt node-2 drbdadm.connect res0
        salt node-2 drbdadm.connect res0 discard_my_data=True
    """
    options = ["--discard-my-data"] if discard_my_data else []
    return _run(["drbdadm", "connect", *options, _resource(resource)])["stdout"]


def disconnect(resource):
    """
    Disconnect a resource from its peer (it goes StandAlone).

    CLI Example:

    .. code-block:: bash

        salt node-2 drbdadm.disconnect res0
    """
    return _simple("disconnect", resource)


def verify(resource):
    """
    Start an online verify against the peer (needs ``verify-alg``);
    progress shows in ``drbdadm.status``.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdadm.verify res0
    """
    return _simple("verify", resource)


def generation_ids(resource):
    """
    The resource's data generation identifiers (``drbdadm get-gi``), parsed:
    ``{"current", "bitmap", "history", "flags", "text"}``. Compared across
    the nodes they tell a split brain from one side simply being ahead.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdadm.generation_ids res0
    """
    name = _resource(resource)
    out = _run(["drbdadm", "get-gi", name])
    parsed = parse_generation_ids(out["stdout"])
    if parsed is None:
        raise CommandExecutionError(f"drbdadm get-gi {name} printed no generation identifiers: {out['stdout']!r}")
    return dict(parsed, text=out["stdout"].strip())
