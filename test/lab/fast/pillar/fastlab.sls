# Facts of the fast lab (test/lab/fast/fastlab). The formula's own pillar for this lab
# (drbdha: ...) is to be added beside this file by the formula's authors.
fastlab:
  nodes:
    node-1: 10.20.30.71
    node-2: 10.20.30.72
  master: 10.20.30.1
  guest_xml: /etc/havm/havm.xml
  drbd_kernel: false
