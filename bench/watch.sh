#!/bin/sh
# Benchmark of lxc-passthrough watch, against the targets of its issue:
#
#   ./bench/watch.sh [--quick]        as root, after ./install.sh
#
# 1. Reaction time, privileged (common.conf) and unprivileged (userns.conf)
#    containers: from the host node appearing (LOOP_CTL_ADD: the kernel's
#    uevent) or a stable link appearing (a symlink made as udev would, after
#    the device) to the node opening inside the container, timed from the
#    host by bench/reaction.c (it joins the container's cgroup, so the
#    container's device rules apply to it, and polls /proc/PID/root/... every
#    50 us); and the removal, until the node no longer opens. For scale, in
#    the same run: `lxc-device add` of a node, and `lxc-passthrough attach`.
#    Target: median <= 2.5 ms, p99 <= 20 ms, over >= 50 rounds.
#    And a replug as it really happens: a new device number behind the stable
#    link (the kernel's uevents, then the link moved as udev does, a new link
#    renamed over the old), until the node opens as the new device; beside
#    it, in the same run, the floor: bench/floor-watch.c, a minimal C watcher
#    with no checks (it writes devices.allow on cgroup v1; on v2 it asks the
#    container's monitor through liblxc, the one way LXC offers).
#    Target: median <= 1.5 ms and within 5x the floor, p99 <= 10 ms.
# 2. Idle cost: CPU time and wake-ups (voluntary context switches) of a
#    watcher following those containers, over 60 s (10 s with --quick).
#    Target: unchanged.
# 3. Memory: resident size of a watcher following 50 containers with 256
#    entries each (a container path of its own, the containers stopped).
#    Target: <= 16 MB.
# 4. Scale: the privileged container's replug with it alone, then with 1,000
#    more containers of 4 entries defined beside it (made while the watcher
#    runs); the CPU time an unrelated uevent costs (a loop device no entry
#    names, plugged in and out); the watcher's resident size before, with
#    the 1,000, and after they are removed again.
#    Target: median within 1.5x of alone, <= 1 ms of CPU per unrelated
#    uevent, RSS <= 32 MB and back where it was.
# 5. A USB replug, bench/usb.sh (run at the end; see there): from the
#    device's uevent until its node is usable in the container and heard
#    in an unprivileged one. Target: median <= 2.5 ms.
# Writes bench/results/watch.md (also printed) and the raw figures (watch.txt);
# on a pure cgroup v2 host, watch-cgroup2.md and watch-cgroup2.txt. On a host
# whose devices controller is v1, the v2 figures come from a private mount
# namespace with a cgroup2 hierarchy, as the tests run on v2:
#   unshare -m sh scripts/in-cgroup2-namespace.sh ./bench/watch.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
results=$here/results
quick=no
[ "${1:-}" = --quick ] && quick=yes
rounds=50
idle=60
[ $quick = yes ] && { rounds=10; idle=10; }
command=${PASSTHROUGH_COMMAND:-$(command -v lxc-passthrough || echo /usr/local/sbin/lxc-passthrough)}
include=${PASSTHROUGH_CONF:-/usr/share/lxc/config/passthrough.conf}

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
[ -x "$command" ] || { echo "bench: $command is missing: run ./install.sh first" >&2; exit 1; }
[ -e /dev/loop-control ] || { echo "bench: /dev/loop-control is missing" >&2; exit 1; }
compiler=${CC:-$(command -v cc || command -v gcc || command -v clang || true)}
[ -n "$compiler" ] || { echo "bench: a C compiler is needed (cc, gcc or clang)" >&2; exit 1; }

work=$(mktemp -d /tmp/lxcpt-watch-bench.XXXXXX)
chmod 0755 "$work"
links=/dev/lxcpt-watch-bench-$$
container=
watcher=
service_was_active=no
cleanup() {
    [ -z "$watcher" ] || { kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true; }
    # A config LXC cannot load (its include gone) is not destroyed by lxc-destroy: its directory goes all the same.
    [ -z "$container" ] || lxc-destroy -n "$container" -f >/dev/null 2>&1 || rm -rf "/var/lib/lxc/$container"
    for number in $loops; do
        [ -e "/dev/loop$number" ] && "$work/reaction" loop-remove "$number" 2>/dev/null || true
    done
    [ -z "$floor" ] || { kill "$floor" 2>/dev/null || true; wait "$floor" 2>/dev/null || true; }
    rm -rf /var/lib/lxc/lxcpt-scale-$$-*
    rm -rf "$work" "$links"
    [ $service_was_active = no ] || systemctl start lxc-passthrough-watch.service || true
}
loops=""
floor=
trap cleanup EXIT INT TERM

