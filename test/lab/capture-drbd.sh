#!/bin/bash
# Capture real DRBD 8.4 output from the lab VMs into test/fixtures/drbd/8.4.11/.
# Needs a running lab (test/lab/lab up). Destroys DRBD data on the lab's /dev/vdb disks.
# Each fixture FILE gets FILE (stdout), FILE.stderr (when not empty) and an entry in NOTES.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=$HERE/lab
OUT=${1:-$HERE/../fixtures/drbd/8.4.11}
mkdir -p "$OUT"
NOTES=$OUT/NOTES.md
T0=$(date +%s)
say() { echo "[capture +$(( $(date +%s) - T0 ))s] $*"; }
x() { "$LAB" exec "$@"; }                  # x NODE CMD...
xs() { local n=$1; shift; "$LAB" exec "$n" sh -c "$*"; }

versions() {
  local n=$1
  KVER=$(x "$n" uname -r)
  DRBDK=$(x "$n" sh -c 'cat /sys/module/drbd/version 2>/dev/null || modinfo -F version drbd')
  UTILS=$(x "$n" dpkg-query -W -f '${Version}' drbd-utils)
}

# cap NODE FILE "situation" CMD...
cap() {
  local n=$1 f=$2 sit=$3; shift 3
  local rc=0
  "$LAB" exec "$n" "$@" >"$OUT/$f" 2>"$OUT/$f.stderr" || rc=$?
  [ -s "$OUT/$f.stderr" ] || rm -f "$OUT/$f.stderr"
  {
    echo "## $f"
    echo "- command: \`$*\` (run as root on $n; exit code $rc)"
    echo "- versions: kernel $KVER, drbd.ko $DRBDK, drbd-utils $UTILS (Debian 12)"
    echo "- situation: $sit"
    [ -e "$OUT/$f.stderr" ] && echo "- stderr: \`$f.stderr\`"
    echo
  } >>"$NOTES"
  say "$f (rc=$rc)"
}

RES_CONF='resource res0 {
  device /dev/drbd0;
  disk /dev/vdb;
  meta-disk internal;
  net { protocol C; }
  on node-1 { address 10.20.30.71:7788; }
  on node-2 { address 10.20.30.72:7788; }
}'
GLOBAL_CONF='global { usage-count no; }
common {
  net { protocol C; }
}'

say "writing DRBD config on both nodes, wiping /dev/vdb"
for n in node-1 node-2; do
  x "$n" sh -c 'drbdadm down res0 2>/dev/null; true' >/dev/null 2>&1 || true
  xs "$n" "printf '%s\n' '$RES_CONF' > /etc/drbd.d/res0.res; printf '%s\n' '$GLOBAL_CONF' > /etc/drbd.d/global_common.conf; dd if=/dev/zero of=/dev/vdb bs=1M count=8 conv=fsync status=none; modprobe drbd"
done
versions node-1

{
  echo "# DRBD 8.4.11 fixtures (real output, captured in the drbdha full-tier lab)"
  echo
  echo "Captured by \`test/lab/capture-drbd.sh\` on $(date -u +%F) in the qemu VMs node-1/node-2 of"
  echo "\`test/lab/lab\` (Debian 12, TCG). Backing disk /dev/vdb ($(x node-1 blockdev --getsize64 /dev/vdb) bytes), replication"
  echo "network 10.20.30.71/.72, resource file:"
  echo
  echo '```'
  echo "$RES_CONF"
  echo "$GLOBAL_CONF"
  echo '```'
  echo
  echo "Each FILE is the command's stdout; FILE.stderr its stderr when not empty. Exit codes below."
  echo
} >"$NOTES"

cap node-1 drbdadm--version.txt "any" drbdadm --version
cap node-1 drbdadm-V.txt "any" drbdadm -V
cap node-1 proc-drbd-unconfigured.txt "module loaded, no resource up" cat /proc/drbd

