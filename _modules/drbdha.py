"""
drbdha: one health view of a DRBD-backed, Pacemaker-managed KVM guest.

``drbdha.status`` asks the three tool modules (``drbdadm``, ``crmsh``,
``virsh``) once each and turns their answers into a verdict — ``healthy``,
``degraded`` or ``failed`` — with the reasons for it.
"""

import copy
import hashlib
import ipaddress
import json
import logging
import os
import socket
import stat
import time

import salt.utils.data
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "drbdha"

HEALTHY, DEGRADED, FAILED = "healthy", "degraded", "failed"
# A warning is reported but does not change the verdict (e.g. no STONITH).
WARNING = "warning"
_SEVERITY = {WARNING: 0, HEALTHY: 0, DEGRADED: 1, FAILED: 2}

VIRTUALDOMAIN_AGENT = "ocf:heartbeat:VirtualDomain"
# The formula names a guest's cluster resource rsc_kvm_DOMAIN (as the reference procedure does).
GUEST_PREFIX = "rsc_kvm_"

# The three parts of the view and the execution-module function behind each.
_SOURCES = (
    ("drbd", "drbdadm.status", "DRBD"),
    ("cluster", "crmsh.status", "the cluster"),
    ("libvirt", "virsh.list_domains", "libvirt"),
)


def __virtual__():
    return __virtualname__


# ------------------------------------------------------------ pure checks --


def drbd_findings(resources):
    """(severity, reason) pairs for one node's DRBD resources."""
    findings = []
    for name, res in sorted(resources.items()):
        if res.get("disk") != "UpToDate":
            findings.append(
                (
                    DEGRADED if res.get("disk") in ("Inconsistent", "Outdated", "Consistent") else FAILED,
                    f"{name} disk {res.get('disk')} on this node",
                )
            )
        if not res["peers"]:
            findings.append((DEGRADED, f"{name} has no peer configured or connected"))
        for peer_name, peer in sorted(res["peers"].items()):
            if peer["standalone"]:
                findings.append(
                    (
                        FAILED,
                        f"{name} is StandAlone towards {peer_name}: split brain suspected "
                        "(replication stopped; resolve with the split-brain recovery)",
                    )
                )
            elif peer["connection"] != "Connected":
                findings.append((DEGRADED, f"{name} peer {peer_name} {peer['connection']}: not replicating"))
            elif peer["peer_disk"] != "UpToDate":
                progress = f", {peer['sync_percent']:g}% synced" if peer.get("sync_percent") is not None else ""
                findings.append((DEGRADED, f"{name} peer disk {peer['peer_disk']}{progress}"))
            if peer["connection"] == "Connected" and res.get("role") == "Primary" and peer.get("role") == "Primary":
                findings.append((FAILED, f"{name} is Primary on both this node and {peer_name}"))
    return findings


def cluster_findings(cluster):
    """(severity, reason) pairs for the Pacemaker view."""
    findings = []
    if not cluster.get("quorum"):
        findings.append((FAILED, "the cluster has no quorum" if cluster.get("dc") else "the cluster has no DC"))
    for name, node in sorted(cluster["nodes"].items()):
        if node["unclean"]:
            findings.append((FAILED, f"node {name} is UNCLEAN (needs fencing)"))
        elif not node["online"]:
            findings.append((DEGRADED, f"node {name} is offline"))
        elif node["standby"]:
            findings.append((DEGRADED, f"node {name} is in standby"))
        if node["maintenance"]:
            findings.append((DEGRADED, f"node {name} is in maintenance mode"))
    if cluster.get("maintenance_mode"):
        findings.append((DEGRADED, "the cluster is in maintenance mode"))
    if cluster.get("stonith_enabled") is False:
        findings.append((WARNING, "STONITH is disabled: only DRBD resource-level fencing protects the data"))
    for failure in cluster["failures"]:
        findings.append(
            (
                DEGRADED,
                f"failed action {failure['op']} on {failure['node']}: {failure['exitstatus']}"
                + (f" ({failure['exitreason']})" if failure.get("exitreason") else ""),
            )
        )
    latest = {}
    for event in cluster.get("fence_history", []):
        target = event.get("target")
        if target not in latest or (event.get("completed") or "") > (latest[target].get("completed") or ""):
            latest[target] = event
    for target, event in sorted(latest.items()):
        if event.get("status") != "success":
            findings.append(
                (DEGRADED, f"the last fencing of {target} {event.get('status')} ({event.get('completed')})")
            )
        else:
            findings.append((WARNING, f"{target} was fenced ({event.get('action')}) at {event.get('completed')}"))
    for clone in cluster["clones"].values():
        if clone["promotable"] and len(clone["promoted"]) > 1:
            findings.append((FAILED, f"{clone['id']} is promoted on {', '.join(clone['promoted'])}"))
        if clone["failed"]:
            findings.append((FAILED, f"{clone['id']} has failed"))
    return findings


