"""
drbdha.preflight through a real minion on real block devices (loop
devices on this host): a blank device passes, one holding a filesystem is
refused naming it, a mounted one is refused naming the mount point; the
replication probe gets an answer over loopback.
"""

import json
import shutil
import subprocess

import pytest
import yaml
from helpers import ROOT

pytestmark = pytest.mark.skipif(
    shutil.which("losetup") is None or shutil.which("mkfs.ext4") is None, reason="needs losetup and mkfs.ext4"
)


@pytest.fixture
def loop_device(tmp_path):
    image = tmp_path / "backing.img"
    with open(image, "wb") as handle:
        handle.truncate(64 << 20)
    try:
        device = subprocess.run(
            ["losetup", "--find", "--show", str(image)], check=True, capture_output=True, text=True
        ).stdout.strip()
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"cannot set up a loop device here: {exc.stderr.strip()}")
    yield device
    subprocess.run(["umount", str(tmp_path / "mnt")], check=False, capture_output=True)
    subprocess.run(["losetup", "--detach", device], check=True)


def config_for(device):
    config = yaml.safe_load((ROOT / "pillar.example").read_text())["drbdha"]
    config["nodes"]["node-1"]["replication_address"] = "127.0.0.1"
    config["nodes"]["node-2"]["replication_address"] = "127.0.0.2"
    config["drbd"]["resources"]["res0"]["disk"] = device
    return config


def device_problems(salt_cli, minion, device):
    ret = salt_cli.run("drbdha.preflight", f"config={json.dumps(config_for(device))}", minion_tgt=minion)
    assert ret.returncode == 0, ret
    assert ret.data["facts"]["peer_probe"] is None, ret.data
    return [p for p in ret.data["problems"] if p.startswith("res0: ")], ret.data["facts"]["devices"]["res0"]


def test_preflight_judges_real_block_devices(salt_cli, node_1, synced, loop_device, tmp_path):
    problems, facts = device_problems(salt_cli, node_1.id, loop_device)
    assert problems == [] and facts["size"] == 64 << 20 and facts["signature"] is None

    subprocess.run(["mkfs.ext4", "-q", loop_device], check=True)
    problems, _ = device_problems(salt_cli, node_1.id, loop_device)
    assert problems == [
        f"res0: {loop_device} holds an ext4 filesystem; drbdha puts DRBD metadata only on unused devices. "
        f"If its data is not needed, zero the device (blkdiscard --zeroout {loop_device}, or "
        f"dd if=/dev/zero of={loop_device} bs=1M; wipefs alone leaves data where DRBD's metadata goes) and apply again"
    ]

    (tmp_path / "mnt").mkdir()
    subprocess.run(["mount", loop_device, str(tmp_path / "mnt")], check=True)
    problems, _ = device_problems(salt_cli, node_1.id, loop_device)
    assert f"res0: {loop_device} is in use, mounted on {tmp_path / 'mnt'}: unmount it first" in problems
