"""
drbdha's own states: secrets taken from pillar by key (so their values never
travel in state arguments, output, logs or events), and waits on real
cluster conditions with a timeout and progress.
"""

import logging
import time

from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)


def secret_file(name, pillar_key, encoding="text", mode="0600", user="root", group="root"):
    """
    File ``name`` holds the secret at ``pillar_key`` (decoded from base64
    with ``encoding: base64``), with ``mode``. Output says only whether it
    changed, never what it holds.

    .. code-block:: yaml

        /etc/corosync/authkey:
          drbdha.secret_file:
            - pillar_key: drbdha:cluster:authkey
            - encoding: base64
            - mode: "0400"
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    want_mode = f"{int(str(mode), 8):04o}"
    try:
        now = __salt__["drbdha.secret_file_status"](name, pillar_key, encoding)
    except (CommandExecutionError, SaltInvocationError, OSError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"Cannot compare {name} with {pillar_key}: {exc}")
    if now["holds_secret"] and now["mode"] == want_mode:
        ret["comment"] = f"{name} holds the secret from {pillar_key} (mode {want_mode})."
        return ret
    what = "created" if not now["exists"] else ("updated" if not now["holds_secret"] else f"mode set to {want_mode}")
    return __utils__["drbdha_util.state_change"](
        ret,
        {name: f"{what} (content hidden)"},
        f"Would write the secret from {pillar_key} to {name}.",
        f"Wrote the secret from {pillar_key} to {name}.",
        __opts__["test"],
        __salt__["drbdha.write_secret_file"],
        name,
        pillar_key,
        encoding=encoding,
        mode=want_mode,
        user=user,
        group=group,
    )


def user_password(name, pillar_key):
    """
    User ``name`` (e.g. ``hacluster``) has the password at ``pillar_key``.
    Set with ``chpasswd`` on stdin, kept out of logs; output never shows it.

    .. code-block:: yaml

        hacluster:
          drbdha.user_password:
            - pillar_key: drbdha:cluster:hacluster_password
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        if __salt__["drbdha.user_has_password"](name, pillar_key):
            ret["comment"] = f"The password of {name} is the one in {pillar_key}."
            return ret
    except (CommandExecutionError, SaltInvocationError, OSError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"Cannot check the password of {name}: {exc}")
    return __utils__["drbdha_util.state_change"](
        ret,
        {name: "password changed (value hidden)"},
        f"Would set the password of {name} from {pillar_key}.",
        f"Set the password of {name} from {pillar_key}.",
        __opts__["test"],
        __salt__["drbdha.set_user_password"],
        name,
        pillar_key,
    )


def _wait(condition, timeout, interval, describe):
    """Poll ``condition()`` → (done, detail) until done or timeout; returns (done, detail, seconds)."""
    start = time.monotonic()
    last = None
    while True:
        done, detail = condition()
        elapsed = time.monotonic() - start
        if done or elapsed > timeout:
            return done, detail, elapsed
        if detail != last:
            log.info("drbdha: waiting for %s: %s (%.0f s)", describe, detail, elapsed)
            last = detail
        time.sleep(interval)


def members_state(status, nodes):
    """(all online with quorum, detail) for a crmsh.status answer. Pure."""
    offline = [n for n in nodes if not status["nodes"].get(n, {}).get("online")]
    if not status.get("quorum"):
        return False, "no quorum yet" + (f"; offline: {', '.join(offline)}" if offline else "")
    if offline:
        return False, f"offline: {', '.join(offline)}"
    return True, f"{', '.join(nodes)} online with quorum (DC {status.get('dc')})"


def cluster_members(name, nodes, timeout=600, interval=3):
    """
    Wait until the cluster has quorum and every node in ``nodes`` is online.
    Waiting is not a change; a timeout fails with what was last seen.
    """
    ret = __utils__["drbdha_util.state_ret"](name)

    def condition():
        __context__.pop("crmsh.status", None)
        try:
            return members_state(__salt__["crmsh.status"](), nodes)
        except Exception as exc:  # noqa: BLE001 - the cluster may not answer yet
            return False, f"cluster not answering: {str(exc).splitlines()[0]}"

    if __opts__["test"]:
        done, detail = condition()
        ret["result"] = True if done else None
        ret["comment"] = detail if done else f"Would wait for the cluster: {detail}"
        return ret
    done, detail, elapsed = _wait(condition, timeout, interval, "cluster membership")
    ret["result"] = done
    ret["comment"] = f"{detail} after {elapsed:.0f} s" if done else f"timed out after {timeout} s: {detail}"
    return ret


