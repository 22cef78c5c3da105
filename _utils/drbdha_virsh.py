"""
Pure parsers of ``virsh`` output and domain XML (no I/O), for the ``virsh``
execution module and the states. Salt loads this file as a custom util:
``__utils__["drbdha_virsh.<name>"]``; tests import it directly.
"""

import xml.etree.ElementTree as ET

from salt.exceptions import CommandExecutionError


def parse_list_all(text):
    """
    Parse the table of ``virsh list --all`` into ``{name: state}``
    (``running``, ``shut off``, ``paused``, …).
    """
    domains = {}
    for line in text.splitlines():
        fields = line.split(None, 2)
        # The header (" Id   Name   State") and the dashed rule are skipped;
        # data rows start with an id, or '-' for an inactive domain.
        if len(fields) < 3 or fields[0] == "Id":
            continue
        domains[fields[1]] = fields[2].strip()
    return domains


def parse_domstate(text):
    """Parse ``virsh domstate [--reason]``: ``{"state": ..., "reason": ...}``."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    if line.endswith(")") and " (" in line:
        state, reason = line[:-1].split(" (", 1)
        return {"state": state, "reason": reason}
    return {"state": line, "reason": None}


def parse_dominfo(text):
    """
    Parse ``virsh dominfo`` ("Key:   value" lines) into a dict with
    lower-case keys; ``persistent`` and ``autostart`` become booleans.
    """
    info = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip().lower().replace(" ", "_")] = value.strip()
    for key in ("persistent", "autostart"):
        if key in info:
            info[key] = info[key] in ("yes", "enable")
    return info


def summarize_domain_xml(text):
    """
    The facts drbdha needs from a domain XML: name, type, memory (KiB),
    vcpus, disks (source device or file), network interfaces (bridge/network
    and MAC).
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CommandExecutionError(f"invalid domain XML: {exc}") from exc
    disks = [
        {
            "device": disk.get("device"),
            "type": disk.get("type"),
            "source": _child_attribute(disk, "source", "dev", "file"),
            "target": _child_attribute(disk, "target", "dev"),
        }
        for disk in root.iterfind("devices/disk")
    ]
    interfaces = [
        {
            "type": iface.get("type"),
            "source": _child_attribute(iface, "source", "bridge", "network"),
            "mac": _child_attribute(iface, "mac", "address"),
        }
        for iface in root.iterfind("devices/interface")
    ]
    memory = root.find("memory")
    vcpu = root.find("vcpu")
    return {
        "name": root.findtext("name"),
        "uuid": root.findtext("uuid"),
        "type": root.get("type"),
        "memory_kib": _to_kib(memory) if memory is not None else None,
        "vcpus": int(vcpu.text) if vcpu is not None and vcpu.text else None,
        "disks": disks,
        "interfaces": interfaces,
    }


def _child_attribute(elem, tag, *names):
    """
    The first non-empty of the attributes ``names`` of child ``tag`` of
    ``elem`` (else the last one's value); None without such a child.
    """
    child = elem.find(tag)
    if child is None:
        return None
    values = [child.get(name) for name in names]
    return next((value for value in values if value), values[-1])


def _to_kib(elem):
    factors = {"b": 1 / 1024, "bytes": 1 / 1024, "KiB": 1, "k": 1, "MiB": 1024, "M": 1024, "GiB": 1024**2, "G": 1024**2}
    return int(int(elem.text) * factors.get(elem.get("unit", "KiB"), 1))
