"""
Pure readers of what Pacemaker and crmsh print (no I/O): ``crm_mon`` and CIB
XML, and ``crm configure show`` text, with a comparable form of each
configured object. Salt loads this file as a custom util:
``__utils__["drbdha_cib.<name>"]``; tests import it directly.
"""

import hashlib
import shlex
import xml.etree.ElementTree as ET

from salt.exceptions import CommandExecutionError

# Constraints left behind by operators or handlers, by id prefix.
LEFTOVER_PREFIXES = ("cli-prefer-", "cli-ban-", "drbd-fence-by-handler-")

# Pacemaker 2.1 renamed the roles; older output (and our callers) may use either.
_ROLE_ALIASES = {"Master": "Promoted", "Slave": "Unpromoted"}


def _bool(value):
    return str(value).lower() == "true"


def normalize_role(role):
    """Map Pacemaker < 2.1 role names (Master/Slave) to Promoted/Unpromoted."""
    return _ROLE_ALIASES.get(role, role)


def _parse_primitive(elem):
    return {
        "id": elem.get("id"),
        "agent": elem.get("resource_agent"),
        "role": normalize_role(elem.get("role")),
        "target_role": normalize_role(elem.get("target_role")) if elem.get("target_role") else None,
        "active": _bool(elem.get("active")),
        "managed": _bool(elem.get("managed", "true")),
        "failed": _bool(elem.get("failed")),
        "blocked": _bool(elem.get("blocked")),
        "orphaned": _bool(elem.get("orphaned")),
        "nodes": [node.get("name") for node in elem.findall("node")],
    }


def _parse_clone(elem):
    instances = [_parse_primitive(r) for r in elem.findall("resource")]
    for group in elem.findall("group"):
        instances.extend(_parse_primitive(r) for r in group.findall("resource"))
    promotable = _bool(elem.get("multi_state"))
    return {
        "id": elem.get("id"),
        "promotable": promotable,
        "managed": _bool(elem.get("managed", "true")),
        "failed": _bool(elem.get("failed")),
        "disabled": _bool(elem.get("disabled")),
        "instances": instances,
        "promoted": sorted(n for i in instances if i["role"] == "Promoted" for n in i["nodes"]),
        "unpromoted": sorted(n for i in instances if i["role"] == "Unpromoted" for n in i["nodes"]),
        "started": sorted(n for i in instances if i["active"] and i["role"] == "Started" for n in i["nodes"]),
    }


