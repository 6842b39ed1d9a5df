# Turns measure's lines ("IMPL N RUNS pre(med min max) auto(med min max)
# pair(med min max) RSS") and the start times ("VARIANT us...") into the
# Markdown report.
function median(list, n,   i, j, t, a) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
}
FILENAME == ARGV[1] {
    impl = $1; n = $2
    runs[impl, n] = $3
    pre[impl, n] = $4; auto[impl, n] = $7
    pair[impl, n] = $10; pmin[impl, n] = $11; pmax[impl, n] = $12
    rss[impl, n] = $13
    if (!(n in seen)) { seen[n] = 1; order[++count] = n }
    next
}
{
    variant = $1; $1 = ""
    start[variant] = median($0) / 1000
    variants[++nv] = variant
}
END {
    printf "Measured %s on %s.\n\n", date, host
    print "Hook pair (pre-start + autodev), wall time per container start, median (min-max) in ms:\n"
    print "| devices | ours | C floor | shell | ours / C | shell / ours | ours per device | peak RSS ours / C / shell (KiB) |"
    print "|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= count; i++) {
        n = order[i]
        per = n > 0 ? sprintf("%.3f", (pair["ours", n] - pair["ours", 0]) / n) : "-"
        printf "| %d | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) | %.1f (%.1f-%.1f) | %.2f | %.1f | %s | %d / %d / %d |\n", n,
            pair["ours", n], pmin["ours", n], pmax["ours", n], pair["c", n], pmin["c", n], pmax["c", n],
            pair["shell", n], pmin["shell", n], pmax["shell", n],
            pair["ours", n] / pair["c", n], pair["shell", n] / pair["ours", n], per,
            rss["ours", n], rss["c", n], rss["shell", n]
    }
    printf "\nSeparately, median ms: pre-start ours %.2f / C %.2f, autodev ours %.2f / C %.2f with 0 devices; pre-start ours %.2f / C %.2f, autodev ours %.2f / C %.2f with 256.\n",
        pre["ours", 0], pre["c", 0], auto["ours", 0], auto["c", 0], pre["ours", 256], pre["c", 256], auto["ours", 256], auto["c", 256]
    print "\nWhole container start (lxc-start -d until RUNNING, busybox), median ms:\n"
    print "| passthrough | start | added |"
    print "|---|---:|---:|"
    for (i = 1; i <= nv; i++) {
        v = variants[i]
        name = v == "none" ? "not included" : v " devices"
        printf "| %s | %.1f | %s |\n", name, start[v], v == "none" ? "-" : sprintf("%+.1f", start[v] - start["none"])
    }
}
