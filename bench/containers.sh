# The generated containers both benchmarks run the hooks against, sourced by
# bench/run.sh and bench/instructions.sh with $links set (a directory under
# /dev): devices at /dev/serial/by-id-length paths (links to /dev/null) and
# a container config with N of them, as passthrough.conf would have it.

# make_links: 256 links in /dev/serial/by-id style under $links.
make_links() {
    mkdir -p "$links/serial/by-id"
    i=0
    while [ $i -lt 256 ]; do
        ln -s /dev/null "$(device_path $i)"
        i=$((i + 1))
    done
}

device_path() { echo "$links/serial/by-id/usb-FTDI_FT232R_USB_UART_A5$(printf %04d "$1")BI-if00-port0"; }

# config_lines N: the devN lines of a container with N devices.
config_lines() {
    i=0
    while [ $i -lt "$1" ]; do
        echo "dev$i: $(device_path $i),mode=0660,uid=1000,gid=20"
        i=$((i + 1))
    done
}

# container_config N: a whole config (the hooks run in a mount namespace of
# their own, as with lxc.monitor.unshare = 1, which passthrough.conf sets).
container_config() {
    echo "lxc.monitor.unshare = 1"
    echo "lxc.idmap = u 0 100000 65536"
    echo "lxc.idmap = g 0 100000 65536"
    config_lines "$1"
}

# remove_records DIR...: the records pre-start wrote for these container
# directories (no post-stop runs in a benchmark to remove them).
remove_records() {
    for dir in "$@"; do
        [ -d "$dir" ] && rm -f "/run/lxc-passthrough/$(stat -c %d-%i "$dir").grants" "/run/lxc-passthrough/$(stat -c %d-%i "$dir").run"
    done
}
