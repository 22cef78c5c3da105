"""
libvirt domain control for drbdha, through ``virsh`` and ``virt-install``.

The module is named ``virsh`` so it does not collide with Salt's own ``virt``
module (which needs the libvirt Python bindings; this one needs only the CLI).

:depends: libvirt-clients (virsh), virtinst (virt-install, for ``install`` only)
"""

import logging
import os
import tempfile
import xml.etree.ElementTree as ET

import salt.utils.path
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "virsh"

DEFAULT_URI = "qemu:///system"

# The parameters of ``install`` that become virt-install options, in order.
_INSTALL_OPTIONS = (
    ("name", "--name"),
    ("os_variant", "--os-variant"),
    ("vcpus", "--vcpus"),
    ("memory", "--memory"),
    ("virt_type", "--virt-type"),
    ("disk", "--disk"),
    ("network", "--network"),
    ("location", "--location"),
    ("import_", "--import"),
    ("extra_args", "--extra-args"),
    ("graphics", "--graphics"),
)


def __virtual__():
    if not salt.utils.path.which("virsh"):
        return (False, "the virsh module needs virsh on PATH (package libvirt-clients / libvirt-client)")
    return __virtualname__


def _virsh(*args, uri=None, ok_retcodes=(0,)):
    argv = ["virsh", "--connect", uri or DEFAULT_URI, *args]
    return _run(argv, ok_retcodes=ok_retcodes)


def _run(argv, **kwargs):
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def _domain(name):
    return __utils__["drbdha_util.require_name"](name, "domain name")


# ---------------------------------------------------------------- parsers --


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
    disks = []
    for disk in root.iterfind("devices/disk"):
        source = disk.find("source")
        target = disk.find("target")
        disks.append(
            {
                "device": disk.get("device"),
                "type": disk.get("type"),
                "source": None if source is None else (source.get("dev") or source.get("file")),
                "target": None if target is None else target.get("dev"),
            }
        )
    interfaces = []
    for iface in root.iterfind("devices/interface"):
        source = iface.find("source")
        mac = iface.find("mac")
        interfaces.append(
            {
                "type": iface.get("type"),
                "source": None if source is None else (source.get("bridge") or source.get("network")),
                "mac": None if mac is None else mac.get("address"),
            }
        )
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


def _to_kib(elem):
    factors = {"b": 1 / 1024, "bytes": 1 / 1024, "KiB": 1, "k": 1, "MiB": 1024, "M": 1024, "GiB": 1024**2, "G": 1024**2}
    return int(int(elem.text) * factors.get(elem.get("unit", "KiB"), 1))


def build_install_argv(
    name,
    memory,
    vcpus,
    disk,
    os_variant=None,
    network_bridge=None,
    location=None,
    xml_import=False,
    extra_args=None,
    virt_type="kvm",
    graphics="none",
    uri=None,
):
    """
    The ``virt-install`` argv for the given keyword arguments (pure; no I/O).
    ``disk`` is a path (the DRBD device); either ``location`` (an installer ISO
    or tree) or ``xml_import=True`` (boot the existing disk) is needed.
    """
    if not isinstance(memory, int) or isinstance(memory, bool) or memory < 64:
        raise SaltInvocationError(f"memory must be a number of MiB (at least 64), got {memory!r}")
    if not isinstance(vcpus, int) or isinstance(vcpus, bool) or vcpus < 1:
        raise SaltInvocationError(f"vcpus must be a positive integer, got {vcpus!r}")
    if virt_type not in ("kvm", "qemu"):
        raise SaltInvocationError("virt_type must be 'kvm' or 'qemu'")
    if bool(location) == bool(xml_import):
        raise SaltInvocationError("give exactly one of location (an installer) or xml_import=True")
    if location and (not os.path.isabs(location) or any(c in location for c in ",\n")):
        raise SaltInvocationError(f"location {location!r} must be an absolute path without commas")
    if os_variant is not None and not __utils__["drbdha_util.valid_name"](os_variant):
        raise SaltInvocationError(f"invalid os_variant {os_variant!r}")
    if graphics not in ("none", "vnc", "spice"):
        raise SaltInvocationError("graphics must be one of none, vnc, spice")
    values = {
        "name": _domain(name),
        "os_variant": os_variant,
        "vcpus": str(vcpus),
        "memory": str(memory),
        "virt_type": virt_type,
        "disk": f"path={__utils__['drbdha_util.require_device'](disk, 'disk')},bus=virtio,cache=none",
        "network": (
            f"bridge={__utils__['drbdha_util.require_name'](network_bridge, 'bridge')},model=virtio"
            if network_bridge
            else None
        ),
        "location": location,
        "import_": "" if xml_import else None,
        "extra_args": extra_args if location else None,
        "graphics": graphics,
    }
    if extra_args is not None and not isinstance(extra_args, str):
        raise SaltInvocationError("extra_args must be a string (the kernel command line)")
    argv = ["virt-install", "--connect", uri or DEFAULT_URI]
    for key, option in _INSTALL_OPTIONS:
        value = values[key]
        if value is None:
            continue
        argv.append(option)
        if value != "":
            argv.append(value)
    argv.extend(["--noautoconsole", "--wait", "-1"])
    return argv


