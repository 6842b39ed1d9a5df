#!/bin/sh
# Builds the hooks (fully static) and the lxc-passthrough command (Swift
# runtime linked statically; liblxc from Debian's lxc-dev, installed for the
# build when missing) and installs them with their LXC configuration. Run as root.
# Running it again is harmless.
#
#   ./install.sh                      build and install
#   ./install.sh --uninstall          remove what it installed
#   ./install.sh --no-build ...       install binaries already built
#   DESTDIR=/tmp/pkg ./install.sh     stage into a packaging root
#   ./install.sh --prefix DIR         install under DIR (default /usr/local for
#                                     commands; the LXC files then go to
#                                     DIR/share/lxc, e.g. /usr/share/lxc for /usr)
#   ./install.sh --lxc-datadir DIR    LXC's data directory (default /usr/share/lxc)
#   ./install.sh --deb [OUTDIR]       build a Debian package instead (dist/ by default)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=/usr/local
lxc_datadir=
destdir=${DESTDIR:-}
action=install
build=yes
prefix_given=no
hooks="pve-prestart-hook pve-autodev-hook pve-poststop-hook"

die() { echo "install.sh: $*" >&2; exit 1; }

# install_build_dependency PACKAGE: a Debian package the build needs (liblxc's headers).
install_build_dependency() {
    command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] ||
        die "the build needs Debian's $1 package (liblxc's headers): install it, or run as root"
    echo "install.sh: installing Debian's $1 package for the build"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$1" >/dev/null ||
        { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$1" >/dev/null; } ||
        die "could not install $1 with apt-get"
}

while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; prefix_given=yes; shift 2 ;;
        --prefix=*) prefix=${1#*=}; prefix_given=yes; shift ;;
        --lxc-datadir) [ $# -ge 2 ] || die "--lxc-datadir needs a directory"; lxc_datadir=$2; shift 2 ;;
        --lxc-datadir=*) lxc_datadir=${1#*=}; shift ;;
        --destdir) [ $# -ge 2 ] || die "--destdir needs a directory"; destdir=$2; shift 2 ;;
        --destdir=*) destdir=${1#*=}; shift ;;
        --uninstall) action=uninstall; shift ;;
        --no-build) build=no; shift ;;
        -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
        --deb) shift; exec "$here/packaging/build-deb.sh" "$@" ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

# LXC looks for its files under /usr/share/lxc, not /usr/local: only an
# explicit --prefix (a packager's /usr) moves them.
if [ -z "$lxc_datadir" ]; then
    if [ "$prefix_given" = yes ]; then lxc_datadir=$prefix/share/lxc; else lxc_datadir=/usr/share/lxc; fi
fi

