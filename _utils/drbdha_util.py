"""
Helpers shared by the drbdha execution modules: running a tool, validating
the values that reach its command line, and validating the whole pillar in
one place before anything is applied (``pillar_problems``).

Everything here is pure or takes the function it needs as an argument, so the
unit tests import this file directly and the modules reach it through
``__utils__["drbdha_util.<name>"]``.
"""

import base64
import binascii
import hmac
import ipaddress
import json
import logging
import os
import re
import tempfile
import time

import salt.utils.data
from salt.exceptions import CommandExecutionError, SaltInvocationError

try:  # crypt verifies /etc/shadow hashes; it is in Python up to 3.12.
    import crypt
except ImportError:  # pragma: no cover - Python 3.13+
    crypt = None

log = logging.getLogger(__name__)

# DRBD resource names, cluster node names, libvirt domain names and CIB ids
# reach command lines and file names: letters, digits, '.', '_' and '-', not
# starting with '-' (an option) or '.' (a hidden file or '..').
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
# Block devices live under /dev; no '..' and nothing a shell would expand.
_DEVICE_RE = re.compile(r"^/dev/[A-Za-z0-9_][A-Za-z0-9_./:-]*$")


def valid_name(value):
    """True for a safe object name (resource, node, domain, CIB id)."""
    return isinstance(value, str) and bool(_NAME_RE.match(value))


def valid_device(value):
    """True for a path under /dev without traversal or shell metacharacters."""
    return isinstance(value, str) and bool(_DEVICE_RE.match(value)) and ".." not in value.split("/")


def valid_address(value):
    """True for a literal IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except (TypeError, ValueError):
        return False
    return True


def valid_port(value):
    """True for a TCP port number 1..65535 (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536


def require_name(value, what="name"):
    """Return ``value`` if it is a safe name, else raise SaltInvocationError."""
    if not valid_name(value):
        raise SaltInvocationError(
            f"invalid {what} {value!r}: use letters, digits, '.', '_' and '-' "
            "(at most 63 characters, not starting with '-' or '.')"
        )
    return value


def require_device(value, what="device"):
    """Return ``value`` if it is a safe /dev path, else raise SaltInvocationError."""
    if not valid_device(value):
        raise SaltInvocationError(f"invalid {what} {value!r}: expected a path under /dev")
    return value


def record_command(path, argv, retcode, seconds):
    """
    Append one JSON line (time, argv, exit code, duration) to the command log
    ``path`` — set as ``drbdha_command_log`` in the minion config — so tests
    and benchmarks can see every command the modules ran. Never stdin/stdout.
    """
    line = json.dumps({"time": time.time(), "argv": list(argv), "retcode": retcode, "seconds": round(seconds, 4)})
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def run(run_all, argv, ok_retcodes=(0,), stdin=None, quiet=False, env=None, record=None):
    """
    Run ``argv`` (a list, never a shell string) through ``run_all`` — Salt's
    ``cmd.run_all`` — and return its result dict.

    A return code outside ``ok_retcodes`` raises CommandExecutionError naming
    the command and carrying the tool's stderr. ``quiet`` keeps the output out
    of the minion log (for commands that read secrets on stdin). ``record``
    is the path of a command log (see ``record_command``).
    """
    if not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv):
        raise SaltInvocationError(f"command must be a list of strings, got {argv!r}")
    kwargs = {
        "python_shell": False,
        "ignore_retcode": True,
        "output_loglevel": "quiet" if quiet else "debug",
        "env": {"LC_ALL": "C", "LANG": "C", **(env or {})},
    }
    if stdin is not None:
        kwargs["stdin"] = stdin
    started = time.monotonic()
    result = run_all(list(argv), **kwargs)
    if record:
        record_command(record, argv, result.get("retcode"), time.monotonic() - started)
    if result.get("retcode") not in ok_retcodes:
        raise CommandExecutionError(
            f"{' '.join(argv)} failed with exit code {result.get('retcode')}: {describe_failure(result)}",
            info={
                "command": list(argv),
                "retcode": result.get("retcode"),
                "stderr": result.get("stderr", ""),
            },
        )
    return result


