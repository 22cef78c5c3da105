#!/bin/bash
# Build the drbdha full-tier lab node image (Debian 12 bookworm).
#
# Usage: build.sh OUTDIR [PKGCACHE]
#   OUTDIR    receives rootfs.img (raw ext4), vmlinuz, initrd.img, kernel-version, manifest.txt
#   PKGCACHE  optional directory kept between builds (debs, wheels) to speed a rebuild
#
# Run as root on a Debian 12 host with debootstrap, e2fsprogs (mkfs.ext4 -d), busybox-static
# and cpio.  Nothing is started on the host; the chroot gets a policy-rc.d that exits 101.
# The lab command caches the result keyed by a hash of this folder's files.
set -euo pipefail

OUT=${1:?usage: build.sh OUTDIR [PKGCACHE]}
PKGCACHE=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${DRBDHA_LAB_MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${DRBDHA_LAB_SECMIRROR:-http://deb.debian.org/debian-security}
SALT_VERSION=3008.4
IMG_SIZE=${DRBDHA_LAB_IMG_SIZE:-4G}

# The HA stack, virtualisation and the tools the formula drives.
PACKAGES=(
  systemd-sysv dbus udev kmod iproute2 iputils-ping procps less nano ca-certificates e2fsprogs
  python3 python3-venv
  drbd-utils pacemaker pacemaker-cli-utils corosync crmsh resource-agents
  libvirt-daemon libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
  qemu-system-x86 qemu-utils qemu-guest-agent psmisc chrony busybox
  openssh-server csync2
  sbd corosync-qdevice corosync-qnetd
  fence-agents ipmitool
)

T0=$(date +%s)
step() { echo "[image +$(( $(date +%s) - T0 ))s] $*"; }

WORK=$(mktemp -d /var/tmp/drbdha-image.XXXXXX)
ROOT=$WORK/rootfs
MOUNTS=()
cleanup() {
  local m
  for (( i=${#MOUNTS[@]}-1; i>=0; i-- )); do umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$OUT"
DEBCACHE_ARGS=()
if [ -n "$PKGCACHE" ]; then
  mkdir -p "$PKGCACHE/debs" "$PKGCACHE/wheels"
  DEBCACHE_ARGS=(--cache-dir="$PKGCACHE/debs")
fi

step "debootstrap minbase bookworm"
debootstrap --variant=minbase "${DEBCACHE_ARGS[@]}" \
  --include=systemd-sysv,dbus,iproute2,ca-certificates bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -30 "$WORK/debootstrap.log"; exit 1; }

cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECMIRROR bookworm-security main
EOF
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$ROOT/etc/apt/apt.conf.d/90lab"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true

for m in proc sys dev dev/pts; do
  mkdir -p "$ROOT/$m"; mount --bind "/$m" "$ROOT/$m"; MOUNTS+=("$ROOT/$m")
done
if [ -n "$PKGCACHE" ]; then
  mount --bind "$PKGCACHE/debs" "$ROOT/var/cache/apt/archives"; MOUNTS+=("$ROOT/var/cache/apt/archives")
fi
in_root() { LC_ALL=C DEBIAN_FRONTEND=noninteractive PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin chroot "$ROOT" "$@"; }

step "apt-get install HA stack"
in_root apt-get update -q >"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log"; exit 1; }
in_root apt-get install -y -q "${PACKAGES[@]}" >>"$WORK/apt.log" 2>&1 || { tail -40 "$WORK/apt.log"; exit 1; }

step "Debian kernel (modules incl. drbd.ko)"
KPKG=$(in_root apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
(cd "$WORK" && in_root sh -c "cd /tmp && apt-get download -q $KPKG" >>"$WORK/apt.log" 2>&1)
# extract beside the root: tar would replace the merged-/usr symlink /lib with a real directory
dpkg-deb -x "$ROOT"/tmp/"$KPKG"_*.deb "$WORK/kernel"
rm -f "$ROOT"/tmp/"$KPKG"_*.deb
mkdir -p "$ROOT/usr/lib/modules"
cp -a "$WORK"/kernel/lib/modules/. "$ROOT/usr/lib/modules/"
cp -a "$WORK"/kernel/boot/. "$ROOT/boot/"
KVER=${KPKG#linux-image-}
in_root depmod -a "$KVER"
cp "$ROOT/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
echo "$KVER" >"$OUT/kernel-version"
in_root modinfo -F version drbd -k "$KVER" >"$OUT/drbd-module-version" || true

step "salt $SALT_VERSION from PyPI into /opt/salt"
WHEELS=$WORK/wheels
[ -n "$PKGCACHE" ] && WHEELS=$PKGCACHE/wheels
mkdir -p "$WHEELS"
if ! ls "$WHEELS"/salt-"$SALT_VERSION"-*.whl >/dev/null 2>&1; then
  # Wheels are fetched/built on the host (its pip configuration and certificates apply) with the
  # host's Debian Python 3.11, the same interpreter the image has.
  /usr/bin/python3 -m venv "$WORK/wheelvenv"
  "$WORK/wheelvenv/bin/pip" wheel -q --wheel-dir "$WHEELS" "salt==$SALT_VERSION" >>"$WORK/pip.log" 2>&1 \
    || { tail -30 "$WORK/pip.log"; exit 1; }
fi
mkdir -p "$ROOT/tmp/wheels"; cp "$WHEELS"/*.whl "$ROOT/tmp/wheels/"
in_root python3 -m venv /opt/salt
in_root /opt/salt/bin/pip install -q --no-index --find-links /tmp/wheels "salt==$SALT_VERSION" >>"$WORK/pip.log" 2>&1 \
  || { tail -30 "$WORK/pip.log"; exit 1; }
rm -rf "$ROOT/tmp/wheels"
for b in salt-minion salt-call; do ln -sf /opt/salt/bin/$b "$ROOT/usr/local/bin/$b"; done

step "configure the image"
cp -a "$HERE/rootfs/." "$ROOT/"
in_root systemctl enable systemd-networkd.service salt-minion.service libvirtd.service >/dev/null 2>&1
# The formula enables what the pillar's fencing choice needs. Debian enables sbd on install, and
# corosync requires an enabled sbd: left on, it would stop a cluster without fencing from starting.
in_root systemctl disable corosync.service pacemaker.service drbd.service libvirt-guests.service \
  sbd.service corosync-qdevice.service corosync-qnetd.service >/dev/null 2>&1 || true
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer fstrim.timer e2scrub_all.timer \
  e2scrub_reap.service man-db.timer systemd-networkd-wait-online.service >/dev/null 2>&1 || true
in_root systemctl set-default multi-user.target >/dev/null
: >"$ROOT/etc/machine-id"
rm -f "$ROOT/etc/resolv.conf" "$ROOT/usr/sbin/policy-rc.d"
echo 'root:lab' | in_root chpasswd
in_root apt-get clean

step "initramfs (busybox, virtio + ext4 modules)"
IR=$WORK/initramfs
mkdir -p "$IR"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$IR/bin/busybox"
ln -s busybox "$IR/bin/sh"
: >"$IR/modules.list"
for mod in virtio_pci virtio_blk ext4; do
  in_root modprobe -S "$KVER" --show-depends "$mod" | awk '$1=="insmod"{print $2}' >>"$WORK/mods.txt" || true
done
awk '!seen[$0]++' "$WORK/mods.txt" | while read -r ko; do
  cp "$ROOT$ko" "$IR/lib/modules/"
  echo "$(basename "$ko")" >>"$IR/modules.list"
done
cp "$HERE/init" "$IR/init"; chmod 755 "$IR/init"
(cd "$IR" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/initrd.img"

step "rootfs.img (mkfs.ext4 -d, $IMG_SIZE sparse)"
for (( i=${#MOUNTS[@]}-1; i>=0; i-- )); do umount -l "${MOUNTS[$i]}"; done; MOUNTS=()
{
  echo "built: $(date -u +%FT%TZ)"
  echo "kernel: $KVER"
  echo "drbd.ko: $(cat "$OUT/drbd-module-version" 2>/dev/null)"
  in_root dpkg-query -W -f '${Package} ${Version}\n' drbd-utils pacemaker corosync crmsh resource-agents \
    libvirt-daemon qemu-system-x86 sbd corosync-qdevice corosync-qnetd fence-agents ipmitool | sed 's/^/pkg: /'
  echo "salt: $(in_root /opt/salt/bin/python3 -c 'import salt.version; print(salt.version.__version__)')"
} >"$OUT/manifest.txt"
rm -f "$OUT/rootfs.img"
mkfs.ext4 -q -F -L labroot -d "$ROOT" "$OUT/rootfs.img" "$IMG_SIZE"
step "done: $OUT"
