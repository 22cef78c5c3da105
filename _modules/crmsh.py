"""
Pacemaker cluster control for drbdha, through crmsh and Pacemaker's own tools.

Reads use Pacemaker's structured output (``crm_mon -1 --output-as=xml``,
``cibadmin -Q``); writes use Pacemaker's tools where one does the job
(``crm_resource``, ``crm_attribute``) because they start far faster than
crmsh, and crmsh where it is the interface (``crm configure``, bootstrap).

The module is named ``crmsh`` so it does not collide with Salt's own modules.

:depends: crmsh, pacemaker-cli-utils
"""

import hashlib
import logging
import os
import shlex
import tempfile
import xml.etree.ElementTree as ET

import salt.utils.path
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "crmsh"

_REQUIRED = ("crm", "crm_mon", "cibadmin", "crm_resource", "crm_attribute")

# Pacemaker 2.1 renamed the roles; older output (and our callers) may use either.
_ROLE_ALIASES = {"Master": "Promoted", "Slave": "Unpromoted"}

# The CIB as Pacemaker stores it; read offline when the cluster is down.
CIB_FILE = "/var/lib/pacemaker/cib/cib.xml"

# Written by crm cluster init/join in crmsh mode, by the formula in native mode.
COROSYNC_CONF = "/etc/corosync/corosync.conf"

# Constraints left behind by operators or handlers, by id prefix.
LEFTOVER_PREFIXES = ("cli-prefer-", "cli-ban-", "drbd-fence-by-handler-")


def __virtual__():
    missing = [b for b in _REQUIRED if not salt.utils.path.which(b)]
    if missing:
        return (False, f"the crmsh module needs {', '.join(missing)} on PATH (not found)")
    return __virtualname__


# The CIB's configuration section as read in this run (``configuration_xml``).
_CONFIGURATION = "crmsh.configuration"


def _reads_only(argv):
    """Whether a command only reads the cluster (what this module runs; anything else may write)."""
    return (
        argv[0] in ("crm_mon", "corosync-quorumtool")
        or (argv[0] == "cibadmin" and argv[1:2] in (["-Q"], ["--query"]))
        or argv[:3] == ["crm", "configure", "show"]
    )


def _run(argv, **kwargs):
    if not _reads_only(argv):
        # The configuration section read earlier in this run may be stale now.
        __context__.pop(_CONFIGURATION, None)
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def _name(value, what):
    return __utils__["drbdha_util.require_name"](value, what)


# ---------------------------------------------------------------- parsers --


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

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.runtime_meta_of 'primitive p Dummy meta target-role=Stopped'
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


# -------------------------------------------------------------- functions --


def status():
    """
    Cluster status from ``crm_mon -1 --output-as=xml``: nodes (online,
    standby, unclean, maintenance, DC), quorum, resources and clone sets with
    role and location, failed actions and fencing history.

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.status
    """
    cached = __context__.get("crmsh.status")
    if cached is not None:
        return cached
    out = _run(["crm_mon", "-1", "--output-as=xml", "--inactive", "--fence-history=1"])
    result = parse_crm_mon_xml(out["stdout"])
    __context__["crmsh.status"] = result
    return result


def cluster_running():
    """
    Whether this node runs a cluster that answers (``crm_mon`` succeeds).

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.cluster_running
    """
    return _run(["crm_mon", "-1", "--output-as=xml"], ok_retcodes=tuple(range(256)))["retcode"] == 0


def corosync_reload():
    """
    Make the running corosync re-read corosync.conf (``corosync-cfgtool -R``).

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.corosync_reload
    """
    return _run(["corosync-cfgtool", "-R"])["stdout"]


def _corosync(name):
    """A function of the corosync.conf text helpers (_utils/drbdha_corosync.py)."""
    return __utils__[f"drbdha_corosync.{name}"]


def corosync_quorum(path=COROSYNC_CONF):
    """
    corosync.conf's quorum section as the file holds it (None when it has
    none), and how many nodes its nodelist names.

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.corosync_quorum
    """
    text = __utils__["drbdha_util.read_text"](path)
    if text is None:
        raise CommandExecutionError(f"{path} does not exist: this node has no cluster configuration yet")
    try:
        return {"section": _corosync("section_text")(text, "quorum"), "nodes": _corosync("node_count")(text)}
    except ValueError as exc:
        raise CommandExecutionError(f"{path} is not a corosync configuration drbdha can read: {exc}") from exc


def quorum_device_configured(path=COROSYNC_CONF):
    """
    Whether corosync.conf's quorum section configures a quorum device
    (False where there is no corosync.conf yet).

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.quorum_device_configured
    """
    section = corosync_quorum(path)["section"] if os.path.exists(path) else None
    return section is not None and _corosync("inner_section_text")(section, "device") is not None


