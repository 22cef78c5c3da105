"""
drbdha: one health view of a DRBD-backed, Pacemaker-managed KVM guest.

``drbdha.status`` asks the three tool modules (``drbdadm``, ``crmsh``,
``virsh``) once each and turns their answers into a verdict — ``healthy``,
``degraded`` or ``failed`` — with the reasons for it.
"""

import logging

from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "drbdha"

HEALTHY, DEGRADED, FAILED = "healthy", "degraded", "failed"
_SEVERITY = {HEALTHY: 0, DEGRADED: 1, FAILED: 2}

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
        findings.append((DEGRADED, "STONITH is disabled: only DRBD resource-level fencing protects the data"))
    for failure in cluster["failures"]:
        findings.append(
            (
                DEGRADED,
                f"failed action {failure['op']} on {failure['node']}: {failure['exitstatus']}"
                + (f" ({failure['exitreason']})" if failure.get("exitreason") else ""),
            )
        )
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
    return max((sev for sev, _ in findings), key=_SEVERITY.get, default=HEALTHY)


# -------------------------------------------------------------- functions --


def _ask(function):
    """Call one execution-module function; (answer, error message or None)."""
    if function not in __salt__:
        return None, __salt__.missing_fun_string(function)
    try:
        return __salt__[function](), None
    except (CommandExecutionError, SaltInvocationError, OSError) as exc:
        return None, str(exc)


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
    if answers["cluster"] is not None:
        findings.extend(cluster_findings(answers["cluster"]))
        vm_resources = __salt__["config.get"]("drbdha:status:vm_resources", {}) or {}
        findings.extend(guest_findings(answers["cluster"], answers["libvirt"], node, vm_resources))
    return {
        "node": node,
        "verdict": verdict(findings),
        "reasons": [reason for _, reason in findings],
        "drbd": answers["drbd"],
        "cluster": answers["cluster"],
        "libvirt": answers["libvirt"],
        "errors": errors,
    }
