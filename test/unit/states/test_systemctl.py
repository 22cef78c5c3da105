"""
The systemctl states' decisions against a systemd stand-in that answers
``systemctl show`` with captured blocks: one read for all of a run's units,
changes only where a unit differs, nothing written in test mode.
"""

import re

import pytest
from helpers import fixture_text, load_file, loader_dunders

mod = load_file("_modules", "systemctl")
state = load_file("_states", "systemctl")
systemd = load_file("_utils", "drbdha_systemd")

UNITS = ["libvirtd", "chrony", "corosync", "pacemaker", "drbd", "nosuch"]


def blocks(fixture, names):
    return systemd.parse_show(fixture_text("systemd", "252", fixture), names)


# ------------------------------------------------------- a systemd stand-in --


class Systemd:
    """
    Answers ``systemctl show`` with captured blocks, one per unit asked, and
    records every command; ``start``/``enable``/``disable``/``restart`` switch a
    unit to the block captured in that state.
    """

    def __init__(self, current, after_start=None, start_fails=False):
        self.current = dict(current)
        self.after_start = after_start or {}
        self.start_fails = start_fails
        self.commands = []

    def run_all(self, argv, **kwargs):
        assert argv[0] == "systemctl" and kwargs["python_shell"] is False
        self.commands.append(argv)
        verb = argv[1]
        names = argv[argv.index("--") + 1 :] if "--" in argv else []
        if verb == "show":
            text = "\n".join("\n".join(f"{k}={v}" for k, v in self.current[n].items()) + "\n" for n in names)
            return {"retcode": 0, "stdout": text, "stderr": ""}
        (name,) = names or [None]
        if verb in ("start", "restart") and not self.start_fails:
            self.current[name] = dict(self.current[name], ActiveState="active")
        if verb == "enable":
            self.current[name] = dict(self.current[name], UnitFileState="enabled")
        if verb == "disable":
            self.current[name] = dict(self.current[name], UnitFileState="disabled")
        return {"retcode": 0, "stdout": "", "stderr": ""}

    def reads(self):
        return [c for c in self.commands if c[1] == "show"]

    def writes(self):
        return [c[1:] for c in self.commands if c[1] != "show"]


@pytest.fixture
def configure_loader_modules():
    commands = ("units", "fresh", "start", "restart", "enable", "disable", "daemon_reload")
    return {
        # One state run: the states, and the systemctl module they call.
        mod: loader_dunders(),
        state: loader_dunders(__salt__={f"systemctl.{name}": getattr(mod, name) for name in commands}),
    }


def wire(systemd, test=False, lowstate=()):
    mod.__salt__["cmd.run_all"] = systemd.run_all
    mod.__opts__["test"] = state.__opts__["test"] = test
    state.__lowstate__ = [{"state": s, "fun": f, "name": n} for s, f, n in lowstate]


RUN = [
    ("systemctl", "running", "libvirtd"),
    ("systemctl", "running", "chrony"),
    ("file", "managed", "/etc/x"),
    ("systemctl", "running", "corosync"),
    ("systemctl", "running", "pacemaker"),
    ("systemctl", "disabled", "drbd"),
]


def converged():
    return blocks("show-converged.txt", UNITS[:5])


def before_the_cluster():
    return blocks("show-during-rollout.txt", UNITS)


def test_a_converged_run_reads_every_unit_with_one_command_and_changes_nothing():
    systemd = Systemd(converged())
    wire(systemd, lowstate=RUN)
    rets = [
        state.running("libvirtd"),
        state.running("chrony"),
        state.running("corosync"),
        state.running("pacemaker"),
        state.disabled("drbd"),
    ]
    assert all(r["result"] is True and r["changes"] == {} for r in rets), rets
    (show,) = systemd.reads()
    assert show[show.index("--") + 1 :] == ["libvirtd", "chrony", "corosync", "pacemaker", "drbd"]
    assert systemd.writes() == []