def guests(cluster):
    """The cluster's VirtualDomain resources: ``{resource id: primitive}``."""
    return {rid: r for rid, r in cluster["resources"].items() if r["agent"] == VIRTUALDOMAIN_AGENT}


def guest_findings(cluster, local_domains, node, vm_resources=None):
    """
    (severity, reason) pairs for the guests: each VirtualDomain resource
    must run, on one node only, where its DRBD clone is promoted, and this
    node's libvirt must not run a guest the cluster places elsewhere.

    ``vm_resources`` maps a VirtualDomain resource id to its promotable
    clone id (from pillar); without it, a guest must run where some
    promotable clone is promoted.
    """
    findings = []
    promoted = {cid: c["promoted"] for cid, c in cluster["clones"].items() if c["promotable"]}
    for rid, rsc in sorted(guests(cluster).items()):
        where = rsc["nodes"]
        if rsc["failed"]:
            findings.append((FAILED, f"guest resource {rid} has failed"))
        if not where:
            if rsc.get("target_role") == "Stopped":
                findings.append((DEGRADED, f"guest resource {rid} is stopped (target-role Stopped)"))
            else:
                findings.append((FAILED, f"guest resource {rid} is not running"))
            continue
        if len(where) > 1:
            findings.append((FAILED, f"guest resource {rid} is active on {', '.join(where)}"))
        clone_id = (vm_resources or {}).get(rid)
        if clone_id is not None:
            primaries = promoted.get(clone_id, [])
        else:
            primaries = sorted({n for nodes in promoted.values() for n in nodes})
        if promoted and not set(where) <= set(primaries):
            findings.append(
                (
                    FAILED,
                    f"VM {rid} running on {', '.join(where)} but DRBD Primary is {', '.join(primaries) or 'nowhere'}",
                )
            )
    placed_here = {domain_of(rid) for rid, r in guests(cluster).items() if node in r["nodes"]}
    managed = {domain_of(rid) for rid in guests(cluster)}
    for domain, state in sorted((local_domains or {}).items()):
        if state == "running" and domain in managed and domain not in placed_here:
            findings.append(
                (FAILED, f"domain {domain} runs in this node's libvirt but the cluster does not place it here")
            )
    return findings


def domain_of(resource_id):
    """The libvirt domain of a VirtualDomain resource named ``rsc_kvm_DOMAIN``."""
    return resource_id[len(GUEST_PREFIX) :] if resource_id.startswith(GUEST_PREFIX) else resource_id


def verdict(findings):
    """The worst severity among the findings (``healthy`` when there are none)."""
    worst = max((sev for sev, _ in findings), key=_SEVERITY.get, default=HEALTHY)
    return HEALTHY if worst == WARNING else worst