# Only this benchmark's watcher may act on its containers.
if [ -d /run/systemd/system ] && systemctl is-active --quiet lxc-passthrough-watch.service 2>/dev/null; then
    systemctl stop lxc-passthrough-watch.service
    service_was_active=yes
fi

. "$here/common.sh"
"$compiler" -O2 -o "$work/reaction" "$here/reaction.c"
hardened_cc "$work/floor-watch" "$here/floor-watch.c" -llxc
hierarchy=$("$command" hierarchy)
raw=$work/watch.txt
: > "$raw"

# replug KIND WHO: rounds of a new number behind the link (loops $first and
# $second, one plugged in and named by the link at the start).
replug() {
    [ -e "/dev/loop$first" ] || "$work/reaction" loop-add "$first"
    [ ! -e "/dev/loop$second" ] || "$work/reaction" loop-remove "$second"
    ln -sfn "/dev/loop$first" "$links/by-id/usb-Stick"
    sleep 0.2
    "$work/reaction" "$procs" "/proc/$init/root" replug $rounds "$links/by-id/usb-Stick" "$first" "$second" /dev/stick | sed "s/^/$1 $2 /" >> "$raw"
    rm -f "$links/by-id/usb-Stick"
    sleep 0.1
}

# CPU time of a process so far, ns (/proc/PID/schedstat).
cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

for kind in privileged unprivileged; do
    container=lxcpt-wbench-$kind-$$
    busybox_container "$container" $kind
    config=/var/lib/lxc/$container/config
    { printf "$includes"; grep -v '^lxc.net.0' "$config"; echo "lxc.net.0.type = empty"; echo "lxc.include = $include"; } > "$work/config"
    cp "$work/config" "$config"
    uevent=$(free_loop); loops="$loops $uevent"
    target=$(free_loop); loops="$loops $target"
    "$work/reaction" loop-add "$target"
    mkdir -p "$links/by-id"
    "$command" add "$container" "/dev/loop$uevent" --required=0 >/dev/null
    "$command" add "$container" "$links/by-id/usb-Stick" --required=0 --mp /dev/stick >/dev/null 2>&1
    start_watcher "$command"
    lxc-start -n "$container" -d
    lxc-wait -n "$container" -s RUNNING -t 30
    init=$(lxc-info -n "$container" -p -H)
    procs=$(cgroup_procs "$container" "$hierarchy")
    echo "bench: $kind container, cgroup $hierarchy: $rounds rounds each" >&2
    "$work/reaction" "$procs" "/proc/$init/root" uevent $rounds "$uevent" "/dev/loop$uevent" | sed "s/^/$kind uevent /" >> "$raw"
    "$work/reaction" "$procs" "/proc/$init/root" link $rounds "$links/by-id/usb-Stick" "/dev/loop$target" /dev/stick | sed "s/^/$kind link /" >> "$raw"
    # A real replug: a new number behind the link, our watcher, then the floor.
    first=$(free_loop); loops="$loops $first"; second=$(free_loop); loops="$loops $second"
    replug "$kind" replug
    stop_watcher
    # The floor and lxc-device get numbers our watcher never had: on cgroup v2
    # a number lxc-passthrough took back stays denied by its own device
    # program until lxc-passthrough gives it again (no other tool can).
    first=$(free_loop); loops="$loops $first"; second=$(free_loop); loops="$loops $second"
    if [ "$hierarchy" = v1 ]; then rules=/sys/fs/cgroup/devices/lxc.payload.$container/devices.allow; else rules=lxc:$container; fi
    unshare -m --propagation private "$work/floor-watch" "$links/by-id/usb-Stick" "$init" "$rules" /dev/stick > "$work/floor.log" 2>&1 &
    floor=$!
    i=0
    until grep -q ready "$work/floor.log" 2>/dev/null; do i=$((i + 1)); [ $i -lt 500 ] || { cat "$work/floor.log" >&2; exit 1; }; sleep 0.01; done
    replug "$kind" floor
    kill "$floor" 2>/dev/null || { echo "bench: the floor watcher ended early:" >&2; cat "$work/floor.log" >&2; }
    wait "$floor" 2>/dev/null || true; floor=
    start_watcher "$command"
    if [ $kind = unprivileged ]; then
        echo "bench: idle watcher, ${idle} s" >&2
        pid=$watcher
        cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sw0=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
        sleep "$idle"
        cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sw1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
        echo "idle $idle $((cpu1 - cpu0)) $((sw1 - sw0))" >> "$raw"
    fi
    stop_watcher
    # Side by side, with no watcher: lxc-device add, and lxc-passthrough
    # attach, each of a loop device of its own (a number lxc-passthrough took
    # back stays denied to lxc-device on cgroup v2, as above).
    theirs=$(free_loop); loops="$loops $theirs"; "$work/reaction" loop-add "$theirs"
    mine=$(free_loop); loops="$loops $mine"; "$work/reaction" loop-add "$mine"
    i=0
    while [ $i -lt $rounds ]; do
        "$work/reaction" "$procs" "/proc/$init/root" command 1 "/dev/loop$theirs" lxc-device -n "$container" add "/dev/loop$theirs" 2>/dev/null |
            sed "s/^/$kind lxc-device /" >> "$raw"
        lxc-attach -n "$container" -- rm -f "/dev/loop$theirs"
        # Each round starts with the device's rule taken back, as attach's
        # rounds do (detach): on cgroup v2 LXC's monitor rebuilds its program
        # only for a rule that changes, so an add of a rule still allowed
        # costs lxc-device one round trip and nothing else.
        lxc-cgroup -n "$container" devices.deny "b 7:$theirs rwm" >/dev/null 2>&1 || true
        "$work/reaction" "$procs" "/proc/$init/root" command 1 "/dev/loop$mine" "$command" attach "$container" "/dev/loop$mine" --temporary |
            sed "s/^/$kind attach /" >> "$raw"
        "$command" detach "$container" "/dev/loop$mine" --temporary >/dev/null
        i=$((i + 1))
    done
    lxc-destroy -n "$container" -f >/dev/null 2>&1
    container=
    for number in $target $theirs $mine; do "$work/reaction" loop-remove "$number" || true; done
    rm -rf "$links"