def set_corosync_quorum(section, path=COROSYNC_CONF):
    """
    Replace corosync.conf's quorum section with ``section`` (one
    ``quorum { ... }`` block), keeping every other line as it is. The file is
    replaced atomically with its mode kept; the running corosync reads it on
    ``crmsh.corosync_reload``.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.set_corosync_quorum "$(printf 'quorum {\n    provider: corosync_votequorum\n}\n')"
    """
    text = __utils__["drbdha_util.read_text"](path)
    if text is None:
        raise CommandExecutionError(f"{path} does not exist: this node has no cluster configuration yet")
    try:
        new = _corosync("with_section")(text, "quorum", section)
    except ValueError as exc:
        raise SaltInvocationError(f"cannot set the quorum section of {path}: {exc}") from exc
    __utils__["drbdha_util.write_atomic"](path, new, mode=os.stat(path).st_mode & 0o7777)
    return _corosync("section_text")(new, "quorum")


def constraints():
    """
    The CIB's constraints, with the leftovers that need attention
    (``cli-prefer-*``, ``cli-ban-*``, ``drbd-fence-by-handler-*``).

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.constraints
    """
    out = _run(["cibadmin", "-Q", "-o", "constraints"])
    return parse_constraints_xml(out["stdout"])


def drbd_resources():
    """
    DRBD resources managed by Pacemaker (``ocf:linbit:drbd`` primitives):
    ``{drbd resource: primitive id}``. Read from the running cluster, or
    from the CIB on disk when the cluster is not running on this node.

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.drbd_resources
    """
    argv = ["cibadmin", "-Q", "-o", "resources"]
    out = _run(argv, ok_retcodes=tuple(range(256)))
    if out["retcode"] != 0:
        if not os.path.exists(CIB_FILE):
            return {}
        out = _run(argv, env={"CIB_file": CIB_FILE})
    return parse_drbd_primitives(out["stdout"])


# crm configure show prints "******" for every parameter named passw* (crmsh's obscure_pattern),
# so a fence device's password_script, a command and no secret, would never compare equal to the
# desired object. Obscure only the names a fence agent's password itself goes by.
_OBSCURED = ("obscure:password", "obscure:passwd")


def configure_show(*ids, xml=False):
    """
    The configuration as ``crm configure show`` prints it; limited to the
    given object ids, and in XML with ``xml=True``.

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.configure_show
        salt '*' crmsh.configure_show rsc_kvm_sesadm ms_drbd_res0
    """
    argv = ["crm", "configure", "show", *_OBSCURED]
    if xml:
        argv.append("xml")
    argv.extend(_name(i, "CIB object id") for i in ids)
    return _run(argv)["stdout"]


def configuration_xml(cached=False):
    """
    The CIB's configuration section (``cibadmin --query --scope
    configuration``). ``cached``: as read earlier in this run, if it was; a
    read is kept for the run until this module writes the CIB.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.configuration_xml
    """
    if cached and _CONFIGURATION in __context__:
        return __context__[_CONFIGURATION]
    text = _run(["cibadmin", "--query", "--scope", "configuration"])["stdout"]
    __context__[_CONFIGURATION] = text
    return text


def property_of_configuration(xml_text, name):
    """
    A cluster property's value in CIB configuration XML (the ``nvpair``
    called ``name`` in a ``cluster_property_set`` of ``crm_config``), or None
    when it is not set. Set to different values in several sets, it is
    ambiguous (crm_attribute refuses too): CommandExecutionError. Pure.
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


def configuration_digest(cached=False):
    """
    The SHA-256 of the CIB's configuration section as ``cibadmin --query
    --scope configuration`` prints it, without what the cluster writes there
    itself (``digest_of_configuration``). Any other change to any object,
    property or constraint changes it; run-time status and the CIB's version counters,
    which live outside that section, do not. One Pacemaker C tool: a fraction
    of a crmsh start (which takes seconds on a small node). ``cached``: the
    section as read earlier in this run, if it was (``configuration_xml``).

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.configuration_digest
    """
    return digest_of_configuration(configuration_xml(cached=cached))


def digest_of_configuration(xml_text):
    """
    SHA-256 of CIB configuration XML without the sections the cluster writes
    itself at run time and the comparison ignores (``_IGNORED_SECTIONS``):
    VirtualDomain adds its ``utilization`` when it starts the guest, just
    after the formula loaded and recorded the objects, so hashing the text
    as printed made the first apply after every rollout start crmsh again.
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


def configured_objects():
    """
    The CIB configuration as ``{object id: crm configure text}`` (one
    ``crm configure show`` call).

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.configured_objects
    """
    return split_crm_objects(configure_show())


def get_property(name, cached=False):
    """
    A cluster property's value, or None when it is not set: read from the
    CIB's configuration section (``configuration_xml``), which the CIB states
    read anyway, so ``cached`` asks the cluster once per run for all of them.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.get_property stonith-enabled
    """
    return property_of_configuration(configuration_xml(cached=cached), _name(name, "property"))


def set_property(name, value):
    """
    Set a cluster property (``crm_attribute --type crm_config --update``).

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.set_property stonith-enabled false
    """
    return _run(["crm_attribute", "--type", "crm_config", "--name", _name(name, "property"), "--update", str(value)])[
        "stdout"
    ]