def derive_settings(config, minion_id, drbd_major):
    """
    The validated configuration plus what every SLS needs and should not
    compute twice: ``this_node``, ``first_node``, ``peer_node``,
    ``drbd_major`` and per resource ``disks`` (``{node: device}``). Pure.
    """
    nodes = config["nodes"]
    first = config.get("first_node") or min(nodes, key=lambda n: nodes[n]["id"])
    settings = dict(config)
    settings["first_node"] = first
    settings["this_node"] = minion_id
    settings["is_first_node"] = minion_id == first
    settings["peer_node"] = next((n for n in nodes if n != minion_id), None) if minion_id in nodes else None
    settings["is_qnetd"] = minion_id == ((config.get("cluster") or {}).get("qdevice") or {}).get("qnetd_minion")
    settings["drbd_major"] = drbd_major
    resources = {}
    for name, res in config["drbd"]["resources"].items():
        disk = res["disk"]
        resources[name] = dict(res, disks=disk if isinstance(disk, dict) else {n: disk for n in nodes})
    settings["drbd"] = dict(config["drbd"], resources=resources)
    return settings


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
    return f"rsc_drbd_{resource}"


def drbd_clone_id(resource):
    return f"ms_drbd_{resource}"


def guest_resource_id(vm):
    """
    The cluster resource id of guest ``vm`` (``rsc_kvm_VM``).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.guest_resource_id sesadm
    """
    return f"{GUEST_PREFIX}{vm}"