def parse_crm_mon_xml(text):
    """
    Parse ``crm_mon -1 --output-as=xml`` (Pacemaker 2.1) into a dict:
    ``dc``, ``quorum``, ``nodes``, ``resources`` (primitives, including the
    members of groups), ``clones`` (with ``promotable`` and per-instance role
    and location), ``failures`` and ``fence_history``.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CommandExecutionError(f"crm_mon returned invalid XML: {exc}") from exc
    summary = root.find("summary")
    dc = summary.find("current_dc") if summary is not None else None
    options = summary.find("cluster_options") if summary is not None else None
    stack = summary.find("stack") if summary is not None else None
    dc_present = dc is not None and _bool(dc.get("present"))
    result = {
        "stack": stack.get("type") if stack is not None else None,
        "dc": dc.get("name") if dc_present else None,
        "quorum": dc_present and _bool(dc.get("with_quorum")),
        "pacemaker_version": dc.get("version") if dc_present else None,
        "stonith_enabled": _bool(options.get("stonith-enabled")) if options is not None else None,
        "maintenance_mode": _bool(options.get("maintenance-mode")) if options is not None else False,
        "nodes": {},
        "resources": {},
        "clones": {},
        "groups": {},
        "failures": [],
        "fence_history": [],
    }
    for node in root.iterfind("nodes/node"):
        result["nodes"][node.get("name")] = {
            "id": node.get("id"),
            "online": _bool(node.get("online")),
            "standby": _bool(node.get("standby")),
            "standby_onfail": _bool(node.get("standby_onfail")),
            "maintenance": _bool(node.get("maintenance")),
            "pending": _bool(node.get("pending")),
            "unclean": _bool(node.get("unclean")),
            "shutdown": _bool(node.get("shutdown")),
            "dc": _bool(node.get("is_dc")),
            "resources_running": int(node.get("resources_running", 0)),
        }
    resources = root.find("resources")
    if resources is not None:
        for elem in resources:
            if elem.tag == "resource":
                result["resources"][elem.get("id")] = _parse_primitive(elem)
            elif elem.tag == "clone":
                result["clones"][elem.get("id")] = _parse_clone(elem)
            elif elem.tag == "group":
                members = [_parse_primitive(r) for r in elem.findall("resource")]
                result["groups"][elem.get("id")] = [m["id"] for m in members]
                for member in members:
                    result["resources"][member["id"]] = member
    for failure in root.iterfind("failures/failure"):
        result["failures"].append(
            {
                "op": failure.get("op_key"),
                "node": failure.get("node"),
                "task": failure.get("task"),
                "exitstatus": failure.get("exitstatus"),
                "exitreason": failure.get("exitreason", ""),
                "exitcode": int(failure.get("exitcode", -1)),
                "status": failure.get("status"),
                "last_rc_change": failure.get("last-rc-change"),
            }
        )
    for event in root.iterfind("fence_history/fence_event"):
        result["fence_history"].append(
            {
                "action": event.get("action"),
                "target": event.get("target"),
                "status": event.get("status"),
                "delegate": event.get("delegate"),
                "origin": event.get("origin"),
                "client": event.get("client"),
                "completed": event.get("completed"),
                "exit_reason": event.get("exit-reason", ""),
            }
        )
    return result


def _rule_summary(rule):
    expressions = [f"{e.get('attribute')} {e.get('operation')} {e.get('value')}" for e in rule.iter("expression")]
    return {
        "id": rule.get("id"),
        "score": rule.get("score"),
        "role": normalize_role(rule.get("role")) if rule.get("role") else None,
        "expressions": expressions,
    }


def parse_constraints_xml(text):
    """
    Parse ``cibadmin -Q -o constraints`` (or a whole CIB) into
    ``{"location": [...], "colocation": [...], "order": [...], "leftovers": [...]}``.
    ``leftovers`` lists the ids of constraints that operators or DRBD's fence
    handler leave behind (``cli-prefer-*``, ``cli-ban-*``,
    ``drbd-fence-by-handler-*``).
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CommandExecutionError(f"cibadmin returned invalid XML: {exc}") from exc
    container = root if root.tag == "constraints" else root.find(".//constraints")
    result = {"location": [], "colocation": [], "order": [], "leftovers": []}
    if container is None:
        return result
    for elem in container:
        cid = elem.get("id")
        if elem.tag == "rsc_location":
            result["location"].append(
                {
                    "id": cid,
                    "rsc": elem.get("rsc"),
                    "node": elem.get("node"),
                    "score": elem.get("score"),
                    "role": normalize_role(elem.get("role")) if elem.get("role") else None,
                    "rules": [_rule_summary(r) for r in elem.findall("rule")],
                }
            )
        elif elem.tag == "rsc_colocation":
            result["colocation"].append(
                {
                    "id": cid,
                    "rsc": elem.get("rsc"),
                    "with_rsc": elem.get("with-rsc"),
                    "score": elem.get("score"),
                    "rsc_role": normalize_role(elem.get("rsc-role")) if elem.get("rsc-role") else None,
                    "with_rsc_role": (normalize_role(elem.get("with-rsc-role")) if elem.get("with-rsc-role") else None),
                }
            )
        elif elem.tag == "rsc_order":
            result["order"].append(
                {
                    "id": cid,
                    "first": elem.get("first"),
                    "first_action": elem.get("first-action"),
                    "then": elem.get("then"),
                    "then_action": elem.get("then-action"),
                    "kind": elem.get("kind") or elem.get("score"),
                }
            )
        if cid and cid.startswith(LEFTOVER_PREFIXES):
            result["leftovers"].append(cid)
    return result


# crmsh shows ocf:heartbeat agents by their short name (VirtualDomain).
_DEFAULT_AGENT_PREFIX = "ocf:heartbeat:"


# Sections the cluster itself writes at run time (VirtualDomain sets
# utilization); they are not compared.
_IGNORED_SECTIONS = frozenset({"utilization"})


# Keywords that open a section of key=value pairs in crm configure syntax.
_SECTIONS = ("params", "meta", "utilization", "op", "op_params", "op_meta")


# Meta attributes that operators change at run time (crm resource stop,
# maintenance); the formula neither sets nor reverts them.
RUNTIME_META = frozenset({"target-role", "is-managed", "maintenance"})


def _object_key(tokens):
    # "primitive ID ...", "property cib-bootstrap-options: k=v", "property k=v"
    second = tokens[1]
    if second.endswith(":") or "=" not in second:
        return second.rstrip(":")
    return tokens[0]


def split_crm_objects(text):
    """
    Split ``crm configure show`` text into ``{object id: object text}``,
    each object on one line (backslash continuations joined). Property and
    defaults sets are keyed by their set id, or by their type when unnamed.
    """
    logical, continued = [], False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not continued):
            continue
        ends_continued = line.endswith("\\")
        line = line.rstrip("\\").strip()
        if continued:
            logical[-1] += " " + line
        else:
            logical.append(line)
        continued = ends_continued
    objects = {}
    for line in logical:
        tokens = shlex.split(line)
        if len(tokens) >= 2:
            objects[_object_key(tokens)] = line
    return objects