case $lxc_datadir in
    /*) ;;
    *) die "--lxc-datadir must be an absolute path" ;;
esac
case $lxc_datadir in
    *[!A-Za-z0-9/._+-]*) die "--lxc-datadir '$lxc_datadir' must not contain spaces or shell characters: LXC runs hooks through /bin/sh" ;;
esac

hookdir=$lxc_datadir/hooks
configdir=$lxc_datadir/config
sbindir=$prefix/sbin

if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    die "run as root (or set DESTDIR to stage the files)"
fi

# The watcher's systemd unit: under PREFIX/lib/systemd/system, which systemd
# reads for /usr and /usr/local. It is enabled and started only by a real
# install (no DESTDIR) into one of those, on a host that runs systemd.
unitdir=$prefix/lib/systemd/system
unit=lxc-passthrough-watch.service
manages_service=no
case $prefix in
    /usr|/usr/local) [ -z "$destdir" ] && [ -d /run/systemd/system ] && manages_service=yes ;;
esac

if [ "$action" = uninstall ]; then
    if [ "$manages_service" = yes ]; then
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
    for hook in $hooks; do rm -f "$destdir$hookdir/$hook"; done
    rm -f "$destdir$configdir/passthrough.conf" "$destdir$sbindir/lxc-passthrough" "$destdir$unitdir/$unit"
    [ "$manages_service" = yes ] && systemctl daemon-reload >/dev/null 2>&1 || true
    echo "removed the passthrough hooks from $destdir$hookdir, $destdir$configdir/passthrough.conf, $destdir$sbindir/lxc-passthrough and $destdir$unitdir/$unit"
    exit 0
fi

if ! command -v lxc-start >/dev/null 2>&1 && [ -z "$destdir" ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "install.sh: LXC is not installed; installing Debian's lxc package"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends lxc >/dev/null ||
            { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends lxc >/dev/null; } ||
            die "could not install lxc with apt-get"
    else
        echo "install.sh: warning: lxc-start not found; install LXC to use the hooks" >&2
    fi
fi

# Build folders of their own: a debug or plugin build elsewhere must never be
# installed. Package.swift holds the release flags (PIE, full RELRO and
# BIND_NOW, packed relative relocations, lld, no exported symbol, libstdc++
# linked in, concrete metadata through accessors; the C code with a stack
# protector, _FORTIFY_SOURCE and CET), so that the command is built exactly as
#   swift build -c release --static-swift-stdlib --disable-local-rpath
# builds it. --disable-local-rpath drops the $ORIGIN run path SwiftPM adds
# (no manifest setting can): the loader looked for each library in 20
# directories beside the program before the system's. The hooks differ only
# by their link: static PIE (`-static-pie`: no dynamic loader at each
# container start, the address randomised all the same; glibc's static-PIE
# start-up refuses a run path).
scratch=$here/.build-release-hooks
bindir=$scratch/release
adminscratch=$here/.build-release
admindir=$adminscratch/release
if [ "$build" = yes ]; then
    command -v swift >/dev/null 2>&1 || die "swift not found: install the Swift toolchain, or build a package elsewhere"
    [ -f /usr/include/lxc/lxccontainer.h ] || install_build_dependency lxc-dev
    for hook in $hooks; do
        (cd "$here" && swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path "$scratch" --product "$hook" \
            -Xswiftc -Xclang-linker -Xswiftc -static-pie) || die "build of $hook failed"
    done
    (cd "$here" && swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path "$adminscratch" --product lxc-passthrough) ||
        die "build of lxc-passthrough failed"
fi
for program in $hooks; do
    [ -x "$bindir/$program" ] || die "$bindir/$program is missing: build first (without --no-build)"
done
[ -x "$admindir/lxc-passthrough" ] || die "$admindir/lxc-passthrough is missing: build first (without --no-build)"

# install_program SOURCE DIRECTORY NAME: a stripped copy (symbols are for
# debugging the build tree, not for every container start to map), written
# under a temporary name and renamed, so that a container starting now never
# runs a half-written hook.
install_program() {
    install -m 0755 "$1" "$2/.$3.new"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$2/.$3.new"
    mv -f "$2/.$3.new" "$2/$3"
}

install -d -m 0755 "$destdir$hookdir" "$destdir$configdir"
for hook in $hooks; do
    install_program "$bindir/$hook" "$destdir$hookdir" "$hook"
done
install -d -m 0755 "$destdir$sbindir"
install_program "$admindir/lxc-passthrough" "$destdir$sbindir" lxc-passthrough
sed -e "s|@HOOKDIR@|$hookdir|g" -e "s|@LXC_DATADIR@|$lxc_datadir|g" \
    "$here/hooks/passthrough.conf.in" > "$destdir$configdir/.passthrough.conf.new"
chmod 0644 "$destdir$configdir/.passthrough.conf.new"
mv -f "$destdir$configdir/.passthrough.conf.new" "$destdir$configdir/passthrough.conf"

install -d -m 0755 "$destdir$unitdir"
sed -e "s|@SBINDIR@|$sbindir|g" "$here/hooks/$unit.in" > "$destdir$unitdir/.$unit.new"
chmod 0644 "$destdir$unitdir/.$unit.new"
mv -f "$destdir$unitdir/.$unit.new" "$destdir$unitdir/$unit"

echo "installed $hooks into $destdir$hookdir"
echo "installed $destdir$configdir/passthrough.conf"
echo "installed $destdir$sbindir/lxc-passthrough"
echo "installed $destdir$unitdir/$unit"
if [ "$manages_service" = yes ]; then
    systemctl daemon-reload
    systemctl enable "$unit" >/dev/null 2>&1
    # A new binary: the running watcher is replaced.
    systemctl restart "$unit" && echo "enabled and (re)started $unit: lxc-passthrough watch" ||
        echo "install.sh: warning: $unit did not start: see 'journalctl -u $unit'" >&2
elif [ -z "$destdir" ]; then
    echo "no systemd here: run 'lxc-passthrough watch' yourself to follow devices that come, go and get new numbers (README: 'Devices that move')"
fi
echo "pass a device to a container: lxc-passthrough add NAME /dev/..."
