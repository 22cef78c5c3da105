"""virsh module parsers against libvirt 9.0 output, and the virt-install argv builder."""

import pytest
from helpers import fixture_text, load_file, utils_dunder
from salt.exceptions import SaltInvocationError

virsh = load_file("_modules", "virsh")
virsh.__utils__ = utils_dunder()
virsh_state = load_file("_states", "virsh")
virsh_state.__salt__ = {"virsh.summarize_domain_xml": virsh.summarize_domain_xml}
virsh_state.__utils__ = utils_dunder()

LV = ("libvirt", "9.0.0")


@pytest.mark.parametrize(
    "fixture, state",
    [
        ("virsh-list-all-running.txt", "running"),
        ("virsh-list-all-paused.txt", "paused"),
        ("virsh-list-all-shutoff.txt", "shut off"),
    ],
)
def test_list_all(fixture, state):
    domains = virsh.parse_list_all(fixture_text(*LV, fixture))
    assert list(domains.values()) == [state]


@pytest.mark.parametrize(
    "fixture, state, reason",
    [
        ("virsh-domstate-reason-running.txt", "running", "booted"),
        ("virsh-domstate-reason-shutdown.txt", "shut off", "shutdown"),
        ("virsh-domstate-reason-destroyed.txt", "shut off", "destroyed"),
        ("virsh-domstate-running.txt", "running", None),
        ("virsh-domstate-shutoff.txt", "shut off", None),
    ],
)
def test_domstate(fixture, state, reason):
    parsed = virsh.parse_domstate(fixture_text(*LV, fixture))
    assert parsed["state"] == state
    if reason is not None:
        assert parsed["reason"] == reason


def test_dominfo_of_the_clusters_transient_guest():
    info = virsh.parse_dominfo(fixture_text(*LV, "virsh-dominfo-running.txt"))
    assert info["name"] == "havm" and info["state"] == "running"
    assert info["persistent"] is False and info["autostart"] is False


def test_domain_xml_summary():
    summary = virsh.summarize_domain_xml(fixture_text(*LV, "virsh-dumpxml-running.xml"))
    assert summary["name"] == "havm" and summary["type"] == "qemu"
    assert summary["memory_kib"] == 98304
    # The fast tier's guest boots from its initramfs alone: no disk.
    assert summary["disks"] == []


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


def test_install_argv_for_the_reference_guest():
    argv = virsh.build_install_argv(
        "sesadm",
        2048,
        4,
        "/dev/drbd0",
        os_variant="sle15sp1",
        network_bridge="br0",
        location="/opt/SLE-15-SP1-Installer-DVD-x86_64-QU1-DVD1.iso",
        extra_args="console=ttyS0 textmode=1",
    )
    assert argv[:3] == ["virt-install", "--connect", "qemu:///system"]
    pairs = dict(zip(argv[3::2], argv[4::2]))
    assert pairs["--name"] == "sesadm"
    assert pairs["--memory"] == "2048" and pairs["--vcpus"] == "4"
    assert pairs["--disk"] == "path=/dev/drbd0,bus=virtio,cache=none"
    assert pairs["--network"] == "bridge=br0,model=virtio"
    assert pairs["--extra-args"] == "console=ttyS0 textmode=1"
    assert pairs["--graphics"] == "none"
    assert "--noautoconsole" in argv


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "a;b"},
        {"disk": "/tmp/disk.img"},
        {"memory": "2G"},
        {"location": "relative.iso"},
        {"location": None},
        {"network_bridge": "br0 --foo"},
    ],
)
def test_install_argv_rejects_bad_values(kwargs):
    args = {"name": "vm", "memory": 512, "vcpus": 1, "disk": "/dev/drbd0", "location": "/srv/i.iso", **kwargs}
    with pytest.raises(SaltInvocationError):
        virsh.build_install_argv(**args)


# ------------------------------------------------- virsh.undefined, one call --


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
    virsh.__salt__ = {"cmd.run_all": run_all}
    virsh.__opts__ = {}
    virsh_state.__salt__ = {"virsh.dominfo": virsh.dominfo}
    virsh_state.__opts__ = {"test": test_mode}
    ret = virsh_state.undefined("havm")
    assert ret["result"] is result and comment in ret["comment"], ret
    assert all(ret["changes"].get("havm", {}).get(k) == v for k, v in changes.items())
    assert [argv[3] for argv in calls] == ["dominfo"]  # one virsh call, read-only
