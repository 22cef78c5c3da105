"""
The formula's systemd services, through ``systemctl``.

Salt's own ``service`` states ask ``systemctl`` several times per unit on
every apply (is-active, is-enabled, show, list-unit-files, …), and each
process is slow on small hosts. Here one ``systemctl show`` answers for every
unit a state run manages (``units``), and only a unit that has to change is
asked about again, just before it is changed.

:depends: systemd (systemctl)
"""

import logging

import salt.utils.path

log = logging.getLogger(__name__)

__virtualname__ = "systemctl"


_CACHE = "systemctl.units"


def __virtual__():
    if not salt.utils.path.which("systemctl"):
        return (False, "the systemctl module needs systemd (systemctl on PATH)")
    return __virtualname__


def _systemd(name):
    return __utils__[f"drbdha_systemd.{name}"]


def _run(argv, **kwargs):
    return __utils__["drbdha_util.run"](
        __salt__["cmd.run_all"], argv, record=__opts__.get("drbdha_command_log"), **kwargs
    )


def units(names):
    """
    The facts of each named unit (what the states decide on), read with one ``systemctl
    show`` for all the units not read before in this run (``__context__``).

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.units '[corosync, pacemaker, drbd]'
    """
    if isinstance(names, str):
        names = [names]
    names = [_systemd("require_unit")(name) for name in names]
    known = __context__.setdefault(_CACHE, {})
    unknown = list(dict.fromkeys(name for name in names if name not in known))
    if unknown:
        out = _run(_systemd("show_command")(unknown))["stdout"]
        for name, properties in _systemd("parse_show")(out, unknown).items():
            known[name] = _systemd("unit_facts")(properties)
    return {name: known[name] for name in names}


def fresh(name):
    """
    One unit's facts read now, not from this run's earlier answer.

    CLI Example:

    .. code-block:: bash

        salt '*' systemctl.fresh drbd
    """
    __context__.setdefault(_CACHE, {}).pop(_systemd("require_unit")(name), None)
    return units([name])[name]


def _change(verb, name):
    """``systemctl VERB -- NAME``; the unit's facts remembered in this run are stale after it."""
    __context__.setdefault(_CACHE, {}).pop(_systemd("require_unit")(name), None)
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
