# drbdha pillar: every key with the reference procedure's values
# (shared/reference/seed-procedure.md). It grows as the formula does.
drbdha:
  packages:
    # Install the HA stack, KVM and DRBD (zypper patterns on SUSE, packages on Debian).
    install: true
  cluster:
    # Pacemaker cluster name.
    name: hacluster
    # native: the formula writes corosync.conf itself (default);
    # crmsh: `crm cluster init` / `crm cluster join`, as the reference procedure does.
    mode: native
