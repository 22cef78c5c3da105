"""
What drbdha writes for a settings mapping (``drbdha.settings``): the names of
the cluster resources, the CIB objects of the reference procedure (steps 5
and 6) as crm configure texts, and DRBD's configuration files (step 4, with
step 5's resource-level fencing).

What the fencing mode adds (``_utils/drbdha_fencing.py``) comes in as
arguments. Pure: the unit tests import this file directly; the modules reach
it through ``__utils__["drbdha_config.<name>"]``.
"""

# The formula names a guest's cluster resource rsc_kvm_DOMAIN (as the reference procedure does).
GUEST_PREFIX = "rsc_kvm_"

# What drbd_config_files writes where the shared secret goes; the drbdadm.config
# state replaces it with the pillar value when it writes the file.
SECRET_PLACEHOLDER = "@DRBDHA_SHARED_SECRET@"  # noqa: S105 - a marker, not a secret

# Operation timeouts of the DRBD primitive (seconds): the reference procedure's monitors
# and the drbd agent's advertised defaults; drbdha:drbd:timeouts overrides them.
DRBD_OP_TIMEOUTS = {
    "monitor_promoted": 20,
    "monitor_unpromoted": 21,
    "start": 240,
    "stop": 100,
    "promote": 90,
    "demote": 90,
    "notify": 90,
}


def drbd_primitive_id(resource):
    """The cluster resource id of DRBD resource ``resource``'s primitive."""
    return f"rsc_drbd_{resource}"


def drbd_clone_id(resource):
    """The cluster resource id of DRBD resource ``resource``'s promotable clone."""
    return f"ms_drbd_{resource}"


def guest_resource_id(vm):
    """The cluster resource id of guest ``vm`` (``rsc_kvm_VM``)."""
    return f"{GUEST_PREFIX}{vm}"


def domain_of(resource_id):
    """The libvirt domain of a VirtualDomain resource named ``rsc_kvm_DOMAIN`` (any other name: itself)."""
    return resource_id[len(GUEST_PREFIX) :] if resource_id.startswith(GUEST_PREFIX) else resource_id


def secret_placeholder():
    """SECRET_PLACEHOLDER (the loader hands the modules functions, not constants)."""
    return SECRET_PLACEHOLDER


def cib_objects(settings, guest_meta, fencing_objects):
    """
    The CIB objects of the reference procedure (steps 5 and 6) for a
    settings mapping, as crm configure texts in load order (Pacemaker 2.1
    syntax: promotable clones, Promoted/Unpromoted). ``guest_meta``: the meta
    attributes every guest resource gets (``{name: value}``); ``fencing_objects``:
    the fencing mode's own objects, loaded last.
    """
    objects = []
    t = dict(DRBD_OP_TIMEOUTS, **(settings["drbd"].get("timeouts") or {}))
    for name in sorted(settings["drbd"]["resources"]):
        prim, clone = drbd_primitive_id(name), drbd_clone_id(name)
        objects.append(
            f"primitive {prim} ocf:linbit:drbd params drbd_resource={name} "
            f"op monitor interval=21 timeout={t['monitor_promoted']} role=Promoted "
            f"op monitor interval=22 timeout={t['monitor_unpromoted']} role=Unpromoted "
            f"op start interval=0 timeout={t['start']} op stop interval=0 timeout={t['stop']} "
            f"op promote interval=0 timeout={t['promote']} op demote interval=0 timeout={t['demote']} "
            f"op notify interval=0 timeout={t['notify']}"
        )
        objects.append(
            f"clone {clone} {prim} meta promotable=true promoted-max=1 promoted-node-max=1 "
            "clone-max=2 clone-node-max=1 notify=true"
        )
    defaults = settings.get("vm_defaults", {}).get("timeouts", {})
    config_dir = settings.get("vm_config_dir", "/etc/havm")
    meta = "".join(f" {k}={v}" for k, v in sorted(guest_meta.items()))
    for vm_name in sorted(settings.get("vms") or {}):
        vm = settings["vms"][vm_name]
        timeouts = dict(defaults, **(vm.get("timeouts") or {}))
        rid, clone = guest_resource_id(vm_name), drbd_clone_id(vm["resource"])
        objects.append(
            f"primitive {rid} ocf:heartbeat:VirtualDomain "
            f'params config="{config_dir}/{vm_name}.xml" hypervisor="qemu:///system" '
            f"op monitor interval={timeouts['monitor_interval']} timeout={timeouts['monitor']} "
            f"op start interval=0 timeout={timeouts['start']} "
            f"op stop interval=0 timeout={timeouts['stop']}" + (f" meta{meta}" if meta else "")
        )
        objects.append(f"colocation col_{rid}_on_drbd inf: {rid} {clone}:Promoted")
        objects.append(f"order ord_{clone}_before_{rid} Mandatory: {clone}:promote {rid}:start")
    cluster = settings.get("cluster", {})
    if cluster.get("virtual_ip"):
        objects.append(
            f"primitive rsc_vip ocf:heartbeat:IPaddr2 params ip={cluster['virtual_ip']} "
            f"cidr_netmask={cluster.get('virtual_ip_prefix_length', 24)} "
            "op monitor interval=10 timeout=20"
        )
    objects += fencing_objects
    return objects


