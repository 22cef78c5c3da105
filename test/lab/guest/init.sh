#!/bin/sh
# /init of the drbdha lab's protected guest (busybox initramfs).
# Loads the few modules the guest needs, waits for its disk and hands over to
# havm-writer (which stays PID 1 and powers the guest off when it stops).
# Kernel command line: havm.device=/dev/vda  havm.interval=250 (ms between writes)
#                      havm.count=N (stop and power off after N writes; default: run forever)
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

device=/dev/vda
interval=250
count=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	havm.device=*) device="${arg#havm.device=}" ;;
	havm.interval=*) interval="${arg#havm.interval=}" ;;
	havm.count=*) count="${arg#havm.count=}" ;;
	esac
done

for m in $(cat /etc/havm-modules); do
	insmod "/lib/modules/$m" 2>/dev/null
done

i=0
while [ ! -b "$device" ] && [ "$i" -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
read -r up _ </proc/uptime
echo "INIT uptime=$up device=$device"
exec /bin/havm-writer --device "$device" --interval-ms "$interval" --count "$count" --poweroff
