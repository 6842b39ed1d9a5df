#!/bin/sh
# The autodev half of the hand-written pair: bind each node into /dev.
set -eu
dir=$(dirname "$LXC_CONFIG_FILE")/lxc-passthrough
[ -f "$dir/devices" ] || exit 0
while read -r key type major minor path; do
    target=$LXC_ROOTFS_MOUNT$path
    mkdir -p "$(dirname "$target")"
    touch "$target"
    mount --bind "$dir/$key" "$target"
done < "$dir/devices"