# -------------------------------------------------------------- functions --


def list_domains(uri=None):
    """
    All domains libvirt knows, with their state: ``{name: state}``.

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.list_domains
    """
    return parse_list_all(_virsh("list", "--all", uri=uri)["stdout"])


def _unknown_domain(result):
    """Whether a failed virsh call failed because libvirt does not know the domain."""
    stderr = result.get("stderr", "")
    return "failed to get domain" in stderr or "Domain not found" in stderr


def _domain_query(subcommand, name, uri, parse, *options):
    """Run ``virsh SUBCOMMAND [OPTIONS] NAME``: parsed, or ``{"state": "undefined"}``."""
    result = _virsh(subcommand, *options, _domain(name), uri=uri, ok_retcodes=(0, 1))
    if result["retcode"] != 0:
        if _unknown_domain(result):
            return {"state": "undefined"}
        raise CommandExecutionError(
            f"virsh {subcommand} {name} failed: {result.get('stderr', '').strip()}",
            info={"command": ["virsh", subcommand, name], "stderr": result.get("stderr", "")},
        )
    return parse(result["stdout"])


def domstate(name, uri=None):
    """
    A domain's state and its reason; ``{"state": "undefined"}`` when libvirt
    does not know the domain (the cluster owns it then, not libvirt).

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.domstate sesadm
    """
    return _domain_query("domstate", name, uri, parse_domstate, "--reason")


def dominfo(name, uri=None):
    """
    Basic facts of a domain (``virsh dominfo``): state, persistent, autostart,
    memory, CPUs; ``{"state": "undefined"}`` when libvirt does not know it.

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.dominfo sesadm
    """
    return _domain_query("dominfo", name, uri, parse_dominfo)


def dumpxml(name, inactive=True, uri=None):
    """
    A domain's XML (the persistent definition with ``inactive=True``).

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.dumpxml sesadm
    """
    args = ["dumpxml", _domain(name)]
    if inactive:
        args.insert(1, "--inactive")
    return _virsh(*args, uri=uri)["stdout"]


def define(xml=None, path=None, uri=None):
    """
    Define (or redefine) a domain from XML text or an XML file; returns the
    domain's name.

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.define path=/etc/havm/sesadm.xml
    """
    if (xml is None) == (path is None):
        raise SaltInvocationError("give exactly one of xml or path")
    if path is not None:
        if not os.path.isabs(path) or not os.path.isfile(path):
            raise SaltInvocationError(f"{path!r} is not an existing absolute file path")
        with open(path, encoding="utf-8") as handle:
            name = summarize_domain_xml(handle.read())["name"]
        _virsh("define", path, uri=uri)
        return name
    name = summarize_domain_xml(xml)["name"]
    fd, tmp = tempfile.mkstemp(prefix="drbdha-", suffix=".xml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(xml)
        _virsh("define", tmp, uri=uri)
    finally:
        os.unlink(tmp)
    return name


def undefine(name, uri=None):
    """
    Remove a domain's definition from libvirt (its disks are left alone).

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.undefine sesadm
    """
    return _virsh("undefine", _domain(name), uri=uri)["stdout"]


def start(name, uri=None):
    """
    Start a defined domain.

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.start sesadm
    """
    return _virsh("start", _domain(name), uri=uri)["stdout"]


def destroy(name, uri=None):
    """
    Power a domain off at once (like pulling the plug).

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.destroy sesadm
    """
    return _virsh("destroy", _domain(name), uri=uri)["stdout"]


def shutdown(name, uri=None):
    """
    Ask a domain's OS to shut down (ACPI); returns at once.

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.shutdown sesadm
    """
    return _virsh("shutdown", _domain(name), uri=uri)["stdout"]


def install(name, memory, vcpus, disk, **kwargs):
    """
    Create a domain with ``virt-install`` and wait for the installer to end.
    Keyword arguments: ``os_variant``, ``network_bridge``, ``location`` (ISO
    path) or ``xml_import=True``, ``extra_args``, ``virt_type`` (kvm/qemu),
    ``graphics`` (default ``none``), ``uri``.

    CLI Example:

    .. code-block:: bash

        salt node-1 virsh.install sesadm 2048 4 /dev/drbd0 os_variant=sle15sp1 \\
            network_bridge=br0 location=/opt/SLE-15-SP1-Installer-DVD-x86_64-QU1-DVD1.iso \\
            extra_args='console=ttyS0 textmode=1'
    """
    if not salt.utils.path.which("virt-install"):
        raise CommandExecutionError("virt-install is not installed (package virtinst / virt-install)")
    known = {"os_variant", "network_bridge", "location", "xml_import", "extra_args", "virt_type", "graphics", "uri"}
    unknown = set(k for k in kwargs if not k.startswith("__")) - known
    if unknown:
        raise SaltInvocationError(f"unknown install arguments: {', '.join(sorted(unknown))}")
    params = {k: v for k, v in kwargs.items() if k in known}
    argv = build_install_argv(name, memory, vcpus, disk, **params)
    return _run(argv)["stdout"]