def healthy(name, timeout=600, interval=5):
    """
    Wait until ``drbdha.status`` says ``healthy`` on this node; a timeout
    fails with the reasons last given.
    """
    ret = __utils__["drbdha_util.state_ret"](name)

    def condition():
        __context__.clear()
        status = __salt__["drbdha.status"]()
        return status["verdict"] == "healthy", "; ".join(status["reasons"]) or "healthy"

    if __opts__["test"]:
        done, detail = condition()
        ret["result"] = True if done else None
        ret["comment"] = "healthy" if done else f"Would wait for health: {detail}"
        return ret
    done, detail, elapsed = _wait(condition, timeout, interval, "drbdha health")
    ret["result"] = done
    ret["comment"] = f"healthy after {elapsed:.0f} s" if done else f"not healthy after {timeout} s: {detail}"
    return ret


def _fresh_status():
    __context__.pop("crmsh.status", None)
    return __salt__["crmsh.status"]()


def _guest(status, resource):
    rsc = status["resources"].get(resource)
    if rsc is None:
        raise ValueError(f"the cluster has no resource {resource}")
    return rsc


def guest_moved(name, to="", timeout=900, interval=3):
    """
    Guest ``name`` (resource ``rsc_kvm_NAME``) runs on node ``to`` (default:
    the other node), moved by the cluster; the ``cli-prefer`` constraint the
    move needs is removed once the guest runs there, so nothing pins it.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    resource = __salt__["drbdha.guest_resource_id"](name)
    try:
        status = _fresh_status()
        rsc = _guest(status, resource)
    except Exception as exc:  # noqa: BLE001 - any cluster error is the reason to report
        ret.update(result=False, comment=str(exc))
        return ret
    where = rsc["nodes"]
    target = to or next((n for n in sorted(status["nodes"]) if n not in where), None)
    if not where:
        ret.update(result=False, comment=f"{name} is not running; start it first (drbdha.orch.start)")
        return ret
    if target is None or target not in status["nodes"]:
        ret.update(result=False, comment=f"no node to move {name} to (target {target!r})")
        return ret
    if where == [target]:
        ret["comment"] = f"{name} already runs on {target}."
        return ret
    ret["changes"] = {name: {"old": ", ".join(where), "new": target}}
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"Would move {name} from {', '.join(where)} to {target}."
        return ret
    __salt__["crmsh.resource_move"](resource, target)
    try:
        done, detail, elapsed = _wait(
            lambda: _placement(resource, target), timeout, interval, f"{name} to start on {target}"
        )
    finally:
        __salt__["crmsh.resource_clear"](resource)
    ret["result"] = done
    ret["comment"] = (
        f"Moved {name} to {target} in {elapsed:.0f} s; the move constraint is cleared."
        if done
        else f"{name} not running on {target} after {timeout} s ({detail}); the move constraint is cleared."
    )
    return ret


def _is_started(rsc):
    """The guest runs: crm_mon also lists a guest whose start is still under way on its node
    (role Starting, active), and it may yet fail."""
    return bool(rsc["nodes"]) and rsc["active"] and rsc["role"] == "Started"


def _where(rsc):
    """'started on node-2', 'starting on node-2', 'stopped'."""
    return f"{(rsc['role'] or 'Started').lower()} on {', '.join(rsc['nodes'])}" if rsc["nodes"] else "stopped"


def _placement(resource, target):
    rsc = _guest(_fresh_status(), resource)
    return rsc["nodes"] == [target] and _is_started(rsc), _where(rsc)


def guest_running(name, running=True, timeout=900, interval=3):
    """
    Guest ``name`` is started (``running: true``) or stopped through the
    cluster (its ``target-role``), waiting until the cluster reports it so.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    resource = __salt__["drbdha.guest_resource_id"](name)
    try:
        rsc = _guest(_fresh_status(), resource)
    except Exception as exc:  # noqa: BLE001 - any cluster error is the reason to report
        ret.update(result=False, comment=str(exc))
        return ret
    is_running = bool(rsc["nodes"])
    if is_running == running:
        ret["comment"] = f"{name} is {'running on ' + ', '.join(rsc['nodes']) if running else 'stopped'}."
        return ret
    ret["changes"] = {name: {"old": "running" if is_running else "stopped", "new": "running" if running else "stopped"}}
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"Would {'start' if running else 'stop'} {name}."
        return ret
    (__salt__["crmsh.resource_start"] if running else __salt__["crmsh.resource_stop"])(resource)

    def condition():
        rsc = _guest(_fresh_status(), resource)
        return (_is_started(rsc) if running else not rsc["nodes"]), _where(rsc)

    done, detail, elapsed = _wait(condition, timeout, interval, f"{name} to {'start' if running else 'stop'}")
    ret["result"] = done
    ret["comment"] = f"{name} {detail} after {elapsed:.0f} s" if done else f"timed out after {timeout} s: {detail}"
    return ret


