#!/bin/sh
# Benchmark: what device passthrough costs a container start.
#
#   ./bench/run.sh [--quick]      as root, after ./install.sh
#
# 1. Hook cost outside LXC: the installed pve-prestart-hook + pve-autodev-hook
#    pair, run as LXC runs them, in a private mount namespace, against
#    generated containers with N = 0, 1, 16, 64, 256 devices
#    (/dev/serial/by-id-length paths), side by side with a C floor
#    (bench/floor.c) and a POSIX shell pair (bench/shell/).
# 2. Whole container start: lxc-start -d until RUNNING for a busybox
#    container without passthrough and with 0, 16 and 256 devices.
# Writes bench/results/results.md (the table, also printed),
# bench/results/hooks.svg (hook time against device count) and the raw
# figures (hooks.txt, starts.txt) they are made from.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
hookdir=${HOOKDIR:-/usr/share/lxc/hooks}
results=$here/results
quick=no
[ "${1:-}" = --quick ] && quick=yes

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
for hook in pve-prestart-hook pve-autodev-hook; do
    [ -x "$hookdir/$hook" ] || { echo "bench: $hookdir/$hook is missing: run ./install.sh first" >&2; exit 1; }
done
# Any C compiler: cc, gcc, or the clang that comes with the Swift toolchain.
compiler=${CC:-$(command -v cc || command -v gcc || command -v clang || true)}
[ -n "$compiler" ] || { echo "bench: a C compiler is needed (cc, gcc or clang)" >&2; exit 1; }

work=$(mktemp -d /tmp/lxcpt-bench.XXXXXX)
chmod 0755 "$work"
links=/dev/lxcpt-bench
. "$here/containers.sh"
. "$here/common.sh"
container=lxcpt-bench-$$
cleanup() {
    # A config LXC cannot load (its include gone) is not destroyed by lxc-destroy: its directory goes all the same.
    lxc-destroy -n "$container" -f >/dev/null 2>&1 || rm -rf "/var/lib/lxc/$container"
    remove_records "$work"/ct-*
    rm -rf "$work" "$links"
}
trap cleanup EXIT INT TERM

"$compiler" -O2 -o "$work/measure" "$here/measure.c"
hardened_cc "$work/floor" "$here/floor.c"

# Devices at realistic paths: links in /dev/serial/by-id style, to /dev/null.
make_links

counts="0 1 16 64 256"
runs_for() {
    case $1 in 0|1) r=200 ;; 16) r=100 ;; 64) r=50 ;; *) r=20 ;; esac
    [ $quick = yes ] && r=$((r / 10 + 2))
    echo $r
}
for n in $counts; do
    mkdir -p "$work/ct-$n" "$work/rootfs-$n/dev"
    container_config "$n" > "$work/ct-$n/config"
done

echo "bench: hook pairs (ours, C floor, shell) for N = $counts devices" >&2
raw=$work/raw.txt
unshare -m sh -c '
    set -eu
    mount --make-rprivate /
    for n in '"$counts"'; do
        case $n in 0|1) r=300 ;; 16) r=150 ;; 64) r=60 ;; *) r=30 ;; esac
        [ '"$quick"' = yes ] && r=$((r / 10 + 2))
        # Ours and the C floor take turns run by run; the shell pair is slow, so it runs alone and fewer times.
        '"$work"'/measure $r '"$work"'/ct-$n '"$work"'/rootfs-$n $n \
            ours '"$hookdir"'/pve-prestart-hook '"$hookdir"'/pve-autodev-hook c '"$work"'/floor '"$work"'/floor > '"$work"'/m.txt
        if [ $r -gt 20 ]; then r=20; fi
        '"$work"'/measure $r '"$work"'/ct-$n '"$work"'/rootfs-$n $n shell '"$here"'/shell/prestart.sh '"$here"'/shell/autodev.sh >> '"$work"'/m.txt
        sed "s/^\([a-z]*\) /\1 $n /" '"$work"'/m.txt
    done
' > "$raw"

echo "bench: whole container starts" >&2
lxc-create -n "$container" -t busybox >/dev/null 2>&1
config=/var/lib/lxc/$container/config
sed -i '/^lxc.net.0/d' "$config"
echo "lxc.net.0.type = empty" >> "$config"
cp "$config" "$work/base.config"
starts=$work/starts.txt
: > "$starts"
start_runs=10
[ $quick = yes ] && start_runs=3
for variant in none 0 16 256; do
    cp "$work/base.config" "$config"
    if [ "$variant" != none ]; then
        echo "lxc.include = ${PASSTHROUGH_CONF:-/usr/share/lxc/config/passthrough.conf}" >> "$config"
        config_lines "$variant" >> "$config"
    fi
    i=0
    times=""
    while [ $i -lt $start_runs ]; do
        t0=$(date +%s%N)
        lxc-start -n "$container" -d
        lxc-wait -n "$container" -s RUNNING -t 30
        t1=$(date +%s%N)
        if [ "$variant" != none ] && [ "$variant" != 0 ]; then
            lxc-attach -n "$container" -- test -c "$(device_path $((variant - 1)))" ||
                { echo "bench: device missing in the container" >&2; exit 1; }
        fi
        lxc-stop -n "$container" -k
        lxc-wait -n "$container" -s STOPPED -t 30
        times="$times $(( (t1 - t0) / 1000 ))"
        i=$((i + 1))
    done
    echo "$variant$times" >> "$starts"
done

mkdir -p "$results"
cp "$raw" "$results/hooks.txt"
cp "$starts" "$results/starts.txt"
host="$(nproc) cores, $(uname -r), $(lxc-start --version 2>/dev/null | sed 's/^/LXC /')"
awk -v host="$host" -v date="$(date -u +%Y-%m-%d)" -f "$here/table.awk" "$raw" "$starts" > "$results/results.md"
awk -f "$here/plot.awk" "$raw" > "$results/hooks.svg"
cat "$results/results.md"
echo "bench: wrote $results/results.md and $results/hooks.svg" >&2
