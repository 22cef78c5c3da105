"""
Pacemaker configuration states for drbdha.

``crmsh.cib_objects`` converges named CIB objects (primitives, clones,
constraints) to the crm configure text given, one object at a time: it reads
the configuration once, compares each object in a canonical form, and loads
only the objects that differ, then reads them back to verify the load.
Objects it was not given are left alone.

A comparison that finds everything as configured (also the read-back after a
load) is remembered: the digest of the CIB's configuration section at that
moment, with the digest of the objects compared, goes to
``/var/lib/drbdha/cib-verified.json``. While both digests are unchanged, the
next apply answers from one ``cibadmin`` query instead of starting crmsh
(docs/benchmarks.md has both measured side by side). Any change to the
configuration, or to the objects asked for, changes a digest and the objects
are compared again. Deleting the file is always safe. The cluster's status
(``crm_mon``: is there a DC?) is read only when objects must be loaded.

.. code-block:: yaml

    drbdha-cib:
      crmsh.cib_objects:
        - objects:
          - primitive rsc_drbd_res0 ocf:linbit:drbd params drbd_resource=res0 ...
          - clone ms_drbd_res0 rsc_drbd_res0 meta promotable=true ...
"""

import hashlib
import os
import re

from salt.exceptions import CommandExecutionError

# crm cluster init/join write it; its presence means this node was bootstrapped before.
COROSYNC_AUTHKEY = "/etc/corosync/authkey"
# Part of every record: a formula that compares objects differently must not trust an older record.
COMPARISON_VERSION = 1

# Values that must not reach state output (fence agents' passwords).
_SECRET_PARAM_RE = re.compile(r"\b(passwd|password|pass)=(\"[^\"]*\"|\S+)")


def mask_secrets(text):
    """crm text with fence-agent passwords replaced by ``*****``."""
    return _SECRET_PARAM_RE.sub(lambda m: f"{m.group(1)}=*****", text) if text else text


def _with_runtime_meta(desired, current):
    """
    The desired text, keeping the run-time meta attributes an operator set
    on the current object: an apply must not restart a guest someone stopped.
    """
    keep = __utils__["drbdha_cib.runtime_meta_of"](current)
    if not keep:
        return desired
    if " meta " in f" {desired} ":
        return desired.replace(" meta ", f" meta {' '.join(keep)} ", 1)
    return f"{desired} meta {' '.join(keep)}"


def plan_cib_changes(desired_objects, current_objects, canonical):
    """
    Compare desired crm texts with the current ``{id: text}``; returns
    ``(to_load, changes)`` where ``to_load`` is the list of texts to load and
    ``changes`` maps each differing id to ``{"old": ..., "new": ...}``.
    Pure, given ``canonical`` (drbdha_cib.canonical_crm_object).
    """
    to_load, changes = [], {}
    for text in desired_objects:
        ident = canonical(text)[1]
        current = current_objects.get(ident)
        if current is not None and canonical(current) == canonical(text):
            continue
        new_text = text if current is None else _with_runtime_meta(text, current)
        to_load.append(new_text)
        changes[ident] = {"old": mask_secrets(current), "new": mask_secrets(new_text)}
    return to_load, changes


def verification_record(objects, configuration_digest):
    """
    What ``cib-verified.json`` holds after the given objects were found as
    configured in a CIB configuration with the given digest. Pure.
    """
    objects_digest = hashlib.sha256("\n".join(sorted(objects)).encode("utf-8")).hexdigest()
    return {"comparison": COMPARISON_VERSION, "objects": objects_digest, "configuration": configuration_digest}


