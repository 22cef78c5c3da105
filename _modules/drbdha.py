"""
drbdha: the formula's own commands on a node of a DRBD-backed,
Pacemaker-managed KVM guest.

- ``drbdha.status``: one health view, from the three tool modules
  (``drbdadm``, ``crmsh``, ``virsh``) asked once each, with a verdict —
  ``healthy``, ``degraded`` or ``failed`` — and the reasons for it.
- ``drbdha.preflight``: what stops a rollout on this node.
- The secrets' files and the cluster user's password, read from pillar by
  key so that no value travels in arguments, returns or the job cache.
- ``drbdha.settings`` and what map.jinja and the SLS files build from it: the
  CIB objects, DRBD's files, the fencing plan.

The rules are pure modules in ``_utils/`` (``drbdha_schema``,
``drbdha_health``, ``drbdha_settings``, ``drbdha_config``,
``drbdha_preflight``, ``drbdha_fencing``); this module reads the minion and runs the commands.
"""

import base64
import binascii
import copy
import hashlib
import hmac
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

# The execution-module function behind each view of drbdha.status (drbdha_health.VIEWS).
_SOURCES = {"drbd": "drbdadm.status", "cluster": "crmsh.status", "libvirt": "virsh.list_domains"}

# Where the cluster user's password hash is checked.
_SHADOW = "/etc/shadow"

# How long a pre-flight probe waits for the peer or the quorum host to answer.
PROBE_TIMEOUT = 3.0


def __virtual__():
    return __virtualname__


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


def _fencing(name):
    """A function of the fencing rules (_utils/drbdha_fencing.py)."""
    return __utils__[f"drbdha_fencing.{name}"]


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
    # The rules read values of the declared kinds: a structure problem is reported alone.
    problems = __utils__["drbdha_schema.structure_problems"](config)
    if problems:
        return problems
    return __utils__["drbdha_util.pillar_problems"](config) + _fencing("problems")(config)


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
    result = _validated_settings(config)
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


def _validated_settings(config):
    """``drbdha_settings.derive_settings`` for this minion; raises with every problem of the configuration."""
    problems = validate(config)
    if problems:
        raise SaltInvocationError("invalid drbdha pillar:\n  " + "\n  ".join(problems))
    minion_id = __grains__["id"]
    problem = __utils__["drbdha_settings.role_problem"](config, minion_id)
    if problem:
        raise SaltInvocationError(problem)
    return __utils__["drbdha_settings.derive_settings"](config, minion_id, _drbd_major(config))


def _drbd_major(config):
    """The DRBD major version of the settings; asks the loaded driver only when the pillar does not say."""
    loaded = None
    if config["drbd"].get("version") is None and "drbdadm.kernel_version" in __salt__:
        loaded = __salt__["drbdadm.kernel_version"]()
    return __utils__["drbdha_settings.drbd_major_of"](config, loaded)


def pair_plan(config):
    """
    What the orchestrations need to know about the pair, from a merged
    configuration (defaults.yaml, then the pillar): ``nodes``, ``first_node``,
    ``step_timeout``, ``sync_timeout``, and ``problems`` (the validation's; the
    rest is left out when there are any). The orchestrations call it on the
    master (``salt-run saltutil.sync_all`` gives the master this module).

    CLI Example:

    .. code-block:: bash

        salt-call drbdha.pair_plan "$(salt-call --out=json pillar.get drbdha)"
    """
    problems = validate(config)
    if problems:
        return {"problems": problems}
    return dict(__utils__["drbdha_settings.pair_plan"](config), problems=[])


def cib_objects(config):
    """
    The crm configure texts of the CIB objects drbdha manages for a
    settings mapping (from ``drbdha.settings``), in load order.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.cib_objects "$(salt-call --out=json drbdha.settings ...)"
    """
    return __utils__["drbdha_config.cib_objects"](
        config, _fencing("guest_meta")(config), _fencing("ipmi_objects")(config)
    )


def cluster_properties(settings):
    """
    Cluster properties for the settings' fencing choice: ``{name: value}``.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.cluster_properties "$(salt-call --out=json drbdha.settings ...)"
    """
    return _fencing("cluster_properties")(settings)


def drbd_config_files(config):
    """
    DRBD's configuration files for a settings mapping (from
    ``drbdha.settings``): ``{file name: text}``, the shared secret as a
    placeholder.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.drbd_config_files "$(salt-call --out=json drbdha.settings ...)"
    """
    return __utils__["drbdha_config.drbd_config_files"](config, _fencing("drbd_fencing_policy")(config))


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


def guest_resource_id(vm):
    """
    The cluster resource id of guest ``vm`` (``rsc_kvm_VM``).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.guest_resource_id sesadm
    """
    return __utils__["drbdha_config.guest_resource_id"](vm)


