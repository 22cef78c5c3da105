"""Helpers to run the bare-metal guest (havm-bare.elf) under plain qemu (tests, measurements).

Used by test_bare.py, measure-boot --bare and libvirt-proof --bare.  argv lists only.
"""

import os
import subprocess
import sys

BARE = os.path.dirname(os.path.abspath(__file__))
GUEST = os.path.dirname(BARE)
sys.path.insert(0, GUEST)
import guestlib  # noqa: E402


def build(mutant=None, env=None):
    """Run ../build-bare; return {'kernel', 'cmdline'} (the same keys measure-boot uses)."""
    argv = [sys.executable, os.path.join(GUEST, "build-bare"), "--print-env"]
    if mutant:
        argv += ["--mutant", mutant]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout
    vals = {}
    for line in out.splitlines():
        k, _, v = line.partition("=")
        vals[k] = v.strip("'")
    return {"kernel": vals["BARE_KERNEL"], "cmdline": "", "bare": True}


def qemu_argv(guest, disk, serial, interval_ms=250, count=0, memory_mb=32, extra=""):
    """Like guestlib.qemu_argv, for havm-bare: -kernel ELF (multiboot), the disk on IDE."""
    append = f"havm.interval={interval_ms}"
    if count:
        append += f" havm.count={count}"
    if extra:
        append += " " + extra
    argv = [
        guestlib.QEMU,
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
        "-append",
        append,
        "-drive",
        f"file={disk},format=raw,if=ide,index=0,media=disk,cache={guestlib._cache_mode(disk)}",
    ]
    if isinstance(serial, tuple):
        _, host, port = serial
        argv += ["-chardev", f"socket,id=ser0,host={host},port={port},reconnect=1", "-serial", "chardev:ser0"]
    else:
        argv += ["-serial", serial]
    return argv