def cib_objects(name, objects):
    """
    Converge the given CIB objects to their crm configure text.

    name
        A label for the set of objects (e.g. ``drbdha``).
    objects
        List of crm configure objects, one per entry, each a full definition
        (``primitive ID AGENT params ... op ...``, ``clone ...``,
        ``colocation ...``, ``order ...``, ``location ...``).
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        # The section the property states read a moment ago in this run, if they did.
        before = verification_record(objects, __salt__["crmsh.configuration_digest"](cached=True))
        if __salt__["crmsh.verified_record"]() == before:
            ret["comment"] = (
                f"All {len(objects)} CIB objects are as configured: the CIB configuration is unchanged "
                "since they were last compared."
            )
            return ret
        to_load, changes = _compare_and_remember(objects, before)
    except CommandExecutionError as exc:
        ret["result"] = False
        ret["comment"] = f"Cannot read the cluster configuration: {exc}"
        return ret
    if not to_load:
        ret["comment"] = f"All {len(objects)} CIB objects are as configured."
        return ret
    refusal = _no_dc_refusal()
    if refusal:
        ret["result"] = False
        ret["comment"] = f"{len(to_load)} CIB object(s) differ ({', '.join(changes)}), but {refusal}"
        return ret
    ret["changes"] = changes
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"Would load {len(to_load)} CIB object(s): {', '.join(changes)}"
        return ret
    try:
        __salt__["crmsh.configure_load"]("update", text="\n".join(to_load) + "\n")
    except CommandExecutionError as exc:
        ret["result"] = False
        ret["changes"] = {}
        ret["comment"] = f"crm configure load update failed: {mask_secrets(str(exc))}"
        return ret
    loaded = f"Loaded {len(to_load)} CIB object(s): {', '.join(changes)}"
    # Read back what was loaded: the load is verified, and remembered for the next apply.
    # A failure keeps the changes: the CIB was written.
    try:
        digest = __salt__["crmsh.configuration_digest"]()
        still, differing = _compare_and_remember(objects, verification_record(objects, digest))
    except CommandExecutionError as exc:
        ret.update(result=False, comment=f"{loaded}; but reading them back failed: {exc}")
        return ret
    if still:
        ret.update(result=False, comment=f"{loaded}; but crm configure show still differs for: {', '.join(differing)}")
        return ret
    ret["comment"] = f"{loaded}; read back as configured."
    return ret


def _no_dc_refusal():
    """
    Why objects cannot be loaded now, or None. Asked only when something must
    be loaded: a load needs a DC to commit it, while comparing reads the local
    CIB, so a converged apply runs no ``crm_mon``.
    """
    try:
        dc = __salt__["crmsh.status"]().get("dc")
    except CommandExecutionError as exc:
        return f"the cluster's status cannot be read: {exc}"
    return None if dc else "the cluster has no DC yet; start the cluster (drbdha.cluster) and wait for it."


def _compare_and_remember(objects, before):
    """
    Compare the objects with ``crm configure show``: ``(to_load, changes)``.
    When they are all as configured and the configuration did not change
    while crmsh read it (its digest before = after), remember that (not in
    test mode).
    """
    current = __salt__["crmsh.configured_objects"]()
    to_load, changes = plan_cib_changes(objects, current, __utils__["drbdha_cib.canonical_crm_object"])
    if not to_load:
        after = verification_record(objects, __salt__["crmsh.configuration_digest"]())
        if after == before and not __opts__["test"]:
            __salt__["crmsh.remember_verified"](after)
    return to_load, changes


def property_set(name, value):
    """
    A cluster property (crm_config) has the given value, e.g.
    ``stonith-enabled: false``.

    .. code-block:: yaml

        stonith-enabled:
          crmsh.property_set:
            - value: "false"
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    value = str(value).lower() if isinstance(value, bool) else str(value)
    try:
        current = __salt__["crmsh.get_property"](name, cached=True)
    except CommandExecutionError as exc:
        ret["result"] = False
        ret["comment"] = f"Cannot read cluster property {name}: {exc}"
        return ret
    if current == value:
        ret["comment"] = f"Cluster property {name} is {value}."
        return ret
    ret["changes"] = {name: {"old": current, "new": value}}
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"Would set cluster property {name} to {value}."
        return ret
    __salt__["crmsh.set_property"](name, value)
    ret["comment"] = f"Set cluster property {name} to {value}."
    return ret


