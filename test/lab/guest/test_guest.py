"""Tests of the drbdha lab's protected guest (test/lab/guest).

- the writer on a plain file: FOUND / READY / ACK, resume after restart, torn and corrupt
  records ignored, the Python reader (ack-report --disk) agrees with the C writer;
- ack-report finds a lost write in a log (so the proof below can fail);
- the host proof under qemu (TCG): boot on a blank disk, see FOUND 0 / READY / ACKs through
  ack-collector, SIGKILL qemu mid-write, boot again: FOUND >= last ACK.
Skipped with a reason when gcc, busybox-static, apt-get or qemu is missing.
"""

import os
import shutil
import signal
import struct
import subprocess
import sys
import zlib

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guestlib  # noqa: E402

HERE = guestlib.HERE
REC = 4096


def _missing_build_tools():
    missing = [t for t in ("gcc", "apt-get", "dpkg-deb") if shutil.which(t) is None]
    if not os.path.exists("/bin/busybox"):
        missing.append("busybox-static")
    return missing


@pytest.fixture(scope="module")
def guest():
    missing = _missing_build_tools()
    if missing:
        pytest.skip(f"guest build needs {', '.join(missing)} (see test/lab/guest/apt-packages.txt)")
    return guestlib.build()


def run_writer(guest, disk, *args):
    return subprocess.run(
        [guest["writer"], "--device", disk, *args], check=True, capture_output=True, text=True, timeout=60
    ).stdout.split("\n")


def report_log(tmp_path, lines):
    log = tmp_path / "acks.log"
    log.write_text("".join(f"2026-01-01T00:00:{i:02d}.000000Z c1 {x}\n" for i, x in enumerate(lines)))
    return guestlib.report(str(log))