# crmsh colours its INFO/ERROR prefixes even without a terminal.
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def describe_failure(result):
    """The most useful line(s) of a failed command's output, without terminal colours."""
    text = (result.get("stderr") or "").strip() or (result.get("stdout") or "").strip()
    return _ANSI_RE.sub("", text) or "no output"


def missing_binaries(which, binaries):
    """The names in ``binaries`` that ``which`` (salt.utils.path.which) cannot find."""
    return [name for name in binaries if not which(name)]


def virtual_reason(module, which, binaries):
    """``__virtual__`` answer: the module name, or (False, why) if a tool is missing."""
    missing = missing_binaries(which, binaries)
    if missing:
        return (
            False,
            f"the {module} module needs {', '.join(missing)} on PATH (not found on this minion)",
        )
    return module


# ------------------------------------------------------------ the pillar --

_HOST_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_DURATION_RE = re.compile(r"^\d+(ms|s|m|min|h)?$")
# Characters that would end or escape a quoted string in drbd.conf / crm syntax.
_UNQUOTABLE = set('"\\\n\r;{}')

DEFAULT_PASSWORDS = {"linux", "hacluster", "password", "changeme"}
CLUSTER_MODES = ("native", "crmsh")
MAX_MINOR = 1048575
# What libvirt and the kernel accept for one guest, give or take: beyond this a value is a typo.
MAX_VCPUS = 1024
MAX_MEMORY_MIB = 16 * 1024 * 1024
# Seconds: an initial sync of a large disk over a slow link takes days, not months.
SYNC_TIMEOUT_RANGE = (60, 30 * 86400)
# Package names as zypper and apt take them (name, arch suffix, version-free).
_PACKAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+._:-]{0,127}$")


def _key(*parts):
    return ":".join(("drbdha",) + tuple(str(p) for p in parts))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_safe_text(value):
    return isinstance(value, str) and not (_UNQUOTABLE & set(value))


def _is_absolute_path(value):
    """An absolute path without '..' and without what would end a quoted string in a file."""
    return _is_safe_text(value) and value.startswith("/") and ".." not in value.split("/")


def _check_optional_path(value, key, out):
    """A path setting that may be left out: when given, absolute and without '..'."""
    if value is not None:
        out.require(_is_absolute_path(value), key, f"must be an absolute path without '..', got {value!r}")


def _duplicates(values):
    seen, dup = set(), set()
    for value in values:
        (dup if value in seen else seen).add(value)
    return dup


class _Collector:
    def __init__(self):
        self.messages = []

    def add(self, key, problem):
        self.messages.append(f"{key}: {problem}")

    def require(self, condition, key, problem):
        if not condition:
            self.add(key, problem)
        return condition


def _check_nodes(config, out):
    nodes = config.get("nodes")
    if not isinstance(nodes, dict) or len(nodes) != 2:
        count = len(nodes) if isinstance(nodes, dict) else 0
        out.add(_key("nodes"), f"exactly two nodes are needed (DRBD pair), found {count}")
        return []
    for name, node in nodes.items():
        key = _key("nodes", name)
        if not out.require(
            valid_name(name), key, "node name must be a hostname-like name (letters, digits, '.', '_', '-')"
        ):
            continue
        if not isinstance(node, dict):
            out.add(key, "must be a mapping with id, replication_address and external_address")
            continue
        out.require(
            _is_int(node.get("id")) and 0 <= node.get("id") <= 31,
            f"{key}:id",
            f"must be a DRBD node id 0-31, got {node.get('id')!r}",
        )
        out.require(
            valid_address(node.get("replication_address")),
            f"{key}:replication_address",
            f"must be an IP address, got {node.get('replication_address')!r}",
        )
        if node.get("external_address") is not None:
            out.require(
                valid_address(node.get("external_address")),
                f"{key}:external_address",
                f"must be an IP address, got {node.get('external_address')!r}",
            )
    for field in ("id", "replication_address", "external_address"):
        values = [n.get(field) for n in nodes.values() if isinstance(n, dict) and n.get(field) is not None]
        for dup in _duplicates(values):
            out.add(_key("nodes"), f"{field} {dup} is used by both nodes")
    for name, node in nodes.items():
        if isinstance(node, dict) and node.get("external_address") is not None:
            out.require(
                node.get("replication_address") != node["external_address"],
                _key("nodes", name),
                f"replication_address and external_address are both {node['external_address']}: the cluster's two "
                "rings and DRBD's link need the two networks",
            )
    names = list(nodes)
    first = config.get("first_node")
    if first is not None:
        out.require(first in nodes, _key("first_node"), f"{first!r} is not one of the nodes ({', '.join(names)})")
    return names


