"""The virsh states: the domain XML check, and undefined deciding from one virsh call (libvirt 9.0 output)."""

from unittest.mock import patch

import pytest
from helpers import fixture_text, load_file, loader_dunders

virsh = load_file("_modules", "virsh")
virsh_state = load_file("_states", "virsh")

LV = ("libvirt", "9.0.0")


@pytest.fixture
def configure_loader_modules():
    return {
        virsh: loader_dunders(),
        virsh_state: loader_dunders(__salt__={"virsh.dominfo": virsh.dominfo}),
    }


def test_domain_xml_check_names_the_problem():
    text = fixture_text(*LV, "virsh-dumpxml-running.xml")
    with_disk = text.replace(
        "<devices>",
        "<devices><disk type='block' device='disk'><source dev='/dev/drbd0'/><target dev='vda' bus='virtio'/></disk>",
        1,
    )
    assert virsh_state.check_domain_xml(with_disk, "havm", "/dev/drbd0") == []
    problems = virsh_state.check_domain_xml(text, "other", "/dev/drbd7")
    assert "the XML defines domain 'havm', not 'other'" in problems
    assert any("/dev/drbd7" in p for p in problems)


def captured_virsh(fixture):
    """A cmd.run_all that answers with one captured virsh call (stdout, stderr, exit code)."""
    path = ("libvirt", "9.0.0", fixture)
    stderr = fixture_text(*LV, fixture + ".stderr") if fixture.endswith("nosuch.txt") else ""
    retcode = int(fixture_text(*LV, fixture + ".rc")) if fixture.endswith("nosuch.txt") else 0
    calls = []

    def run_all(argv, **kwargs):
        calls.append(argv)
        return {"retcode": retcode, "stdout": fixture_text(*path), "stderr": stderr}

    return run_all, calls


@pytest.mark.parametrize(
    "fixture, test_mode, result, changes, comment",
    [
        ("virsh-dominfo-nosuch.txt", False, True, {}, "is not defined in libvirt; the cluster owns it"),
        ("virsh-dominfo-running.txt", False, True, {}, "runs here as the cluster's transient domain"),
        ("virsh-dominfo-paused.txt", False, False, {}, "is defined in libvirt and paused: it runs outside"),
        ("virsh-dominfo-shutoff.txt", True, None, {"old": "defined in libvirt"}, "Would undefine"),
    ],
)
def test_undefined_decides_from_one_dominfo(fixture, test_mode, result, changes, comment):
    run_all, calls = captured_virsh(fixture)
    with patch.dict(virsh.__salt__, {"cmd.run_all": run_all}), patch.dict(virsh_state.__opts__, {"test": test_mode}):
        ret = virsh_state.undefined("havm")
    assert ret["result"] is result and comment in ret["comment"], ret
    assert all(ret["changes"].get("havm", {}).get(k) == v for k, v in changes.items())
    assert [argv[3] for argv in calls] == ["dominfo"]  # one virsh call, read-only
