"""
Pacemaker configuration states for drbdha.

``crmsh.cib_objects`` converges named CIB objects (primitives, clones,
constraints) to the crm configure text given, one object at a time: it reads
the configuration once, compares each object in a canonical form, and loads
only the objects that differ. Objects it was not given are left alone.

.. code-block:: yaml

    drbdha-cib:
      crmsh.cib_objects:
        - objects:
          - primitive rsc_drbd_res0 ocf:linbit:drbd params drbd_resource=res0 ...
          - clone ms_drbd_res0 rsc_drbd_res0 meta promotable=true ...
"""

import re

from salt.exceptions import CommandExecutionError

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
    keep = __salt__["crmsh.runtime_meta_of"](current)
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
    Pure, given ``canonical`` (crmsh.canonical_crm_object).
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
    ret = {"name": name, "changes": {}, "result": True, "comment": ""}
    try:
        status = __salt__["crmsh.status"]()
        if not status.get("dc"):
            ret["result"] = False
            ret["comment"] = "The cluster has no DC yet; start the cluster (drbdha.cluster) and wait for it."
            return ret
        current = __salt__["crmsh.configured_objects"]()
    except CommandExecutionError as exc:
        ret["result"] = False
        ret["comment"] = f"Cannot read the cluster configuration: {exc}"
        return ret
    to_load, changes = plan_cib_changes(objects, current, __salt__["crmsh.canonical_crm_object"])
    if not to_load:
        ret["comment"] = f"All {len(objects)} CIB objects are as configured."
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
    ret["comment"] = f"Loaded {len(to_load)} CIB object(s): {', '.join(changes)}"
    return ret


def property_set(name, value):
    """
    A cluster property (crm_config) has the given value, e.g.
    ``stonith-enabled: false``.

    .. code-block:: yaml

        stonith-enabled:
          crmsh.property_set:
            - value: "false"
    """
    ret = {"name": name, "changes": {}, "result": True, "comment": ""}
    value = str(value).lower() if isinstance(value, bool) else str(value)
    try:
        current = __salt__["crmsh.get_property"](name)
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