def _check_cluster(config, nodes, out):
    cluster = config.get("cluster") or {}
    out.require(valid_name(cluster.get("name", "hacluster")), _key("cluster", "name"), "must be a simple name")
    mode = cluster.get("mode", "native")
    out.require(
        mode in CLUSTER_MODES, _key("cluster", "mode"), f"must be one of {', '.join(CLUSTER_MODES)}, got {mode!r}"
    )
    token = cluster.get("token", 5000)
    out.require(_is_int(token) and 1000 <= token <= 60000, _key("cluster", "token"), "must be milliseconds, 1000-60000")
    if mode == "native":
        authkey = cluster.get("authkey")
        if out.require(isinstance(authkey, str) and authkey, _key("cluster", "authkey"), "is required in native mode"):
            try:
                size = len(base64.b64decode(authkey, validate=True))
            except (binascii.Error, ValueError):
                out.add(_key("cluster", "authkey"), "must be base64 (of 128-1024 random bytes)")
            else:
                out.require(
                    128 <= size <= 1024, _key("cluster", "authkey"), f"decodes to {size} bytes; corosync needs 128-1024"
                )
    password = cluster.get("hacluster_password")
    if out.require(isinstance(password, str) and password, _key("cluster", "hacluster_password"), "is required"):
        out.require(
            password.lower() not in DEFAULT_PASSWORDS,
            _key("cluster", "hacluster_password"),
            "is a well-known default password; choose another",
        )
        out.require(len(password) >= 8, _key("cluster", "hacluster_password"), "must be at least 8 characters")
        out.require(
            "\n" not in password and ":" not in password,
            _key("cluster", "hacluster_password"),
            "must not contain ':' or a newline",
        )
    for field in ("hacluster_ssh_dir", "sbd_config_file", "qnetd_options_file"):
        _check_optional_path(cluster.get(field), _key("cluster", field), out)
    vip = cluster.get("virtual_ip")
    if vip is not None:
        if out.require(valid_address(vip), _key("cluster", "virtual_ip"), f"must be an IP address, got {vip!r}"):
            for name, node in (config.get("nodes") or {}).items():
                for field in ("replication_address", "external_address"):
                    out.require(
                        not isinstance(node, dict) or node.get(field) != vip,
                        _key("cluster", "virtual_ip"),
                        f"{vip} is {name}'s {field}: the virtual IP must be an address of its own",
                    )


