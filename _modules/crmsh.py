"""
Pacemaker cluster control for drbdha, through crmsh and Pacemaker's own tools.

Reads use Pacemaker's structured output (``crm_mon -1 --output-as=xml``,
``cibadmin -Q``); writes use Pacemaker's tools where one does the job
(``crm_resource``, ``crm_attribute``) because they start far faster than
crmsh, and crmsh where it is the interface (``crm configure``, bootstrap).

The module is named ``crmsh`` so it does not collide with Salt's own modules.

:depends: crmsh, pacemaker-cli-utils
"""

import json
import logging
import os
import tempfile

import salt.utils.path
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "crmsh"

_REQUIRED = ("crm", "crm_mon", "cibadmin", "crm_resource", "crm_attribute")


# The CIB as Pacemaker stores it; read offline when the cluster is down.
CIB_FILE = "/var/lib/pacemaker/cib/cib.xml"

# The last comparison of the formula's CIB objects that found them as configured.
VERIFIED_RECORD = "/var/lib/drbdha/cib-verified.json"

# Written by crm cluster init/join in crmsh mode, by the formula in native mode.
COROSYNC_CONF = "/etc/corosync/corosync.conf"


def __virtual__():
    missing = [b for b in _REQUIRED if not salt.utils.path.which(b)]
    if missing:
        return (False, f"the crmsh module needs {', '.join(missing)} on PATH (not found)")
    return __virtualname__


# The CIB's configuration section as read in this run (``configuration_xml``).
_CONFIGURATION = "crmsh.configuration"


def _run(argv, **kwargs):
    if not __utils__["drbdha_commands.is_read_only"](argv):
        # The configuration section read earlier in this run may be stale now.
        __context__.pop(_CONFIGURATION, None)
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def _cib(name):
    return __utils__[f"drbdha_cib.{name}"]


def _name(value, what):
    return __utils__["drbdha_util.require_name"](value, what)


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
    result = _cib("parse_crm_mon_xml")(out["stdout"])
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
    return _cib("parse_constraints_xml")(out["stdout"])


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
    return _cib("parse_drbd_primitives")(out["stdout"])


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


def configuration_digest(cached=False):
    """
    The SHA-256 of the CIB's configuration section as ``cibadmin --query
    --scope configuration`` prints it, without what the cluster writes there
    itself. Any other change to any object,
    property or constraint changes it; run-time status and the CIB's version counters,
    which live outside that section, do not. One Pacemaker C tool: a fraction
    of a crmsh start (which takes seconds on a small node). ``cached``: the
    section as read earlier in this run, if it was (``configuration_xml``).

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.configuration_digest
    """
    return _cib("cib_digest")(configuration_xml(cached=cached))


def configured_objects():
    """
    The CIB configuration as ``{object id: crm configure text}`` (one
    ``crm configure show`` call).

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.configured_objects
    """
    return _cib("split_crm_objects")(configure_show())


def verified_record():
    """
    What the last comparison that found the formula's CIB objects as
    configured recorded (the digests of the objects and of the configuration
    section, see the ``crmsh.cib_objects`` state), or None when there is none
    or it cannot be read. Removing the file only costs one comparison.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.verified_record
    """
    text = __utils__["drbdha_util.read_text"](VERIFIED_RECORD)
    try:
        record = json.loads(text) if text else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def remember_verified(record):
    """
    Keep ``record`` (a mapping of digests) as the last comparison that found
    the CIB objects as configured, written whole or not at all.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.remember_verified '{"comparison": 1, "objects": "…", "configuration": "…"}'
    """
    if not isinstance(record, dict):
        raise SaltInvocationError("record must be a mapping")
    os.makedirs(os.path.dirname(VERIFIED_RECORD), mode=0o700, exist_ok=True)
    __utils__["drbdha_util.write_atomic"](VERIFIED_RECORD, json.dumps(record, sort_keys=True) + "\n", mode=0o600)
    return VERIFIED_RECORD


def get_property(name, cached=False):
    """
    A cluster property's value, or None when it is not set: read from the
    CIB's configuration section (``configuration_xml``), which the CIB states
    read anyway, so ``cached`` asks the cluster once per run for all of them.

    CLI Example:

    .. code-block:: bash

        salt node-1 crmsh.get_property stonith-enabled
    """
    return _cib("cib_property")(configuration_xml(cached=cached), _name(name, "property"))


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
    return _bootstrap(argv)


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
    return _bootstrap(argv)


def _bootstrap(argv):
    """Run crm cluster init/join; crmsh can end without error and leave no cluster running, which is a failure."""
    output = _run(argv)["stdout"]
    if not cluster_running():
        raise CommandExecutionError(
            f"{' '.join(argv[:3])} ended, but this node runs no cluster; crmsh said: {output.strip()}"
        )
    return output
