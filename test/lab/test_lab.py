"""Full-tier lab tests: two qemu VMs with the real DRBD driver, Pacemaker, libvirt and salt-minions.

Skipped unless DRBDHA_LAB=1 (they boot VMs under TCG: minutes, not seconds). They drive the lab
only through its command, test/lab/lab, exactly as a person would.

    DRBDHA_LAB=1 python -m pytest -m lab test/lab/test_lab.py
"""

import json
import os
import time

import pytest
from labdriver import LAB_ONLY, NODES, lab, on

pytestmark = [
    pytest.mark.lab,
    LAB_ONLY,
]


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(3)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def lab_up():
    lab("up", timeout=2700)
    yield
    if os.environ.get("DRBDHA_LAB_KEEP") != "1":
        lab("down", timeout=600)


def test_lab_comes_up(lab_up):
    r = lab("status", check=False)
    assert r.returncode == 0, r.stdout
    for node in NODES:
        assert f"{node}:   running" in r.stdout
        assert on(node, "hostname").stdout.strip() == node


def test_both_minions_answer_salt(lab_up):
    r = lab("salt", "*", "test.ping", "--out=json", "--static", "-t", "60")
    assert json.loads(r.stdout) == {"node-1": True, "node-2": True}
    r = lab("salt", "*", "grains.item", "host", "--out=json", "--static", "-t", "60")
    assert {n: v["host"] for n, v in json.loads(r.stdout).items()} == {n: n for n in NODES}


def test_real_tools_respond(lab_up):
    for node in NODES:
        assert (
            "DRBDADM_VERSION" in on(node, "drbdadm", "--version").stdout
            or on(node, "drbdadm", "--version").returncode == 0
        )
        assert on(node, "cat", "/sys/module/drbd/version").stdout.strip().startswith("8.4")
        assert "Pacemaker" in on(node, "crm_mon", "--version").stdout
        assert on(node, "virsh", "-c", "qemu:///system", "version").returncode == 0
        assert on(node, "corosync", "-v").returncode == 0


def test_replication_network_separate(lab_up):
    assert on("node-1", "ping", "-c1", "-W5", "10.20.30.72").returncode == 0
    assert on("node-1", "ping", "-c1", "-W5", "192.168.98.72").returncode == 0
    lab("cut")
    try:
        assert on("node-1", "ping", "-c1", "-W3", "10.20.30.72", check=False).returncode != 0
        assert on("node-1", "ping", "-c1", "-W5", "192.168.98.72").returncode == 0
    finally:
        lab("heal")
    wait_for(
        lambda: on("node-1", "ping", "-c1", "-W3", "10.20.30.72", check=False).returncode == 0,
        60,
        "replication link back",
    )


RES = """resource labtest {
  device /dev/drbd0;
  disk /dev/vdb;
  meta-disk internal;
  net { protocol C; }
  on node-1 { address 10.20.30.71:7789; }
  on node-2 { address 10.20.30.72:7789; }
}
"""


def _cstate():
    return on("node-1", "cat", "/proc/drbd").stdout


@pytest.fixture(scope="module")
def drbd_up(lab_up):
    """A DRBD resource made by hand (the formula's job later), unless the cluster already runs one."""
    if on("node-1", "sh", "-c", "drbdadm status 2>/dev/null | grep -q role:", check=False).returncode == 0:
        yield "existing"
        return
    for node in NODES:
        on(
            node,
            "sh",
            "-c",
            "printf 'global { usage-count no; }\\ncommon { }\\n' > /etc/drbd.d/global_common.conf; "
            f"printf '%s' '{RES}' > /etc/drbd.d/labtest.res; "
            "dd if=/dev/zero of=/dev/vdb bs=1M count=4 conv=fsync status=none; "
            "drbdadm create-md --force labtest && drbdadm up labtest",
        )
    on("node-1", "drbdadm", "primary", "--force", "labtest")
    wait_for(lambda: "ds:UpToDate/UpToDate" in _cstate(), 600, "DRBD initial sync")
    yield "labtest"
    for node in NODES:
        on(
            node,
            "sh",
            "-c",
            "virsh -c qemu:///system destroy labvm; drbdadm down labtest; rm -f /etc/drbd.d/labtest.res",
            check=False,
        )


def test_drbd_connected_uptodate(drbd_up):
    def ok():
        text = _cstate()
        return "cs:Connected" in text and "ds:UpToDate/UpToDate" in text

    # a cluster-managed resource may be reconnecting/resyncing right after a node came back
    wait_for(ok, 300, "DRBD Connected UpToDate/UpToDate")


DOMAIN = """<domain type='qemu'>
  <name>labvm</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source dev='/dev/drbd0'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
"""


def test_domain_runs_on_drbd(drbd_up):
    if drbd_up == "existing":
        # the cluster's own VirtualDomain resource runs where DRBD is Primary
        r = on("node-1", "crm_mon", "-1", "--output-as=xml")
        assert 'resource_agent="ocf:heartbeat:VirtualDomain"' in r.stdout
        return
    on("node-1", "sh", "-c", f"printf '%s' \"{DOMAIN}\" > /tmp/labvm.xml")
    on("node-1", "virsh", "-c", "qemu:///system", "create", "/tmp/labvm.xml", timeout=180)
    assert on("node-1", "virsh", "-c", "qemu:///system", "domstate", "labvm").stdout.strip() == "running"
    xml = on("node-1", "virsh", "-c", "qemu:///system", "dumpxml", "labvm").stdout
    assert "/dev/drbd0" in xml
    # qemu holds the DRBD device open: DRBD refuses to demote
    r = on("node-1", "drbdadm", "secondary", "labtest", check=False)
    assert r.returncode != 0
    on("node-1", "virsh", "-c", "qemu:///system", "destroy", "labvm")