def _check_resources(config, nodes, out):
    drbd = config.get("drbd") or {}
    secret = drbd.get("shared_secret")
    if out.require(
        isinstance(secret, str) and secret, _key("drbd", "shared_secret"), "is required (peer authentication)"
    ):
        out.require(len(secret) >= 8, _key("drbd", "shared_secret"), "must be at least 8 characters")
        out.require(
            _is_safe_text(secret),
            _key("drbd", "shared_secret"),
            "must not contain quotes, backslashes, ';', braces or newlines",
        )
    out.require(drbd.get("protocol", "C") in ("A", "B", "C"), _key("drbd", "protocol"), "must be A, B or C")
    for op, value in (drbd.get("timeouts") or {}).items():
        out.require(
            _is_int(value) and 1 <= value <= 3600, _key("drbd", "timeouts", op), "must be whole seconds, 1-3600"
        )
    if drbd.get("version") is not None:
        out.require(drbd["version"] in (8, 9), _key("drbd", "version"), "must be 8 (DRBD 8.4) or 9")
    low, high = SYNC_TIMEOUT_RANGE
    sync = drbd.get("sync_timeout")
    out.require(
        sync is None or (_is_int(sync) and low <= sync <= high),
        _key("drbd", "sync_timeout"),
        f"must be whole seconds, {low}-{high}, got {sync!r}",
    )
    _check_optional_path(drbd.get("config_dir"), _key("drbd", "config_dir"), out)
    resources = drbd.get("resources")
    if not isinstance(resources, dict) or not resources:
        out.add(_key("drbd", "resources"), "at least one resource is needed")
        return {}
    for name, res in resources.items():
        key = _key("drbd", "resources", name)
        if not out.require(valid_name(name), key, "resource name must be letters, digits, '.', '_', '-'"):
            continue
        if not isinstance(res, dict):
            out.add(key, "must be a mapping with minor, port and disk")
            continue
        minor = res.get("minor")
        out.require(_is_int(minor) and 0 <= minor <= MAX_MINOR, f"{key}:minor", f"must be 0-{MAX_MINOR}, got {minor!r}")
        port = res.get("port")
        out.require(_is_int(port) and 1024 <= port <= 65535, f"{key}:port", f"must be a port 1024-65535, got {port!r}")
        disk = res.get("disk")
        if isinstance(disk, dict):
            out.require(
                sorted(disk) == sorted(nodes),
                f"{key}:disk",
                f"per-node disks must name exactly the nodes {', '.join(nodes)}",
            )
            for node, path in disk.items():
                out.require(
                    valid_device(path), f"{key}:disk:{node}", f"must be a block device path under /dev, got {path!r}"
                )
        else:
            out.require(valid_device(disk), f"{key}:disk", f"must be a block device path under /dev, got {disk!r}")
        out.require(
            isinstance(res.get("new_devices", False), bool),
            f"{key}:new_devices",
            "must be true or false (true only for brand-new, empty backing devices on both nodes)",
        )
    valid = {n: r for n, r in resources.items() if valid_name(n) and isinstance(r, dict)}
    for field in ("minor", "port"):
        for dup in _duplicates(r.get(field) for r in valid.values() if r.get(field) is not None):
            out.add(_key("drbd", "resources"), f"{field} {dup} is used by more than one resource")
    _check_shared_disks(valid, nodes, out)
    return valid


def _check_shared_disks(resources, nodes, out):
    """Two resources on one backing device of a node would write over each other's data."""
    owner = {}
    for name, res in resources.items():
        disk = res.get("disk")
        per_node = disk if isinstance(disk, dict) else {node: disk for node in nodes}
        for node, path in sorted(per_node.items()):
            if (node, path) in owner:
                out.add(
                    _key("drbd", "resources", name, "disk"),
                    f"{path} on {node} is already the backing device of resource {owner[(node, path)]}",
                )
            else:
                owner[(node, path)] = name


def _check_vms(config, resources, out):
    vms = config.get("vms") or {}
    if not isinstance(vms, dict):
        out.add(_key("vms"), "must be a mapping of guest name to settings")
        return
    used = {}
    for name, vm in vms.items():
        key = _key("vms", name)
        if not out.require(valid_name(name), key, "guest name must be letters, digits, '.', '_', '-'"):
            continue
        if not isinstance(vm, dict):
            out.add(key, "must be a mapping")
            continue
        res = vm.get("resource")
        if out.require(res in resources, f"{key}:resource", f"names unknown DRBD resource {res!r}"):
            if res in used:
                out.add(f"{key}:resource", f"{res} already holds the disk of guest {used[res]}")
            used[res] = name
        install, imported = vm.get("install"), vm.get("import_xml")
        if not out.require(bool(install) != bool(imported), key, "give exactly one of install or import_xml"):
            continue
        if imported:
            ok = isinstance(imported, str) and (imported.startswith("salt://") or os.path.isabs(imported))
            out.require(
                ok and ".." not in imported.split("/"), f"{key}:import_xml", "must be a salt:// URL or an absolute path"
            )
            continue
        _check_install(install, f"{key}:install", out)
        for op, value in (vm.get("timeouts") or {}).items():
            out.require(
                _is_safe_text(str(value)) and _DURATION_RE.match(str(value)),
                f"{key}:timeouts:{op}",
                f"must be a duration like 120s, got {value!r}",
            )


