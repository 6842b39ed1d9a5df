# Draws hook pair time (median ms, log scale) against the device count for
# the three implementations, as an SVG.
{ t[$1, $2] = $10; if (!($2 in seen)) { seen[$2] = 1; ns[++count] = $2 } }
function x(n) { return 70 + n / 256 * 560 }
function y(ms) { return 330 - (log(ms) / log(10) + 1) * 58 }
END {
    print "<svg xmlns='http://www.w3.org/2000/svg' width='700' height='400' font-family='sans-serif' font-size='12'>"
    print "<rect width='700' height='400' fill='white'/>"
    print "<text x='350' y='20' text-anchor='middle' font-size='14'>Hook pair time per container start (median, log scale)</text>"
    for (e = -1; e <= 4; e++) {
        ms = 10 ^ e
        printf "<line x1='70' x2='630' y1='%.1f' y2='%.1f' stroke='#ddd'/><text x='62' y='%.1f' text-anchor='end'>%g ms</text>\n", y(ms), y(ms), y(ms) + 4, ms
    }
    for (i = 1; i <= count; i++) if (ns[i] != 1) printf "<text x='%.1f' y='350' text-anchor='middle'>%d</text>\n", x(ns[i]), ns[i]
    print "<text x='350' y='375' text-anchor='middle'>devices</text>"
    split("ours c shell", impls, " "); split("#d62728 #1f77b4 #7f7f7f", colors, " ")
    split("ours (Swift hooks)|C floor|POSIX shell", names, "|")
    for (k = 1; k <= 3; k++) {
        points = ""
        for (i = 1; i <= count; i++) points = points sprintf("%.1f,%.1f ", x(ns[i]), y(t[impls[k], ns[i]]))
        printf "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>\n", colors[k], points
        for (i = 1; i <= count; i++) printf "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>\n", x(ns[i]), y(t[impls[k], ns[i]]), colors[k]
        printf "<rect x='460' y='%d' width='12' height='12' fill='%s'/><text x='478' y='%d'>%s</text>\n", 220 + k * 18, colors[k], 231 + k * 18, names[k]
    }
    print "</svg>"
}
