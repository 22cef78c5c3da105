"""The virsh module: the virt-install command it builds, and the arguments it refuses."""

import pytest
from helpers import load_file, loader_dunders
from salt.exceptions import SaltInvocationError

virsh = load_file("_modules", "virsh")


@pytest.fixture
def configure_loader_modules():
    return {virsh: loader_dunders()}


def test_install_command_for_the_reference_guest():
    argv = virsh.install_command(
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
def test_install_command_rejects_bad_values(kwargs):
    args = {"name": "vm", "memory": 512, "vcpus": 1, "disk": "/dev/drbd0", "location": "/srv/i.iso", **kwargs}
    with pytest.raises(SaltInvocationError):
        virsh.install_command(**args)


def test_install_command_refuses_an_unknown_argument():
    with pytest.raises(SaltInvocationError, match="unknown install arguments: bridge"):
        virsh.install_command("vm", 512, 1, "/dev/drbd0", location="/srv/i.iso", bridge="br0")