def _check_install(install, key, out):
    if not isinstance(install, dict):
        out.add(key, "must be a mapping")
        return
    location = install.get("location")
    out.require(
        _is_absolute_path(location) and "," not in location and "'" not in location,
        f"{key}:location",
        f"must be an absolute path to the installer ISO, got {location!r}",
    )
    for field, low, high in (("vcpus", 1, MAX_VCPUS), ("memory", 64, MAX_MEMORY_MIB)):
        value = install.get(field)
        out.require(
            _is_int(value) and low <= value <= high,
            f"{key}:{field}",
            f"must be a whole number, {low}-{high}, got {value!r}",
        )
    for field in ("os_variant", "bridge"):
        if install.get(field) is not None:
            out.require(valid_name(install[field]), f"{key}:{field}", "must be a simple name")
    extra = install.get("extra_args")
    if extra is not None:
        out.require(isinstance(extra, str) and "\n" not in extra, f"{key}:extra_args", "must be one line of text")
    out.require(install.get("virt_type", "kvm") in ("kvm", "qemu"), f"{key}:virt_type", "must be kvm or qemu")


def _check_packages(config, out):
    packages = config.get("packages") or {}
    for field, names in sorted(packages.items()):
        if isinstance(names, list):
            for name in names:
                out.require(
                    isinstance(name, str) and bool(_PACKAGE_RE.match(name)),
                    _key("packages", field),
                    f"{name!r} is not a package name",
                )


def _check_time_and_network(config, out):
    servers = (config.get("time") or {}).get("servers") or []
    if not isinstance(servers, list):
        out.add(_key("time", "servers"), "must be a list")
    else:
        for server in servers:
            out.require(
                valid_address(server) or (isinstance(server, str) and _HOST_RE.match(server)),
                _key("time", "servers"),
                f"{server!r} is not a host name or address",
            )
    network = config.get("network") or {}
    if network.get("manage"):
        for field, default in (("external_interface", None), ("bridge", "br0"), ("replication_interface", None)):
            out.require(valid_name(network.get(field, default)), _key("network", field), "must be an interface name")
        if network.get("gateway") is not None:
            out.require(valid_address(network["gateway"]), _key("network", "gateway"), "must be an IP address")
        for field in ("prefix_length", "replication_prefix_length"):
            value = network.get(field, 24)
            out.require(_is_int(value) and 1 <= value <= 128, _key("network", field), "must be a prefix length")
        if network.get("domain") is not None:
            out.require(
                isinstance(network["domain"], str) and _HOST_RE.match(network["domain"]),
                _key("network", "domain"),
                "must be a DNS domain",
            )


def pillar_problems(config):
    """Every problem with the merged drbdha configuration, each naming its pillar key."""
    out = _Collector()
    if not isinstance(config, dict):
        return [f"drbdha: the pillar key must be a mapping, got {type(config).__name__}"]
    nodes = _check_nodes(config, out)
    _check_cluster(config, nodes, out)
    resources = _check_resources(config, nodes, out)
    _check_vms(config, resources, out)
    _check_time_and_network(config, out)
    _check_packages(config, out)
    _check_waits(config, out)
    _check_optional_path(config.get("vm_config_dir"), _key("vm_config_dir"), out)
    return out.messages


def _check_waits(config, out):
    """The orchestrations' step timeout and the pre-flight clock-skew limit, in seconds."""
    for section, field, high in (("orchestrate", "step_timeout", 7 * 86400), ("preflight", "max_clock_skew", 3600)):
        value = (config.get(section) or {}).get(field)
        out.require(
            value is None or (_is_int(value) and 0 < value <= high),
            _key(section, field),
            f"must be whole seconds, 1-{high}, got {value!r}",
        )


