#!/bin/sh
# Writes packaging/hook-symbol-order.txt: the functions the hooks run at a
# container start, for lld's --symbol-ordering-file (Package.swift), which
# puts their sections side by side at the start of .text. Each container
# start maps the hooks' code a fault at a time (64 KiB around each page
# touched): scattered over 5 MiB of text, pre-start took 62 such faults; side
# by side, 29 (those left are in the Swift library's one big .text section,
# which no order can split).
# Only a layout hint: a name the link no longer has is passed over (a stale
# file costs page faults, never correctness). Run it again after changes to
# what the hooks run, or a new toolchain.
#
#   scripts/hook-symbol-order.sh      as root; needs valgrind (3.24 or later
#                                     for pre-start's fsopen) and the toolchain
#
# 1. Builds the hooks as install.sh does, with a link map.
# 2. Runs each hook under callgrind against generated containers with 0, 1
#    and 16 devices (bench/containers.sh), and takes every function called.
# 3. Leaves out the functions of input sections over 64 KiB (the Swift
#    library's .text, compiled without function sections): ordering one of
#    them would move the whole 1.6 MiB into the middle of the others.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "hook-symbol-order: run as root" >&2; exit 1; }
command -v valgrind >/dev/null 2>&1 || { echo "hook-symbol-order: needs valgrind" >&2; exit 1; }

work=$(mktemp -d /tmp/lxcpt-symbol-order.XXXXXX)
links=$(mktemp -d /dev/lxcpt-symbol-order.XXXXXX)
. bench/containers.sh
cleanup() {
    remove_records "$work"/ct-*
    rm -rf "$work" "$links"
}
trap cleanup EXIT INT TERM

scratch=$PWD/.build-release-hooks
for hook in pve-prestart-hook pve-autodev-hook pve-poststop-hook; do
    rm -f "$scratch/release/$hook"
    swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path "$scratch" --product "$hook" \
        -Xswiftc -Xclang-linker -Xswiftc -static-pie -Xlinker "-Map=$work/$hook.map" >&2
done

make_links
for n in 0 1 16; do
    mkdir -p "$work/ct-$n" "$work/rootfs-$n/dev"
    container_config "$n" > "$work/ct-$n/config"
done
unshare -m sh -s "$work" "$scratch/release" <<'EOF'
set -eu
work=$1 hooks=$2
mount --make-rprivate /
for n in 0 1 16; do
    mount -t tmpfs none "$work/rootfs-$n/dev"
    export LXC_NAME=bench LXC_CONFIG_FILE="$work/ct-$n/config" LXC_ROOTFS_MOUNT="$work/rootfs-$n"
    for run in pve-prestart-hook:pre-start pve-autodev-hook:autodev pve-poststop-hook:post-stop; do
        hook=${run%%:*}
        valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$n.$hook.out" \
            "$hooks/$hook" bench lxc "${run#*:}" >/dev/null 2>"$work/valgrind.log" ||
            { cat "$work/valgrind.log" >&2; exit 1; }
    done
    while umount -l "$work/ct-$n/lxc-passthrough" 2>/dev/null; do :; done
    umount -l "$work/rootfs-$n/dev"
done
EOF

# The names callgrind saw ("fn=(id) name", "cfn=(id) name"), first seen first;
# then those whose input section (the map's lines: VMA LMA SIZE ALIGN, then a
# section "file:(name)" or a symbol under it; SIZE in hex) is over 64 KiB, dropped.
cat "$work"/*.map | awk '
    $5 ~ /:\(/ { big = length($3) > 5 || (length($3) == 5 && $3 > "10000"); next }
    NF == 5 && $1 ~ /^[0-9a-f]+$/ && !($5 in seen) { seen[$5] = 1; if (big) print $5 }
' > "$work/big"
for n in 1 16 0; do
    for hook in pve-prestart-hook pve-autodev-hook pve-poststop-hook; do cat "$work/$n.$hook.out"; done
done | sed -n 's/^c\{0,1\}fn=([0-9]*) \(.*\)$/\1/p' | sed "s/'[0-9]*\$//" | grep -v -e '^0x' -e '^(below main)' |
    awk 'NR == FNR { big[$0] = 1; next } !($0 in big) && !($0 in seen) { seen[$0] = 1; print }' "$work/big" - \
    > packaging/hook-symbol-order.txt
echo "hook-symbol-order: wrote $(wc -l < packaging/hook-symbol-order.txt) names to packaging/hook-symbol-order.txt" >&2
