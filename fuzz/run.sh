#!/bin/sh
# Builds the libFuzzer binary for the parsers (property strings, container
# configs with includes, id maps, the device list, a container's mountinfo,
# the host's record of grants, kernel uevents, a container's /etc/group,
# sysfs's USB device attributes and node uevent files)
# from the model target's sources, with AddressSanitizer, and
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

# The model target: every parser, and nothing that makes a system call.
binary=$out/fuzz-parsers
# A failed build must not leave the last good binary to be run.
rm -f "$binary"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name PassthroughFuzz -package-name lxc_passthrough \
    $(find "$repo/Sources/PassthroughModel" -name '*.swift' | sort) "$here"/targets/*.swift -o "$binary" > "$out/build.log" 2>&1; then
    grep -v 'Cannot export local symbol' "$out/build.log" >&2 || true
    echo "fuzz: build failed" >&2
    exit 1
fi
grep -v 'Cannot export local symbol' "$out/build.log" || true

status=0
for target in ${FUZZ_TARGETS:-PropertyString ContainerConfig IDMap DeviceList MountTable GrantRecord Uevent AccountDatabase Sysfs}; do
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
