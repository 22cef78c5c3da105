"""
Which commands only read state: one rule for the formula's modules, the
benchmarks and the lab tests. Pure (no Salt, no I/O).

A command counts as read-only when it cannot change DRBD, the cluster, the
guest, a unit or a package; everything not named here counts as a write. The
rule is per tool: a read-only subcommand (``virsh dominfo``), a query option
(``crm_attribute --query``) or a dry run (``drbdadm -d``).
"""

import os

# Subcommands that only report, per tool.
DRBDADM_READS = frozenset(
    ("status", "dump", "dump-md", "dump-xml", "cstate", "dstate", "role", "show-gi", "get-gi", "events2", "--version")
)
DRBDSETUP_READS = frozenset(("status", "show", "show-gi", "get-gi", "events2", "--version", "dstate", "cstate", "role"))
DRBDMETA_READS = frozenset(("dump-md", "read-dev-uuid", "get-gi", "show-gi", "check-resize"))
VIRSH_READS = frozenset(
    (
        "list", "domstate", "dumpxml", "dominfo", "domblklist", "domiflist", "capabilities", "version", "uri",
        "net-list", "pool-list", "nodeinfo", "domid", "domuuid", "dommemstat",
    )
)  # fmt: skip
SYSTEMCTL_READS = frozenset(
    ("is-active", "is-enabled", "is-failed", "status", "show", "list-units", "list-unit-files", "cat")
)
# crm's read-only words (options left out): `crm configure show …`, `crm status`, …
CRM_READS = (("configure", "show"), ("status",), ("resource", "status"), ("cluster", "status"), ("node", "show"))
CIBADMIN_QUERY = frozenset(("-Q", "--query"))
CIBADMIN_WRITES = frozenset(
    ("-R", "-C", "-M", "-D", "-E", "-U", "-P", "--replace", "--create", "--modify", "--delete", "--erase",
     "--upgrade", "--patch")
)  # fmt: skip
CRM_ATTRIBUTE_QUERY = frozenset(("--query", "-G"))
CRM_RESOURCE_QUERY = frozenset(("--locate", "-W", "--list", "-l", "--query-xml", "-q", "--why", "-Y", "--list-raw"))
# Tools that only ever read.
READ_ONLY_TOOLS = frozenset(("crm_mon", "corosync-quorumtool", "blkid", "dpkg-query", "lsblk", "modinfo"))
# Options whose next argument is their value, not the subcommand.
DRBDADM_VALUED = frozenset(("-c", "--config-file", "-t", "--config-to-test"))
VIRSH_VALUED = frozenset(("-c", "--connect"))


def subcommand(args, takes_value=()):
    """The first argument of ARGS that is not an option (skipping the values of the TAKES_VALUE options)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in takes_value:
            skip = True
        elif arg == "--version" or not arg.startswith("-"):
            return arg
    return None


def is_read_only(argv):
    """
    Whether the command ARGV (a list, the tool first, possibly by path) only
    reads state:

    - drbdadm status/dump/dump-md/get-gi/role/…, any drbdadm with ``-d``
      (dry run); drbdsetup status/show/…; drbdmeta dump-md/get-gi/…;
    - crm_mon; cibadmin ``-Q`` without a writing option; crm configure show,
      crm status; crm_attribute and crm_resource with a query option;
      corosync-cfgtool ``-s``; corosync-quorumtool;
    - virsh list/domstate/dumpxml/dominfo/…;
    - systemctl is-*/status/show/cat; blkid, lsblk, modinfo; dpkg-query,
      rpm ``-q``; certutil ``-L`` (an NSS database's list).

    Anything else counts as a write.
    """
    if not argv:
        return False
    tool, args = os.path.basename(argv[0]), list(argv[1:])
    if tool in READ_ONLY_TOOLS:
        return True
    if tool == "drbdadm":
        if "-d" in args or "--dry-run" in args:
            return True
        sub = subcommand(args, DRBDADM_VALUED)
        return sub is not None and (sub in DRBDADM_READS or sub.startswith("sh-"))
    if tool == "drbdsetup":
        return subcommand(args) in DRBDSETUP_READS
    if tool == "drbdmeta":
        return any(a in DRBDMETA_READS for a in args)
    if tool == "cibadmin":
        return any(a in CIBADMIN_QUERY for a in args) and not any(a in CIBADMIN_WRITES for a in args)
    if tool == "crm":
        words = tuple(a for a in args if not a.startswith("-"))
        return any(words[: len(read)] == read for read in CRM_READS)
    if tool == "crm_attribute":
        return any(a in CRM_ATTRIBUTE_QUERY for a in args)
    if tool == "crm_resource":
        return any(a in CRM_RESOURCE_QUERY for a in args)
    if tool == "corosync-cfgtool":
        return "-s" in args and "-R" not in args
    if tool == "virsh":
        return subcommand(args, VIRSH_VALUED) in VIRSH_READS
    if tool == "systemctl":
        return subcommand(args) in SYSTEMCTL_READS
    if tool == "certutil":
        return args[:1] == ["-L"]
    if tool == "rpm":
        return any(a.startswith("-q") for a in args)
    return False
