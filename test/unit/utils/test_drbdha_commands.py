"""Which commands only read (_utils/drbdha_commands.py): the argv the formula's modules run, and others, per tool."""

import pytest
from helpers import load_file

commands = load_file("_utils", "drbdha_commands")

# Every argv _modules/crmsh.py runs, with whether it only reads.
CRMSH = [
    (["crm_mon", "-1", "--output-as=xml", "--inactive", "--fence-history=1"], True),
    (["crm_mon", "-1", "--output-as=xml"], True),
    (["corosync-cfgtool", "-R"], False),
    (["cibadmin", "-Q", "-o", "constraints"], True),
    (["cibadmin", "-Q", "-o", "resources"], True),
    (["cibadmin", "--query", "--scope", "configuration"], True),
    (["crm", "configure", "show", "obscure:password", "obscure:passwd"], True),
    (["crm", "configure", "show", "obscure:password", "obscure:passwd", "xml", "rsc_kvm_havm"], True),
    (["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "true"], False),
    (["crm", "configure", "load", "update", "/tmp/drbdha-cib-x.crm"], False),
    (["crm", "configure", "load", "replace", "/tmp/drbdha-cib-x.crm"], False),
    (["crm_resource", "--move", "--resource", "rsc_kvm_havm", "--node", "node-2"], False),
    (["crm_resource", "--move", "--resource", "rsc_kvm_havm", "--node", "node-2", "--lifetime", "PT10M"], False),
    (["crm_resource", "--clear", "--resource", "rsc_kvm_havm"], False),
    (
        [
            "crm_resource",
            "--resource",
            "rsc_kvm_havm",
            "--meta",
            "--set-parameter",
            "target-role",
            "--parameter-value",
            "Started",
        ],
        False,
    ),  # fmt: skip
    (["crm_attribute", "--type", "nodes", "--node", "node-1", "--name", "standby", "--update", "on"], False),
    (["crm", "cluster", "init", "-y", "--name", "drbdha", "--interface", "eth1", "--admin-ip", "192.168.98.46"], False),
    (["crm", "cluster", "join", "-y", "--cluster-node", "node-1", "--interface", "eth1"], False),
]

# The other modules' commands (drbdadm, virsh, systemctl, qdevice, drbdha), and other reads and writes per tool.
OTHERS = [
    (["drbdadm", "--version"], True),
    (["drbdadm", "dump", "res0"], True),
    (["drbdadm", "-c", "/tmp/drbdha-check.conf", "dump", "res0"], True),
    (["drbdadm", "dump-md", "res0"], True),
    (["drbdadm", "get-gi", "res0"], True),
    (["drbdadm", "role", "res0"], True),
    (["drbdadm", "sh-resources"], True),
    (["drbdadm", "-d", "adjust", "res0"], True),
    (["drbdadm", "up", "res0"], False),
    (["drbdadm", "down", "res0"], False),
    (["drbdadm", "adjust", "res0"], False),
    (["drbdadm", "--force", "create-md", "res0"], False),
    (["drbdadm", "primary", "--force", "res0"], False),
    (["drbdadm", "secondary", "res0"], False),
    (["drbdadm", "--clear-bitmap", "new-current-uuid", "res0"], False),
    (["drbdadm", "connect", "--discard-my-data", "res0"], False),
    (["drbdadm", "disconnect", "res0"], False),
    (["drbdadm", "verify", "res0"], False),
    (["drbdadm", "-c", "dump", "up", "res0"], False),  # "dump" is the config file here
    (["drbdsetup", "status", "--verbose", "--statistics", "res0"], True),
    (["drbdsetup", "status", "--json", "res0"], True),
    (["drbdsetup", "show", "res0"], True),
    (["drbdsetup", "disconnect", "res0"], False),
    (["drbdmeta", "0", "v08", "/dev/vdb", "internal", "dump-md"], True),
    (["drbdmeta", "0", "v08", "/dev/vdb", "internal", "create-md"], False),
    (["blkid", "-p", "-o", "export", "/dev/vdb"], True),
    (["/usr/sbin/blkid", "-p", "/dev/vdb"], True),
    (["virsh", "--connect", "qemu:///system", "list", "--all"], True),
    (["virsh", "--connect", "qemu:///system", "domstate", "--reason", "havm"], True),
    (["virsh", "--connect", "qemu:///system", "dominfo", "havm"], True),
    (["virsh", "--connect", "qemu:///system", "dumpxml", "--inactive", "havm"], True),
    (["virsh", "-c", "qemu:///system", "domblklist", "havm"], True),
    (["virsh", "--connect", "qemu:///system", "define", "/tmp/havm.xml"], False),
    (["virsh", "--connect", "qemu:///system", "undefine", "havm"], False),
    (["virsh", "--connect", "qemu:///system", "start", "havm"], False),
    (["virsh", "--connect", "qemu:///system", "destroy", "havm"], False),
    (["virsh", "--connect", "qemu:///system", "shutdown", "havm"], False),
    (["virsh", "--connect", "list"], False),  # "list" is the URI here: no subcommand
    (["virt-install", "--connect", "qemu:///system", "--name", "havm", "--noautoconsole", "--wait", "-1"], False),
    (
        [
            "systemctl",
            "show",
            "--property=Id,LoadState,ActiveState,UnitFileState,NeedDaemonReload",
            "--",
            "corosync.service",
            "pacemaker.service",
        ],
        True,
    ),  # fmt: skip
    (["systemctl", "is-active", "corosync"], True),
    (["systemctl", "status", "pacemaker"], True),
    (["systemctl", "start", "--", "corosync.service"], False),
    (["systemctl", "enable", "--", "pacemaker.service"], False),
    (["systemctl", "disable", "--", "drbd.service"], False),
    (["systemctl", "restart", "--", "corosync-qdevice.service"], False),
    (["systemctl", "daemon-reload"], False),
    (["systemd-run", "--on-active=5", "--unit", "drbdha-network-reload", "networkctl", "reload"], False),
    (["certutil", "-L", "-d", "/etc/corosync/qdevice/net/nssdb"], True),
    (["certutil", "-A", "-d", "/etc/corosync/qdevice/net/nssdb", "-n", "ca"], False),
    (["corosync-qnetd-certutil", "-i"], False),
    (["corosync-qnetd-certutil", "-s", "-c", "/tmp/req.crq", "-n", "drbdha"], False),
    (["corosync-qdevice-net-certutil", "-i", "-c", "/tmp/qnetd-cacert.crt"], False),
    (["corosync-qdevice-net-certutil", "-r", "-n", "drbdha"], False),
    (["corosync-qdevice-net-certutil", "-M", "-c", "/tmp/cluster.crt"], False),
    (["corosync-cfgtool", "-s"], True),
    (["corosync-quorumtool", "-s"], True),
    (["cibadmin", "--query", "--replace", "--xml-file", "/tmp/cib.xml"], False),
    (["cibadmin", "--replace", "--xml-file", "/tmp/cib.xml"], False),
    (["crm", "status"], True),
    (["crm", "resource", "status", "rsc_kvm_havm"], True),
    (["crm", "resource", "stop", "rsc_kvm_havm"], False),
    (["crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--query", "--quiet"], True),
    (["crm_attribute", "-G", "-n", "stonith-enabled"], True),
    (["crm_resource", "--locate", "--resource", "rsc_kvm_havm"], True),
    (["crm_resource", "--list"], True),
    (["dpkg-query", "-W", "-f=${Status}", "drbd-utils"], True),
    (["rpm", "-q", "drbd-utils"], True),
    (["rpm", "-i", "drbd-utils.rpm"], False),
    (["modinfo", "drbd"], True),
    (["lsblk", "-J", "/dev/vdb"], True),
    (["wipefs", "-a", "/dev/vdb"], False),
    (["mkfs.ext4", "/dev/vdb"], False),
    ([], False),
]


@pytest.mark.parametrize(("argv", "reads"), CRMSH + OTHERS, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_a_command_is_read_only_exactly_when_it_cannot_change_anything(argv, reads):
    assert commands.is_read_only(argv) is reads


def test_every_tool_of_the_rule_has_a_read_and_a_write_or_only_reads():
    tools = {}
    for argv, reads in CRMSH + OTHERS:
        if argv:
            tools.setdefault(argv[0].rsplit("/", 1)[-1], set()).add(reads)
    only_reads = {t for t, kinds in tools.items() if kinds == {True}}
    assert only_reads <= commands.READ_ONLY_TOOLS | {"drbdmeta"}, only_reads
    for tool in ("drbdadm", "drbdsetup", "cibadmin", "crm", "crm_attribute", "crm_resource", "corosync-cfgtool",
                 "virsh", "systemctl", "certutil", "rpm", "drbdmeta"):  # fmt: skip
        assert tools[tool] == {True, False}, tool


def test_the_subcommand_skips_options_and_their_values():
    assert commands.subcommand(["--connect", "qemu:///system", "dominfo", "havm"], commands.VIRSH_VALUED) == "dominfo"
    assert commands.subcommand(["--property=Id", "--", "x.service"]) == "x.service"
    assert commands.subcommand(["--version"]) == "--version"
    assert commands.subcommand(["-v", "-q"]) is None
