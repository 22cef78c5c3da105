# The formula's pillar for the full-tier lab (test/lab/lab): pillar.example's reference
# values on the lab VMs — eth0 external 192.168.98.0/24, eth1 replication 10.20.30.0/24,
# the blank DRBD backing disk /dev/vdb — the lab's protected guest `havm` (the
# bare-metal counter guest, test/lab/guest/bare) on /dev/drbd0, and the quorum host
# `qnetd`. Lab-only secrets. The fencing choice is in sbd.sls (the default) or ipmi.sls.
drbdha:
  nodes:
    node-1:
      id: 0
      replication_address: 10.20.30.71
      external_address: 192.168.98.71
    node-2:
      id: 1
      replication_address: 10.20.30.72
      external_address: 192.168.98.72
  first_node: node-1
  packages:
    # What the lab image carries (the VMs have no package mirror; virt-install is
    # not needed: the guest is imported).
    names: [drbd-utils, pacemaker, corosync, crmsh, resource-agents, libvirt-daemon-system,
            libvirt-clients, qemu-system-x86, psmisc, chrony]
  cluster:
    name: drbdha-lab
    mode: native
    token: 5000
    authkey: TEFCIE9OTFkgLSBkcmJkaGEgZnVsbC10aWVyIGxhYiBhdXRoa2V5IC0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0t
    hacluster_password: lab-only-hacluster-pw
    # The node fencing comes from sbd.sls or ipmi.sls (top.sls chooses).
  drbd:
    shared_secret: lab-only-drbd-secret
    protocol: C
    # Under emulation the drbd agent's monitor can take over 20 s on a busy host.
    timeouts: {monitor_promoted: 90, monitor_unpromoted: 91}
    resources:
      res0:
        minor: 0
        port: 7788
        disk: /dev/vdb
        # The lab's DRBD disks are created blank: declared new, no initial sync.
        new_devices: true
  vms:
    havm:
      resource: res0
      import_xml: salt://lab/havm.xml
      timeouts:
        # libvirt probes qemu on its first start in a fresh VM: over 120 s under TCG.
        start: 300s
        stop: 120s
        # The monitor timed out at 60 s under TCG during the fault drills (guest restarted).
        monitor: 120s
        monitor_interval: 30s
