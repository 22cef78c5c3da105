"""
Cluster-wide drbdha status, on the master: both nodes' ``drbdha.status``
side by side, plus the checks no single node can make.

.. code-block:: bash

    salt-run drbdha.status
    salt-run drbdha.status tgt='node-*'
"""

import logging
import time

import salt.client
import salt.exceptions
import salt.fileclient
import salt.pillar
import salt.utils.dictupdate
import salt.utils.files
import salt.utils.yaml

log = logging.getLogger(__name__)

# The severities of _utils/drbdha_health.py, which also ranks them (verdict).
DEGRADED, FAILED = "degraded", "failed"

# The formula's defaults, merged under the pillar as map.jinja does.
DEFAULTS_URL = "salt://drbdha/defaults.yaml"


def _primaries(views):
    """{resource: [nodes where it is Primary]} from the nodes' DRBD views."""
    found = {}
    for node, view in views.items():
        for name, res in (view.get("drbd") or {}).items():
            found.setdefault(name, [])
            if res.get("role") == "Primary":
                found[name].append(node)
    return found


def _holds(view, name):
    res = view["drbd"][name]
    return f"{res.get('role')}, {res.get('disk')}, generation {res['generation_ids']['current']}"


def split_brains(views):
    """
    (severity, reason) pairs for resources whose two sides diverged: neither
    node's current data generation is one the other has moved on from, so
    each holds writes the other lacks. Says which node holds what and how
    to resolve it. When one side is merely ahead, says which (a normal
    resync follows on reconnect). Pure.
    """
    findings = []
    names = sorted({n for v in views.values() for n in (v.get("drbd") or {})})
    for name in names:
        sides = {
            node: v["drbd"][name]
            for node, v in views.items()
            if name in (v.get("drbd") or {}) and v["drbd"][name].get("generation_ids")
        }
        if len(sides) != 2:
            continue
        (node_a, res_a), (node_b, res_b) = sorted(sides.items())
        relation = __utils__["drbdha_util.compare_generations"](res_a["generation_ids"], res_b["generation_ids"])
        if relation == "same":
            continue
        if relation != "diverged":
            newer, older = (node_a, node_b) if relation == "mine_newer" else (node_b, node_a)
            findings.append(
                (DEGRADED, f"{name}: {newer} has newer data than {older}; {older} resyncs from it when they reconnect")
            )
            continue
        findings.append(
            (
                FAILED,
                f"{name}: split brain: {node_a} ({_holds(views[node_a], name)}) and {node_b} "
                f"({_holds(views[node_b], name)}) each hold writes the other lacks. Decide whose writes to "
                f"discard, then: salt-run state.orchestrate drbdha.orch.splitbrain "
                f'pillar=\'{{"resource": "{name}", "discard": "NODE"}}\'',
            )
        )
    return findings


def cross_check(views):
    """
    (severity, reason) pairs only the pair of views can show (pure):
    exactly one Primary per resource, each guest running where its DRBD is
    Primary, and both nodes agreeing on membership.
    """
    findings = []
    if len(views) != 2:
        findings.append((FAILED, f"expected answers from two nodes, got {len(views)}: {', '.join(sorted(views))}"))
    primaries = _primaries(views)
    for name, nodes in sorted(primaries.items()):
        if len(nodes) > 1:
            findings.append((FAILED, f"{name} is Primary on {', '.join(sorted(nodes))}: split brain risk"))
        elif not nodes:
            findings.append((DEGRADED, f"{name} is Primary nowhere"))
    memberships = {
        node: tuple(sorted(n for n, info in (view.get("cluster") or {}).get("nodes", {}).items() if info["online"]))
        for node, view in views.items()
        if view.get("cluster")
    }
    if len(set(memberships.values())) > 1:
        detail = "; ".join(f"{node} sees {', '.join(m) or 'nobody'}" for node, m in sorted(memberships.items()))
        findings.append((FAILED, f"the nodes disagree on membership: {detail}"))
    findings.extend(split_brains(views))
    primary_nodes = sorted({n for nodes in primaries.values() for n in nodes})
    for node, view in sorted(views.items()):
        guests = (view.get("cluster") or {}).get("resources", {})
        for domain, state in sorted((view.get("libvirt") or {}).items()):
            managed = __utils__["drbdha_config.guest_resource_id"](domain) in guests
            if state == "running" and managed and node not in primary_nodes:
                findings.append(
                    (
                        FAILED,
                        f"guest {domain} runs on {node} but DRBD is Primary on {', '.join(primary_nodes) or 'no node'}",
                    )
                )
    return findings