# DRBD's configuration. Built here rather than by templates rendered at render
# time: those cost a file fetch, a Jinja compile and a render per file on every apply.
_HANDLERS = {
    8: ('fence-peer "/usr/lib/drbd/crm-fence-peer.sh"', 'after-resync-target "/usr/lib/drbd/crm-unfence-peer.sh"'),
    9: ('fence-peer "/usr/lib/drbd/crm-fence-peer.9.sh"', 'unfence-peer "/usr/lib/drbd/crm-unfence-peer.9.sh"'),
}


def _section(name, lines, indent="  "):
    """A DRBD config section: ``name {``, its lines one level deeper, ``}``."""
    return [f"{indent}{name} {{", *(f"{indent}  {line}" for line in lines), f"{indent}}}"]


# Why the fencing policy is what it is, written above it in global_common.conf.
_FENCING_COMMENTS = {
    "resource-only": (
        "# Resource-level fencing: while the peer is unreachable, the Promoted role",
        "# is fenced off it in the CIB by the handler below (8.4 keeps this in disk).",
    ),
    "resource-and-stonith": (
        "# Node fencing: a Primary that loses its peer freezes I/O until the handler",
        "# below has fenced the Promoted role off the peer and the cluster has fenced it.",
    ),
}


def _global_common_text(major, protocol, shared_secret, fencing):
    net = ['cram-hmac-alg "sha1";', f'shared-secret "{shared_secret}";', f"protocol {protocol};"]
    if major >= 9:
        # DRBD 9 keeps fencing in net; 8.4 keeps it in disk.
        net.append(f"fencing {fencing};")
        options = _section("options", ["quorum off;"])
    else:
        options = _section("disk", [*_FENCING_COMMENTS[fencing], f"fencing {fencing};"])
    net += [
        "# No automatic split-brain recovery (DRBD's default, stated here on",
        "# purpose): discarding either side's writes is the operator's decision.",
        "after-sb-0pri disconnect;",
        "after-sb-1pri disconnect;",
        "after-sb-2pri disconnect;",
    ]
    handlers = [f"{handler};" for handler in _HANDLERS[9 if major >= 9 else 8]]
    lines = [
        "# Managed by Salt (drbdha): edits here are overwritten. Holds the shared secret: mode 0600.",
        f"# Rendered for DRBD {major} (the reference procedure's step 4, with step 5's fencing).",
        *_section("global", ["usage-count no;", *(["udev-always-use-vnr;"] if major == 8 else [])], indent=""),
        "common {",
        *_section("startup", ["degr-wfc-timeout 90;", "wfc-timeout 100;"]),
        *options,
        *_section("net", net),
        *_section("handlers", handlers),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _resource_text(major, name, res, nodes):
    lines = [
        "# Managed by Salt (drbdha): edits here are overwritten.",
        f"# DRBD {major} syntax for resource {name}.",
        f"resource {name} {{",
        f"  device /dev/drbd{res['minor']};",
        "  meta-disk internal;",
    ]
    for node_name, node in sorted(nodes.items()):
        node_lines = [f"node-id {node['id']};"] if major >= 9 else []
        node_lines += [f"disk {res['disks'][node_name]};", f"address {node['replication_address']}:{res['port']};"]
        lines += _section(f"on {node_name}", node_lines)
    if major >= 9:
        lines += _section("connection-mesh", [f"hosts {' '.join(sorted(nodes))};"])
    return "\n".join([*lines, "}"]) + "\n"


def drbd_config_files(settings, fencing_policy):
    """
    DRBD's configuration files for a settings mapping, ``{file name: text}``:
    ``global_common.conf`` and one ``NAME.res`` per resource, in the syntax
    of ``settings["drbd_major"]`` (8.4 or 9). The shared secret is written as
    SECRET_PLACEHOLDER: the ``drbdadm.config`` state fills it in from pillar.
    ``fencing_policy``: DRBD's fencing policy for the fencing mode.
    """
    major, drbd = settings["drbd_major"], settings["drbd"]
    files = {"global_common.conf": _global_common_text(major, drbd["protocol"], SECRET_PLACEHOLDER, fencing_policy)}
    for name, res in sorted(drbd["resources"].items()):
        files[f"{name}.res"] = _resource_text(major, name, res, settings["nodes"])
    return files