done

echo "bench: memory with 50 containers of 256 entries" >&2
mkdir -p "$links/serial/by-id"
j=0
while [ $j -lt 256 ]; do ln -s /dev/null "$links/serial/by-id/usb-FTDI_FT232R_USB_UART_A5$(printf %04d $j)BI-if00-port0"; j=$((j + 1)); done
lxcpath=$work/lxc
c=0
while [ $c -lt 50 ]; do
    mkdir -p "$lxcpath/ct$c/rootfs"
    { echo "lxc.include = $include"; echo "lxc.rootfs.path = dir:$lxcpath/ct$c/rootfs"
      j=0; while [ $j -lt 256 ]; do echo "dev$j: $links/serial/by-id/usb-FTDI_FT232R_USB_UART_A5$(printf %04d $j)BI-if00-port0,mode=0660,uid=1000"; j=$((j + 1)); done
    } > "$lxcpath/ct$c/config"
    c=$((c + 1))
done
start_watcher "$command" -P "$lxcpath"
# The first look at everything writes each config's rules block.
i=0
until [ "$(grep -l '^# END lxc-passthrough' "$lxcpath"/ct*/config 2>/dev/null | wc -l)" -eq 50 ]; do
    i=$((i + 1)); [ $i -lt 3000 ] || { echo "bench: the watcher did not sync the 50 configs" >&2; exit 1; }
    sleep 0.01
done
sleep 1
echo "memory $(awk '/^VmRSS/ {print $2}' "/proc/$watcher/status") $(awk '/^VmHWM/ {print $2}' "/proc/$watcher/status")" >> "$raw"
stop_watcher

