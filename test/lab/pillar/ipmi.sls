# The lab's IPMI fencing (`lab fencing ipmi`): fence_ipmilan through each node's emulated BMC
# (ipmi_sim on the host, reached over the nodes' BMC network 10.0.4.0/24; see test/lab/lab).
# No quorum device: both nodes keep quorum in a partition and race to fence each other, and
# priority-fencing-delay lets the node that runs the guest win. Lab-only secrets.
drbdha:
  cluster:
    stonith:
      mode: ipmi
      # The guest's node must reach the other's BMC before this delay ends. On these emulated
      # nodes, busy with the guest, it had not sent its first IPMI packet 20 s after it lost its
      # peer; the idle node's agent needed 1.4 s after its delay.
      fencing_delay: 45
      ipmi:
        # cipher 3: ipmi_sim does not answer ipmitool's cipher suite query
        node-1: {ip: 10.0.4.21, user: admin, password: lab-only-bmc-pw, cipher: 3}
        node-2: {ip: 10.0.4.22, user: admin, password: lab-only-bmc-pw, cipher: 3}