def configure_load(method="update", text=None, path=None):
    """
    Load configuration into the CIB with ``crm configure load METHOD FILE``.
    ``method`` is ``update`` (merge) or ``replace``; give the configuration as
    ``text`` (written to a private temporary file) or as a ``path``.

    CLI Example:

    .. code-block:: bash

        salt '*' crmsh.configure_load update path=/root/drbdha.crm
        salt '*' crmsh.configure_load update text='property maintenance-mode=false'
    """
    if method not in ("update", "replace"):
        raise SaltInvocationError("method must be 'update' or 'replace'")
    if (text is None) == (path is None):
        raise SaltInvocationError("give exactly one of text or path")
    if path is not None:
        if not os.path.isabs(path) or not os.path.isfile(path):
            raise SaltInvocationError(f"{path!r} is not an existing absolute file path")
        return _run(["crm", "configure", "load", method, path])["stdout"]
    fd, tmp = tempfile.mkstemp(prefix="drbdha-", suffix=".crm")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return _run(["crm", "configure", "load", method, tmp])["stdout"]
    finally:
        os.unlink(tmp)


def resource_move(resource, node, lifetime=None):
    """
    Move a resource to ``node`` by adding a ``cli-prefer-RESOURCE``
    constraint (``crm_resource --move``); ``lifetime`` is an ISO 8601
    duration (e.g. ``PT10M``) after which the constraint expires. Clear it
    with ``crmsh.resource_clear`` once the move is done.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.resource_move rsc_kvm_sesadm node-2
        salt node-1 crmsh.resource_move rsc_kvm_sesadm node-2 lifetime=PT10M
    """
    argv = [
        "crm_resource",
        "--move",
        "--resource",
        _name(resource, "resource"),
        "--node",
        _name(node, "node"),
    ]
    if lifetime:
        if not isinstance(lifetime, str) or not lifetime.startswith("P") or not lifetime[1:].replace("T", "").isalnum():
            raise SaltInvocationError(f"lifetime {lifetime!r} is not an ISO 8601 duration like PT10M")
        argv.extend(["--lifetime", lifetime])
    return _run(argv)["stdout"]


def resource_clear(resource):
    """
    Remove the ``cli-prefer-*`` / ``cli-ban-*`` constraints of a resource.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.resource_clear rsc_kvm_sesadm
    """
    return _run(["crm_resource", "--clear", "--resource", _name(resource, "resource")])["stdout"]


def _set_target_role(resource, role):
    return _run(
        [
            "crm_resource",
            "--resource",
            _name(resource, "resource"),
            "--meta",
            "--set-parameter",
            "target-role",
            "--parameter-value",
            role,
        ]
    )["stdout"]


def resource_start(resource):
    """
    Let Pacemaker start a resource (meta ``target-role=Started``).

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.resource_start rsc_kvm_sesadm
    """
    return _set_target_role(resource, "Started")


def resource_stop(resource):
    """
    Have Pacemaker stop a resource (meta ``target-role=Stopped``).

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.resource_stop rsc_kvm_sesadm
    """
    return _set_target_role(resource, "Stopped")


def _set_standby(node, value):
    return _run(
        [
            "crm_attribute",
            "--type",
            "nodes",
            "--node",
            _name(node, "node"),
            "--name",
            "standby",
            "--update",
            value,
        ]
    )["stdout"]


def node_standby(node):
    """
    Put a node in standby: Pacemaker moves its resources away.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.node_standby node-2
    """
    return _set_standby(node, "on")


def node_online(node):
    """
    Take a node out of standby.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.node_online node-2
    """
    return _set_standby(node, "off")


def cluster_init(name, interface=None, unicast=True, virtual_ip=None, sbd_device=None):
    """
    Bootstrap a new cluster on this node with ``crm cluster init -y``
    (SUSE's ha-cluster-init). For sites that want crmsh's bootstrap; the
    formula's default ``native`` mode writes corosync.conf itself.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.cluster_init hacluster interface=eth1 virtual_ip=192.168.98.46
    """
    argv = ["crm", "cluster", "init", "-y", "--name", _name(name, "cluster name")]
    if interface:
        argv.extend(["--interface", _name(interface, "interface")])
    if unicast:
        argv.append("--unicast")
    if virtual_ip:
        if not __utils__["drbdha_util.valid_address"](virtual_ip):
            raise SaltInvocationError(f"virtual_ip {virtual_ip!r} is not an IP address")
        argv.extend(["--admin-ip", virtual_ip])
    if sbd_device:
        argv.extend(["--sbd-device", __utils__["drbdha_util.require_device"](sbd_device, "sbd_device")])
    return _run(argv)["stdout"]


def cluster_join(first_node, interface=None):
    """
    Join the cluster that ``first_node`` runs with ``crm cluster join -y -c``
    (SUSE's ha-cluster-join). Needs root ssh from this node to ``first_node``.

    CLI Example:

    .. code-block:: bash

        salt node-2 crmsh.cluster_join node-1 interface=eth1
    """
    argv = ["crm", "cluster", "join", "-y", "--cluster-node", _name(first_node, "node")]
    if interface:
        argv.extend(["--interface", _name(interface, "interface")])
    return _run(argv)["stdout"]