# metadata probes before create-md: blank device
cap node-1 dump-md-blank.txt "backing device /dev/vdb all zeros (no metadata, no filesystem)" drbdadm dump-md res0
cap node-1 drbdmeta-dump-md-blank.txt "backing device all zeros" drbdmeta 0 v08 /dev/vdb internal dump-md
cap node-1 drbdmeta-check-blank.txt "backing device all zeros; the 'does it have metadata' check" drbdmeta 0 v08 /dev/vdb internal check-resize
# device holding ext4
xs node-1 "mkfs.ext4 -q -F /dev/vdb"
cap node-1 dump-md-ext4.txt "backing device holds an ext4 filesystem (mkfs.ext4 /dev/vdb), no DRBD metadata" drbdadm dump-md res0
cap node-1 drbdmeta-dump-md-ext4.txt "backing device holds ext4" drbdmeta 0 v08 /dev/vdb internal dump-md
cap node-1 create-md-ext4-noninteractive.txt "create-md on a device holding ext4, stdin closed (no answer to the prompt)" drbdadm create-md res0
xs node-1 "dd if=/dev/zero of=/dev/vdb bs=1M count=8 conv=fsync status=none"

cap node-1 drbdadm-dump-res0.txt "valid config, nothing up" drbdadm dump res0
cap node-1 drbdadm-dump-all.txt "valid config, nothing up" drbdadm dump all
# broken config: a syntax error in a scratch file
xs node-1 "printf 'resource broken {\n  device /dev/drbd9\n  disk /dev/vdb;\n}\n' > /tmp/broken.res"
cap node-1 drbdadm-dump-broken.txt "config file /tmp/broken.res with a missing ';' after 'device /dev/drbd9'" drbdadm -c /tmp/broken.res dump broken
cap node-1 drbdadm-dump-unknown-res.txt "valid config, resource name not defined" drbdadm dump nosuchres

say "create-md + up on both"
for n in node-1 node-2; do
  cap "$n" "create-md-$n.txt" "first create-md on a zeroed device ($n)" drbdadm create-md --force res0
done
cap node-1 dump-md-with-md.txt "after create-md, resource down" drbdadm dump-md res0
cap node-1 drbdmeta-dump-md-with-md.txt "after create-md, resource down" drbdmeta 0 v08 /dev/vdb internal dump-md
cap node-1 drbdmeta-check-with-md.txt "after create-md, resource down" drbdmeta 0 v08 /dev/vdb internal check-resize
cap node-1 create-md-again.txt "create-md on a device that already has metadata, stdin closed" drbdadm create-md res0
for n in node-1 node-2; do x "$n" drbdadm up res0; done
sleep 8
cap node-1 proc-drbd-secondary-inconsistent.txt "both up after create-md, Connected Secondary/Secondary Inconsistent/Inconsistent" cat /proc/drbd
cap node-1 drbdadm-status-secondary-inconsistent.txt "same" drbdadm status res0
cap node-1 drbdsetup-status-verbose-secondary-inconsistent.txt "same" drbdsetup status res0 --verbose --statistics
cap node-1 drbdadm-cstate-secondary-inconsistent.txt "same" drbdadm cstate res0
cap node-1 drbdadm-dstate-secondary-inconsistent.txt "same" drbdadm dstate res0
cap node-1 drbdadm-role-secondary-inconsistent.txt "same" drbdadm role res0
cap node-1 dump-md-while-up.txt "resource up (device in use by DRBD)" drbdadm dump-md res0

say "throttled initial sync"
for n in node-1 node-2; do x "$n" drbdadm disk-options --c-plan-ahead=0 --resync-rate=1M res0 || true; done
x node-1 drbdadm primary --force res0
sleep 6
cap node-1 proc-drbd-syncsource.txt "initial sync after 'primary --force' on node-1, throttled to 1M/s (c-plan-ahead 0): SyncSource" cat /proc/drbd
cap node-1 drbdadm-status-syncsource.txt "same, node-1 SyncSource" drbdadm status res0
cap node-1 drbdsetup-status-verbose-syncsource.txt "same" drbdsetup status res0 --verbose --statistics
cap node-2 proc-drbd-synctarget.txt "same moment, node-2 SyncTarget" cat /proc/drbd
cap node-2 drbdadm-status-synctarget.txt "same, node-2 SyncTarget" drbdadm status res0
cap node-2 drbdsetup-status-verbose-synctarget.txt "same" drbdsetup status res0 --verbose --statistics
for n in node-1 node-2; do x "$n" drbdadm disk-options --c-plan-ahead=0 --resync-rate=100M res0 || true; done
say "waiting for UpToDate/UpToDate"
for i in $(seq 1 120); do
  if x node-1 cat /proc/drbd | grep -q 'ds:UpToDate/UpToDate'; then break; fi; sleep 2