def build_cib_objects(settings):
    """
    The CIB objects of the reference procedure (steps 5 and 6) for a
    settings mapping, as crm configure texts in load order (Pacemaker 2.1
    syntax: promotable clones, Promoted/Unpromoted). Pure.
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
    meta = "".join(f" {k}={v}" for k, v in sorted(_fencing("guest_meta")(settings).items()))
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
    objects += _fencing("ipmi_objects")(settings)
    return objects


def cluster_properties(settings):
    """
    Cluster properties for the settings' fencing choice: ``{name: value}``.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.cluster_properties "$(salt-call --out=json drbdha.settings ...)"
    """
    return _fencing("cluster_properties")(settings)


def fencing_plan(config):
    """
    What this node's SLS files do for the fencing choice of a settings mapping
    (from ``drbdha.settings``): packages, corosync's quorum section, the sbd
    configuration and watchdog, the password files of the peers' BMCs. No
    secret in it.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.fencing_plan "$(salt-call --out=json drbdha.settings ...)"
    """
    return _fencing("plan")(config, __opts__["id"])


# DRBD's configuration (reference procedure step 4, with step 5's resource-level
# fencing). Built here rather than by templates rendered at render time: those
# cost a file fetch, a Jinja compile and a render per file on every apply.
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


def build_drbd_config(settings):
    """
    DRBD's configuration files for a settings mapping, ``{file name: text}``:
    ``global_common.conf`` and one ``NAME.res`` per resource, in the syntax
    of ``settings["drbd_major"]`` (8.4 or 9). The shared secret is written as
    SECRET_PLACEHOLDER: the ``drbdadm.config`` state fills it in from pillar.
    Pure.
    """
    major, drbd = settings["drbd_major"], settings["drbd"]
    fencing = _fencing("drbd_fencing_policy")(settings)
    files = {"global_common.conf": _global_common_text(major, drbd["protocol"], SECRET_PLACEHOLDER, fencing)}
    for name, res in sorted(drbd["resources"].items()):
        files[f"{name}.res"] = _resource_text(major, name, res, settings["nodes"])
    return files


# -------------------------------------------------------------- preflight --

# How long the replication probe waits for the peer to answer.
PROBE_TIMEOUT = 3.0


def mounts_by_device(mountinfo_text):
    """``{"major:minor": [mount points]}`` from /proc/self/mountinfo. Pure."""
    found = {}
    for line in mountinfo_text.splitlines():
        fields = line.split()
        if len(fields) > 4:
            found.setdefault(fields[2], []).append(fields[4])
    return found


def preflight_problems(facts, settings):
    """
    What stops a rollout on this node, each saying what to fix: a backing
    device that is missing, not a block device, in use (mounted, held by
    device-mapper/md, partitioned) or holding data that is not DRBD's; a node
    name that does not resolve to the node's address; a peer that does not
    answer on the replication network; no fencing and no explicit waiver.
    A device DRBD already has attached is in use by DRBD itself and passes. Pure.
    """
    problems = []
    this_node = settings["this_node"]
    if facts["hostname"] != this_node:
        problems.append(
            f"this node's hostname is {facts['hostname']} but its minion id (its cluster and DRBD node name) "
            f"is {this_node}: set the hostname to {this_node} (drbdha:network:manage does it)"
        )
    if not facts["driver"]:
        problems.append(
            "the DRBD kernel driver is neither loaded nor installed (modinfo drbd): install a kernel or "
            "package that has it (SUSE: drbd-kmp-default; Debian/Ubuntu: the distribution kernel has it)"
        )
    for name, dev in sorted(facts["devices"].items()):
        path, key = dev["path"], f"drbdha:drbd:resources:{name}:disk"
        if dev.get("attached"):
            continue
        if not dev["exists"]:
            problems.append(f"{name}: backing device {path} does not exist on this node ({key})")
            continue
        if not dev["block"]:
            problems.append(f"{name}: {path} is not a block device ({key})")
            continue
        if dev["mounted"]:
            problems.append(f"{name}: {path} is in use, mounted on {', '.join(dev['mounted'])}: unmount it first")
        if dev["holders"]:
            problems.append(f"{name}: {path} is in use by {', '.join(dev['holders'])} (device-mapper, md or LVM)")
        if dev["partitions"]:
            problems.append(
                f"{name}: {path} has partitions ({', '.join(dev['partitions'])}): name the partition meant "
                f"for DRBD in {key}, or wipe the disk if nothing on it is needed"
            )
        signature = dev.get("signature")
        if signature and signature != "DRBD metadata":
            problems.append(
                f"{name}: {path} holds {signature}; drbdha puts DRBD metadata only on unused devices. "
                f"If its data is not needed, zero the device (blkdiscard --zeroout {path}, or "
                f"dd if=/dev/zero of={path} bs=1M; wipefs alone leaves data where DRBD's metadata goes) and apply again"
            )
    nodes = settings["nodes"]
    for node, addresses in sorted(facts["resolves"].items()):
        expected = nodes[node].get("external_address")
        if not addresses:
            problems.append(f"node name {node} does not resolve on this node: add it to /etc/hosts or DNS")
        elif expected and expected not in addresses:
            problems.append(
                f"node name {node} resolves to {', '.join(addresses)}, not its external address {expected} "
                f"(drbdha:nodes:{node}:external_address): fix /etc/hosts or DNS"
            )
        elif not expected and all(ipaddress.ip_address(a).is_loopback for a in addresses):
            problems.append(f"node name {node} resolves only to loopback ({', '.join(addresses)}): fix /etc/hosts")
    if facts.get("peer_probe"):
        problems.append(facts["peer_probe"])
    problems += _fencing("preflight_problems")(settings, facts.get("fencing") or {})
    return problems


# -------------------------------------------------------------- functions --


def _pillar(key, default):
    # __pillar__ itself: Salt 3008's pillar.get/config.get mask values outside templates.
    return salt.utils.data.traverse_dict_and_list(__pillar__, key, default, delimiter=":")


def _ask(function):
    """Call one execution-module function; (answer, error message or None)."""
    if function not in __salt__:
        return None, __salt__.missing_fun_string(function)
    try:
        return __salt__[function](), None
    except (CommandExecutionError, SaltInvocationError, OSError) as exc:
        return None, str(exc)


# What build_drbd_config writes where the shared secret goes; drbdadm.config
# replaces it with the pillar value when it writes the file.
SECRET_PLACEHOLDER = "@DRBDHA_SHARED_SECRET@"  # noqa: S105 - a marker, not a secret


def secret_placeholder():
    """
    The text the DRBD files carry instead of the shared secret (the
    ``drbdadm.config`` state fills the value in from pillar).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.secret_placeholder
    """
    return SECRET_PLACEHOLDER


def validate(config=None):
    """
    Every problem with a drbdha configuration (default: this minion's
    ``drbdha`` pillar), each naming its pillar key; empty when it is valid.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdha.validate
    """
    if config is None:
        config = __pillar__.get("drbdha", {})
    problems = __utils__["drbdha_util.pillar_problems"](config)
    if isinstance(config, dict):
        problems += _fencing("problems")(config)
    return problems


def settings(config, remember=False):
    """
    Validate a merged drbdha configuration (map.jinja passes defaults →
    os_family → pillar) and add the derived values the SLS files use.
    Raises with every problem, each naming its pillar key, so a bad pillar
    stops the run before any state executes. ``remember``: keep the result
    for the rest of this run (``settings_of_this_run``).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.settings "$(salt-call --out=json pillar.get drbdha)"
    """
    result = _settings(config)
    if remember:
        __context__[_RUN_SETTINGS] = (_run_settings_key(), copy.deepcopy(result))
    return result


# Every SLS file of the formula needs map.jinja's settings, and each import of
# the map fetched defaults.yaml and osfamilymap.yaml from the master again (a
# round trip each) and validated the pillar again: once per SLS file of a run.
_RUN_SETTINGS = "drbdha.run_settings"


def _run_settings_key():
    """What the settings are made of besides the formula's own files: pillar, minion id, os_family."""
    made_of = [__pillar__.get("drbdha"), __grains__.get("id"), __grains__.get("os_family")]
    return hashlib.sha256(json.dumps(made_of, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def settings_of_this_run():
    """
    The settings map.jinja made earlier in this run (``settings(...,
    remember=True)``) if the pillar, id and os_family are still the same, else
    None. A copy: an SLS file that changes it changes only its own.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.settings_of_this_run
    """
    remembered = __context__.get(_RUN_SETTINGS)
    if remembered is None or remembered[0] != _run_settings_key():
        return None
    return copy.deepcopy(remembered[1])


def _settings(config):
    problems = validate(config)
    if problems:
        raise SaltInvocationError("invalid drbdha pillar:\n  " + "\n  ".join(problems))
    minion_id = __grains__["id"]
    qnetd = ((config.get("cluster") or {}).get("qdevice") or {}).get("qnetd_minion")
    if minion_id not in config["nodes"] and minion_id != qnetd:
        raise SaltInvocationError(
            f"drbdha:nodes: this minion ({minion_id}) is not one of the nodes ({', '.join(config['nodes'])}) "
            "nor the quorum host (drbdha:cluster:qdevice:qnetd_minion)"
        )
    major = config["drbd"].get("version")
    if major is None:
        loaded = __salt__["drbdadm.kernel_version"]() if "drbdadm.kernel_version" in __salt__ else None
        major = loaded[0] if loaded else config["drbd"].get("default_version", 9)
    return derive_settings(config, minion_id, int(major))


def cib_objects(config):
    """
    The crm configure texts of the CIB objects drbdha manages for a
    settings mapping (from ``drbdha.settings``), in load order.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.cib_objects "$(salt-call --out=json drbdha.settings ...)"
    """
    return build_cib_objects(config)


def drbd_config_files(config):
    """
    DRBD's configuration files for a settings mapping (from
    ``drbdha.settings``): ``{file name: text}``, the shared secret as a
    placeholder.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.drbd_config_files "$(salt-call --out=json drbdha.settings ...)"
    """
    return build_drbd_config(config)


# Commands apply_network_later may schedule.
_NETWORK_RELOADS = (["wicked", "ifreload", "all"], ["systemctl", "restart", "networking"])


def apply_network_later(command, delay=10):
    """
    Run a network reload ``delay`` seconds from now in a transient systemd
    unit, so the Salt run that wrote the new network files returns before
    its own connection is touched.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.apply_network_later '["wicked", "ifreload", "all"]'
    """
    if list(command) not in _NETWORK_RELOADS:
        raise SaltInvocationError(f"not a network reload drbdha schedules: {command!r}")
    if not isinstance(delay, int) or not 1 <= delay <= 300:
        raise SaltInvocationError("delay must be 1-300 seconds")
    argv = ["systemd-run", f"--on-active={delay}", "--unit", "drbdha-network-reload", *command]
    return __utils__["drbdha_util.run"](__salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"))[
        "stdout"
    ]


def vm_xml():
    """
    The domain XML files drbdha keeps (``/etc/havm/*.xml``): ``{domain: xml}``.
    Published to the Salt mine by the node that installed a guest, so the
    other node can keep the same file.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.vm_xml
    """
    directory = _pillar("drbdha:vm_config_dir", "/etc/havm")
    found = {}
    if os.path.isdir(directory):
        for filename in sorted(os.listdir(directory)):
            if filename.endswith(".xml"):
                with open(os.path.join(directory, filename), encoding="utf-8") as handle:
                    found[filename[: -len(".xml")]] = handle.read()
    return found


def _replicating(res):
    return any(peer["connection"] == "Connected" for peer in res["peers"].values())


def _add_generation_ids(resources, errors):
    """
    Each resource that is not replicating gets its data generation
    identifiers, so the runner can tell a split brain from one side simply
    being ahead. (A replicating resource costs no extra process.)
    """
    for name, res in sorted(resources.items()):
        if _replicating(res) or res.get("disk") in (None, "Diskless"):
            continue
        try:
            res["generation_ids"] = __salt__["drbdadm.generation_ids"](name)
        except CommandExecutionError as exc:
            errors[f"drbd:{name}:generation_ids"] = str(exc)


def status():
    """
    DRBD, cluster and guest health of this node in one answer: the verdict
    (``healthy`` / ``degraded`` / ``failed``), the reasons for it, and the
    three views it was built from. A tool that is missing or fails makes
    the verdict ``failed`` and is named in the reasons and in ``errors``.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.status
    """
    node = __grains__.get("nodename") or __grains__.get("id")
    answers, errors, findings = {}, {}, []
    for key, function, label in _SOURCES:
        answers[key], error = _ask(function)
        if error is not None:
            errors[key] = error
            findings.append((FAILED, f"cannot read {label}: {error}"))
    if answers["drbd"] is not None:
        findings.extend(drbd_findings(answers["drbd"]))
        _add_generation_ids(answers["drbd"], errors)
    if answers["cluster"] is not None:
        findings.extend(cluster_findings(answers["cluster"]))
        vm_resources = _pillar("drbdha:status:vm_resources", {}) or {}
        findings.extend(guest_findings(answers["cluster"], answers["libvirt"], node, vm_resources))
    return {
        "node": node,
        "verdict": verdict(findings),
        "reasons": [reason for sev, reason in findings if sev != WARNING],
        "warnings": [reason for sev, reason in findings if sev == WARNING],
        "drbd": answers["drbd"],
        "cluster": answers["cluster"],
        "libvirt": answers["libvirt"],
        "errors": errors,
    }


def _device_facts(path):
    """Existence, size and users of a backing device, read from sysfs and /proc."""
    facts = {"path": path, "exists": os.path.exists(path), "block": False}
    if not facts["exists"]:
        return facts
    info = os.stat(path)
    facts["block"] = stat.S_ISBLK(info.st_mode)
    if not facts["block"]:
        return facts
    devnum = f"{os.major(info.st_rdev)}:{os.minor(info.st_rdev)}"
    sysdir = f"/sys/dev/block/{devnum}"
    with open(f"{sysdir}/size", encoding="utf-8") as handle:
        facts["size"] = int(handle.read()) * 512
    facts["holders"] = sorted(os.listdir(f"{sysdir}/holders"))
    facts["partitions"] = sorted(p for p in os.listdir(sysdir) if os.path.exists(f"{sysdir}/{p}/partition"))
    devnums = {devnum}
    for part in facts["partitions"]:
        with open(f"{sysdir}/{part}/dev", encoding="utf-8") as handle:
            devnums.add(handle.read().strip())
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        mounts = mounts_by_device(handle.read())
    facts["mounted"] = sorted(m for d in devnums for m in mounts.get(d, []))
    facts["signature"] = __salt__["drbdadm.device_signature"](path)
    return facts


def _drbd_driver(loaded):
    """The DRBD driver's version: the ``loaded`` module's, else the installed one's (modinfo); None if neither."""
    if loaded is not None:
        return ".".join(map(str, loaded))
    try:
        out = __utils__["drbdha_util.run"](
            __salt__["cmd.run_all"], ["modinfo", "-F", "version", "drbd"], record=__opts__.get("drbdha_command_log")
        )
    except CommandExecutionError:
        return None
    return out["stdout"].strip() or "installed"


def _resolve(name):
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)})
    except socket.gaierror:
        return []


