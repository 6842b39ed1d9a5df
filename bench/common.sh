# What the benchmarks share, sourced by bench/run.sh, bench/watch.sh and
# bench/before-after.sh with $compiler set (a C compiler).

# hardened_cc OUTPUT SOURCE [LIBRARY...]: a C floor built as Debian builds its C programs,
# hardening and all (dpkg-buildflags), as ours are: PIE, full RELRO,
# BIND_NOW, stack protector; without dpkg-buildflags, those flags by hand.
hardened_cc() {
    if command -v dpkg-buildflags >/dev/null 2>&1; then
        # shellcheck disable=SC2046
        "$compiler" $(hardening CPPFLAGS) $(hardening CFLAGS) -Wno-unused-result -Wno-format-truncation -pie -fPIE $(hardening LDFLAGS) \
            -o "$@"
    else
        "$compiler" -O2 -fPIE -pie -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wl,-z,relro,-z,now -o "$@"
    fi
}
hardening() { DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get "$1"; }

# free_loop: a loop device number not in use and not in $loops.
free_loop() {
    while :; do
        n=$(( $(od -An -N2 -tu2 /dev/urandom) % 700 + 300 ))
        [ -e "/dev/loop$n" ] || case " $loops " in *" $n "*) ;; *) echo $n; return ;; esac
    done
}

# cgroup_procs NAME HIERARCHY: cgroup.procs of the container's device controller (v1 or v2).
cgroup_procs() {
    if [ "$2" = v1 ]; then echo "/sys/fs/cgroup/devices/lxc.payload.$1/cgroup.procs"; else echo "/sys/fs/cgroup/lxc.payload.$1/cgroup.procs"; fi
}
