# The formula's pillar for the fast tier (containers, no DRBD kernel): the
# cluster, CIB and guest logic can be exercised here; DRBD cannot.
drbdha:
  nodes:
    node-1: {id: 0, replication_address: 10.20.30.71}
    node-2: {id: 1, replication_address: 10.20.30.72}
  first_node: node-1
  packages:
    install: false
  cluster:
    name: drbdha-fast
    authkey: TEFCLU9OTFkgZmFzdC10aWVyIGF1dGhrZXkgLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0=
    hacluster_password: fast-tier-lab-password
  drbd:
    version: 8
    shared_secret: fast-tier-lab-secret
    resources:
      res0: {minor: 0, port: 7788, disk: /dev/vdb, new_devices: true}
  vms:
    havm:
      resource: res0
      import_xml: salt://test/lab/fast/havm.xml
