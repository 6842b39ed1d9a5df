#!/bin/sh
# Writes packaging/hot-functions.order: the functions that a live attach and
# detach, and the hooks' pre-start and autodev with one device, execute
# (recorded by valgrind's callgrind), one linker input section per line.
# install.sh builds with one section per function and has the linker put
# these side by side: a program run once touches fewer pages of its code,
# and each page first touched is a page fault (1.5-2.7 us on this machine).
# Measured on an attach: 63 page faults in lxc-passthrough's code before,
# 34 after (the rest is in the Swift library's one large section).
#
#   ./bench/hot-functions.sh        as root, after ./install.sh (its build trees)
#
# Needs valgrind 3.25 or later (older ones fail fsopen, which attach and
# pre-start call, with ENOSYS).
# Run it again when the code on those paths changes much: a name that is
# gone is skipped by the linker, a new function is only placed elsewhere.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
admin=$here/.build-install-admin/release/lxc-passthrough
hooks=$here/.build-install/release
include=${PASSTHROUGH_CONF:-/usr/share/lxc/config/passthrough.conf}
order=$here/packaging/hot-functions.order

[ "$(id -u)" -eq 0 ] || { echo "hot-functions: run as root" >&2; exit 1; }
command -v valgrind >/dev/null 2>&1 || { echo "hot-functions: needs valgrind" >&2; exit 1; }
for program in "$admin" "$hooks/pve-prestart-hook" "$hooks/pve-autodev-hook"; do
    [ -x "$program" ] || { echo "hot-functions: $program is missing: run ./install.sh first" >&2; exit 1; }
done
[ -f "$include" ] || { echo "hot-functions: $include is missing: run ./install.sh, or set PASSTHROUGH_CONF" >&2; exit 1; }

work=$(mktemp -d /tmp/lxcpt-hot.XXXXXX)
links=$(mktemp -d /dev/lxcpt-hot.XXXXXX)
. "$here/bench/containers.sh"
cleanup() {
    lxc-stop -P "$work" -n hot -k >/dev/null 2>&1 || true
    lxc-destroy -P "$work" -n hot >/dev/null 2>&1 || true
    remove_records "$work/ct"
    rm -rf "$work" "$links"
}
trap cleanup EXIT INT TERM

record() {
    out=$1
    shift
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$out" "$@" >/dev/null 2>"$work/valgrind.log" || {
        cat "$work/valgrind.log" >&2
        exit 1
    }
}

# A live attach and detach of a device common.conf does not allow, on a privileged container.
lxc-create -P "$work" -n hot -t busybox >/dev/null 2>&1
config=$work/hot/config
{ echo "lxc.include = /usr/share/lxc/config/common.conf"; grep -v '^lxc.net.0' "$config"; echo "lxc.net.0.type = empty"; echo "lxc.include = $include"; } > "$work/config"
cp "$work/config" "$config"
lxc-start -P "$work" -n hot -d
lxc-wait -P "$work" -n hot -s RUNNING -t 30
export LXC_PASSTHROUGH_CONF="$include"
record attach.out "$admin" -P "$work" attach hot /dev/loop-control --temporary
record detach.out "$admin" -P "$work" detach hot /dev/loop-control --temporary

# The hooks with one device, in a mount namespace of their own, as bench/instructions.sh runs them.
make_links
mkdir -p "$work/ct" "$work/rootfs/dev"
container_config 1 > "$work/ct/config"
unshare -m sh -s "$work" "$hooks" <<'EOF'
set -eu
work=$1
hooks=$2
mount --make-rprivate /
mount -t tmpfs none "$work/rootfs/dev"
export LXC_NAME=hot LXC_CONFIG_FILE="$work/ct/config" LXC_ROOTFS_MOUNT="$work/rootfs"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/prestart.out" "$hooks/pve-prestart-hook" hot lxc pre-start >/dev/null 2>&1
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/autodev.out" "$hooks/pve-autodev-hook" hot lxc autodev >/dev/null 2>&1
EOF

# Every function callgrind saw in our programs (not in the shared libraries), as `.text.NAME`.
awk '
    # Names are given once, with their number: "fn=(12) NAME"; later just "fn=(12)".
    function entry(line, table,    space, id) {
        space = index(line, " ")
        id = space ? substr(line, index(line, "("), space - index(line, "(")) : substr(line, index(line, "("))
        if (space) table[id] = substr(line, space + 1)
        return id
    }
    /^ob=\(/ { current = objects[entry($0, objects)]; next }
    /^cob=\(/ { entry($0, objects); next }
    /^cfn=\(/ { entry($0, functions); next }
    /^fn=\(/ {
        name = functions[entry($0, functions)]
        if (current ~ /\/(lxc-passthrough|pve-[a-z]+-hook)$/ && name !~ /^(0x|\(below main\))/) hot[name] = 1
    }
    END { for (name in hot) print ".text." name }
' "$work"/attach.out "$work"/detach.out "$work"/prestart.out "$work"/autodev.out | LC_ALL=C sort > "$work/order"
[ -s "$work/order" ] || { echo "hot-functions: callgrind recorded no function of ours" >&2; exit 1; }
mv "$work/order" "$order"
echo "hot-functions: $(wc -l < "$order") functions in $order"
