# bench/before-after.sh's raw figures (before-after.txt) as Markdown tables.
#   hooks N NAME RUNS PRE(med min max) AUTODEV(med min max) PAIR(med min max) RSS_KB    ms (bench/measure.c)
#   instructions NAME N PRESTART AUTODEV                  callgrind's count ("-": valgrind cannot run it)
#   attach NAME add SEEN_US DONE_US REFUSED               one round (-1: not within 5 s)
#   replug NAME renumber SEEN_US DONE_US REFUSED          one round
function sortn(a, n,    i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
function pct(a, n, p,    k) { k = int((n - 1) * p + 0.5) + 1; return a[k] }
function ratio(x, y) { return y > 0 ? sprintf("%.2f×", x / y) : "-" }
function count(x) { return x == "-" ? "-" : sprintf("%.2fM", x / 1e6) }
$1 == "hooks" { pair[$2, $3] = $11; rss[$2, $3] = $14; if (!($2 in seen)) { seen[$2] = 1; ns[++nn] = $2 }; next }
$1 == "instructions" { pre[$2, $3] = $4; auto[$2, $3] = $5; if (!($3 in iseen)) { iseen[$3] = 1; ins[++ni] = $3 }; next }
$1 == "attach" || $1 == "replug" {
    key = $1 " " $2
    if ($5 < 0) { failed[key]++; next }
    values[key, ++n[key]] = $5 / 1000
    next
}
function row(label, key,    a, i, m) {
    m = n[key] + 0
    for (i = 1; i <= m; i++) a[i] = values[key, i]
    sortn(a, m)
    if (m == 0) { printf "| %s | 0 | - | - | - | - | %d |\n", label, failed[key]; return }
    med[key] = pct(a, m, 0.5)
    printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %d |\n", label, m, med[key], pct(a, m, 0.9), pct(a, m, 0.99), a[m], failed[key]
}
END {
    printf "# Before and after, side by side in one run\n\n%s, %s\n\nbefore: %s; after: %s\n\n", host, date, before, after
    printf "## The hooks (pre-start + autodev, as LXC runs them), against the C floor built with dpkg-buildflags' hardening\n\n"
    printf "Median wall time of the pair, ms; the three take turns run by run.\n\n"
    printf "| devices | before | after | floor | before / floor | after / floor | peak RSS before / after / floor, KiB |\n|---|---|---|---|---|---|---|\n"
    for (k = 1; k <= nn; k++) {
        d = ns[k]
        printf "| %s | %.3f | %.3f | %.3f | %s | %s | %s / %s / %s |\n", d, pair[d, "before"], pair[d, "after"], pair[d, "floor"],
            ratio(pair[d, "before"], pair[d, "floor"]), ratio(pair[d, "after"], pair[d, "floor"]), rss[d, "before"], rss[d, "after"], rss[d, "floor"]
    }
    if (ni > 0) {
        printf "\nInstructions executed in user space (callgrind), pre-start / autodev (\"-\": valgrind cannot run pre-start's fsopen).\n\n"
        printf "| devices | before | after | floor |\n|---|---|---|---|\n"
        for (k = 1; k <= ni; k++) {
            d = ins[k]
            printf "| %s | %s / %s | %s / %s | %s / %s |\n", d, count(pre["before", d]), count(auto["before", d]),
                count(pre["after", d]), count(auto["after", d]), count(pre["floor", d]), count(auto["floor", d])
        }
    }
    printf "\n## A live attach, against lxc-device add\n\n"
    printf "From the command's start until the node opens in a privileged container, ms; the three take turns round by round.\n\n"
    printf "| command | n | median | p90 | p99 | max | not within 5 s |\n|---|---|---|---|---|---|---|\n"
    row("lxc-device add", "attach lxc-device")
    row("attach --temporary, before", "attach before")
    row("attach --temporary, after", "attach after")
    printf "\nattach / lxc-device add, medians: before %s, after %s\n", ratio(med["attach before"], med["attach lxc-device"]), ratio(med["attach after"], med["attach lxc-device"])
    printf "\n## The watcher: a replug (a new device number, then the link moved as udev moves it)\n\n"
    printf "Until the node opens as the new device, ms; the two watchers take turns in blocks of rounds.\n\n"
    printf "| watcher | n | median | p90 | p99 | max | not within 5 s |\n|---|---|---|---|---|---|---|\n"
    row("before", "replug before")
    row("after", "replug after")
}