def test_writer_counts_and_resumes(guest, tmp_path):
    disk = str(tmp_path / "disk.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    out = run_writer(guest, disk, "--interval-ms", "0", "--count", "13")
    assert out[:3] == ["FOUND 0", "READY", "ACK 1"]
    assert out[-3:-1] == ["ACK 13", "STOP 13"]
    out = run_writer(guest, disk, "--interval-ms", "0", "--count", "2")
    assert out[:4] == ["FOUND 13", "READY", "ACK 14", "ACK 15"]
    assert run_writer(guest, disk, "--scan-only")[0] == "FOUND 15"
    assert guestlib.report(_empty(tmp_path), disk)["disk_last"] == 15


def _empty(tmp_path):
    p = tmp_path / "empty.log"
    p.write_text("")
    return str(p)


def test_torn_and_corrupt_records_are_ignored(guest, tmp_path):
    disk = str(tmp_path / "disk.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    run_writer(guest, disk, "--interval-ms", "0", "--count", "20")  # slots hold 13..20
    with open(disk, "r+b") as f:
        # Torn write of record 20 (slot 4): its second half is record 12's old content.
        f.seek(4 * REC + REC // 2)
        f.write(b"\xa5" * (REC // 2))
        # Corrupt record 19 (slot 3): one flipped bit in the counter.
        f.seek(3 * REC + 8)
        b = bytearray(f.read(1))
        f.seek(3 * REC + 8)
        f.write(bytes([b[0] ^ 1]))
    assert run_writer(guest, disk, "--scan-only")[0] == "FOUND 18"
    assert guestlib.report(_empty(tmp_path), disk)["disk_last"] == 18
    # A record with a valid crc but in the wrong slot is rejected too.
    with open(disk, "r+b") as f:
        f.seek(2 * REC)
        rec = bytearray(f.read(REC))  # record 18, re-labelled as slot 5 with a fixed-up crc
        struct.pack_into("<I", rec, 24, 5)
        struct.pack_into("<I", rec, REC - 4, zlib.crc32(bytes(rec[: REC - 4])))
        f.seek(2 * REC)
        f.write(rec)
    assert run_writer(guest, disk, "--scan-only")[0] == "FOUND 17"
    assert guestlib.report(_empty(tmp_path), disk)["disk_last"] == 17


def test_report_detects_lost_write(tmp_path):
    r = report_log(tmp_path, ["FOUND 0", "READY", "ACK 1", "ACK 2", "ACK 3", "#EOF", "FOUND 2", "READY"])
    assert r["ok"] is False
    assert r["violations"][0]["found"] == 2 and r["violations"][0]["acked_before"] == 3
    r = report_log(
        tmp_path,
        [
            "FOUND 0",
            "READY",
            "ACK 1",
            "ACK 2",
            "ACK 3",
            "#PARTIAL ACK 4",
            "[    5.1] kernel noise",
            "FOUND 3",
            "READY",
            "ACK 4",
        ],
    )
    assert r["ok"] is True
    assert (r["last_ack"], r["last_found"], r["acked_before_last_found"]) == (4, 3, 3)


def test_report_detects_two_instances_writing_at_once(tmp_path):
    log = tmp_path / "acks.log"
    lines = [
        ("00", "c1", "FOUND 0"),
        ("01", "c1", "ACK 1"),
        ("02", "c2", "FOUND 1"),
        ("03", "c2", "ACK 2"),
        ("04", "c1", "ACK 2"),
        ("05", "c1", "#EOF"),
        ("06", "c2", "ACK 3"),
    ]
    log.write_text("".join(f"2026-01-01T00:00:{t}.000000Z {conn} {x}\n" for t, conn, x in lines))
    r = guestlib.report(str(log))
    assert r["ok"] is False and r["violations"] == []
    assert r["concurrent"] == [
        {"conns": ["c1", "c2"], "from": "2026-01-01T00:00:03.000000Z", "to": "2026-01-01T00:00:04.000000Z"}
    ]
    # The same writes one instance after the other are fine.
    log.write_text("".join(f"2026-01-01T00:00:{t}.000000Z {conn} {x}\n" for t, conn, x in lines if t != "04"))
    assert guestlib.report(str(log))["concurrent"] == []


def test_collector_logs_lines_across_reconnects(tmp_path):
    import socket

    log = str(tmp_path / "acks.log")
    proc, port = guestlib.start_collector(log, str(tmp_path))
    try:
        # One connection after the other, as a guest reconnects only after it booted again: the
        # collector serves connections concurrently, so overlapping ones may interleave in the log.
        for n, payload in enumerate((b"FOUND 0\r\nREADY\r\nACK 1\r\nACK 2\r\nACK 3", b"FOUND 1\r\nREADY\r\n")):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(payload)
            lines = guestlib.wait_log(log, lambda ls, ended=n + 1: ls.count("#EOF") == ended, 10)
    finally:
        guestlib.stop(proc)
    assert "#PARTIAL ACK 3" in lines and "ACK 3" not in lines
    r = guestlib.report(log)
    assert r["ok"] is False and r["violations"][0]["acked_before"] == 2


@pytest.mark.skipif(not guestlib.qemu_available(), reason="qemu-system-x86_64 is not installed")
def test_qemu_kill9_keeps_acknowledged_writes(guest, tmp_path):
    disk = str(tmp_path / "disk.img")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    log = str(tmp_path / "acks.log")
    collector, port = guestlib.start_collector(log, str(tmp_path))
    qemu = None
    try:
        for round_ in range(2):
            # interval 0: the writer writes back to back, so the kill lands mid-write.
            qemu = subprocess.Popen(
                guestlib.qemu_argv(guest, disk, ("tcp", "127.0.0.1", port), interval_ms=0),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # Boot (5-12 s on this 2-core host under TCG, see README) and let some writes through.
            target = 20 if round_ == 0 else 10
            guestlib.wait_log(
                log,
                lambda ls, r=round_, n=target: (
                    ls.count("READY") == r + 1 and len(guestlib.acks(ls[_last_index(ls, "READY") :])) >= n
                ),
                240,
                qemu,
            )
            guestlib.stop(qemu, signal.SIGKILL)  # mid-write: the writer never pauses long
            qemu = None
            r = guestlib.report(log, disk)
            assert r["ok"], r
            assert r["disk_last"] >= r["max_ack"], r
        # Round 2 booted on round 1's disk: it must have found at least round 1's last ACK.
        assert len(r["boots"]) == 2
        b1, b2 = r["boots"]
        assert b1["found"] == 0 and b1["last_ack"] >= 20
        assert b2["found"] >= b1["last_ack"] and b2["acked_before"] == b1["last_ack"]
        qemu = subprocess.Popen(
            guestlib.qemu_argv(guest, disk, ("tcp", "127.0.0.1", port)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        guestlib.wait_log(log, lambda ls: sum(x.startswith("FOUND ") for x in ls) == 3, 240, qemu)
        r = guestlib.report(log)
        assert r["ok"], r
        assert r["last_found"] >= r["acked_before_last_found"] == b2["last_ack"]
    finally:
        guestlib.stop(qemu, signal.SIGKILL)
        guestlib.stop(collector)


def _last_index(lines, item):
    return len(lines) - 1 - lines[::-1].index(item)