def _tcp_answer(target, port, source=None, timeout=PROBE_TIMEOUT):
    """
    None when ``target`` answers a TCP connection on ``port`` (accepted or
    refused both prove the path: the service may not listen yet), else the
    reason; ``source`` binds the connection to this node's address there.
    """
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        if source is not None:
            sock.bind((source, 0))
        try:
            sock.connect((target, port))
        except ConnectionRefusedError:
            return None
        except OSError as exc:
            return f"{exc.strerror or 'no answer'} after {timeout:g} s"
    return None


def probe_replication(source, target, port, timeout=PROBE_TIMEOUT):
    """
    None when ``target`` answers a TCP connection from ``source`` on
    ``port`` (DRBD may not listen yet), else what is wrong.
    """
    try:
        reason = _tcp_answer(target, port, source, timeout)
    except OSError as exc:
        return f"this node has no replication address {source} ({exc.strerror}): configure the replication NIC"
    if reason is None:
        return None
    return (
        f"the peer's replication address {target} does not answer from {source} "
        f"({reason}): check the replication network and firewall (port {port})"
    )


def probe_qnetd(host, port, timeout=PROBE_TIMEOUT):
    """None when the quorum host answers on ``port`` (qnetd may not listen yet), else what is wrong."""
    try:
        reason = _tcp_answer(host, port, timeout=timeout)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    if reason is None:
        return None
    return (
        f"the quorum device host {host} does not answer on port {port} ({reason}): the nodes need a path to "
        "corosync-qnetd that does not depend on the links between them (drbdha:cluster:qdevice:host)"
    )


