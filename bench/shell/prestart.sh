#!/bin/sh
# A pre-start hook as administrators write by hand: the same job as
# pve-prestart-hook, in POSIX shell and coreutils, without its checks.
set -eu
config=$LXC_CONFIG_FILE
dir=$(dirname "$config")/lxc-passthrough
umount -l "$dir" 2>/dev/null || true
rmdir "$dir" 2>/dev/null || true
grep -q '^dev[0-9]*:' "$config" || exit 0
uid_base=$(awk '$1 == "lxc.idmap" && $3 == "u" { print $5; exit }' "$config")
gid_base=$(awk '$1 == "lxc.idmap" && $3 == "g" { print $5; exit }' "$config")
mkdir -p "$dir"
mount -t tmpfs -o nosuid,noexec,size=1m,nr_inodes=1024,mode=0755 none "$dir"
grep '^dev[0-9]*:' "$config" | while IFS= read -r line; do
    key=${line%%:*}
    value=${line#*: }
    path=${value%%,*}
    mode=0660 uid=0 gid=0
    rest=${value#"$path"}
    IFS=,
    for option in $rest; do
        case $option in
            mode=*) mode=${option#mode=} ;;
            uid=*) uid=${option#uid=} ;;
            gid=*) gid=${option#gid=} ;;
        esac
    done
    unset IFS
    set -- $(stat -L -c '%F %t %T' "$path")
    case $1 in block) type=b ;; *) type=c ;; esac
    major=$(( 0x$(eval echo \${$(($# - 1))}) ))
    minor=$(( 0x$(eval echo \${$#}) ))
    mknod -m 0600 "$dir/$key" "$type" "$major" "$minor"
    chown "$(( ${uid_base:-0} + uid )):$(( ${gid_base:-0} + gid ))" "$dir/$key"
    chmod "$mode" "$dir/$key"
    echo "$key $type $major $minor $path" >> "$dir/devices"
done
