"""
Pure parsers of what DRBD's tools print (no I/O): versions, resource status
of DRBD 9 (``drbdsetup status --json``) and 8.4 (``drbdadm status``,
``/proc/drbd``) in one shape, metadata dumps, device signatures and
generation ids. Salt loads this file as a custom util:
``__utils__["drbdha_drbd.<name>"]``; tests import it directly.
"""

import json
import re

from salt.exceptions import CommandExecutionError

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
