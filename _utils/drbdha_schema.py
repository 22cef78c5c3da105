"""
The drbdha pillar's keys, declared once: for every key the formula reads, what
kind of value it takes and what it means.

- ``structure_problems`` checks a configuration against the declaration: an
  unknown key is refused naming the closest known one, a value of the wrong
  kind naming the kind it needs. The rules about values (ranges, formats,
  collisions) are ``drbdha_util.pillar_problems`` and
  ``drbdha_fencing.problems``, which run once the structure is right.
- The defaults are defaults.yaml's (with osfamilymap.yaml's per OS family);
  the unit tests hold both, and pillar.example's keys, to this declaration.

Pure: the unit tests import this file directly; the modules reach it through
``__utils__["drbdha_schema.<name>"]``.
"""

import difflib

# What a value of each kind is, and how a message names it.
_KINDS = {
    "text": (lambda v: isinstance(v, str), "text"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "list": (lambda v: isinstance(v, list), "a list"),
    # A duration for Pacemaker: 120s, 2min, or plain seconds.
    "duration": (lambda v: isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)), "a duration"),
}
_TYPE_NAMES = {"dict": "a mapping", "list": "a list", "str": "text", "int": "a whole number", "bool": "true or false"}


def value(kind, doc):
    """A key holding one value of ``kind`` (a key of _KINDS)."""
    return {"kind": kind, "doc": doc}


def section(doc, **keys):
    """A mapping with these keys, each declared. Never null: the formula has defaults in it or needs it."""
    return {"kind": "section", "doc": doc, "keys": keys}


def optional(spec):
    """A section that may be null, which is how a pillar layered over another leaves it out again."""
    return dict(spec, nullable=True)


def named(doc, what, item):
    """A mapping whose keys the site chooses (``what``: node names, resource names…), each value an ``item``."""
    return {"kind": "named", "doc": doc, "what": what, "item": item}


def text_or_named(doc, what):
    """Either one text for every entry, or a mapping of ``what`` to text."""
    return {"kind": "text_or_named", "doc": doc, "what": what}


_TIMEOUTS = {
    "start": value("duration", "VirtualDomain's start timeout"),
    "stop": value("duration", "VirtualDomain's stop timeout"),
    "monitor": value("duration", "VirtualDomain's monitor timeout"),
    "monitor_interval": value("duration", "how often VirtualDomain's monitor runs"),
}

