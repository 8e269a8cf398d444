#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init (PID 1) of the msilab capture initramfs: mount the pseudo file
# systems, run /scenario.sh with its output on the serial console, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
	mount -t debugfs debugfs /sys/kernel/debug
echo "=====MSILAB-INIT uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)====="
sh /scenario.sh
echo "=====MSILAB-DONE uptime=$(cut -d' ' -f1 /proc/uptime) rc=$?====="
sync
poweroff -f
