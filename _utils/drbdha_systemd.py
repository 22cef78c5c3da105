"""
Pure rules for systemd units (no I/O): valid unit names, and the facts the
``systemctl`` states decide on, from ``systemctl show`` output. Salt loads
this file as a custom util: ``__utils__["drbdha_systemd.<name>"]``; tests
import it directly.
"""

import re

from salt.exceptions import SaltInvocationError

# What ``systemctl.units`` reads. NeedDaemonReload says a unit file changed on disk
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


def valid_unit(name):
    """True for a unit name that may reach a systemctl command line."""
    return isinstance(name, str) and bool(_UNIT_RE.match(name))


def require_unit(name):
    """``name`` if it is a valid unit name, else SaltInvocationError."""
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
    the order the units were named, blocks separated by an empty line.
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
    know (a missing unit).
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


def show_command(names):
    """The ``systemctl show`` argv that reads ``PROPERTIES`` of every unit in ``names``."""
    return ["systemctl", "show", "--property=" + ",".join(PROPERTIES), "--", *[require_unit(n) for n in names]]
