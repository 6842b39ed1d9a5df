#!/bin/sh
# Builds the libFuzzer binary for the parsers (property strings, container
# configs with includes, id maps, the device list, a container's mountinfo) with AddressSanitizer, and
# runs each target on its seed corpus (fuzz/corpus/TARGET) plus a working
# corpus in .build-fuzz/.
#
#   ./fuzz/run.sh [LIBFUZZER_OPTIONS...]     default: -runs=20000 (a smoke run)
#   ./fuzz/run.sh -runs=10000000             a long run
#   FUZZ_TARGETS="IDMap" ./fuzz/run.sh ...   some targets only
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$repo/.build-fuzz
mkdir -p "$out"
[ $# -gt 0 ] || set -- -runs=20000

# The parsers and what they use; not what needs the C shims (the hook entry
# points, the live attach system calls).
sources=$(find "$repo/Sources/PassthroughCore" -name '*.swift' ! -name HookMain.swift -exec grep -L '^import CLinuxShims' {} + | sort)
binary=$out/fuzz-parsers
# shellcheck disable=SC2086
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name PassthroughFuzz \
    $sources "$here"/targets/*.swift -o "$binary" 2>&1 | grep -v 'Cannot export local symbol' || true
[ -x "$binary" ] || { echo "fuzz: build failed" >&2; exit 1; }

status=0
for target in ${FUZZ_TARGETS:-PropertyString ContainerConfig IDMap DeviceList MountTable}; do
    mkdir -p "$out/corpus-$target"
    echo "== fuzz $target $*"
    # Swift's own crash handler would race AddressSanitizer's.
    if ! SWIFT_BACKTRACE=enable=no FUZZ_TARGET=$target "$binary" "$@" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
        -artifact_prefix="$out/crash-$target-" "$out/corpus-$target" "$here/corpus/$target" > "$out/$target.log" 2>&1; then
        echo "fuzz: $target FAILED; see $out/$target.log" >&2
        tail -40 "$out/$target.log" >&2
        status=1
    fi
    tail -2 "$out/$target.log"
done
exit $status
