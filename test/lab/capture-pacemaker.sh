#!/bin/bash
# Capture real Pacemaker 2.1.5 / crmsh output from the lab cluster (made by cluster-setup.sh)
# into test/fixtures/pacemaker/2.1.5/lab-*. Each fixture is noted in lab-NOTES.md beside it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=$HERE/lab
OUT=${1:-$HERE/../fixtures/pacemaker/2.1.5}
mkdir -p "$OUT"
NOTES=$OUT/lab-NOTES.md
T0=$(date +%s)
say() { echo "[capture +$(( $(date +%s) - T0 ))s] $*"; }
x() { "$LAB" exec "$@"; }

V=$(x node-1 sh -c "dpkg-query -W -f '\${Package} \${Version}; ' pacemaker corosync crmsh resource-agents drbd-utils libvirt-daemon")
cap() {  # cap NODE FILE "situation" CMD...
  local n=$1 f=$2 sit=$3; shift 3
  local rc=0
  "$LAB" exec "$n" "$@" >"$OUT/$f" 2>"$OUT/$f.stderr" || rc=$?
  [ -s "$OUT/$f.stderr" ] || rm -f "$OUT/$f.stderr"
  {
    echo "## $f"
    echo "- command: \`$*\` (root on $n; exit code $rc)"
    echo "- situation: $sit"
    [ -e "$OUT/$f.stderr" ] && echo "- stderr: \`$f.stderr\`"
    echo
  } >>"$NOTES"
  say "$f (rc=$rc)"
}
wait_mon() {  # wait_mon NODE REGEX TIMEOUT
  local end=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if x "$1" crm_mon -1 2>/dev/null | grep -Eq "$2"; then return 0; fi
    sleep 3
  done
  echo "timeout waiting for /$2/ on $1" >&2; return 1
}

if [ ! -e "$NOTES" ]; then
  {
    echo "# Pacemaker fixtures from the drbdha full-tier lab (lab-*)"
    echo
    echo "Real output captured by \`test/lab/capture-pacemaker.sh\` on $(date -u +%F) in the two qemu VMs"
    echo "node-1/node-2 of \`test/lab/lab\` (Debian 12, TCG). Versions: $V"
    echo "Cluster made by \`test/lab/cluster-setup.sh\`: corosync knet two_node on 192.168.98.71/.72,"
    echo "stonith-enabled=false, DRBD 8.4.11 res0 (fencing resource-only, crm-fence-peer.sh handlers) as"
    echo "promotable clone ms_drbd_res0 of ocf:linbit:drbd, rsc_kvm_sesadm = ocf:heartbeat:VirtualDomain"
    echo "(config /etc/havm/sesadm.xml, a 32 MiB type='qemu' domain whose disk is /dev/drbd0), colocated"
    echo "with the Promoted role, ordered after promote. FILE.stderr holds stderr when not empty."
    echo
  } >"$NOTES"
fi

if [ "${FROM:-}" != kill ]; then  # FROM=kill: only the power-off part
wait_mon node-1 'rsc_kvm_sesadm.*Started' 300
cap node-1 lab-crm_mon-healthy.xml "healthy: both nodes online, DRBD Promoted on one node, VM Started there" crm_mon -1 --output-as=xml
cap node-1 lab-crm_mon-healthy.txt "same, text" crm_mon -1
cap node-1 lab-cibadmin-Q-healthy.xml "same, full CIB" cibadmin -Q
cap node-1 lab-crm-configure-show.txt "same, crmsh view of the configuration" crm configure show
cap node-1 lab-crm-configure-show-xml.xml "same, as XML" crm configure show xml
cap node-1 lab-cibadmin-constraints-healthy.xml "same, constraints section" cibadmin -Q -o constraints