done
cap node-1 proc-drbd-primary-connected.txt "Connected Primary/Secondary UpToDate/UpToDate (node-1 Primary)" cat /proc/drbd
cap node-1 drbdadm-status-primary.txt "same, on the Primary" drbdadm status res0
cap node-1 drbdsetup-status-verbose-primary.txt "same" drbdsetup status res0 --verbose --statistics
cap node-2 proc-drbd-secondary-connected.txt "same, on the Secondary" cat /proc/drbd
cap node-2 drbdadm-status-secondary.txt "same, on the Secondary" drbdadm status res0
cap node-1 drbdadm-status-all-primary.txt "same, no resource argument" drbdadm status
cap node-2 drbdadm-primary-refused.txt "'drbdadm primary res0' on the Secondary while the peer is Primary" drbdadm primary res0

say "peer down: WFConnection"
x node-2 drbdadm down res0
sleep 2
cap node-1 proc-drbd-wfconnection.txt "peer (node-2) ran 'drbdadm down res0': node-1 Primary WFConnection" cat /proc/drbd
cap node-1 drbdadm-status-wfconnection.txt "same" drbdadm status res0
cap node-2 drbdadm-status-down.txt "on node-2 after 'drbdadm down res0'" drbdadm status res0
cap node-2 proc-drbd-down.txt "on node-2 after 'drbdadm down res0'" cat /proc/drbd
x node-2 drbdadm up res0
for i in $(seq 1 60); do
  if x node-1 cat /proc/drbd | grep -q 'cs:Connected.*ds:UpToDate/UpToDate'; then break; fi; sleep 2
done

say "split brain: cut, promote both, write, heal"
"$LAB" cut
sleep 12
cap node-1 proc-drbd-cut-primary.txt "replication link cut (qemu set_link off), node-1 Primary" cat /proc/drbd
x node-2 drbdadm primary res0 || true
for n in node-1 node-2; do xs "$n" "dd if=/dev/urandom of=/dev/drbd0 bs=4k count=64 seek=$RANDOM oflag=direct status=none"; done
x node-2 drbdadm secondary res0 || true
"$LAB" heal
sleep 15
cap node-1 proc-drbd-splitbrain-standalone.txt "after split brain (both were Primary and wrote while cut), link healed: node-1" cat /proc/drbd
cap node-1 drbdadm-status-splitbrain.txt "same, node-1" drbdadm status res0
cap node-2 proc-drbd-splitbrain-node-2.txt "same, node-2 (demoted to Secondary before heal)" cat /proc/drbd
cap node-2 drbdadm-status-splitbrain-node-2.txt "same, node-2" drbdadm status res0
cap node-1 dmesg-splitbrain.txt "kernel log lines of drbd around the split brain, node-1" sh -c 'dmesg | grep -i drbd | tail -40'
say "resolve split brain (node-2 discards its data)"
x node-2 drbdadm disconnect res0 || true
x node-2 drbdadm connect --discard-my-data res0 || true
x node-1 drbdadm connect res0 || true
for i in $(seq 1 60); do
  if x node-1 cat /proc/drbd | grep -q 'cs:Connected.*ds:UpToDate/UpToDate'; then break; fi; sleep 2
done
cap node-1 proc-drbd-after-resolve.txt "after split-brain recovery (node-2 connect --discard-my-data)" cat /proc/drbd
say "done; fixtures in $OUT"
