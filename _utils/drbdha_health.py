"""
The health verdict of one node: the (severity, reason) findings on its DRBD,
cluster and guest views, and the verdict they add up to — ``healthy``,
``degraded`` or ``failed``.

Pure: the unit tests import this file directly; the modules reach it through
``__utils__["drbdha_health.<name>"]``.
"""

HEALTHY, DEGRADED, FAILED = "healthy", "degraded", "failed"
# A warning is reported but does not change the verdict (e.g. no STONITH).
WARNING = "warning"
_SEVERITY = {WARNING: 0, HEALTHY: 0, DEGRADED: 1, FAILED: 2}

VIRTUALDOMAIN_AGENT = "ocf:heartbeat:VirtualDomain"

# The three views of a node's status, and how a reason names each.
VIEWS = {"drbd": "DRBD", "cluster": "the cluster", "libvirt": "libvirt"}


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


def guest_findings(cluster, local_domains, node, domain_of, vm_resources=None):
    """
    (severity, reason) pairs for the guests: each VirtualDomain resource
    must run, on one node only, where its DRBD clone is promoted, and this
    node's libvirt must not run a guest the cluster places elsewhere.

    ``domain_of`` gives the libvirt domain of a resource id
    (``drbdha_config.domain_of``). ``vm_resources`` maps a VirtualDomain
    resource id to its promotable clone id (from pillar); without it, a
    guest must run where some promotable clone is promoted.
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


def verdict(findings):
    """The worst severity among the findings (``healthy`` when there are none)."""
    worst = max((sev for sev, _ in findings), key=_SEVERITY.get, default=HEALTHY)
    return HEALTHY if worst == WARNING else worst


def report(node, views, errors, domain_of, vm_resources=None):
    """
    The status of ``node`` from its ``views`` (``{"drbd", "cluster",
    "libvirt"}``, None where a view could not be read) and the ``errors``
    met reading them (``{view or detail: message}``): the verdict, the
    reasons for it, the warnings, the views and the errors.
    ``domain_of`` and ``vm_resources``: as for ``guest_findings``.
    """
    findings = [(FAILED, f"cannot read {label}: {errors[key]}") for key, label in VIEWS.items() if key in errors]
    if views["drbd"] is not None:
        findings.extend(drbd_findings(views["drbd"]))
    if views["cluster"] is not None:
        findings.extend(cluster_findings(views["cluster"]))
        findings.extend(guest_findings(views["cluster"], views["libvirt"], node, domain_of, vm_resources))
    return {
        "node": node,
        "verdict": verdict(findings),
        "reasons": [reason for sev, reason in findings if sev != WARNING],
        "warnings": [reason for sev, reason in findings if sev == WARNING],
        **{key: views[key] for key in VIEWS},
        "errors": errors,
    }
