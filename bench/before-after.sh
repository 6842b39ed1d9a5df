#!/bin/sh
# Two builds side by side in one run: an earlier revision's, and what is
# installed now (for issue 21: the build before its hardening, and after).
#
#   ./bench/before-after.sh REV [--quick]     as root, after ./install.sh
#
# REV (a commit of this repository) is built once with its own install.sh
# into /var/cache/lxc-passthrough-bench/COMMIT (kept for the next run).
# 1. The hooks: the pre-start + autodev pair of both builds and the C floor
#    (bench/floor.c, built with Debian's hardening flags from dpkg-buildflags)
#    take turns run by run (bench/measure.c), at N = 0, 1, 16 and 64 devices;
#    and the instructions each hook executes (bench/instructions.sh,
#    callgrind), for both builds and the floor.
#    Target: the hooks within 1.3x of the floor at 0-16 devices.
# 2. A live attach: `lxc-passthrough attach --temporary` of both builds and
#    `lxc-device add` take turns round by round, timed from the command's
#    start until the node opens in a privileged container (bench/reaction.c).
#    Target: attach within 1.1x of lxc-device add.
# 3. The watcher: a real replug (a new loop number, then the link moved as
#    udev moves it) until the node opens as the new device; the two builds'
#    watchers take turns in blocks of rounds.
# Writes bench/results/before-after.md (also printed) and the raw figures
# (before-after.txt).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repository=$(cd "$here/.." && pwd)
results=$here/results
[ $# -ge 1 ] || { echo "usage: bench/before-after.sh REV [--quick]" >&2; exit 64; }
revision=$1
quick=no
[ "${2:-}" = --quick ] && quick=yes
rounds=60
hook_runs=100
[ $quick = yes ] && { rounds=12; hook_runs=12; }
command=${PASSTHROUGH_COMMAND:-$(command -v lxc-passthrough || echo /usr/local/sbin/lxc-passthrough)}
hookdir=${HOOKDIR:-/usr/share/lxc/hooks}
include=${PASSTHROUGH_CONF:-/usr/share/lxc/config/passthrough.conf}

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
[ -x "$command" ] && [ -x "$hookdir/pve-prestart-hook" ] || { echo "bench: run ./install.sh first" >&2; exit 1; }
commit=$(git -C "$repository" rev-parse --verify "$revision^{commit}") || { echo "bench: no commit '$revision'" >&2; exit 64; }
compiler=${CC:-$(command -v cc || command -v gcc || command -v clang || true)}
[ -n "$compiler" ] || { echo "bench: a C compiler is needed (cc, gcc or clang)" >&2; exit 1; }

# The earlier build, once.
before=/var/cache/lxc-passthrough-bench/$commit
if [ ! -x "$before/root/usr/sbin/lxc-passthrough" ]; then
    echo "bench: building $revision ($commit) into $before" >&2
    rm -rf "$before"
    mkdir -p "$before/source"
    git -C "$repository" archive "$commit" | tar -x -C "$before/source"
    "$before/source/install.sh" --destdir "$before/root" --prefix /usr >&2
fi
before_command=$before/root/usr/sbin/lxc-passthrough
before_hooks=$before/root/usr/share/lxc/hooks

work=$(mktemp -d /tmp/lxcpt-before-after.XXXXXX)
chmod 0755 "$work"
links=/dev/lxcpt-before-after-$$
container=
watcher=
loops=
service_was_active=no
cleanup() {
    [ -z "$watcher" ] || { kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true; }
    [ -z "$container" ] || lxc-destroy -n "$container" -f >/dev/null 2>&1 || rm -rf "/var/lib/lxc/$container"
    for number in $loops; do
        [ -e "/dev/loop$number" ] && "$work/reaction" loop-remove "$number" 2>/dev/null || true
    done
    remove_records "$work"/ct-* 2>/dev/null || true
    rm -rf "$work" "$links"
    [ $service_was_active = no ] || systemctl start lxc-passthrough-watch.service || true
}
trap cleanup EXIT INT TERM
if [ -d /run/systemd/system ] && systemctl is-active --quiet lxc-passthrough-watch.service 2>/dev/null; then
    systemctl stop lxc-passthrough-watch.service
    service_was_active=yes
fi
. "$here/containers.sh"
. "$here/common.sh"

"$compiler" -O2 -o "$work/measure" "$here/measure.c"
"$compiler" -O2 -o "$work/reaction" "$here/reaction.c"
hardened_cc "$work/floor" "$here/floor.c"
mkdir -p "$work/floor-hooks"
ln -s "$work/floor" "$work/floor-hooks/pve-prestart-hook"
ln -s "$work/floor" "$work/floor-hooks/pve-autodev-hook"
raw=$work/before-after.txt
: > "$raw"

echo "bench: 1. the hooks, before, after and the floor taking turns" >&2
make_links
counts="0 1 16 64"
for n in $counts; do
    mkdir -p "$work/ct-$n" "$work/rootfs-$n/dev"
    container_config "$n" > "$work/ct-$n/config"
done
unshare -m sh -c '
    set -eu
    mount --make-rprivate /
    for n in '"$counts"'; do
        r='"$hook_runs"'
        [ $n -lt 64 ] || r=$((r / 2))
        '"$work"'/measure $r '"$work"'/ct-$n '"$work"'/rootfs-$n $n \
            before '"$before_hooks"'/pve-prestart-hook '"$before_hooks"'/pve-autodev-hook \
            after '"$hookdir"'/pve-prestart-hook '"$hookdir"'/pve-autodev-hook \
            floor '"$work"'/floor '"$work"'/floor | sed "s/^/hooks $n /"
    done
' >> "$raw"
remove_records "$work"/ct-*
if command -v valgrind >/dev/null 2>&1; then
    "$here/instructions.sh" "$before_hooks" "$hookdir" "$work/floor-hooks" |
        sed -e "s|^$before_hooks |instructions before |" -e "s|^$hookdir |instructions after |" -e "s|^$work/floor-hooks |instructions floor |" >> "$raw"
fi
rm -rf "$links"

echo "bench: 2. attach, before and after, and lxc-device add taking turns" >&2
container=lxcpt-before-after-$$
lxc-create -n "$container" -t busybox >/dev/null 2>&1
config=/var/lib/lxc/$container/config
{ echo "lxc.include = /usr/share/lxc/config/common.conf"; grep -v '^lxc.net.0' "$config"; echo "lxc.net.0.type = empty"; echo "lxc.include = $include"; } > "$work/config"
cp "$work/config" "$config"
mkdir -p "$links/by-id"
"$command" add "$container" "$links/by-id/usb-Stick" --required=0 --mp /dev/stick >/dev/null 2>&1
target=$(free_loop); loops="$loops $target"
"$work/reaction" loop-add "$target"
lxc-start -n "$container" -d
lxc-wait -n "$container" -s RUNNING -t 30
init=$(lxc-info -n "$container" -p -H)
procs=$(cgroup_procs "$container" "$("$command" hierarchy)")
sleep 0.5
i=0
while [ $i -lt "$rounds" ]; do
    "$work/reaction" "$procs" "/proc/$init/root" command 1 "/dev/loop$target" lxc-device -n "$container" add "/dev/loop$target" 2>/dev/null |
        sed "s/^/attach lxc-device /" >> "$raw"
    lxc-attach -n "$container" -- rm -f "/dev/loop$target"
    for build in before after; do
        if [ $build = before ]; then program=$before_command; else program=$command; fi
        "$work/reaction" "$procs" "/proc/$init/root" command 1 "/dev/loop$target" "$program" attach "$container" "/dev/loop$target" --temporary |
            sed "s/^/attach $build /" >> "$raw"
        "$program" detach "$container" "/dev/loop$target" --temporary >/dev/null
    done
    i=$((i + 1))
done

echo "bench: 3. the watcher's reaction to a replug, before and after taking turns" >&2
first=$(free_loop); loops="$loops $first"; second=$(free_loop); loops="$loops $second"
blocks=4
[ $quick = yes ] && blocks=2
block=0
while [ $block -lt $blocks ]; do
    for build in before after; do
        if [ $build = before ]; then program=$before_command; else program=$command; fi
        [ -e "/dev/loop$first" ] || "$work/reaction" loop-add "$first"
        [ ! -e "/dev/loop$second" ] || "$work/reaction" loop-remove "$second"
        ln -sfn "/dev/loop$first" "$links/by-id/usb-Stick"
        start_watcher "$program"
        sleep 0.2
        "$work/reaction" "$procs" "/proc/$init/root" replug $((rounds / blocks)) "$links/by-id/usb-Stick" "$first" "$second" /dev/stick |
            sed "s/^/replug $build /" >> "$raw"
        stop_watcher
        rm -f "$links/by-id/usb-Stick"
    done
    block=$((block + 1))
done
lxc-destroy -n "$container" -f >/dev/null 2>&1
container=

mkdir -p "$results"
cp "$raw" "$results/before-after.txt"
host="$(nproc) cores, $(uname -r), $(lxc-start --version 2>/dev/null | sed 's/^/LXC /'), cgroup $("$command" hierarchy)"
awk -v host="$host" -v date="$(date -u +%Y-%m-%d)" -v before="$revision ($(git -C "$repository" log -1 --format=%h "$commit"))" \
    -v after="installed ($("$command" --version))" -f "$here/before-after.awk" "$raw" > "$results/before-after.md"
cat "$results/before-after.md"
echo "bench: wrote $results/before-after.md" >&2
