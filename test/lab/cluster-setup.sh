#!/bin/bash
# Hand-made two-node cluster in the lab VMs (no formula): corosync (knet, two_node) on the external
# network, pacemaker, DRBD res0 as an ocf:linbit:drbd promotable clone, a tiny libvirt domain as
# ocf:heartbeat:VirtualDomain on /dev/drbd0, colocated with the Promoted role, ordered after promote.
# This is the lab's reference set-up for capturing Pacemaker fixtures; the formula replaces it.
# Needs `test/lab/lab up`; assumes DRBD res0 is configured (capture-drbd.sh or drbd-setup below).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=$HERE/lab
T0=$(date +%s)
say() { echo "[cluster +$(( $(date +%s) - T0 ))s] $*"; }
x() { "$LAB" exec "$@"; }
xs() { local n=$1; shift; "$LAB" exec "$n" sh -c "$*"; }

COROSYNC_CONF='totem {
  version: 2
  cluster_name: drbdha-lab
  transport: knet
  token: 10000
  crypto_cipher: aes256
  crypto_hash: sha256
}
nodelist {
  node {
    ring0_addr: 192.168.98.71
    name: node-1
    nodeid: 1
  }
  node {
    ring0_addr: 192.168.98.72
    name: node-2
    nodeid: 2
  }
}
quorum {
  provider: corosync_votequorum
  two_node: 1
}
logging {
  to_logfile: no
  to_syslog: yes
  timestamp: on
}'

# DRBD resource with resource-level fencing through Pacemaker (8.4 handler names).
RES_CONF='resource res0 {
  device /dev/drbd0;
  disk /dev/vdb;
  meta-disk internal;
  net { protocol C; }
  disk { fencing resource-only; }  # 8.4: in disk {}; DRBD 9 has it in net {}
  handlers {
    fence-peer "/usr/lib/drbd/crm-fence-peer.sh";
    after-resync-target "/usr/lib/drbd/crm-unfence-peer.sh";
  }
  on node-1 { address 10.20.30.71:7788; }
  on node-2 { address 10.20.30.72:7788; }
}'
GLOBAL_CONF='global { usage-count no; }
common {
  net { protocol C; }
}'

# A tiny domain: no OS, it idles in the BIOS; its only disk is the DRBD device.
DOMAIN_XML="<domain type='qemu'>
  <name>sesadm</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw' cache='none'/>
      <source dev='/dev/drbd0'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='pty'/>
    <console type='pty'/>
  </devices>
</domain>"

CIB='property cib-bootstrap-options: stonith-enabled=false cluster-name=drbdha-lab
rsc_defaults rsc-options: resource-stickiness=100
primitive rsc_drbd_res0 ocf:linbit:drbd params drbd_resource=res0 op monitor interval=21 timeout=20 role=Promoted op monitor interval=22 timeout=21 role=Unpromoted op start timeout=240 interval=0 op stop timeout=100 interval=0 op promote timeout=90 interval=0 op demote timeout=90 interval=0
clone ms_drbd_res0 rsc_drbd_res0 meta promotable=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true
primitive rsc_kvm_sesadm ocf:heartbeat:VirtualDomain params config=/etc/havm/sesadm.xml hypervisor=qemu:///system force_stop=true op monitor timeout=90 interval=10 op stop timeout=360s interval=0 op start timeout=300s interval=0 meta target-role=Started
colocation kvm_sesadm_on_drbd inf: rsc_kvm_sesadm ms_drbd_res0:Promoted
order drbd_before_kvm Mandatory: ms_drbd_res0:promote rsc_kvm_sesadm:start'

KEY=$(head -c 256 /dev/urandom | base64 -w0)
for n in node-1 node-2; do
  say "$n: corosync.conf, authkey, DRBD res0 (fencing resource-only), /etc/havm/sesadm.xml"
  xs "$n" "printf '%s\n' '$COROSYNC_CONF' > /etc/corosync/corosync.conf && echo $KEY | base64 -d > /etc/corosync/authkey && chmod 400 /etc/corosync/authkey"
  xs "$n" "printf '%s\n' '$RES_CONF' > /etc/drbd.d/res0.res && printf '%s\n' '$GLOBAL_CONF' > /etc/drbd.d/global_common.conf"
  xs "$n" "mkdir -p /etc/havm && printf '%s\n' \"$DOMAIN_XML\" > /etc/havm/sesadm.xml"
done

if [ "${1:-}" = "--fresh-drbd" ]; then
  say "DRBD: create-md, up, initial sync (fresh metadata)"
  for n in node-1 node-2; do
    xs "$n" "drbdadm down res0 2>/dev/null; dd if=/dev/zero of=/dev/vdb bs=1M count=8 conv=fsync status=none; drbdadm create-md --force res0 && drbdadm up res0"
  done
  x node-1 drbdadm primary --force res0
  until x node-1 cat /proc/drbd | grep -q 'ds:UpToDate/UpToDate'; do sleep 2; done
  say "DRBD in sync"
fi
say "DRBD: hand over to Pacemaker (secondary + down on both)"
for n in node-1 node-2; do xs "$n" "drbdadm secondary res0 2>/dev/null; drbdadm down res0 2>/dev/null; true"; done

say "start corosync + pacemaker on both"
for n in node-1 node-2; do x "$n" systemctl start corosync pacemaker; done
until x node-1 crm_mon -1 2>/dev/null | grep -q 'Online: \[ node-1 node-2 \]'; do sleep 3; done
say "both nodes online"
printf '%s\n' "$CIB" >/tmp/drbdha-lab-cib.crm
x node-1 sh -c "printf '%s\n' '$CIB' > /root/lab-cib.crm"
x node-1 crm configure load update /root/lab-cib.crm
say "CIB loaded; waiting for rsc_kvm_sesadm Started"
for i in $(seq 1 90); do
  if x node-1 crm_mon -1 | grep -q 'rsc_kvm_sesadm.*Started'; then break; fi; sleep 3
done
x node-1 crm_mon -1
say "done"