SCHEMA = section(
    "The drbdha pillar",
    nodes=named(
        "The two cluster nodes, by Salt minion id (equal to the hostname)",
        "node names",
        section(
            "One node",
            id=value("int", "DRBD node id (0-31); corosync's nodeid is this + 1"),
            replication_address=value("text", "address on the replication network (corosync ring 0, DRBD)"),
            external_address=value("text", "address on the external network (second ring, /etc/hosts)"),
        ),
    ),
    first_node=value("text", "the node that bootstraps, takes the first Primary and installs the guest"),
    packages=section(
        "Software",
        install=value("bool", "install KVM, the HA stack and DRBD"),
        names=value("list", "packages of this OS family"),
        patterns=value("list", "zypper patterns (SUSE)"),
        crmsh_mode=value("list", "packages cluster mode crmsh needs"),
        sbd=value("list", "packages of diskless SBD fencing"),
        ipmi=value("list", "packages of IPMI fencing"),
        qdevice=value("list", "packages of the quorum device on the nodes"),
        qnetd=value("list", "packages of the quorum host"),
    ),
    network=section(
        "The nodes' network, managed only when manage is true",
        manage=value("bool", "write the network configuration"),
        domain=value("text", "DNS domain of the nodes' names"),
        external_interface=value("text", "NIC that becomes the bridge's port"),
        bridge=value("text", "bridge on the external network"),
        prefix_length=value("int", "prefix length of the external addresses"),
        gateway=value("text", "default route"),
        replication_interface=value("text", "NIC of the replication network"),
        replication_prefix_length=value("int", "prefix length of the replication addresses"),
    ),
    time=section(
        "Time",
        servers=value("list", "chrony servers"),
        service=value("text", "chrony's service name (OS family)"),
        config=value("text", "chrony's configuration file (OS family)"),
    ),
    cluster=section(
        "Pacemaker and corosync",
        name=value("text", "cluster name"),
        mode=value("text", "native (the formula writes corosync.conf) or crmsh (crm cluster init/join)"),
        token=value("int", "corosync token timeout, ms"),
        authkey=value("text", "corosync authkey, base64 (secret)"),
        hacluster_password=value("text", "password of the hacluster user (secret)"),
        virtual_ip=value("text", "virtual IP address the cluster manages"),
        virtual_ip_prefix_length=value("int", "prefix length of the virtual IP"),
        hacluster_ssh_dir=value("text", "crmsh mode: hacluster's ssh directory (OS family)"),
        sbd_config_file=value("text", "where sbd reads its settings (OS family)"),
        qnetd_options_file=value("text", "where corosync-qnetd reads its options (OS family)"),
        stonith=section(
            "Node fencing",
            mode=value("text", "sbd, ipmi or none"),
            accept_no_fencing=value("bool", "run without node fencing anyway (mode none)"),
            fencing_delay=value("int", "ipmi: priority-fencing-delay, seconds"),
            sbd=optional(
                section(
                    "Diskless SBD",
                    watchdog_module=value("text", "kernel driver of the hardware watchdog"),
                    watchdog_device=value("text", "the watchdog device"),
                    watchdog_timeout=value("int", "SBD_WATCHDOG_TIMEOUT, seconds"),
                )
            ),
            ipmi=optional(
                named(
                    "Each node's BMC",
                    "node names",
                    section(
                        "One BMC",
                        ip=value("text", "the BMC's address"),
                        port=value("int", "the BMC's IPMI port"),
                        user=value("text", "IPMI user"),
                        password=value("text", "IPMI password (secret)"),
                        lanplus=value("bool", "IPMI 2.0 (lanplus)"),
                        cipher=value("int", "IPMI 2.0 cipher suite"),
                    ),
                )
            ),
        ),
        qdevice=optional(
            section(
                "The quorum device (corosync-qdevice, corosync-qnetd on a third host)",
                host=value("text", "the quorum host's address or name"),
                port=value("int", "corosync-qnetd's port"),
                qnetd_minion=value("text", "minion id of the quorum host"),
                qnetd_listen=value("text", "where corosync-qnetd listens"),
                algorithm=value("text", "ffsplit or lms"),
                tie_breaker=value("text", "lowest or highest"),
                timeout=value("int", "corosync-qdevice's timeout, ms"),
                sync_timeout=value("int", "corosync-qdevice's sync_timeout, ms"),
            )
        ),
    ),
    drbd=section(
        "DRBD",
        shared_secret=value("text", "peer authentication secret (secret)"),
        protocol=value("text", "replication protocol A, B or C"),
        config_dir=value("text", "where DRBD's configuration files go"),
        default_version=value("int", "DRBD major to write for when no module is loaded (OS family)"),
        version=value("int", "DRBD major to write for (8 or 9), instead of the loaded module's"),
        sync_timeout=value("int", "how long an initial sync or a resync is waited for, seconds"),
        timeouts=optional(
            section(
                "Operation timeouts of the DRBD cluster resource, seconds",
                monitor_promoted=value("int", "monitor of the Primary"),
                monitor_unpromoted=value("int", "monitor of the Secondary"),
                start=value("int", "start"),
                stop=value("int", "stop"),
                promote=value("int", "promote"),
                demote=value("int", "demote"),
                notify=value("int", "notify"),
            )
        ),
        resources=named(
            "The replicated devices",
            "resource names",
            section(
                "One resource",
                minor=value("int", "/dev/drbdMINOR"),
                port=value("int", "TCP port on the replication addresses"),
                disk=text_or_named("backing device on every node, or per node", "node names"),
                new_devices=value("bool", "both backing devices are brand new and empty"),
            ),
        ),
    ),
    vm_config_dir=value("text", "where the guests' domain XML is kept"),
    libvirt_service=value("text", "libvirt's unit (OS family)"),
    vm_defaults=section("Applied to every guest", timeouts=section("VirtualDomain timeouts", **_TIMEOUTS)),
    vms=named(
        "The protected guests",
        "guest names",
        section(
            "One guest",
            resource=value("text", "the DRBD resource holding its disk"),
            import_xml=value("text", "a ready domain XML (salt:// or absolute path)"),
            install=optional(
                section(
                    "Install once with virt-install",
                    location=value("text", "installer ISO"),
                    os_variant=value("text", "virt-install --os-variant"),
                    vcpus=value("int", "virtual CPUs"),
                    memory=value("int", "memory, MiB"),
                    bridge=value("text", "bridge of its network interface"),
                    extra_args=value("text", "kernel arguments of the installer"),
                    virt_type=value("text", "kvm or qemu"),
                )
            ),
            timeouts=optional(section("VirtualDomain timeouts", **_TIMEOUTS)),
        ),
    ),
    orchestrate=section("The orchestrations", step_timeout=value("int", "how long one step is waited for, seconds")),
    preflight=section(
        "The pre-flight checks", max_clock_skew=value("int", "how far apart the nodes' clocks may be, seconds")
    ),
)


def _key(path):
    return ":".join(("drbdha", *(str(p) for p in path)))


def _type_name(data):
    return "null" if data is None else _TYPE_NAMES.get(type(data).__name__, type(data).__name__)


def _unknown(name, known, path):
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
    return f"{_key(path)}: unknown key {name!r} ({hint})"


def _check(spec, data, path, out):
    kind = spec["kind"]
    if data is None and (spec.get("nullable") or kind not in ("section", "named")):
        return  # a key left empty is a key not set
    if kind in ("section", "named"):
        if not isinstance(data, dict):
            what = "settings" if kind == "section" else f"{spec['what']} to their settings"
            out.append(f"{_key(path)}: must be a mapping of {what}, got {_type_name(data)}")
            return
        for name, item in data.items():
            if kind == "named":
                _check(spec["item"], item, (*path, name), out)
            elif name in spec["keys"]:
                _check(spec["keys"][name], item, (*path, name), out)
            else:
                out.append(_unknown(name, list(spec["keys"]), path))
    elif kind == "text_or_named":
        entries = data.values() if isinstance(data, dict) else [data]
        if not all(isinstance(entry, str) for entry in entries):
            out.append(f"{_key(path)}: must be text, or a mapping of {spec['what']} to text, got {_type_name(data)}")
    else:
        test, name = _KINDS[kind]
        if not test(data):
            out.append(f"{_key(path)}: must be {name}, got {_type_name(data)} {data!r}")


def structure_problems(config):
    """Every key of ``config`` (the ``drbdha`` mapping) the declaration does not know, every value of the wrong kind."""
    out = []
    _check(SCHEMA, config, (), out)
    return out


def key_paths(spec=SCHEMA, path=()):
    """
    Every declared key as a path tuple, a site-chosen name as ``*``: what
    pillar.example must document.
    """
    paths = []
    children = spec.get("keys") or ({"*": spec["item"]} if spec["kind"] == "named" else {})
    if spec["kind"] == "text_or_named":
        children = {"*": value("text", spec["doc"])}
    for name, child in children.items():
        paths.append((*path, name))
        paths.extend(key_paths(child, (*path, name)))
    return paths
