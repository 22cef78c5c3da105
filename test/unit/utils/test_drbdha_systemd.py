"""Unit names, and the facts read from captured ``systemctl show`` output (test/fixtures/systemd/252)."""

import pytest
from helpers import fixture_text, load_file
from salt.exceptions import SaltInvocationError

systemd = load_file("_utils", "drbdha_systemd")

UNITS = ["libvirtd", "chrony", "corosync", "pacemaker", "drbd", "nosuch"]


def captured(name):
    return fixture_text("systemd", "252", name)


def blocks(fixture, names):
    return systemd.parse_show(captured(fixture), names)


def test_parse_show_gives_each_unit_its_own_block():
    parsed = blocks("show-during-rollout.txt", UNITS)
    assert list(parsed) == UNITS
    assert parsed["corosync"] == {
        "Id": "corosync.service",
        "LoadState": "loaded",
        "ActiveState": "inactive",
        "UnitFileState": "disabled",
        "NeedDaemonReload": "no",
    }


def test_parse_show_refuses_output_that_does_not_match_the_units_asked():
    with pytest.raises(ValueError, match="6 block"):
        systemd.parse_show(captured("show-during-rollout.txt"), UNITS[:5])


@pytest.mark.parametrize(
    "fixture, name, running, enabled, found",
    [
        ("show-during-rollout.txt", "libvirtd", True, True, True),
        ("show-during-rollout.txt", "corosync", False, False, True),
        ("show-during-rollout.txt", "drbd", False, False, True),
        ("show-during-rollout.txt", "nosuch", False, None, False),
        ("show-converged.txt", "pacemaker", True, True, True),
        ("show-converged.txt", "drbd", False, False, True),
    ],
)
def test_unit_facts_from_captured_output(fixture, name, running, enabled, found):
    names = UNITS[:5] if fixture == "show-converged.txt" else UNITS
    facts = systemd.unit_facts(blocks(fixture, names)[name])
    assert (facts["running"], facts["enabled"], facts["found"]) == (running, enabled, found)
    assert not facts["masked"] and not facts["needs_daemon_reload"]


def test_a_masked_unit_is_seen_as_masked_and_not_enabled():
    facts = systemd.unit_facts(
        systemd.parse_show(captured("show-masked.txt"), ["drbdha-masked-probe"])["drbdha-masked-probe"]
    )
    assert facts["masked"] and not facts["enabled"] and not facts["running"]


@pytest.mark.parametrize("name", ["corosync", "chrony.service", "getty@tty1.service", "sys-kernel.mount"])
def test_valid_unit_names(name):
    assert systemd.require_unit(name) == name


@pytest.mark.parametrize("name", ["", "-H", ".hidden", "a b", "x;reboot", "$(id)", None, "a/b"])
def test_invalid_unit_names_never_reach_systemctl(name):
    with pytest.raises(SaltInvocationError):
        systemd.require_unit(name)


def test_show_reads_every_property_the_facts_need_in_one_command():
    argv = systemd.show_command(["drbd", "corosync"])
    assert argv == ["systemctl", "show", "--property=" + ",".join(systemd.PROPERTIES), "--", "drbd", "corosync"]
    with pytest.raises(SaltInvocationError):
        systemd.show_command(["drbd", "-H"])
