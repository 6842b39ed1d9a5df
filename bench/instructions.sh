#!/bin/sh
# Instructions each hook executes, counted by valgrind's callgrind: unlike
# wall time, the same figure run after run, whatever else the machine does.
# For comparing two builds of the hooks (a refactoring must not make them
# slower), N = 0, 1 and 256 devices at /dev/serial/by-id-length paths.
#
#   ./bench/instructions.sh [HOOKDIR...]     as root; default /usr/share/lxc/hooks
#
# Prints one line per hook directory and N: HOOKDIR N PRESTART AUTODEV; a
# count valgrind cannot make (pre-start's fsopen with valgrind 3.24 or older) is "-".
set -eu
[ "$(id -u)" -eq 0 ] || { echo "instructions: run as root" >&2; exit 1; }
command -v valgrind >/dev/null 2>&1 || { echo "instructions: needs valgrind" >&2; exit 1; }
[ $# -gt 0 ] || set -- /usr/share/lxc/hooks

work=$(mktemp -d /tmp/lxcpt-instructions.XXXXXX)
links=$(mktemp -d /dev/lxcpt-instructions.XXXXXX)
. "$(dirname "$0")/containers.sh"
cleanup() {
    remove_records "$work"/ct-*
    rm -rf "$work" "$links"
}
trap cleanup EXIT INT TERM
make_links
for n in 0 1 256; do
    mkdir -p "$work/ct-$n" "$work/rootfs-$n/dev"
    container_config "$n" > "$work/ct-$n/config"
done

# In a private mount namespace, as the monitor of `lxc.monitor.unshare = 1` runs them.
unshare -m sh -s "$work" "$@" <<'EOF'
set -eu
work=$1
shift
mount --make-rprivate /
count() {
    if valgrind --tool=callgrind --callgrind-out-file="$work/out" "$@" >/dev/null 2>"$work/valgrind.log"; then
        sed -n 's/^summary: //p' "$work/out"
    elif grep -q "unhandled amd64-linux syscall: 430" "$work/valgrind.log"; then
        # valgrind 3.24 and older (Debian 12 has 3.19) fail fsopen with ENOSYS:
        # pre-start runs without it (for autodev's sake), its count unknown.
        "$@" >/dev/null
        echo -
    else
        cat "$work/valgrind.log" >&2
        exit 1
    fi
}
for hooks in "$@"; do
    for n in 0 1 256; do
        while umount -l "$work/ct-$n/lxc-passthrough" 2>/dev/null; do :; done
        rmdir "$work/ct-$n/lxc-passthrough" 2>/dev/null || true
        mount -t tmpfs none "$work/rootfs-$n/dev"
        export LXC_NAME=bench LXC_CONFIG_FILE="$work/ct-$n/config" LXC_ROOTFS_MOUNT="$work/rootfs-$n"
        prestart=$(count "$hooks/pve-prestart-hook" bench lxc pre-start)
        autodev=$(count "$hooks/pve-autodev-hook" bench lxc autodev)
        echo "$hooks $n $prestart $autodev"
        umount -l "$work/rootfs-$n/dev"
    done
done
EOF