def _fencing(name):
    """A function of the fencing rules (_utils/drbdha_fencing.py)."""
    return __utils__[f"drbdha_fencing.{name}"]


def _watchdog_problem(sbd):
    """None when the watchdog driver the pillar names is loaded or installed on this node, else what is wrong."""
    module = sbd["watchdog_module"]
    if os.path.isdir(f"/sys/module/{module}"):
        return None
    try:
        __utils__["drbdha_util.run"](
            __salt__["cmd.run_all"], ["modinfo", "-F", "filename", module], record=__opts__.get("drbdha_command_log")
        )
    except CommandExecutionError:
        return (
            f"the watchdog driver {module} is neither loaded nor installed on this node (modinfo {module}): "
            "name the driver of this node's hardware watchdog in drbdha:cluster:stonith:sbd:watchdog_module"
        )
    return None


def bmc_status(node, config=None):
    """
    Ask ``node``'s BMC for its power state with ``fence_ipmilan -o status``
    (the password on the agent's stdin, never on its command line):
    ``{"node", "answers", "detail"}``. Reads only.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.bmc_status node-2
    """
    conf = __pillar__.get("drbdha", {}) if config is None else config
    ipmi = ((conf.get("cluster") or {}).get("stonith") or {}).get("ipmi") or {}
    if node not in ipmi:
        raise SaltInvocationError(f"drbdha:cluster:stonith:ipmi has no entry for {node}")
    request = _fencing("ipmi_status_request")(ipmi[node])
    try:
        out = __utils__["drbdha_util.run"](
            __salt__["cmd.run_all"],
            ["fence_ipmilan"],
            stdin=request,
            quiet=True,
            record=__opts__.get("drbdha_command_log"),
        )
    except CommandExecutionError as exc:
        detail = str(exc).replace(ipmi[node]["password"], "****")
        return {"node": node, "answers": False, "detail": detail}
    return {"node": node, "answers": True, "detail": out["stdout"].strip()}