# make_scale: $scale containers of 4 entries beside the running one, made
# while the watcher runs; returns once it has written each one's rules.
make_scale() {
    c=0
    while [ $c -lt $scale ]; do
        d=/var/lib/lxc/lxcpt-scale-$$-$c
        mkdir -p "$d/rootfs"
        { echo "lxc.include = $include"; echo "lxc.rootfs.path = dir:$d/rootfs"
          for j in 0 1 2 3; do echo "dev$j: $links/serial/by-id/usb-FTDI_FT232R_USB_UART_A5$(printf %04d $(( (c * 4 + j) % 256 )))BI-if00-port0,mode=0660"; done
        } > "$d/config.new"
        mv "$d/config.new" "$d/config"
        c=$((c + 1))
    done
    i=0
    until [ "$(grep -l '^# END lxc-passthrough' /var/lib/lxc/lxcpt-scale-$$-*/config 2>/dev/null | wc -l)" -eq $scale ]; do
        i=$((i + 1)); [ $i -lt 600 ] || {
            echo "bench: the watcher synced $(grep -l "^# END lxc-passthrough" /var/lib/lxc/lxcpt-scale-$$-*/config 2>/dev/null | wc -l) of the $scale configs in 60 s; its log ends:" >&2
            tail -20 "$work/watch.log" >&2
            for missed in $(grep -L "^# END lxc-passthrough" /var/lib/lxc/lxcpt-scale-$$-*/config 2>/dev/null); do
                name=$(basename "$(dirname "$missed")")
                echo "bench: not synced: $name; the watcher's lines of it:" >&2
                grep -F "$name:" "$work/watch.log" >&2 || echo "  (none)" >&2
            done
            exit 1; }
        sleep 0.1
    done
}

echo "bench: scale: a running container alone, then beside 1,000 containers of 4 entries" >&2
scale=1000
container=lxcpt-wbench-scale-$$
lxc-create -n "$container" -t busybox >/dev/null 2>&1
config=/var/lib/lxc/$container/config
{ echo "lxc.include = /usr/share/lxc/config/common.conf"; grep -v '^lxc.net.0' "$config"; echo "lxc.net.0.type = empty"; echo "lxc.include = $include"; } > "$work/config"
cp "$work/config" "$config"
mkdir -p "$links/by-id"
"$command" add "$container" "$links/by-id/usb-Stick" --required=0 --mp /dev/stick >/dev/null 2>&1
start_watcher "$command"
lxc-start -n "$container" -d
lxc-wait -n "$container" -s RUNNING -t 30
init=$(lxc-info -n "$container" -p -H)
procs=$(cgroup_procs "$container" "$hierarchy")
first=$(free_loop); loops="$loops $first"; second=$(free_loop); loops="$loops $second"
sleep 0.5
rss0=$(rss_kb "$watcher")
replug "alone" replug
make_scale
sleep 0.5
rss1=$(rss_kb "$watcher")
replug "beside-$scale" replug
unrelated=$(free_loop); loops="$loops $unrelated"
cpu0=$(cpu_ns "$watcher")
i=0
while [ $i -lt 50 ]; do "$work/reaction" loop-add "$unrelated"; "$work/reaction" loop-remove "$unrelated"; i=$((i + 1)); done
sleep 0.5
cpu1=$(cpu_ns "$watcher")
echo "unrelated 50 $((cpu1 - cpu0))" >> "$raw"
rm -rf /var/lib/lxc/lxcpt-scale-$$-*
sleep 2
rss2=$(rss_kb "$watcher")
# A second time: what the first left (the runtime's own first-use caches) is not left again.
make_scale
rm -rf /var/lib/lxc/lxcpt-scale-$$-*
sleep 2
rss3=$(rss_kb "$watcher")
echo "scale $scale $rss0 $rss1 $rss2 $rss3" >> "$raw"
stop_watcher
lxc-destroy -n "$container" -f >/dev/null 2>&1
container=

mkdir -p "$results"
name=watch
[ "$hierarchy" = v1 ] || name=watch-cgroup2
cp "$raw" "$results/$name.txt"
host="$(nproc) cores, $(uname -r), $(lxc-start --version 2>/dev/null | sed 's/^/LXC /'), cgroup $hierarchy"
awk -v host="$host" -v date="$(date -u +%Y-%m-%d)" -f "$here/watch.awk" "$raw" > "$results/$name.md"
cat "$results/$name.md"
echo "bench: wrote $results/$name.md" >&2

# 5. A USB replug (bench/usb.sh): a stand-in device in sysfs, on a host
#    without USB (it binds its own tree on /sys/bus), in the same run.
if [ -e /sys/bus/usb ]; then
    echo "bench: this host has USB: bench/usb.sh (a stand-in on /sys/bus) is not run" >&2
else
    if [ $quick = yes ]; then sh "$here/usb.sh" --quick; else sh "$here/usb.sh"; fi
fi