# ----------------------------------------------------- data generations --


def _generation(uuid):
    # DRBD marks a UUID created while Primary in its lowest bit; compare without it.
    return int(uuid, 16) & ~1


def compare_generations(mine, theirs):
    """
    How two nodes' data generations relate (``mine``/``theirs`` from
    ``parse_generation_ids``), as DRBD decides at connect time: ``same``,
    ``mine_newer`` / ``theirs_newer`` (the other side's current generation is
    one this side has moved on from: a normal resync, nothing forked), or
    ``diverged`` (each side has a generation the other never saw: a split
    brain). Pure.
    """
    a, b = _generation(mine["current"]), _generation(theirs["current"])
    if a == b:
        return "same"
    if b in {_generation(u) for u in (mine["bitmap"], *mine["history"]) if int(u, 16)}:
        return "mine_newer"
    if a in {_generation(u) for u in (theirs["bitmap"], *theirs["history"]) if int(u, 16)}:
        return "theirs_newer"
    return "diverged"


# ---------------------------------------------------------- state helpers --


def pillar_secret(pillar, pillar_key):
    """
    The value at ``pillar_key`` (``a:b:c``) of the minion's ``__pillar__``,
    raising ValueError when it is unset. States read secrets here, by key:
    Salt 3008's pillar.get returns masked values ("**********") outside
    templates, and 3006 has no unmask argument.
    """
    value = salt.utils.data.traverse_dict_and_list(pillar, pillar_key, None, delimiter=":")
    if not value:
        raise ValueError(f"pillar key {pillar_key} is not set")
    return value


def shadow_hash(user, shadow_text):
    """The password hash of ``user`` in /etc/shadow text, or None."""
    for line in shadow_text.splitlines():
        fields = line.split(":")
        if fields[0] == user and len(fields) > 1:
            return fields[1]
    return None


def password_matches(password, hashed):
    """Whether ``password`` produces ``hashed`` (crypt(3) formats); False for a locked or empty hash."""
    if not hashed or hashed[0] in "!*" or crypt is None:
        return False
    return hmac.compare_digest(crypt.crypt(password, hashed), hashed)


def state_ret(name):
    """A fresh state return: no change, success, no comment."""
    return {"name": name, "changes": {}, "result": True, "comment": ""}


def state_fail(ret, comment):
    """Mark a state return failed with ``comment`` (its changes are dropped: nothing was done)."""
    ret.update(result=False, comment=comment, changes={})
    return ret


def state_would(ret, changes, would):
    """A state in test mode that has decided to change something: record ``changes``, say what ``would`` happen."""
    ret.update(changes=changes, result=None, comment=would)
    return ret


def state_change(ret, changes, would, done, test, command, *args, **kwargs):
    """
    A state that has decided to change something. In test mode: record
    ``changes`` and say what ``would`` happen (result None). Else run
    ``command(*args, **kwargs)`` and record ``changes`` and say ``done``; if
    it raises CommandExecutionError or SaltInvocationError, fail with its
    message and no changes.

    ``command`` is an execution module function as the state's ``__salt__``
    hands it out: it runs in its own module's loader context. A closure over
    the state's dunders would run in this util's context, which has no
    ``__salt__`` or ``__utils__``.
    """
    if test:
        return state_would(ret, changes, would)
    try:
        command(*args, **kwargs)
    except (CommandExecutionError, SaltInvocationError) as exc:
        return state_fail(ret, f"{would.removeprefix('Would ').rstrip('.')} failed: {exc}")
    ret.update(changes=changes, comment=done)
    return ret


def read_text(path):
    """A file's text, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomic(path, data, mode=0o600):
    """
    Write ``data`` (str or bytes) to ``path`` through a temporary file in the
    same directory that has ``mode`` from its creation, fsync it, and rename
    it over ``path``: readers see the old or the new file, never a part.
    """
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".drbdha-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
