#!/bin/sh
# Proves the Debian package on a Debian root without Swift (as root, on a
# Debian host whose apt reaches Debian's mirror):
#  1. builds it (./install.sh --deb) and runs lintian on it: no errors;
#  2. makes a minimal Debian root with debootstrap, installs lxc and man-db
#     there with apt, then the package with dpkg -i; runs every program's
#     --version and --help and renders every man page; removes it with
#     dpkg -P and checks that no file of it is left;
#  3. installs it on this host and runs the end-to-end suite against it,
#     then removes it.
set -eu
cd "$(dirname "$0")/.."

passed=0
failed=0
check() {
    description=$1
    shift
    if "$@" >"$dist/check.log" 2>&1; then
        passed=$((passed + 1))
        echo "ok: $description"
    else
        failed=$((failed + 1))
        echo "FAILED: $description"
        sed 's/^/    /' "$dist/check.log" | tail -20
    fi
}

need=""
command -v lintian >/dev/null 2>&1 || need="$need lintian"
command -v debootstrap >/dev/null 2>&1 || need="$need debootstrap"
command -v hardening-check >/dev/null 2>&1 || need="$need devscripts"
if [ -n "$need" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

dist=$(mktemp -d /tmp/lxcpt-dist.XXXXXX)
# Kept between runs, in the checkout (root-owned, ignored by git): not in a world-writable directory.
root=$(pwd)/.build-debian-root
cleanup() {
    for mountpoint in proc dev/pts dev; do umount -l "$root/$mountpoint" 2>/dev/null || true; done
    rm -rf "$dist"
}
trap cleanup EXIT INT TERM

deb=$(./install.sh --deb "$dist" | tail -1)
echo "built $deb"

lintian --fail-on error "$deb" > "$dist/lintian.txt" 2>&1 && lintian_status=0 || lintian_status=$?
sed 's/^/lintian: /' "$dist/lintian.txt" | grep -v 'root privileges'
check "lintian finds no error" test "$lintian_status" -eq 0
check "lintian reports no hardening tag" sh -c "! grep -i hardening '$dist/lintian.txt'"
check "the package overrides no hardening tag" sh -c "! dpkg-deb --fsys-tarfile '$deb' | tar -xO ./usr/share/lintian/overrides/lxc-passthrough | grep -i hardening"
# Debian's hardening (hardening-check, devscripts) on every program shipped. Not judged: control-flow
# protection (CET), which no Swift object carries (Debian's own lxc-device has none either); and the
# hooks' stack protector, which it looks for in the symbols a static, stripped program does not have.
dpkg-deb -x "$deb" "$dist/contents"
check "hardening-check: lxc-passthrough" hardening-check --nocfprotection "$dist/contents/usr/sbin/lxc-passthrough"
for hook in pve-prestart-hook pve-autodev-hook pve-poststop-hook; do
    check "hardening-check: $hook" hardening-check --nocfprotection --nostackprotector "$dist/contents/usr/libexec/lxc-passthrough/$hook"
done
check "Built-Using names the C library statically linked" sh -c "dpkg-deb -f '$deb' Built-Using | grep -q '^glibc (= '"

# A minimal Debian root, made once per machine: bookworm from the mirror apt uses.
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
if [ ! -x "$root/usr/bin/apt-get" ]; then
    rm -rf "$root"
    debootstrap --variant=minbase bookworm "$root" "$mirror" > "$dist/debootstrap.log" 2>&1 ||
        { tail -20 "$dist/debootstrap.log"; exit 1; }
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root MANWIDTH=80 "$@"; }
in_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends lxc man-db > "$dist/apt-root.log" 2>&1 ||
    { tail -20 "$dist/apt-root.log"; exit 1; }
check "the root has no Swift toolchain" in_root sh -c '! command -v swift && ! ls /usr/lib/swift 2>/dev/null'

cp "$deb" "$root/tmp/package.deb"
before=$dist/before.txt
# Where packages put files (the caches man-db fills under /var are not ours).
in_root sh -c 'find /usr /etc /opt -xdev -print | sort' > "$before"
check "dpkg -i installs it" in_root dpkg -i /tmp/package.deb
check "no file of it belongs to another package" in_root sh -c \
    'dpkg -L lxc-passthrough | while read -r f; do [ -d "$f" ] && continue; owners=$(dpkg -S "$f" | cut -d: -f1 | tr -d " "); [ "$owners" = lxc-passthrough ] || { echo "$f: $owners"; exit 1; }; done'
