"""Proof of the bare-metal guest (bare/havm-bare.c, built by build-bare) under qemu (TCG).

Mirrors test_guest.py's qemu proof: a blank 16 MiB disk on IDE, boot, FOUND 0 / READY / ACKs
through ack-collector, SIGKILL qemu mid-write (the guest writes back to back), boot again:
FOUND >= the last ACK, over 3 boots; ack-report --disk agrees with the disk.  Also: the
multiboot command line (havm.count) and the ACPI power button (QMP system_powerdown: STOP,
then qemu exits because the guest powered off).

DRBDHA_BARE_MUTANT=early-ack runs the same proof against a deliberately broken guest that
ACKs before it writes: the kill-9 test must then fail (it shows that the proof can fail).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "bare"))
import barelib  # noqa: E402
import guestlib  # noqa: E402

pytestmark = [
    pytest.mark.skipif(not guestlib.qemu_available(), reason="qemu-system-x86_64 is not installed"),
    pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("ld") is None, reason="gcc/binutils missing"),
]


@pytest.fixture(scope="module")
def guest():
    return barelib.build(mutant=os.environ.get("DRBDHA_BARE_MUTANT") or None)


def _blank(path):
    with open(path, "wb") as f:
        f.truncate(16 << 20)
    return path


def _last_index(lines, item):
    return len(lines) - 1 - lines[::-1].index(item)


def test_bare_kill9_keeps_acknowledged_writes(guest, tmp_path):
    disk = _blank(str(tmp_path / "disk.img"))
    log = str(tmp_path / "acks.log")
    collector, port = guestlib.start_collector(log, str(tmp_path))
    qemu = None
    try:
        last_acks = []
        for round_ in range(3):
            # interval 0: back-to-back writes, so the kill lands mid-write.
            qemu = subprocess.Popen(
                barelib.qemu_argv(guest, disk, ("tcp", "127.0.0.1", port), interval_ms=0),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            target = 30
            guestlib.wait_log(
                log,
                lambda ls, r=round_, n=target: (
                    ls.count("READY") == r + 1 and len(guestlib.acks(ls[_last_index(ls, "READY") :])) >= n
                ),
                120,
                qemu,
            )
            guestlib.stop(qemu, signal.SIGKILL)
            qemu = None
            r = guestlib.report(log, disk)
            assert r["ok"], r
            assert r["disk_last"] >= r["max_ack"], r
            last_acks.append(r["boots"][-1]["last_ack"])
        # A 4th boot: what it finds must be >= every ACK, and equal to what ack-report's own
        # Python reader finds on the disk now.
        disk_before = guestlib.report(log, disk)["disk_last"]
        qemu = subprocess.Popen(
            barelib.qemu_argv(guest, disk, ("tcp", "127.0.0.1", port), interval_ms=1000),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        guestlib.wait_log(log, lambda ls: ls.count("READY") == 4, 120, qemu)
        guestlib.stop(qemu, signal.SIGKILL)
        qemu = None
        r = guestlib.report(log, disk)
        assert r["ok"], r
        boots = r["boots"]
        assert len(boots) == 4
        assert boots[0]["found"] == 0 and boots[0]["last_ack"] >= 30
        for prev, cur in zip(boots, boots[1:]):
            assert cur["acked_before"] == prev["last_ack"] or prev["last_ack"] is None
            assert cur["found"] >= (cur["acked_before"] or 0), r
        assert r["last_found"] >= r["acked_before_last_found"] == last_acks[-1]
        assert r["last_found"] == disk_before, (disk_before, r)
    finally:
        guestlib.stop(qemu, signal.SIGKILL)
        guestlib.stop(collector)


def test_bare_count_and_resume(guest, tmp_path):
    disk = _blank(str(tmp_path / "disk.img"))
    for n, first in ((13, 0), (2, 13)):
        p = subprocess.run(
            barelib.qemu_argv(guest, disk, "stdio", interval_ms=0, count=n),
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = [x.rstrip("\r") for x in p.stdout.split("\n") if x.strip()]
        proto = [x for x in lines if not x.startswith(("INIT", "INFO"))]
        assert p.returncode == 0, lines  # the guest powered off (S5): qemu exited by itself
        assert proto[:3] == [f"FOUND {first}", "READY", f"ACK {first + 1}"], lines
        assert proto[-2:] == [f"ACK {first + n}", f"STOP {first + n}"], lines
    assert guestlib.report(os.devnull, disk)["disk_last"] == 15


def test_bare_acpi_power_button(guest, tmp_path):
    disk = _blank(str(tmp_path / "disk.img"))
    out = str(tmp_path / "console.txt")
    qmp = str(tmp_path / "qmp.sock")
    argv = barelib.qemu_argv(guest, disk, f"file:{out}", interval_ms=250) + [
        "-qmp",
        f"unix:{qmp},server=on,wait=off",
    ]
    qemu = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            text = open(out).read() if os.path.exists(out) else ""
            if text.count("ACK ") >= 3:
                break
            assert qemu.poll() is None and time.monotonic() < deadline, text
            time.sleep(0.05)
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(qmp)
            f = s.makefile("rw")
            f.readline()
            for cmd in ("qmp_capabilities", "system_powerdown"):
                f.write(json.dumps({"execute": cmd}) + "\n")
                f.flush()
                f.readline()
            t0 = time.monotonic()
            rc = qemu.wait(30)
            took = time.monotonic() - t0
        lines = [x.rstrip("\r") for x in open(out).read().split("\n") if x.strip()]
        acks = guestlib.acks(lines)
        assert rc == 0 and took < 10, (rc, took)
        assert lines[-1] == f"STOP {acks[-1]}", lines
        assert guestlib.report(os.devnull, disk)["disk_last"] == acks[-1]
    finally:
        guestlib.stop(qemu, signal.SIGKILL)
