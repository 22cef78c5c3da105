"""
The formula's systemd services, through ``systemctl``.

Salt's own ``service`` states ask ``systemctl`` five times or so per unit on
every apply (is-active, is-enabled, show, list-unit-files, …). On the lab's
emulated nodes that was 24 processes and 13.5 s of a converged apply that
took 21 s inside its states (docs/benchmarks.md). Here one ``systemctl show``
answers for every unit a state run manages (``units``), and only a unit that
has to change is asked about again, just before it is changed.

:depends: systemd (systemctl)
"""

import logging
import re

import salt.utils.path
from salt.exceptions import SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "systemctl"

# What ``units`` reads. NeedDaemonReload says a unit file changed on disk
# since systemd loaded it (a package upgrade): reload before acting on it.
PROPERTIES = ("Id", "LoadState", "ActiveState", "UnitFileState", "NeedDaemonReload")

# UnitFileState values for which ``systemctl is-enabled`` exits 0, i.e. the
# unit is started at boot (or by what pulls it in): systemctl(1), is-enabled.
ENABLED_FILE_STATES = ("enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "transient")
MASKED_FILE_STATES = ("masked", "masked-runtime")
# systemctl(1): "active" and "reloading" are the states of a running unit.
RUNNING_ACTIVE_STATES = ("active", "reloading")

# Unit names as the formula writes them: a service name (``.service`` implied)
# or a full unit name, templated or not; nothing a shell or an option could see.
_UNIT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@:\\-]{0,254}$")

_CACHE = "systemctl.units"


def __virtual__():
    if not salt.utils.path.which("systemctl"):
        return (False, "the systemctl module needs systemd (systemctl on PATH)")
    return __virtualname__


def valid_unit(name):
    """True for a unit name that may reach a systemctl command line. Pure."""
    return isinstance(name, str) and bool(_UNIT_RE.match(name))


def require_unit(name):
    """``name`` if it is a valid unit name, else SaltInvocationError. Pure."""
    if not valid_unit(name):
        raise SaltInvocationError(
            f"invalid unit name {name!r}: use letters, digits and '.', '_', '-', '@', ':' "
            "(not starting with '-' or '.')"
        )
    return name


def parse_show(text, names):
    """
    ``systemctl show --property=... NAME...`` output → ``{name: {property:
    value}}``. systemctl prints one block of ``Key=value`` lines per unit, in
    the order the units were named, blocks separated by an empty line. Pure.
    """
    blocks = [block for block in re.split(r"\n\s*\n", text.strip("\n")) if block.strip()]
    if len(blocks) != len(names):
        raise ValueError(f"systemctl show printed {len(blocks)} block(s) for {len(names)} unit(s): {text!r}")
    parsed = {}
    for name, block in zip(names, blocks):
        parsed[name] = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
    return parsed


def unit_facts(properties):
    """
    The facts the states decide on, from one unit's ``systemctl show``
    properties. ``enabled`` is None for a unit whose file state systemd does not
    know (a missing unit). Pure.
    """
    file_state = properties.get("UnitFileState", "")
    return {
        "id": properties.get("Id", ""),
        "found": properties.get("LoadState") not in ("not-found", None),
        "active_state": properties.get("ActiveState", ""),
        "running": properties.get("ActiveState") in RUNNING_ACTIVE_STATES,
        "file_state": file_state,
        "enabled": (file_state in ENABLED_FILE_STATES) if file_state else None,
        "masked": file_state in MASKED_FILE_STATES or properties.get("LoadState") == "masked",
        "needs_daemon_reload": properties.get("NeedDaemonReload") == "yes",
    }


def _run(argv, **kwargs):
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def units(names):
    """
    The facts of each named unit (``unit_facts``), read with one ``systemctl
    show`` for all the units not read before in this run (``__context__``).

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.units '[corosync, pacemaker, drbd]'
    """
    if isinstance(names, str):
        names = [names]
    names = [require_unit(name) for name in names]
    known = __context__.setdefault(_CACHE, {})
    unknown = list(dict.fromkeys(name for name in names if name not in known))
    if unknown:
        out = _run(["systemctl", "show", "--property=" + ",".join(PROPERTIES), "--", *unknown])["stdout"]
        for name, properties in parse_show(out, unknown).items():
            known[name] = unit_facts(properties)
    return {name: known[name] for name in names}


def fresh(name):
    """One unit's facts read now (not from this run's earlier answer)."""
    __context__.setdefault(_CACHE, {}).pop(require_unit(name), None)
    return units([name])[name]


def _change(verb, name):
    """``systemctl VERB -- NAME``; the unit's facts remembered in this run are stale after it."""
    __context__.setdefault(_CACHE, {}).pop(require_unit(name), None)
    _run(["systemctl", verb, "--", name])
    return True


def daemon_reload():
    """
    Reload systemd's unit files (after a package changed one).

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.daemon_reload
    """
    __context__.pop(_CACHE, None)
    _run(["systemctl", "daemon-reload"])
    return True


def start(name):
    """
    Start a unit (``systemctl start`` waits until it has started or failed).

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.start corosync
    """
    return _change("start", name)


def restart(name):
    """
    Restart a unit (start it if it is stopped).

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.restart chrony
    """
    return _change("restart", name)


def enable(name):
    """
    Start a unit at boot (``systemctl enable``; SysV scripts through
    systemd-sysv-install).

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.enable pacemaker
    """
    return _change("enable", name)


def disable(name):
    """
    Do not start a unit at boot (``systemctl disable``). It is not stopped.

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.disable drbd
    """
    return _change("disable", name)
