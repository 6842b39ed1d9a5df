# bench/watch.sh's raw figures (watch.txt) as a Markdown table.
#   KIND WHAT add SEEN_US DONE_US REFUSED    one round (-1: not within 5 s; REFUSED, bits:
#                                            1 an open failed with EPERM while the node was
#                                            there (refused by the device rules), 2 with
#                                            another errno (the device not ready yet))
#   KIND WHAT remove GONE_US DONE_US
#   idle SECONDS CPU_TICKS WAKEUPS
#   KIND WHO renumber SEEN_US DONE_US REFUSED   a replug with a new number (WHO: replug, ours; floor)
#   memory RSS_KB HWM_KB
#   unrelated PAIRS CPU_NS                      CPU time of PAIRS unrelated plug-ins and outs
#   scale N RSS_ALONE_KB RSS_WITH_N_KB RSS_AFTER_KB [RSS_AFTER_AGAIN_KB]   (again: made and removed a second time)
function sortn(a, n,    i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
function pct(a, n, p,    k) { k = int((n - 1) * p + 0.5) + 1; return a[k] }
$1 == "idle" { idle = $2; cpu = $3; wakeups = $4; next }
$1 == "memory" { rss = $2; hwm = $3; next }
$1 == "unrelated" { pairs = $2; unrelated = $3; next }
$1 == "scale" { scale = $2; alone = $3; with = $4; after = $5; again = $6; next }
{
    key = $1 " " $2 " " $3
    if (!(key in known)) { known[key] = 1; order[++keys] = key }
    if ($5 < 0) { failed[key]++; next }
    values[key, ++count[key]] = $5 / 1000
    if ($3 == "add" || $3 == "renumber") { refused[key] += $6 % 2; unready[key] += int($6 / 2) % 2 }
}
END {
    printf "# lxc-passthrough watch: reaction, idle cost, memory\n\n%s, %s\n\n", host, date
    printf "Time until the node opens in the container (a removal: until it no longer does), ms; timed from the host, polling every 50 us.\n\n"
    printf "| container | change | n | median | p90 | p99 | max | rounds where the node was there before its rule (EPERM) | rounds where the device was there but not ready (other errno) | not within 5 s |\n|---|---|---|---|---|---|---|---|---|---|\n"
    for (k = 1; k <= keys; k++) {
        key = order[k]; n = count[key] + 0
        split(key, part, " ")
        if (n == 0) {
            printf "| %s | %s | 0 | - | - | - | - | - | - | %d (it does not work here) |\n", part[1], part[2] == "lxc-device" ? "lxc-device add" : part[2], failed[key]
            continue
        }
        for (i = 1; i <= n; i++) v[i] = values[key, i]
        sortn(v, n)
        if (part[2] == "uevent") what = part[3] == "add" ? "watch: device made (uevent) -> usable" : "watch: device removed -> unusable"
        else if (part[2] == "link") what = part[3] == "add" ? "watch: stable link made -> usable" : "watch: stable link removed -> unusable"
        else if (part[3] == "renumber") what = part[2] == "floor" ? "floor (bench/floor-watch.c, no checks): new number behind the link -> usable" : "watch: new number behind the link (uevents, then the link moved) -> usable"
        else what = part[2] == "lxc-device" ? "lxc-device add -> usable (no watcher)" : "lxc-passthrough attach -> usable (no watcher)"
        gap = part[3] != "remove" ? sprintf("%d of %d", refused[key], n) : "-"
        wait = part[3] != "remove" ? sprintf("%d of %d", unready[key], n) : "-"
        printf "| %s | %s | %d | %.2f | %.2f | %.2f | %.2f | %s | %s | %d |\n", part[1], what, n, pct(v, n, 0.5), pct(v, n, 0.9), pct(v, n, 0.99), v[n], gap, wait, failed[key] + 0
    }
    printf "\nIdle, %d s: %d clock ticks of CPU time, %d wake-ups (voluntary context switches).\n", idle, cpu, wakeups
    printf "Memory, 50 containers of 256 entries: %.1f MB resident (peak %.1f MB).\n", rss / 1024, hwm / 1024
    if (scale) {
        printf "Scale: %d more containers of 4 entries defined beside the running one (rows `alone` and `beside-%d`). ", scale, scale
        printf "Resident size: %.1f MB alone, %.1f MB with them, %.1f MB after they were removed", alone / 1024, with / 1024, after / 1024
        if (again) printf ", %.1f MB after they were made and removed a second time", again / 1024
        printf ". "
        printf "An unrelated loop device plugged in and out %d times (its uevents concern no container): %.3f ms of CPU each time.\n", pairs, unrelated / pairs / 1e6
    }
}