version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/PassthroughModel/Version.swift)
check "lxc-passthrough --version" in_root sh -c "lxc-passthrough --version | grep -qx '$version'"
for subcommand in "" add remove attach detach sync list check watch; do
    check "lxc-passthrough $subcommand --help" in_root sh -c "lxc-passthrough $subcommand --help | grep -q 'USAGE: lxc-passthrough'"
done
for hook in pve-prestart-hook pve-autodev-hook pve-poststop-hook; do
    check "$hook --version" in_root sh -c "/usr/share/lxc/hooks/$hook --version | grep -qx '$hook $version'"
    check "$hook --help" in_root sh -c "/usr/share/lxc/hooks/$hook --help | grep -q 'devN'"
    check "$hook without LXC exits 2" in_root sh -c "/usr/share/lxc/hooks/$hook; test \$? -eq 2"
done
check "man lxc-passthrough" in_root sh -c 'man lxc-passthrough 2>/dev/null | grep -q "Pass host devices through to LXC"'
check "man lxc-passthrough gives the exit statuses" in_root sh -c 'MANWIDTH=400 man lxc-passthrough 2>/dev/null | grep -q "64 *a usage error"'
for page in lxc-passthrough.add lxc-passthrough.remove lxc-passthrough.attach lxc-passthrough.detach lxc-passthrough.sync lxc-passthrough.list lxc-passthrough.check lxc-passthrough.watch pve-prestart-hook pve-autodev-hook pve-poststop-hook; do
    check "man page $page renders" in_root sh -c "man -l /usr/share/man/man8/$page.8.gz 2>&1 | grep -q 'SYNOPSIS' && ! man -l /usr/share/man/man8/$page.8.gz 2>&1 >/dev/null | grep -q ."
done
check "every page SEE ALSO names is shipped" in_root sh -c \
    'for page in $(dpkg -L lxc-passthrough | grep "/man8/.*\.8\.gz$"); do zcat "$page" | sed -n "s/^\.Xr \([^ ]*\) 8.*/\1/p"; done | sort -u |
     while read -r name; do test -e "/usr/share/man/man8/$name.8.gz" || { echo "missing: $name"; exit 1; }; done'
check "bash completion is installed" in_root test -s /usr/share/bash-completion/completions/lxc-passthrough
check "the watcher's unit is shipped, for /usr/sbin/lxc-passthrough" in_root sh -c \
    'grep -qx "ExecStart=/usr/sbin/lxc-passthrough watch" /usr/lib/systemd/system/lxc-passthrough-watch.service'
check "the watcher's unit is enabled at install" in_root test -L /etc/systemd/system/multi-user.target.wants/lxc-passthrough-watch.service
# Purged: what the package made for its service (its enablement) goes too.
check "dpkg -P removes it" in_root dpkg -P lxc-passthrough
in_root sh -c 'find /usr /etc /opt -xdev -print | sort' > "$dist/after.txt"
check "no file is left behind" sh -c "diff '$before' '$dist/after.txt' | grep '^>' && exit 1 || exit 0"
umount -l "$root/proc"

# The end-to-end suite against the package installed on this host.
check "dpkg -i on this host" dpkg -i "$deb"
# Where systemd runs, the package started its watcher: it would act on the test containers.
[ -d /run/systemd/system ] && systemctl stop lxc-passthrough-watch.service 2>/dev/null || true
check "the installed hooks are the package's" sh -c 'dpkg -S /usr/libexec/lxc-passthrough/pve-prestart-hook | grep -q lxc-passthrough'
host_cgroup=$(/usr/sbin/lxc-passthrough hierarchy)
echo "== end-to-end tests against the installed package =="
swift build --build-tests
PASSTHROUGH_CONF=/usr/share/lxc/config/passthrough.conf PASSTHROUGH_COMMAND=/usr/sbin/lxc-passthrough \
LXC_PASSTHROUGH_CONF=/usr/share/lxc/config/passthrough.conf PASSTHROUGH_E2E_CGROUP=$host_cgroup \
    swift test --skip-build --filter EndToEndTests.DevicePassthroughTests --filter EndToEndTests.CgroupRulesTests \
    --filter EndToEndTests.RefusedStartTests --filter EndToEndTests.LifecycleTests --filter EndToEndTests.LiveAttachTests && e2e=0 || e2e=$?
check "end-to-end suite against the package" test "$e2e" -eq 0
check "dpkg -P on this host" dpkg -P lxc-passthrough
check "dpkg -P removed the hooks" sh -c '! test -e /usr/libexec/lxc-passthrough/pve-prestart-hook && ! test -e /usr/share/lxc/hooks/pve-prestart-hook'

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