def _fencing_facts(settings):
    """What the fencing pre-flight checks look at: the watchdog driver, the peer's BMC, the quorum host."""
    stonith, facts = _fencing("stonith_of")(settings), {}
    mode = _fencing("mode_of")(settings)
    if mode == "sbd":
        facts["watchdog"] = _watchdog_problem(stonith["sbd"])
    if mode == "ipmi":
        peer = settings["peer_node"]
        if __salt__["cmd.has_exec"]("fence_ipmilan"):
            answer = bmc_status(peer, settings)
            if not answer["answers"]:
                facts["peer_bmc"] = (
                    f"{peer}'s BMC does not answer fence_ipmilan -o status from this node ({answer['detail']}): "
                    f"check drbdha:cluster:stonith:ipmi:{peer} and the BMC network"
                )
        else:
            facts["peer_bmc_unchecked"] = "fence_ipmilan is not installed yet"
    qdevice = _fencing("qdevice_of")(settings)
    if qdevice:
        facts["qnetd_probe"] = probe_qnetd(qdevice["host"], qdevice["port"])
    return facts


def preflight_facts(config=None):
    """
    What the pre-flight checks look at on this node: each backing device
    (exists, size, mounted, holders, partitions, signature, attached), how
    each node name resolves, whether the peer answers on the replication
    network, and this node's clock. Reads only.

    CLI Example:

    .. code-block:: bash

        salt '*' drbdha.preflight_facts
    """
    conf = __pillar__.get("drbdha", {}) if config is None else config
    return _gather_preflight_facts(_preflight_settings(conf))