SRC=$(x node-1 crm_mon -1 | awk '/rsc_kvm_sesadm/{print $NF}')
DST=node-1; [ "$SRC" = node-1 ] && DST=node-2
say "move rsc_kvm_sesadm $SRC -> $DST"
x node-1 crm resource move rsc_kvm_sesadm "$DST"
sleep 4
cap node-1 lab-crm_mon-moving.xml "right after 'crm resource move rsc_kvm_sesadm $DST' (from $SRC): transition in progress" crm_mon -1 --output-as=xml
cap node-1 lab-cibadmin-constraints-cli-prefer.xml "after the move: cli-prefer-rsc_kvm_sesadm present" cibadmin -Q -o constraints
wait_mon node-1 "rsc_kvm_sesadm.*Started $DST" 300
cap node-1 lab-crm_mon-moved.xml "move finished: VM Started on $DST, cli-prefer constraint still present" crm_mon -1 --output-as=xml
cap node-1 lab-crm-configure-show-moved.txt "same, crmsh view incl. the cli-prefer location" crm configure show
x node-1 crm resource clear rsc_kvm_sesadm
sleep 3

say "replication link cut: DRBD fence-peer handler"
"$LAB" cut
for i in $(seq 1 60); do
  if x node-1 cibadmin -Q -o constraints | grep -q drbd-fence-by-handler; then break; fi; sleep 3
done
cap node-1 lab-cibadmin-constraints-fence-by-handler.xml "replication link cut (qemu set_link off on 10.20.30.0/24 NICs), corosync still up on the external net: constraint from /usr/lib/drbd/crm-fence-peer.sh" cibadmin -Q -o constraints
cap node-1 lab-crm_mon-repl-cut.xml "same moment" crm_mon -1 --output-as=xml
PRIM=$(x node-1 crm_mon -1 | awk '/rsc_kvm_sesadm/{print $NF}')
cap "$PRIM" lab-proc-drbd-repl-cut.txt "on the Primary, same moment" cat /proc/drbd
"$LAB" heal
for i in $(seq 1 90); do
  if ! x node-1 cibadmin -Q -o constraints | grep -q drbd-fence-by-handler; then break; fi; sleep 3
done
cap node-1 lab-cibadmin-constraints-after-unfence.xml "link healed, resync done: crm-unfence-peer.sh removed the constraint" cibadmin -Q -o constraints

say "failed action"
x "$PRIM" sh -c 'virsh -c qemu:///system destroy sesadm' || true
for i in $(seq 1 40); do
  if x node-1 crm_mon -1 --output-as=xml | grep -q '<failure '; then break; fi; sleep 3
done
cap node-1 lab-crm_mon-failed-action.xml "the domain was destroyed behind Pacemaker's back (virsh destroy sesadm): monitor failure recorded" crm_mon -1 --output-as=xml
cap node-1 lab-crm_mon-failed-action.txt "same, text" crm_mon -1
wait_mon node-1 'rsc_kvm_sesadm.*Started' 300
x node-1 crm resource cleanup rsc_kvm_sesadm || true
sleep 5

fi

say "hard power-off of the Primary node"
wait_mon node-1 'rsc_kvm_sesadm.*Started node-' 300
PRIM=$(x node-1 crm_mon -1 2>/dev/null | sed -n 's/.*rsc_kvm_sesadm.*Started \(node-[12]\).*/\1/p')
SURV=node-1; [ "$PRIM" = node-1 ] && SURV=node-2
t=$(date +%s)
"$LAB" kill "$PRIM"
sleep 2
cap "$SURV" lab-crm_mon-node-killed-early.xml "$PRIM hard powered off (SIGKILL of its qemu) 2 s earlier, seen from $SURV" crm_mon -1 --output-as=xml
wait_mon "$SURV" "rsc_kvm_sesadm.*Started $SURV" 300
echo "failover after hard power-off of $PRIM: $(( $(date +%s) - t ))s (VM Started on $SURV, polled every 3 s)"
cap "$SURV" lab-crm_mon-node-killed.xml "$PRIM hard powered off; $SURV took over (DRBD Promoted, VM Started); $PRIM OFFLINE" crm_mon -1 --output-as=xml
cap "$SURV" lab-crm_mon-node-killed.txt "same, text" crm_mon -1
cap "$SURV" lab-proc-drbd-peer-killed.txt "same, /proc/drbd on the survivor" cat /proc/drbd
"$LAB" start "$PRIM"
x "$PRIM" systemctl start corosync pacemaker
wait_mon "$SURV" 'Online: \[ node-1 node-2 \]' 300
cap "$SURV" lab-crm_mon-rejoined.xml "$PRIM booted again and rejoined" crm_mon -1 --output-as=xml
say "done"
