# Lab pillar for the full tier (test/lab/lab). Reference values of the seed procedure,
# adapted to the lab VMs: eth0 = external 192.168.98.0/24, eth1 = replication 10.20.30.0/24,
# DRBD backing disk = the blank virtio disk /dev/vdb. Minimal for now; it follows
# pillar.example once the formula defines its keys.
drbdha:
  nodes:
    node-1:
      external_ip: 192.168.98.71
      replication_ip: 10.20.30.71
    node-2:
      external_ip: 192.168.98.72
      replication_ip: 10.20.30.72
  drbd:
    resource: res0
    device: /dev/drbd0
    disk: /dev/vdb
    port: 7788
    protocol: C
  vm:
    name: sesadm
    config: /etc/havm/sesadm.xml