def secret_placeholder():
    """
    The text the DRBD files carry instead of the shared secret (the
    ``drbdadm.config`` state fills the value in from pillar).

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.secret_placeholder
    """
    return __utils__["drbdha_config.secret_placeholder"]()


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
    views, errors = {}, {}
    for key, function in _SOURCES.items():
        views[key], error = _ask(function)
        if error is not None:
            errors[key] = error
    if views["drbd"] is not None:
        _add_generation_ids(views["drbd"], errors)
    vm_resources = _pillar("drbdha:status:vm_resources", {}) or {}
    return __utils__["drbdha_health.report"](node, views, errors, __utils__["drbdha_config.domain_of"], vm_resources)


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
    fencing = _fencing("preflight_problems")(settings, facts.get("fencing") or {})
    problems = __utils__["drbdha_preflight.preflight_problems"](facts, settings, fencing)
    return {"node": facts["node"], "ok": not problems, "problems": problems, "facts": facts}


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
    return __utils__["drbdha_settings.derive_settings"](conf, __grains__["id"], 8)


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
        "peer_probe": _probe_replication(
            nodes[settings["this_node"]]["replication_address"], nodes[peer]["replication_address"], port
        ),
        "fencing": _fencing_facts(settings),
        "time": time.time(),
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
        mounts = __utils__["drbdha_preflight.mounts_by_device"](handle.read())
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


def _probe_replication(source, target, port, timeout=PROBE_TIMEOUT):
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


def _probe_qnetd(host, port, timeout=PROBE_TIMEOUT):
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
        facts["qnetd_probe"] = _probe_qnetd(qdevice["host"], qdevice["port"])
    return facts


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


def watchdog_present(device, module):
    """
    Whether watchdog ``device`` (e.g. ``/dev/watchdog``) exists with its
    driver ``module`` loaded. Reads only.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.watchdog_present /dev/watchdog softdog
    """
    module = __utils__["drbdha_util.require_name"](module, "watchdog driver")
    return os.path.isdir(f"/sys/module/{module}") and os.path.exists(device)


def load_watchdog_driver(device, module):
    """
    Load watchdog driver ``module`` with ``modprobe`` and check that it made
    ``device``. CommandExecutionError when it does not: the node's watchdog
    is driven by another driver.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.load_watchdog_driver /dev/watchdog softdog
    """
    module = __utils__["drbdha_util.require_name"](module, "watchdog driver")
    __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], ["modprobe", "--", module], record=__opts__.get("drbdha_command_log")
    )
    if not os.path.exists(device):
        raise CommandExecutionError(
            f"{module} is loaded but {device} does not exist: this node's watchdog is not driven by {module} "
            "(wdctl lists the watchdogs; set drbdha:cluster:stonith:sbd:watchdog_module and watchdog_device)"
        )
    return True


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


def _secret(pillar_key):
    """The secret at ``pillar_key``; SaltInvocationError naming the key when it is unset."""
    try:
        return __utils__["drbdha_util.pillar_secret"](__pillar__, pillar_key)
    except ValueError as exc:
        raise SaltInvocationError(str(exc)) from exc


def _secret_bytes(pillar_key, encoding):
    if encoding not in ("text", "base64"):
        raise SaltInvocationError(f"encoding must be text or base64, not {encoding!r}")
    value = _secret(pillar_key)
    if encoding == "text":
        return str(value).encode()
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError) as exc:
        raise SaltInvocationError(f"pillar key {pillar_key} is not base64 text") from exc


def secret_file_status(path, pillar_key, encoding="text"):
    """
    How file ``path`` compares with the secret at ``pillar_key`` (decoded
    from base64 with ``encoding=base64``): ``{"exists", "holds_secret",
    "mode"}``, the mode as octal text. Never the secret itself.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.secret_file_status /etc/corosync/authkey drbdha:cluster:authkey encoding=base64
    """
    want = _secret_bytes(pillar_key, encoding)
    try:
        with open(path, "rb") as handle:
            current = handle.read()
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
    except FileNotFoundError:
        return {"exists": False, "holds_secret": False, "mode": None}
    return {"exists": True, "holds_secret": hmac.compare_digest(current, want), "mode": f"{mode:04o}"}


def write_secret_file(path, pillar_key, encoding="text", mode="0600", user="root", group="root"):
    """
    Write the secret at ``pillar_key`` to ``path``: through a temporary file
    that has ``mode`` from its creation, renamed over ``path``, then owned by
    ``user``:``group``. Returns the path, never the secret.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.write_secret_file /etc/corosync/authkey drbdha:cluster:authkey encoding=base64 mode=0400
    """
    data = _secret_bytes(pillar_key, encoding)
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    __utils__["drbdha_util.write_atomic"](path, data, mode=int(str(mode), 8))
    __salt__["file.chown"](path, user, group)
    return path


def user_has_password(user, pillar_key):
    """
    Whether ``user``'s password in /etc/shadow is the one at ``pillar_key``.
    CommandExecutionError when the user does not exist.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.user_has_password hacluster drbdha:cluster:hacluster_password
    """
    password = str(_secret(pillar_key))
    with open(_SHADOW, encoding="utf-8") as handle:
        hashed = __utils__["drbdha_util.shadow_hash"](user, handle.read())
    if hashed is None:
        raise CommandExecutionError(f"user {user} does not exist (is pacemaker installed?)")
    return __utils__["drbdha_util.password_matches"](password, hashed)


def set_user_password(user, pillar_key):
    """
    Set ``user``'s password to the one at ``pillar_key`` with ``chpasswd``,
    the password on its stdin and kept out of the logs.

    CLI Example:

    .. code-block:: bash

        salt node-1 drbdha.set_user_password hacluster drbdha:cluster:hacluster_password
    """
    password = str(_secret(pillar_key))
    __utils__["drbdha_util.run"](__salt__["cmd.run_all"], ["chpasswd"], stdin=f"{user}:{password}\n", quiet=True)
    return True