def cluster_bootstrapped(name, node, first_node, interface=None):
    """
    This node runs the cluster ``name``, bootstrapped by crmsh: ``crm cluster
    init`` on ``first_node``, ``crm cluster join`` on the other node (SUSE's
    ha-cluster-init/join). The formula's default cluster mode (``native``)
    does not use this.

    Nothing is run on a node that runs a cluster. A node that was
    bootstrapped before (it has a corosync authkey) but whose cluster is
    stopped is refused: crmsh would run again and make new keys and an empty
    CIB. crmsh can exit 0 after an error (e.g. an unknown interface name), so
    success is judged by the cluster answering afterwards. The virtual IP is
    not crmsh's (``--admin-ip``): it is a CIB object of the formula's
    (``rsc_vip``), the same in both cluster modes.

    .. code-block:: yaml

        drbdha-cluster-crmsh:
          crmsh.cluster_bootstrapped:
            - name: hacluster
            - node: node-1
            - first_node: node-1
            - interface: eth1
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        running = __salt__["crmsh.cluster_running"]()
    except CommandExecutionError as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"Cannot tell whether this node runs a cluster: {exc}")
    if running:
        ret["comment"] = f"{node} runs a cluster already: crm cluster init/join is not run again."
        return ret
    if os.path.exists(COROSYNC_AUTHKEY):
        return __utils__["drbdha_util.state_fail"](
            ret,
            f"{node} was bootstrapped before ({COROSYNC_AUTHKEY} exists) but runs no cluster now. Running crm "
            "cluster init/join again would make new keys and an empty CIB, so drbdha does not. Start the cluster "
            "(crm cluster start) and apply again; to bootstrap anew on purpose, remove that file first.",
        )
    changes = {node: {"old": "no cluster", "new": f"member of cluster {name}"}}
    if node == first_node:
        return __utils__["drbdha_util.state_change"](
            ret,
            changes,
            f"Would bootstrap cluster {name} on {node} with crm cluster init.",
            f"Bootstrapped cluster {name} on {node} with crm cluster init.",
            __opts__["test"],
            __salt__["crmsh.cluster_init"],
            name,
            interface=interface,
        )
    return __utils__["drbdha_util.state_change"](
        ret,
        changes,
        f"Would join {node} to the cluster on {first_node} with crm cluster join.",
        f"Joined {node} to the cluster on {first_node} with crm cluster join.",
        __opts__["test"],
        __salt__["crmsh.cluster_join"],
        first_node,
        interface=interface,
    )


def corosync_quorum(name, section, nodes):
    """
    corosync.conf (``name``) holds the quorum section ``section`` (text, one
    ``quorum { ... }`` block), once its nodelist names ``nodes`` nodes. crmsh
    mode uses it to add the quorum device to the file crmsh wrote. Before the
    other node has joined, nothing is changed: ``crm cluster join`` on a
    cluster that has a quorum device fetches that device's certificates from
    the first node over ssh, and this formula issues each node its own
    through Salt. A changed file is read by corosync on ``crmsh.corosync_reload``
    (the quorum device and ``two_node`` can both change at runtime).

    .. code-block:: yaml

        drbdha-cluster-quorum:
          crmsh.corosync_quorum:
            - name: /etc/corosync/corosync.conf
            - nodes: 2
            - section: |
                quorum {
                    provider: corosync_votequorum
                    device { ... }
                }
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        current = __salt__["crmsh.corosync_quorum"](name)
    except CommandExecutionError as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"Cannot read the quorum section of {name}: {exc}")
    if current["section"] == section:
        ret["comment"] = f"The quorum section of {name} is as configured."
        return ret
    if current["nodes"] < nodes:
        ret["comment"] = (
            f"The quorum section of {name} is left as crmsh wrote it until the nodelist names all {nodes} nodes "
            f"(it names {current['nodes']}): apply again after crm cluster join (drbdha.orch.deploy does)."
        )
        return ret
    changes = {"quorum": {"old": current["section"], "new": section}}
    return __utils__["drbdha_util.state_change"](
        ret,
        changes,
        f"Would set the quorum section of {name}.",
        f"Set the quorum section of {name}.",
        __opts__["test"],
        __salt__["crmsh.set_corosync_quorum"],
        section,
        name,
    )
