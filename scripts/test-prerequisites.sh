#!/bin/sh
# Installs what the end-to-end tests need on a Debian host (run as root):
# LXC and liblxc's headers, a static busybox for the container template,
# uidmap for unprivileged containers, and subordinate ids 100000-165535 for root.
set -eu
need=""
command -v lxc-start >/dev/null 2>&1 || need="$need lxc"
dpkg -s busybox-static >/dev/null 2>&1 || need="$need busybox-static"
command -v newuidmap >/dev/null 2>&1 || need="$need uidmap"
# liblxc's headers, for lxc-passthrough (install.sh installs them too when it builds).
[ -f /usr/include/lxc/lxccontainer.h ] || need="$need lxc-dev"
if [ -n "$need" ]; then
    echo "test-prerequisites: installing$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
for file in /etc/subuid /etc/subgid; do
    grep -q '^root:100000:65536$' "$file" 2>/dev/null || echo 'root:100000:65536' >> "$file"
done