def pair_problems(facts_by_node, resources, max_skew, uncertainty):
    """
    What only both nodes' preflight facts together show: backing devices of
    unequal size, and clocks further apart than ``max_skew`` seconds beyond
    the ``uncertainty`` of the measurement (how long the master waited for
    both answers). Pure.
    """
    problems = []
    for name in sorted(resources):
        sizes = {n: f["devices"].get(name, {}).get("size") for n, f in facts_by_node.items()}
        if None not in sizes.values() and len(set(sizes.values())) > 1:
            detail = ", ".join(f"{n} {s} bytes" for n, s in sorted(sizes.items()))
            problems.append(f"{name}: the backing devices differ in size ({detail}): DRBD uses the smaller")
    clocks = {n: f["time"] for n, f in facts_by_node.items() if f.get("time") is not None}
    if len(clocks) == 2:
        apart = abs(max(clocks.values()) - min(clocks.values()))
        if apart - uncertainty > max_skew:
            problems.append(
                f"the nodes' clocks are at least {apart - uncertainty:.1f} s apart (limit {max_skew} s, "
                "drbdha:preflight:max_clock_skew): configure drbdha:time:servers and let chrony settle"
            )
    return problems


def _config():
    """
    The ``drbdha`` pillar as the master sees it. An orchestration hands the
    runner its pillar in ``__opts__``; a plain ``salt-run`` does not, so it
    is compiled here for the master's id, as ``salt-run pillar.show_pillar``
    does.
    """
    pillar = __opts__.get("pillar") or {}
    if "drbdha" not in pillar:
        pillar = salt.pillar.Pillar(__opts__, {}, __opts__["id"], __opts__.get("saltenv")).compile_pillar()
    return pillar.get("drbdha") or {}


def _formula_defaults():
    """defaults.yaml's ``drbdha`` section, from the master's own file server."""
    with salt.fileclient.get_file_client(__opts__) as client:
        path = client.cache_file(DEFAULTS_URL, __opts__.get("saltenv") or "base")
    if not path:
        raise salt.exceptions.CommandExecutionError(
            f"{DEFAULTS_URL} is not on the master's file server: add the formula to file_roots (README)"
        )
    with salt.utils.files.fopen(path) as handle:
        return salt.utils.yaml.safe_load(handle)["drbdha"]


def _settings():
    """The master's ``drbdha`` pillar over the formula's defaults."""
    return salt.utils.dictupdate.merge(_formula_defaults(), _config(), merge_lists=False)


def _nodes_target(config):
    """The pair's two minions (``drbdha:nodes``): never a glob, which would take in the quorum host."""
    nodes = sorted(config.get("nodes") or {})
    if not nodes:
        raise salt.exceptions.SaltInvocationError(
            "the master's pillar has no drbdha:nodes: give the master the drbdha pillar (as the "
            "orchestrations need it), or name the nodes: tgt='node-1,node-2' tgt_type=list"
        )
    return nodes, "list"


def preflight(tgt=None, tgt_type="glob", timeout=300, max_clock_skew=None):
    """
    Pre-flight checks of both nodes before a rollout changes anything: each
    node's own checks (``drbdha.preflight``) plus what only the pair shows —
    backing devices of equal size, clocks within ``max_clock_skew`` seconds
    (default ``drbdha:preflight:max_clock_skew``). Fails the orchestration
    step (non-zero retcode) listing every problem with what to fix.

    CLI Example:

    .. code-block:: bash

        salt-run drbdha.preflight
    """
    config = _settings()
    if tgt is None:
        tgt, tgt_type = _nodes_target(config)
    if max_clock_skew is None:
        max_clock_skew = config["preflight"]["max_clock_skew"]
    started = time.time()
    with salt.client.get_local_client(__opts__["conf_file"]) as client:
        answers = client.cmd(tgt, "drbdha.preflight", tgt_type=tgt_type, timeout=timeout)
    uncertainty = time.time() - started
    problems = []
    reports = {}
    for node, answer in sorted(answers.items()):
        if not isinstance(answer, dict):
            problems.append(f"{node}: drbdha.preflight did not run: {answer}")
            continue
        reports[node] = answer
        problems.extend(f"{node}: {p}" for p in answer["problems"])
    expected = tgt if isinstance(tgt, list) else None
    if expected and sorted(answers) != sorted(expected):
        missing = sorted(set(expected) - set(answers))
        problems.append(f"no answer from {', '.join(missing)} within {timeout} s: is its minion up?")
    facts = {n: r["facts"] for n, r in reports.items() if r.get("facts")}
    if len(facts) == 2:
        resources = set().union(*(f["devices"] for f in facts.values()))
        problems.extend(pair_problems(facts, resources, max_clock_skew, uncertainty))
    if problems:
        __context__["retcode"] = 1
    return {"ok": not problems, "problems": problems, "nodes": reports}