def _preflight_settings(conf):
    # The checks need nodes, disks and ports, not the DRBD major version the files are rendered for.
    return derive_settings(conf, __grains__["id"], 8)


def _gather_preflight_facts(settings):
    loaded = __salt__["drbdadm.kernel_version"]()
    attached = {}
    if loaded is not None:
        try:
            attached = __salt__["drbdadm.status"]()
        except CommandExecutionError:
            attached = {}
    devices = {}
    for name, res in sorted(settings["drbd"]["resources"].items()):
        path = res["disks"][settings["this_node"]]
        if attached.get(name, {}).get("disk") not in (None, "Diskless"):
            devices[name] = {"path": path, "attached": True}
        else:
            devices[name] = _device_facts(path)
    nodes = settings["nodes"]
    peer = settings["peer_node"]
    port = min(r["port"] for r in settings["drbd"]["resources"].values())
    return {
        "node": settings["this_node"],
        "hostname": __grains__.get("nodename"),
        "driver": _drbd_driver(loaded),
        "devices": devices,
        "resolves": {node: _resolve(node) for node in sorted(nodes)},
        "peer_probe": probe_replication(
            nodes[settings["this_node"]]["replication_address"], nodes[peer]["replication_address"], port
        ),
        "fencing": _fencing_facts(settings),
        "time": time.time(),
    }


def preflight(config=None):
    """
    Pre-flight checks of this node before the rollout changes anything:
    ``{"node", "ok", "problems", "facts"}``; each problem says what to fix.
    The rollout also compares both nodes (``salt-run drbdha.preflight``).

    CLI Example:

    .. code-block:: bash

        salt '*' drbdha.preflight
    """
    conf = __pillar__.get("drbdha", {}) if config is None else config
    problems = validate(conf)
    if problems:
        return {"node": __grains__["id"], "ok": False, "problems": problems, "facts": {}}
    settings = _preflight_settings(conf)
    facts = _gather_preflight_facts(settings)
    problems = preflight_problems(facts, settings)
    return {"node": facts["node"], "ok": not problems, "problems": problems, "facts": facts}
