"""Helpers to run the protected guest under plain qemu on the host (tests and measurements).

Used by test_guest.py and measure-boot.  Everything is argv lists; every process started here
is tracked by its Popen object and ended by PID.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU = "qemu-system-x86_64"


def build(env=None):
    """Run ./build; return {'kernel', 'initrd', 'writer', 'cmdline'}."""
    out = subprocess.run(
        [sys.executable, os.path.join(HERE, "build"), "--print-env"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    vals = {}
    for line in out.splitlines():
        k, _, v = line.partition("=")
        vals[k] = v.strip("'")
    return {
        "kernel": vals["GUEST_KERNEL"],
        "initrd": vals["GUEST_INITRD"],
        "writer": vals["GUEST_WRITER"],
        "cmdline": vals["GUEST_CMDLINE"],
    }


def qemu_available():
    return shutil.which(QEMU) is not None


def _cache_mode(path):
    """cache=none (O_DIRECT, as in the domain XML) where the file system supports it (not tmpfs)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    except OSError:
        return "writeback"
    os.close(fd)
    return "none"


def qemu_argv(guest, disk, serial, interval_ms=250, memory_mb=128):
    """serial: a qemu -serial spec, or ('tcp', host, port) for a reconnecting TCP client."""
    argv = [
        QEMU,
        "-accel",
        "tcg,thread=multi",
        "-m",
        str(memory_mb),
        "-smp",
        "1",
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-no-reboot",
        "-monitor",
        "none",
        "-kernel",
        guest["kernel"],
        "-initrd",
        guest["initrd"],
        "-append",
        f"{guest['cmdline']} havm.interval={interval_ms}",
        "-drive",
        f"file={disk},format=raw,if=virtio,cache={_cache_mode(disk)}",
    ]
    if isinstance(serial, tuple):
        _, host, port = serial
        argv += ["-chardev", f"socket,id=ser0,host={host},port={port},reconnect=1", "-serial", "chardev:ser0"]
    else:
        argv += ["-serial", serial]
    return argv


def start_collector(log, workdir):
    """Start ack-collector on 127.0.0.1:<free port>; return (Popen, port)."""
    port_file = os.path.join(workdir, "collector.port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    proc = subprocess.Popen(
        [
            sys.executable,
            os.path.join(HERE, "ack-collector"),
            "--listen",
            "127.0.0.1:0",
            "--log",
            log,
            "--port-file",
            port_file,
            "--pidfile",
            os.path.join(workdir, "collector.pid"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError("ack-collector did not start")
        time.sleep(0.05)
    with open(port_file) as f:
        return proc, int(f.read())


def stop(proc, sig=signal.SIGTERM, timeout=10):
    """End one process we started, by its PID."""
    if proc is None or proc.poll() is not None:
        return
    os.kill(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def report(log, disk=None):
    argv = [sys.executable, os.path.join(HERE, "ack-report"), log]
    if disk:
        argv += ["--disk", disk]
    return json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)


def log_lines(log):
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n").split(" ", 2)[2] for line in f if line.count(" ") >= 2]
    except FileNotFoundError:
        return []


def wait_log(log, pred, timeout, proc=None):
    """Wait until pred(list of logged guest lines) is true; return the lines."""
    deadline = time.monotonic() + timeout
    while True:
        lines = log_lines(log)
        if pred(lines):
            return lines
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"qemu exited with {proc.returncode}; log tail: {lines[-10:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s; log tail: {lines[-10:]}")
        time.sleep(0.1)


def acks(lines):
    return [int(x.split()[1]) for x in lines if x.startswith("ACK ") and x.split()[1].isdigit()]
