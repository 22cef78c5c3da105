"""
Node fencing and the quorum vote in one place: which pillar keys are valid,
the timeouts that follow from them, and what each fencing mode puts into
corosync.conf, the sbd configuration, the CIB and DRBD.

Modes (``drbdha:cluster:stonith:mode``):

- ``sbd``: diskless SBD. A node that loses quorum stops feeding its hardware
  watchdog and is reset by it; the surviving node waits
  ``stonith-watchdog-timeout`` and then knows the other is gone. Two nodes
  alone cannot tell which side has quorum, so a quorum device
  (``drbdha:cluster:qdevice``, corosync-qnetd on a third host) is required.
- ``ipmi``: ``fence_ipmilan`` powers the other node off through its BMC.
  ``priority-fencing-delay`` lets the node that runs the guests win the race
  when both nodes try to fence each other.
- ``none``: no node fencing. A full partition lets both nodes run the guest
  and acknowledged writes are lost; only with ``accept_no_fencing: true``.

Pure: the unit tests import this file directly; the modules reach it through
``__utils__["drbdha_fencing.<name>"]``.
"""

import ipaddress
import math
import re

STONITH_MODES = ("none", "ipmi", "sbd")
QDEVICE_ALGORITHMS = ("ffsplit", "lms")
TIE_BREAKERS = ("lowest", "highest")
# A software watchdog: it resets a node whose sbd stops, not one whose kernel hangs.
SOFTDOG = "softdog"

# corosync-qdevice's own defaults (ms), used when the pillar leaves them out.
QDEVICE_TIMEOUT = 10000
QDEVICE_SYNC_TIMEOUT = 30000
QNETD_PORT = 5403
IPMI_PORT = 623

# Where the fence agent finds a BMC password: a root-only file per fenced node,
# read by the password script, so the CIB never holds the password.
FENCE_SECRET_DIR = "/etc/drbdha/fencing"  # noqa: S105 - a directory, not a secret

