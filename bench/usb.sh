#!/bin/sh
# Benchmark of a USB replug followed by lxc-passthrough watch, against the
# target of its issue (median <= 2.5 ms from the device's uevent until its
# node is usable in the container and, where the kernel's own event does not
# reach the container, the container has heard of it):
#
#   ./bench/usb.sh [--quick]        as root, after ./install.sh
#
# This machine has no USB (CONFIG_USB is not set): the device is a stand-in in
# a sysfs tree of the bench's own, bound on /sys/bus in a mount namespace of
# its own where the watcher and the container's monitor run (as the
# end-to-end tests do), and its uevents are sent by root to the kernel, which
# passes them on as its own. The product reads the stand-in through its real
# code paths. A container with `dev0: usb=10c4:ea60,serial=BENCH1` is given
# the device at each replug, at its new /dev/bus/usb/001/DDD; each round is
# timed by bench/usb-reaction.c from the "add" to the node getting past the
# container's device rules (privileged and unprivileged containers) and, for
# the unprivileged one, to the "add" heard in its network namespace (the
# watcher sends it; a privileged container hears the kernel's own events).
# Writes bench/results/usb.md (also printed) and the raw figures (usb.txt);
# on a pure cgroup v2 host usb-cgroup2.md and usb-cgroup2.txt. On a host whose
# devices controller is v1, the v2 figures come from a private mount namespace
# with a cgroup2 hierarchy:
#   unshare -m sh scripts/in-cgroup2-namespace.sh ./bench/usb.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# Everything runs in a mount namespace of its own (the stand-in's bus is bound on /sys/bus there).
if [ "${LXCPT_USB_BENCH_NAMESPACE:-}" != yes ]; then
    exec env LXCPT_USB_BENCH_NAMESPACE=yes unshare --mount --propagation private sh "$here/usb.sh" "$@"
fi
results=$here/results
rounds=50
[ "${1:-}" = --quick ] && rounds=10
command=${PASSTHROUGH_COMMAND:-$(command -v lxc-passthrough || echo /usr/local/sbin/lxc-passthrough)}
include=${PASSTHROUGH_CONF:-/usr/share/lxc/config/passthrough.conf}
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
[ -x "$command" ] || { echo "bench: $command is missing: run ./install.sh first" >&2; exit 1; }
[ ! -e /sys/bus/usb ] || { echo "bench: this host has USB: its /sys/bus is not replaced by a stand-in" >&2; exit 1; }
compiler=${CC:-$(command -v cc || command -v gcc || command -v clang || true)}
[ -n "$compiler" ] || { echo "bench: a C compiler is needed (cc, gcc or clang)" >&2; exit 1; }

work=$(mktemp -d /tmp/lxcpt-usb-bench.XXXXXX)
chmod 0755 "$work"
standin=$work/sysfs
mkdir -p "$standin/bus/usb/devices"
container=
watcher=
cleanup() {
    [ -z "$watcher" ] || { kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true; }
    [ -z "$container" ] || lxc-destroy -n "$container" -f >/dev/null 2>&1 || rm -rf "/var/lib/lxc/$container"
    umount /sys/bus 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

. "$here/common.sh"
"$compiler" -O2 -o "$work/usb-reaction" "$here/usb-reaction.c"
hierarchy=$("$command" hierarchy)
mount --bind "$standin/bus" /sys/bus
raw=$work/usb.txt
: > "$raw"

for kind in privileged unprivileged; do
    container=lxcpt-ubench-$kind-$$
    busybox_container "$container" $kind
    config=/var/lib/lxc/$container/config
    # The container's own sysfs is the kernel's: the stand-in is taken off /sys/bus in its monitor's namespace
    # once pre-start (passthrough.conf's, earlier in the config) has read it.
    { printf "$includes"; grep -v '^lxc.net.0' "$config"; echo "lxc.net.0.type = empty"; echo "lxc.include = $include"
      echo "dev0: usb=10c4:ea60,serial=BENCH1,required=0"; echo "lxc.hook.pre-start = sh -c 'umount /sys/bus'"; } > "$work/config"
    cp "$work/config" "$config"
    "$command" sync "$container" >/dev/null
    start_watcher "$command"
    lxc-start -n "$container" -d
    lxc-wait -n "$container" -s RUNNING -t 30
    init=$(lxc-info -n "$container" -p -H)
    sleep 0.5
    # An unprivileged container hears the watcher's uevent in its own network namespace.
    if [ $kind = unprivileged ]; then ns=/proc/$init/ns/net; else ns=-; fi
    "$work/usb-reaction" "$(cgroup_procs "$container" "$hierarchy")" "/proc/$init/root" "$ns" "$standin" "$rounds" 1-2 10c4 ea60 BENCH1 5 \
        | sed "s/^/$kind /" >> "$raw" || { cat "$work/watch.log" >&2; exit 1; }
    stop_watcher
    lxc-stop -n "$container" -k >/dev/null 2>&1 || true
    lxc-destroy -n "$container" -f >/dev/null 2>&1 || true
    container=
done

name=usb
[ "$hierarchy" = v1 ] || name=usb-cgroup2
cp "$raw" "$results/$name.txt"
{
    echo "# lxc-passthrough watch: a USB device replugged (a stand-in in sysfs, the kernel's uevents)"
    echo
    echo "$(nproc) cores, $(uname -r), LXC $(lxc-start --version 2>/dev/null || echo '?'), cgroup $hierarchy, $(date +%Y-%m-%d)"
    echo
    echo "From the device's \"add\" uevent (sent by root, passed on by the kernel) until its node at its new /dev/bus/usb/001/DDD gets past the container's device rules (usable), and until the container's network namespace has heard an \"add\" for it (the watcher sends it to an unprivileged container; a privileged one hears the kernel's own), ms; $rounds rounds, each a new address."
    echo
    echo "| container | n | usable: median | p90 | p99 | usable and heard: median | p90 | p99 | rounds where the node was there before its rule (EPERM) | not within 5 s |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for kind in privileged unprivileged; do
        awk -v kind=$kind '
            $1 == kind && $2 == "usb" {
                n++; usable[n] = $3 / 1000; both[n] = ($4 > $3 ? $4 : $3) / 1000; if ($4 < 0) heardless = 1
                if ($3 < 0 || ($4 < 0 && kind == "unprivileged")) late++; refused += $5
            }
            function sort(a, count,   i, j, t) { for (i = 2; i <= count; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
            function at(a, count, q,   k) { k = int(q * count + 0.999999); if (k < 1) k = 1; return a[k] }
            END {
                sort(usable, n); sort(both, n)
                if (kind == "privileged") b = "- | - | -"; else b = sprintf("%.2f | %.2f | %.2f", at(both, n, 0.5), at(both, n, 0.9), at(both, n, 0.99))
                printf "| %s | %d | %.2f | %.2f | %.2f | %s | %d of %d | %d |\n", kind, n, at(usable, n, 0.5), at(usable, n, 0.9), at(usable, n, 0.99), b, refused, n, late + 0
            }' "$raw"
    done
} > "$results/$name.md"
cat "$results/$name.md"