def preflight_passed(name):
    """
    The pre-flight checks of this node pass (``drbdha.preflight``): backing
    devices present and unused, node names resolving to their addresses, the
    peer answering on the replication network, fencing configured or waived.
    Changes nothing; fails listing every problem with what to fix.

    .. code-block:: yaml

        drbdha-preflight:
          drbdha.preflight_passed
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        report = __salt__["drbdha.preflight"]()
    except (CommandExecutionError, SaltInvocationError, OSError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"pre-flight checks could not run: {exc}")
    if not report["ok"]:
        return __utils__["drbdha_util.state_fail"](
            ret, "pre-flight checks failed; nothing was changed:\n  " + "\n  ".join(report["problems"])
        )
    devices = ", ".join(f"{n} {d['path']}" for n, d in sorted(report["facts"]["devices"].items()))
    ret["comment"] = f"pre-flight checks passed ({devices}; peer answers on the replication network)."
    return ret


def watchdog(name, module, software=False):
    """
    The watchdog device ``name`` (e.g. ``/dev/watchdog``) is there, its
    driver ``module`` loaded (``modprobe`` when it is not; loading at boot is
    /etc/modules-load.d's, written beside this). ``software``: the driver is
    softdog, which resets a node whose sbd stops but not one whose kernel
    hangs; the comment says so on every apply.

    .. code-block:: yaml

        /dev/watchdog:
          drbdha.watchdog:
            - module: i6300esb
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    note = (
        f" {module} is a software watchdog: it does not reset a node whose kernel hangs; use the node's "
        "hardware watchdog driver (drbdha:cluster:stonith:sbd:watchdog_module) where it has one."
        if software
        else ""
    )
    try:
        if __salt__["drbdha.watchdog_present"](name, module):
            ret["comment"] = f"{name} is there ({module} loaded).{note}"
            return ret
    except (SaltInvocationError, OSError) as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"cannot check the watchdog {name}: {exc}")
    ret = __utils__["drbdha_util.state_change"](
        ret,
        {module: "loaded"},
        f"Would load {module} for {name}.",
        f"Loaded {module}: {name} is there.",
        __opts__["test"],
        __salt__["drbdha.load_watchdog_driver"],
        name,
        module,
    )
    ret["comment"] += note
    return ret


def watchdog_fencing_ready(name="have-watchdog"):
    """
    Pacemaker runs with sbd (the ``have-watchdog`` property it sets itself at
    start) before watchdog fencing is switched on: setting
    stonith-watchdog-timeout without sbd makes Pacemaker stop. Reads the
    CIB the CIB states read anyway.
    """
    ret = __utils__["drbdha_util.state_ret"](name)
    try:
        value = __salt__["crmsh.get_property"]("have-watchdog", cached=True)
    except CommandExecutionError as exc:
        return __utils__["drbdha_util.state_fail"](ret, f"cannot read the cluster's properties: {exc}")
    if str(value).lower() == "true":
        ret["comment"] = "Pacemaker runs with sbd (have-watchdog=true)."
        return ret
    comment = (
        f"Pacemaker does not run with sbd (have-watchdog={value}): sbd starts with the cluster, so restart the "
        "cluster on each node in turn (crm cluster restart), then apply again; watchdog fencing stays off until then."
    )
    if __opts__["test"]:
        ret.update(result=None, comment=comment)
        return ret
    return __utils__["drbdha_util.state_fail"](ret, comment)