def status(tgt=None, tgt_type="glob", timeout=120):
    """
    Both nodes' ``drbdha.status`` and the cross-node checks, with an overall
    verdict. ``tgt`` defaults to the nodes in the master's ``drbdha`` pillar.

    CLI Example:

    .. code-block:: bash

        salt-run drbdha.status
    """
    if tgt is None:
        tgt, tgt_type = _nodes_target(_config())
    with salt.client.get_local_client(__opts__["conf_file"]) as client:
        answers = client.cmd(tgt, "drbdha.status", tgt_type=tgt_type, timeout=timeout)
    views = {node: view for node, view in answers.items() if isinstance(view, dict)}
    findings = cross_check(views)
    for node, answer in answers.items():
        if not isinstance(answer, dict):
            findings.append((FAILED, f"{node} did not answer drbdha.status: {answer}"))
    # Never an empty list (verdict's default, healthy): cross_check fails fewer than two answers.
    verdicts = [(v.get("verdict", FAILED), None) for v in views.values()]
    return {
        "verdict": __utils__["drbdha_health.verdict"](verdicts + findings),
        "reasons": [r for _, r in findings] + [f"{n}: {r}" for n, v in sorted(views.items()) for r in v["reasons"]],
        "nodes": {
            node: {"verdict": v["verdict"], "reasons": v["reasons"], "warnings": v.get("warnings", [])}
            for node, v in sorted(views.items())
        },
        "views": views,
    }


def _call(client, minion, function, args=(), timeout=120):
    """One execution-module call on one minion; its answer, or RuntimeError saying what failed."""
    answers = client.cmd(minion, function, arg=list(args), timeout=timeout, full_return=True)
    answer = answers.get(minion)
    if not isinstance(answer, dict):
        raise RuntimeError(f"{minion} did not answer {function} within {timeout} s: is its minion up?")
    if answer.get("retcode", 0) != 0:
        raise RuntimeError(f"{minion}: {function} failed: {answer.get('ret')}")
    return answer.get("ret")


def _issue_certificate(client, node, status, ca, qnetd, cluster, timeout):
    """Give ``node`` its own qdevice certificate: its database with the CA, its request signed by qnetd."""
    if not status["initialized"]:
        _call(client, node, "qdevice.node_init", [ca], timeout)
    elif not status["ca"]:
        raise RuntimeError(
            f"{node}: /etc/corosync/qdevice/net/nssdb exists but does not trust a quorum host's CA; "
            "move it aside on that node and run this again"
        )
    request = _call(client, node, "qdevice.node_request", [cluster], timeout)
    signed = _call(client, qnetd, "qdevice.qnetd_sign", [request, cluster], timeout)
    _call(client, node, "qdevice.node_import", [signed, cluster], timeout)


def qdevice_certificates(timeout=300):
    """
    Give each node a certificate from the quorum host's CA so corosync-qdevice
    can talk TLS to corosync-qnetd: the master carries the CA certificate, the
    nodes' requests and the signed certificates (public data); each node's key
    never leaves it, and no ssh trust is needed. Nodes that hold their
    certificate are left alone. Needs ``drbdha:cluster:qdevice:qnetd_minion``
    and the quorum host set up (``drbdha.qnetd``). Fails the orchestration
    step (non-zero retcode) saying what went wrong.

    CLI Example:

    .. code-block:: bash

        salt-run drbdha.qdevice_certificates
    """
    config = _config()
    cluster = config.get("cluster") or {}
    qdevice = cluster.get("qdevice") or {}
    if not qdevice:
        return {"ok": True, "changes": {}, "comment": "no quorum device configured (drbdha:cluster:qdevice)"}
    qnetd = qdevice.get("qnetd_minion")
    if not qnetd:
        __context__["retcode"] = 1
        return {
            "ok": False,
            "changes": {},
            "comment": "drbdha:cluster:qdevice:qnetd_minion is not set: name the quorum host's minion, or give each "
            "node its certificate by hand (corosync-qdevice-net-certutil)",
        }
    name = cluster.get("name", "hacluster")
    changes = {}
    try:
        with salt.client.get_local_client(__opts__["conf_file"]) as client:
            statuses = {n: _call(client, n, "qdevice.node_status", timeout=timeout) for n in sorted(config["nodes"])}
            missing = [n for n, s in statuses.items() if not s["certificate"]]
            if missing:
                ca = _call(client, qnetd, "qdevice.qnetd_ca", timeout=timeout)
                for node in missing:
                    _issue_certificate(client, node, statuses[node], ca, qnetd, name, timeout)
                    changes[node] = f"certificate for cluster {name} signed by {qnetd}"
    except RuntimeError as exc:
        __context__["retcode"] = 1
        return {"ok": False, "changes": changes, "comment": str(exc)}
    done = ", ".join(sorted(changes)) or "none"
    return {"ok": True, "changes": changes, "comment": f"qdevice certificates issued: {done}"}