_MODULE_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_DEVICE_RE = re.compile(r"^/dev/[A-Za-z0-9_][A-Za-z0-9_./:-]*$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
# What may stand in a BMC user name or password: it reaches a root-only file and the agent's stdin.
_CREDENTIAL_RE = re.compile(r"^[\x21-\x7e]{1,64}$")


def _key(*parts):
    return ":".join(("drbdha", "cluster", *map(str, parts)))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_address(value):
    try:
        ipaddress.ip_address(value)
    except (TypeError, ValueError):
        return False
    return True


def _is_host(value):
    return _is_address(value) or (isinstance(value, str) and bool(_HOST_RE.match(value)))


def _section(mapping, key):
    """A pillar section as a dict ({} when absent) and the problem if it is something else."""
    value = mapping.get(key)
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return {}, f"{_key(*key.split(':'))}: must be a mapping, got {type(value).__name__}"
    return value, None


# ------------------------------------------------------------ validation --


def problems(config):
    """
    Every problem with the fencing and quorum keys of a drbdha configuration
    (``drbdha:cluster:stonith``, ``drbdha:cluster:qdevice``), each naming its
    key and what to do. Defaults are those of defaults.yaml.
    """
    cluster = config.get("cluster") if isinstance(config.get("cluster"), dict) else {}
    nodes = config.get("nodes") if isinstance(config.get("nodes"), dict) else {}
    found = []
    stonith, problem = _section(cluster, "stonith")
    found += [problem] if problem else []
    qdevice, problem = _section(cluster, "qdevice")
    found += [problem] if problem else []
    mode = stonith.get("mode", "none")
    if mode not in STONITH_MODES:
        found.append(f"{_key('stonith', 'mode')}: must be one of {', '.join(STONITH_MODES)}, got {mode!r}")
    if not isinstance(stonith.get("accept_no_fencing", False), bool):
        found.append(f"{_key('stonith', 'accept_no_fencing')}: must be true or false")
    if qdevice:
        found += _qdevice_problems(qdevice, nodes)
    if mode == "sbd":
        found += _sbd_problems(stonith.get("sbd"), qdevice)
    if mode == "ipmi":
        found += _ipmi_problems(stonith.get("ipmi"), nodes)
    delay = stonith.get("fencing_delay")
    if delay is not None and not (_is_int(delay) and 1 <= delay <= 60):
        found.append(f"{_key('stonith', 'fencing_delay')}: must be whole seconds, 1-60, got {delay!r}")
    return found


def _qdevice_problems(qdevice, nodes):
    found = []
    if not _is_host(qdevice.get("host")):
        found.append(
            f"{_key('qdevice', 'host')}: must be the address or host name of the corosync-qnetd host, "
            f"got {qdevice.get('host')!r}"
        )
    port = qdevice.get("port", QNETD_PORT)
    if not (_is_int(port) and 1 <= port <= 65535):
        found.append(f"{_key('qdevice', 'port')}: must be a TCP port, got {port!r}")
    if qdevice.get("algorithm", "ffsplit") not in QDEVICE_ALGORITHMS:
        found.append(f"{_key('qdevice', 'algorithm')}: must be one of {', '.join(QDEVICE_ALGORITHMS)}")
    if qdevice.get("tie_breaker", "lowest") not in TIE_BREAKERS:
        found.append(f"{_key('qdevice', 'tie_breaker')}: must be one of {', '.join(TIE_BREAKERS)}")
    timeout, sync = qdevice.get("timeout", QDEVICE_TIMEOUT), qdevice.get("sync_timeout", QDEVICE_SYNC_TIMEOUT)
    for field, value in (("timeout", timeout), ("sync_timeout", sync)):
        if not (_is_int(value) and 1000 <= value <= 120000):
            found.append(f"{_key('qdevice', field)}: must be milliseconds, 1000-120000, got {value!r}")
    minion = qdevice.get("qnetd_minion")
    if minion is not None:
        if not (isinstance(minion, str) and _NAME_RE.match(minion)):
            found.append(f"{_key('qdevice', 'qnetd_minion')}: must be a Salt minion id, got {minion!r}")
        elif minion in nodes:
            found.append(
                f"{_key('qdevice', 'qnetd_minion')}: {minion} is a cluster node; the vote must come from a third host"
            )
    listen = qdevice.get("qnetd_listen")
    if listen is not None and not _is_address(listen):
        found.append(f"{_key('qdevice', 'qnetd_listen')}: must be an IP address, got {listen!r}")
    return found


def _sbd_problems(sbd, qdevice):
    found = []
    if not qdevice:
        found.append(
            f"{_key('qdevice')}: diskless SBD (stonith mode sbd) needs a quorum device: two nodes alone cannot "
            "tell which of them lost quorum. Name the corosync-qnetd host in drbdha:cluster:qdevice:host"
        )
    if not isinstance(sbd, dict):
        found.append(
            f"{_key('stonith', 'sbd')}: is required with mode sbd: watchdog_module (the hardware watchdog's "
            "driver, e.g. iTCO_wdt, ipmi_watchdog, i6300esb) and watchdog_timeout"
        )
        return found
    module = sbd.get("watchdog_module")
    if not (isinstance(module, str) and _MODULE_RE.match(module)):
        found.append(
            f"{_key('stonith', 'sbd', 'watchdog_module')}: must name the kernel driver of the node's hardware "
            f"watchdog (softdog only as a stated fallback), got {module!r}"
        )
    device = sbd.get("watchdog_device", "/dev/watchdog")
    if not (isinstance(device, str) and _DEVICE_RE.match(device) and ".." not in device.split("/")):
        found.append(f"{_key('stonith', 'sbd', 'watchdog_device')}: must be a device under /dev, got {device!r}")
    timeout = sbd.get("watchdog_timeout")
    if not (_is_int(timeout) and 5 <= timeout <= 120):
        found.append(f"{_key('stonith', 'sbd', 'watchdog_timeout')}: must be whole seconds, 5-120, got {timeout!r}")
    elif qdevice:
        sync = qdevice.get("sync_timeout", QDEVICE_SYNC_TIMEOUT)
        if _is_int(sync) and timeout * 1000 <= sync:
            found.append(
                f"{_key('stonith', 'sbd', 'watchdog_timeout')}: {timeout} s must exceed the quorum device's "
                f"sync_timeout ({sync} ms): a node may learn it lost the vote only after that"
            )
    return found


def _ipmi_problems(ipmi, nodes):
    key = ("stonith", "ipmi")
    if not isinstance(ipmi, dict) or sorted(ipmi) != sorted(nodes):
        return [f"{_key(*key)}: needs one entry (ip, user, password) per node: {', '.join(sorted(nodes))}"]
    found = []
    for node, entry in sorted(ipmi.items()):
        if not isinstance(entry, dict):
            found.append(f"{_key(*key, node)}: must be a mapping with ip, user and password")
            continue
        if not _is_host(entry.get("ip")):
            found.append(f"{_key(*key, node, 'ip')}: must be the address of {node}'s BMC, got {entry.get('ip')!r}")
        port = entry.get("port", IPMI_PORT)
        if not (_is_int(port) and 1 <= port <= 65535):
            found.append(f"{_key(*key, node, 'port')}: must be a UDP port, got {port!r}")
        for field in ("user", "password"):
            if not (isinstance(entry.get(field), str) and _CREDENTIAL_RE.match(entry[field])):
                found.append(f"{_key(*key, node, field)}: is required: 1-64 printable characters, no spaces")
        # The user is a parameter in the CIB's crm text, where a quote or backslash would end or escape it.
        if isinstance(entry.get("user"), str) and set(entry["user"]) & set("\"'\\"):
            found.append(f"{_key(*key, node, 'user')}: must not contain quotes or backslashes")
        if not isinstance(entry.get("lanplus", True), bool):
            found.append(f"{_key(*key, node, 'lanplus')}: must be true or false")
        cipher = entry.get("cipher")
        if cipher is not None and not (_is_int(cipher) and 0 <= cipher <= 17):
            found.append(f"{_key(*key, node, 'cipher')}: must be an IPMI 2.0 cipher suite id, 0-17, got {cipher!r}")
    return found


# ------------------------------------------------------------- the rules --


def stonith_of(settings):
    return (settings.get("cluster") or {}).get("stonith") or {}


def mode_of(settings):
    return stonith_of(settings).get("mode", "none")


def qdevice_of(settings):
    """The quorum device section with corosync-qdevice's defaults filled in, or None."""
    qdevice = (settings.get("cluster") or {}).get("qdevice")
    if not qdevice:
        return None
    return {
        "port": QNETD_PORT,
        "algorithm": "ffsplit",
        "tie_breaker": "lowest",
        "timeout": QDEVICE_TIMEOUT,
        "sync_timeout": QDEVICE_SYNC_TIMEOUT,
        **qdevice,
    }


def watchdog_fencing_timeout(watchdog_timeout):
    """stonith-watchdog-timeout: twice sbd's watchdog timeout, so a node that stopped feeding it is surely reset."""
    return 2 * watchdog_timeout


def stonith_timeout(settings):
    """
    stonith-timeout (seconds): for sbd 20 % above the watchdog fencing wait, which
    it must exceed; otherwise Pacemaker's default of 60 s, and with a fencing
    delay that delay on top of it.
    """
    stonith = stonith_of(settings)
    if mode_of(settings) == "sbd":
        return math.ceil(1.2 * watchdog_fencing_timeout(stonith["sbd"]["watchdog_timeout"]))
    return 60 + fencing_delay(settings)


def fencing_delay(settings):
    """priority-fencing-delay (seconds) with IPMI: the node that runs the guests fences first. 0 otherwise."""
    if mode_of(settings) != "ipmi":
        return 0
    return stonith_of(settings).get("fencing_delay", 15)


# A guest's resource priority: priority-fencing-delay delays fencing the node whose
# resources add up to the higher priority, so that node wins a fence race.
GUEST_PRIORITY = 10


def cluster_properties(settings):
    """The cluster properties of the fencing choice: ``{name: value}`` (Pacemaker's names and units)."""
    mode = mode_of(settings)
    if mode == "none":
        return {"stonith-enabled": "false"}
    props = {"stonith-enabled": "true", "stonith-timeout": f"{stonith_timeout(settings)}s"}
    if mode == "sbd":
        watchdog = stonith_of(settings)["sbd"]["watchdog_timeout"]
        props["stonith-watchdog-timeout"] = f"{watchdog_fencing_timeout(watchdog)}s"
    else:
        props["priority-fencing-delay"] = f"{fencing_delay(settings)}s"
    return props


def guest_meta(settings):
    """Meta attributes every guest resource gets for the fencing choice (crm syntax pairs)."""
    return {"priority": str(GUEST_PRIORITY)} if fencing_delay(settings) else {}


def drbd_fencing_policy(settings):
    """
    DRBD's ``fencing`` policy: with node fencing, ``resource-and-stonith``
    freezes I/O on a Primary that lost its peer until the peer is fenced; with
    none, ``resource-only`` (the peer is only marked Outdated in the CIB).
    """
    return "resource-only" if mode_of(settings) == "none" else "resource-and-stonith"


def sbd_config_text(settings):
    """The sbd configuration file (shell variables) for diskless SBD: a watchdog, no SBD_DEVICE."""
    sbd = stonith_of(settings)["sbd"]
    lines = [
        "# Managed by Salt (drbdha): diskless SBD (watchdog only, no SBD_DEVICE).",
        "# A node that loses quorum stops feeding the watchdog and is reset by it.",
        "SBD_PACEMAKER=yes",
        "SBD_STARTMODE=always",
        "SBD_DELAY_START=no",
        f"SBD_WATCHDOG_DEV={sbd.get('watchdog_device', '/dev/watchdog')}",
        f"SBD_WATCHDOG_TIMEOUT={sbd['watchdog_timeout']}",
        "SBD_TIMEOUT_ACTION=flush,reboot",
        "SBD_MOVE_TO_ROOT_CGROUP=auto",
    ]
    return "\n".join(lines) + "\n"


def corosync_quorum(settings):
    """
    What corosync.conf's quorum section holds: ``{"two_node": bool, "device":
    None or its settings}``. With a quorum device the third vote decides, so
    ``two_node`` (which lets either node alone keep quorum) is dropped.
    """
    qdevice = qdevice_of(settings)
    return {"two_node": qdevice is None, "device": qdevice}


def quorum_section_text(quorum):
    """corosync.conf's ``quorum { }`` section for a :func:`corosync_quorum` mapping, the same in both cluster modes."""
    lines = ["quorum {", "    provider: corosync_votequorum"]
    if quorum["two_node"]:
        lines.append("    two_node: 1")
    device = quorum["device"]
    if device:
        lines += [
            f"    # The third vote, from corosync-qnetd on {device['host']}: the side of a",
            "    # partition it answers keeps quorum, the other stops its resources.",
            "    device {",
            "        model: net",
            "        votes: 1",
            f"        timeout: {device['timeout']}",
            f"        sync_timeout: {device['sync_timeout']}",
            "        net {",
            f"            host: {device['host']}",
            f"            port: {device['port']}",
            f"            algorithm: {device['algorithm']}",
            f"            tie_breaker: {device['tie_breaker']}",
            "            tls: on",
            "        }",
            "    }",
        ]
    return "\n".join([*lines, "}"]) + "\n"


def watchdog_is_software(settings):
    return mode_of(settings) == "sbd" and stonith_of(settings)["sbd"].get("watchdog_module") == SOFTDOG


def fence_secret_path(node):
    """The root-only file holding the BMC password of ``node`` on the nodes that may fence it."""
    return f"{FENCE_SECRET_DIR}/ipmi-{node}"


def _ipmi_params(ipmi):
    """fence_ipmilan's parameters for one BMC, the password aside, as (name, value) pairs."""
    params = [
        ("ip", ipmi["ip"]),
        ("ipport", ipmi.get("port", IPMI_PORT)),
        ("username", ipmi["user"]),
        ("lanplus", "1" if ipmi.get("lanplus", True) else "0"),
    ]
    # Without a cipher suite ipmitool asks the BMC for its list first, which a BMC that does not
    # answer that costs seconds on every call of a fencing action.
    if ipmi.get("cipher") is not None:
        params.append(("cipher", ipmi["cipher"]))
    return params


def ipmi_objects(settings):
    """
    One ``fence_ipmilan`` per node, kept off the node it fences, as crm
    configure texts. The password stays out of the CIB: the agent reads it
    with ``password_script`` from a root-only file on the fencing node.
    """
    objects = []
    for node, ipmi in sorted((stonith_of(settings).get("ipmi") or {}).items()):
        params = " ".join(f"{name}={value}" for name, value in _ipmi_params(ipmi))
        objects.append(
            f"primitive stonith_{node} stonith:fence_ipmilan params {params} "
            f'password_script="cat {fence_secret_path(node)}" '
            f"pcmk_host_list={node} op monitor interval=3600 timeout=120"
        )
        objects.append(f"location loc_stonith_{node}_elsewhere stonith_{node} -inf: {node}")
    return objects


def ipmi_status_request(ipmi):
    """
    What ``fence_ipmilan`` reads on stdin (one ``name=value`` a line) to ask a
    BMC for its power state: the password travels on stdin, never on argv.
    """
    lines = [f"{name}={value}" for name, value in _ipmi_params(ipmi)]
    return "\n".join([*lines, f"password={ipmi['password']}", "action=status"]) + "\n"


def preflight_problems(settings, facts):
    """
    What stops a rollout because of fencing on this node, each saying what to
    fix: no fencing and no waiver; the watchdog driver missing; the peer's BMC
    not answering; the quorum host unreachable.
    """
    found = []
    stonith, mode = stonith_of(settings), mode_of(settings)
    if mode == "none" and not stonith.get("accept_no_fencing"):
        found.append(
            "no node fencing is configured (drbdha:cluster:stonith:mode is none): configure sbd (with a quorum "
            "device) or ipmi. Without it a full partition runs the guest on both nodes and acknowledged writes "
            "are lost; to run so anyway, set drbdha:cluster:stonith:accept_no_fencing: true"
        )
    if facts.get("watchdog"):
        found.append(facts["watchdog"])
    if facts.get("peer_bmc"):
        found.append(facts["peer_bmc"])
    if facts.get("qnetd_probe"):
        found.append(facts["qnetd_probe"])
    return found


def plan(settings, node):
    """
    What ``node``'s SLS files do for the fencing choice, in one mapping:
    ``packages`` to install, corosync's ``quorum`` section (as a mapping and
    as ``quorum_section``, its text in corosync.conf), ``sbd`` (its
    configuration text, watchdog driver and device; None without sbd) and
    ``ipmi_secrets`` (``{peer: {path, pillar_key}}``: the password files of
    the BMCs it may have to use; never its own, as no node fences itself).
    """
    mode, packages = mode_of(settings), settings.get("packages") or {}
    quorum = corosync_quorum(settings)
    wanted = list(packages.get(mode, [])) if mode != "none" else []
    if qdevice_of(settings):
        wanted += packages.get("qdevice", [])
    sbd = None
    if mode == "sbd":
        config = stonith_of(settings)["sbd"]
        sbd = {
            "config": sbd_config_text(settings),
            "module": config["watchdog_module"],
            "device": config.get("watchdog_device", "/dev/watchdog"),
            "software": watchdog_is_software(settings),
        }
    secrets = {}
    if mode == "ipmi":
        secrets = {
            peer: {"path": fence_secret_path(peer), "pillar_key": f"drbdha:cluster:stonith:ipmi:{peer}:password"}
            for peer in sorted(stonith_of(settings).get("ipmi") or {})
            if peer != node
        }
    return {
        "mode": mode,
        "packages": wanted,
        "quorum": quorum,
        "quorum_section": quorum_section_text(quorum),
        "sbd": sbd,
        "ipmi_secrets": secrets,
    }
