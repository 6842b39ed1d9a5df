#!/bin/sh
# Runs a command in a private mount namespace whose /sys/fs/cgroup is a pure
# cgroup v2 hierarchy, so LXC runs in cgroup2 mode with eBPF device rules.
# Use: unshare -m sh scripts/in-cgroup2-namespace.sh COMMAND...
set -eu
mount --make-rprivate /
umount -R /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 none /sys/fs/cgroup
exec "$@"