def runtime_meta_of(text):
    """
    The run-time meta attributes (``target-role=Stopped`` …) set in one crm
    configure object's text, as ``key=value`` tokens.
    """
    return [t for t in shlex.split(text) if t.partition("=")[0] in RUNTIME_META and "=" in t]


def _normalize_token(token):
    head, sep, tail = token.rpartition(":")
    if sep and tail in _ROLE_ALIASES:
        return f"{head}:{normalize_role(tail)}"
    if token.lower() in ("inf:", "infinity:", "+inf:", "+infinity:"):
        return "inf:"
    key, sep, value = token.partition("=")
    if sep:
        value = normalize_role(value)
        if key in ("interval", "timeout") and value.endswith("s") and value[:-1].isdigit():
            value = value[:-1]  # "0s" and "0" are the same duration
        return f"{key}={value}"
    return token


def canonical_crm_object(text):
    """
    A comparable form of one crm configure object: its type, id, positional
    tokens, and its sections (params, meta, each op …) as sets of key=value
    pairs, with role names normalised and run-time meta attributes dropped.
    Two texts with the same canonical form configure the same thing.
    """
    (line,) = split_crm_objects(text).values()  # one object, continuations joined
    tokens = [_normalize_token(t) for t in shlex.split(line)]
    kind, ident, rest = tokens[0], tokens[1].rstrip(":"), tokens[2:]
    if kind == "primitive" and rest and rest[0].startswith(_DEFAULT_AGENT_PREFIX):
        rest[0] = rest[0][len(_DEFAULT_AGENT_PREFIX) :]
    positional, sections = [], []
    section = None
    for token in rest:
        if token in _SECTIONS:
            section = [token, None, set()]
            sections.append(section)
        elif section is None:
            positional.append(token)
        elif section[0] == "op" and section[1] is None and "=" not in token:
            section[1] = token
        else:
            if section[0] == "meta" and token.partition("=")[0] in RUNTIME_META:
                continue
            section[2].add(token)
    merged = {}
    ops = []
    for name, op_name, pairs in sections:
        if name == "op":
            ops.append((op_name, tuple(sorted(pairs))))
        elif name not in _IGNORED_SECTIONS:
            merged.setdefault(name, set()).update(pairs)
    return (
        kind,
        ident,
        tuple(positional),
        tuple(sorted((k, tuple(sorted(v))) for k, v in merged.items() if v)),
        tuple(sorted(ops)),
    )


def parse_drbd_primitives(text):
    """
    The DRBD resources that ``ocf:linbit:drbd`` primitives in a CIB
    (``cibadmin -Q -o resources`` XML) manage: ``{drbd resource: primitive id}``.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CommandExecutionError(f"cibadmin returned invalid XML: {exc}") from exc
    managed = {}
    for primitive in root.iter("primitive"):
        if primitive.get("provider") != "linbit" or primitive.get("type") != "drbd":
            continue
        for nvpair in primitive.iter("nvpair"):
            if nvpair.get("name") == "drbd_resource":
                managed[nvpair.get("value")] = primitive.get("id")
    return managed


def cib_property(xml_text, name):
    """
    A cluster property's value in CIB configuration XML (the ``nvpair``
    called ``name`` in a ``cluster_property_set`` of ``crm_config``), or None
    when it is not set. Set to different values in several sets, it is
    ambiguous (crm_attribute refuses too): CommandExecutionError.
    """
    root = ET.fromstring(xml_text)
    values = {
        nvpair.get("value")
        for nvpair in root.iterfind(".//crm_config/cluster_property_set/nvpair")
        if nvpair.get("name") == name
    }
    if len(values) > 1:
        raise CommandExecutionError(
            f"cluster property {name} is set to several values ({', '.join(sorted(map(str, values)))}) "
            "in different property sets; remove all but one (crm configure edit)"
        )
    return values.pop() if values else None


def cib_digest(xml_text):
    """
    SHA-256 of CIB configuration XML without the sections the cluster writes
    itself at run time and the comparison ignores (``_IGNORED_SECTIONS``):
    VirtualDomain adds its ``utilization`` when it starts the guest, just
    after the formula loaded and recorded the objects, so hashing the text
    as printed would make the next apply after every start reload the objects.
    """
    root = ET.fromstring(xml_text)
    for parent in list(root.iter()):
        for child in [c for c in parent if c.tag in _IGNORED_SECTIONS]:
            parent.remove(child)
    # Indentation is not configuration (and a removed section leaves its neighbour's behind).
    for element in root.iter():
        element.text = (element.text or "").strip() or None
        element.tail = None
    return hashlib.sha256(ET.tostring(root, encoding="utf-8")).hexdigest()