@pytest.mark.parametrize("test_mode", [True, False])
def test_a_stopped_disabled_unit_is_enabled_and_started_and_test_mode_only_predicts(test_mode):
    systemd = Systemd(before_the_cluster())
    wire(systemd, test=test_mode, lowstate=RUN)
    ret = state.running("corosync")
    changes = {"active": {"old": "inactive", "new": "active"}, "enabled": {"old": "disabled", "new": "enabled"}}
    assert ret["changes"] == changes
    if test_mode:
        assert ret["result"] is None and ret["comment"] == "Would enable, start corosync."
        assert systemd.writes() == []
        return
    assert ret["result"] is True, ret
    assert systemd.writes() == [["enable", "--", "corosync"], ["start", "--", "corosync"]]
    # read for the whole run, read again before acting, read back after acting
    assert len(systemd.reads()) == 3


def test_a_unit_that_does_not_stay_up_fails_the_state_with_where_to_look():
    systemd = Systemd(before_the_cluster(), start_fails=True)
    wire(systemd, lowstate=RUN)
    ret = state.running("pacemaker")
    assert ret["result"] is False and ret["changes"] == {}
    assert "pacemaker is inactive after systemctl start; see journalctl -u pacemaker" in ret["comment"]


def test_a_masked_unit_is_not_unmasked():
    masked = blocks("show-masked.txt", ["drbdha-masked-probe"])
    systemd = Systemd(masked)
    wire(systemd, lowstate=[("systemctl", "running", "drbdha-masked-probe")])
    ret = state.running("drbdha-masked-probe")
    assert ret["result"] is False and "is masked; unmask it" in ret["comment"]
    assert systemd.writes() == []


def test_a_missing_unit_fails_running_and_is_nothing_to_disable():
    systemd = Systemd(before_the_cluster())
    wire(systemd, lowstate=RUN)
    ret = state.running("nosuch")
    assert ret["result"] is False and "systemd has no unit nosuch" in ret["comment"]
    assert state.disabled("nosuch")["result"] is True
    assert systemd.writes() == []


@pytest.mark.parametrize("test_mode", [True, False])
def test_an_enabled_unit_is_disabled_but_never_stopped(test_mode):
    current = converged()
    current["drbd"] = dict(current["drbd"], UnitFileState="enabled", ActiveState="active")
    systemd = Systemd(current)
    wire(systemd, test=test_mode, lowstate=RUN)
    ret = state.disabled("drbd")
    assert ret["changes"] == {"enabled": {"old": "enabled", "new": "disabled"}}
    assert ret["result"] is (None if test_mode else True)
    assert systemd.writes() == ([] if test_mode else [["disable", "--", "drbd"]])


@pytest.mark.parametrize("test_mode", [True, False])
def test_a_watched_change_restarts_the_unit(test_mode):
    systemd = Systemd(converged())
    wire(systemd, test=test_mode, lowstate=RUN)
    ret = state.mod_watch("chrony", sfun="running", enable=True)
    assert ret["changes"] == {"restarted": True}
    assert systemd.writes() == ([] if test_mode else [["restart", "--", "chrony"]])


def test_enable_none_leaves_boot_alone_and_false_disables():
    systemd = Systemd(converged())
    wire(systemd, lowstate=RUN)
    assert state.running("pacemaker", enable=None)["changes"] == {}
    ret = state.running("pacemaker", enable=False)
    assert ret["changes"] == {"enabled": {"old": "enabled", "new": "disabled"}}
    assert systemd.writes() == [["disable", "--", "pacemaker"]]


def test_a_bad_name_elsewhere_in_the_run_does_not_fail_this_state():
    systemd = Systemd(converged())
    wire(systemd, lowstate=RUN + [("systemctl", "running", "x;reboot")])
    assert state.running("chrony")["result"] is True
    (show,) = systemd.reads()
    assert not any(re.search(";", a) for a in show)
