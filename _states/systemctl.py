"""
The formula's systemd services: running and enabled, or not started at boot.

Thin over the ``systemctl`` execution module. The first of these states in a
run reads every unit the run's ``systemctl`` states name with one
``systemctl show``; a converged apply asks systemd nothing more. A unit that
has to change is read again just before it is changed, so an answer from
earlier in the run is never acted on.

.. code-block:: yaml

    corosync:
      systemctl.running:
        - enable: true

    drbd:
      systemctl.disabled

    sbd:
      systemctl.enabled
"""

from salt.exceptions import CommandExecutionError, SaltInvocationError


def units_named_in(chunks, first, valid):
    """
    ``first``, then the other unit names (those ``valid`` accepts) that
    ``systemctl`` states in ``chunks`` (the run's low state) manage: what one
    ``systemctl show`` reads. An invalid name is left to its own state to
    report. Pure.
    """
    names = [first]
    for chunk in chunks or ():
        name = chunk.get("name")
        if chunk.get("state") == "systemctl" and name not in names and valid(name):
            names.append(name)
    return names


def _unit(name):
    """This unit's facts, read together with every other unit this run manages."""
    try:
        chunks = __lowstate__
    except NameError:  # called outside a state run
        chunks = ()
    return __salt__["systemctl.units"](units_named_in(chunks, name, __utils__["drbdha_systemd.valid_unit"]))[name]


def _unit_or_failure(ret, name, fresh=False):
    """(facts, None) or (None, the failed return) when systemd cannot be asked."""
    try:
        unit = __salt__["systemctl.fresh"](name) if fresh else _unit(name)
    except (CommandExecutionError, SaltInvocationError, ValueError) as exc:
        return None, __utils__["drbdha_util.state_fail"](ret, f"cannot ask systemd about {name}: {exc}")
    if not unit["found"]:
        return None, __utils__["drbdha_util.state_fail"](
            ret, f"systemd has no unit {name}: is the package that ships it installed?"
        )
    return unit, None


def running_plan(unit, enable):
    """
    What ``running`` has to do to a unit: ``{"start": bool, "enable": bool,
    "disable": bool}``. ``enable`` None leaves boot alone. Pure.
    """
    return {
        "start": not unit["running"],
        "enable": enable is True and not unit["enabled"],
        "disable": enable is False and bool(unit["enabled"]),
    }


def _running_changes(unit, plan):
    changes = {}
    if plan["start"]:
        changes["active"] = {"old": unit["active_state"], "new": "active"}
    if plan["enable"] or plan["disable"]:
        changes["enabled"] = {"old": unit["file_state"], "new": "enabled" if plan["enable"] else "disabled"}
    return changes


def running(name, enable=True):
    """
    Unit ``name`` runs, and (``enable``: true, the default) starts at boot;
    ``enable: false`` keeps it from starting at boot, ``enable: null`` leaves
    that alone. A masked unit is not unmasked: the state fails and says so.
    Watching a state that changed restarts the unit (``mod_watch``).

    .. code-block:: yaml

        chrony:
          systemctl.running:
            - watch:
              - file: /etc/chrony/chrony.conf
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    unit, failed = _unit_or_failure(ret, name)
    if failed:
        return failed
    if not any(running_plan(unit, enable).values()):
        ret["comment"] = f"{name} is running" + ("" if enable is None else f" and {unit['file_state']} at boot") + "."
        return ret
    unit, failed = _unit_or_failure(ret, name, fresh=True)  # act only on what systemd says now
    if failed:
        return failed
    if unit["masked"]:
        return __utils__["drbdha_util.state_fail"](
            ret, f"{name} is masked; unmask it (systemctl unmask {name}) if it should run, then apply again."
        )
    plan = running_plan(unit, enable)
    changes = _running_changes(unit, plan)
    would = ", ".join(verb for verb in ("enable", "disable", "start") if plan[verb])
    if not changes:
        ret["comment"] = f"{name} is running (it had just changed when first read)."
        return ret
    if __opts__["test"]:
        return __utils__["drbdha_util.state_would"](ret, changes, f"Would {would} {name}.")
    try:
        if unit["needs_daemon_reload"]:
            __salt__["systemctl.daemon_reload"]()
        if plan["enable"]:
            __salt__["systemctl.enable"](name)
        if plan["disable"]:
            __salt__["systemctl.disable"](name)
        if plan["start"]:
            __salt__["systemctl.start"](name)
        now = __salt__["systemctl.fresh"](name)
    except CommandExecutionError as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"could not {would} {name}: {exc}")
    if not now["running"]:
        return __utils__["drbdha_util.state_fail"](
            ret, f"{name} is {now['active_state']} after systemctl start; see journalctl -u {name}."
        )
    ret["changes"] = changes
    ret["comment"] = f"{name}: {would} done; it is {now['active_state']} and {now['file_state']} at boot."
    return ret


def enabled(name):
    """
    Unit ``name`` starts at boot, or with the unit that pulls it in; it is not
    started here. For sbd, which must start before corosync, not beside a
    running cluster.

    .. code-block:: yaml

        sbd:
          systemctl.enabled
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    unit, failed = _unit_or_failure(ret, name)
    if failed:
        return failed
    if unit["enabled"]:
        ret["comment"] = f"{name} is {unit['file_state']} at boot."
        return ret
    changes = {"enabled": {"old": unit["file_state"], "new": "enabled"}}
    would, done = f"Would enable {name}.", f"Enabled {name} (not started)."
    return __utils__["drbdha_util.state_change"](
        ret, changes, would, done, __opts__["test"], __salt__["systemctl.enable"], name
    )


def disabled(name):
    """
    Unit ``name`` does not start at boot. A running unit is not stopped (for
    drbd that would take the resources down). A unit that is not installed has
    nothing to disable.

    .. code-block:: yaml

        drbd:
          systemctl.disabled
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        unit = _unit(name)
        if unit["found"] and unit["enabled"] and unit["file_state"] != "static":
            unit = __salt__["systemctl.fresh"](name)  # act only on what systemd says now
    except (CommandExecutionError, SaltInvocationError, ValueError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"cannot ask systemd about {name}: {exc}")
    if not unit["found"]:
        ret["comment"] = f"systemd has no unit {name}; nothing to disable."
        return ret
    if not unit["enabled"] or unit["file_state"] == "static":
        # static: no [Install] section, so nothing starts it at boot but what pulls it in.
        ret["comment"] = f"{name} is {unit['file_state']} at boot."
        return ret
    changes = {"enabled": {"old": unit["file_state"], "new": "disabled"}}
    return __utils__["drbdha_util.state_change"](
        ret,
        changes,
        f"Would disable {name}.",
        f"Disabled {name} (not stopped).",
        __opts__["test"],
        __salt__["systemctl.disable"],
        name,
    )


def mod_watch(name, sfun=None, **kwargs):
    """
    A watched state changed: restart the unit (``running`` only; Salt calls
    this only when ``running`` itself changed nothing, so a unit it has just
    started is not restarted).
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    if sfun != "running":
        return __utils__["drbdha_util.state_fail"](
            ret, f"systemctl.{sfun} does not act on watch; use systemctl.running"
        )
    return __utils__["drbdha_util.state_change"](
        ret,
        {"restarted": True},
        f"Would restart {name}: a watched state changed.",
        f"Restarted {name}: a watched state changed.",
        __opts__["test"],
        __salt__["systemctl.restart"],
        name,
    )
