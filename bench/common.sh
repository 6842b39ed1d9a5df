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

# start_watcher PROGRAM [ARGS...]: `PROGRAM watch ARGS` in the background,
# its pid in $watcher and its output in $work/watch.log, once it follows the
# containers; stop_watcher ends it.
start_watcher() {
    watch_program=$1
    shift
    "$watch_program" watch "$@" > "$work/watch.log" 2>&1 &
    watcher=$!
    i=0
    until grep -q "watching the containers" "$work/watch.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 500 ] || { cat "$work/watch.log" >&2; exit 1; }
        sleep 0.01
    done
}

stop_watcher() {
    kill "$watcher"; wait "$watcher" 2>/dev/null || true; watcher=
}

# busybox_container NAME KIND: a busybox container, with an id map when KIND
# is unprivileged; sets $includes to the lines its config starts with (a
# printf format): common.conf, and userns.conf for an unprivileged one.
busybox_container() {
    if [ "$2" = unprivileged ]; then
        printf 'lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n' > "$work/idmap"
        lxc-create -n "$1" -t busybox -f "$work/idmap" >/dev/null 2>&1
        includes="lxc.include = /usr/share/lxc/config/common.conf\nlxc.include = /usr/share/lxc/config/userns.conf\n"
    else
        lxc-create -n "$1" -t busybox >/dev/null 2>&1
        includes="lxc.include = /usr/share/lxc/config/common.conf\n"
    fi
}

# cgroup_procs NAME HIERARCHY: cgroup.procs of the container's device controller (v1 or v2).
cgroup_procs() {
    if [ "$2" = v1 ]; then echo "/sys/fs/cgroup/devices/lxc.payload.$1/cgroup.procs"; else echo "/sys/fs/cgroup/lxc.payload.$1/cgroup.procs"; fi
}
