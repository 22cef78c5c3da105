"""
libvirt domain control for drbdha, through ``virsh`` and ``virt-install``.

The module is named ``virsh`` so it does not collide with Salt's own ``virt``
module (which needs the libvirt Python bindings; this one needs only the CLI).

:depends: libvirt-clients (virsh), virtinst (virt-install, for ``install`` only)
"""

import logging
import os
import tempfile

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


def _parsed(name):
    return __utils__[f"drbdha_virsh.{name}"]


def _install_argv(
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
    The ``virt-install`` argv for the given keyword arguments (no I/O).
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
    return _parsed("parse_list_all")(_virsh("list", "--all", uri=uri)["stdout"])


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
    return _domain_query("domstate", name, uri, _parsed("parse_domstate"), "--reason")


def dominfo(name, uri=None):
    """
    Basic facts of a domain (``virsh dominfo``): state, persistent, autostart,
    memory, CPUs; ``{"state": "undefined"}`` when libvirt does not know it.

    CLI Example:

    .. code-block:: bash

        salt '*' virsh.dominfo sesadm
    """
    return _domain_query("dominfo", name, uri, _parsed("parse_dominfo"))


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
            name = _parsed("summarize_domain_xml")(handle.read())["name"]
        _virsh("define", path, uri=uri)
        return name
    name = _parsed("summarize_domain_xml")(xml)["name"]
    fd, tmp = tempfile.mkstemp(prefix="drbdha-", suffix=".xml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(xml)
        _virsh("define", tmp, uri=uri)
    finally:
        os.unlink(tmp)
    return name


def write_xml(path, text):
    """
    Keep a domain XML in file ``path`` (written atomically, 0644), where
    Pacemaker's VirtualDomain resource reads it. The text must parse as a
    domain definition.

    CLI Example:

    .. code-block:: bash

        salt node-1 virsh.write_xml /etc/drbdha/sesadm.xml "$(virsh dumpxml --inactive sesadm)"
    """
    if not os.path.isabs(path):
        raise SaltInvocationError(f"path {path!r} must be absolute")
    _parsed("summarize_domain_xml")(text)
    __utils__["drbdha_util.write_atomic"](path, text, mode=0o644)
    return path


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


_INSTALL_KWARGS = frozenset(
    {"os_variant", "network_bridge", "location", "xml_import", "extra_args", "virt_type", "graphics", "uri"}
)


def install_command(name, memory, vcpus, disk, **kwargs):
    """
    The ``virt-install`` command ``install`` would run, as an argv list;
    nothing runs. Takes the arguments of ``install``; bad values raise the
    error ``install`` would.

    CLI Example:

    .. code-block:: bash

        salt node-1 virsh.install_command sesadm 2048 4 /dev/drbd0 xml_import=True
    """
    unknown = {k for k in kwargs if not k.startswith("__")} - _INSTALL_KWARGS
    if unknown:
        raise SaltInvocationError(f"unknown install arguments: {', '.join(sorted(unknown))}")
    return _install_argv(name, memory, vcpus, disk, **{k: v for k, v in kwargs.items() if k in _INSTALL_KWARGS})


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
    return _run(install_command(name, memory, vcpus, disk, **kwargs))["stdout"]
