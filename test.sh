#!/bin/sh
# Runs every test. As root on a Debian host it first installs the test
# prerequisites (scripts/test-prerequisites.sh), then runs:
#  - unit tests and root integration tests;
#  - the end-to-end suite on real LXC containers, against hooks built from
#    this checkout and staged in a temporary directory, once on this host's
#    cgroups and once more on a pure cgroup v2 hierarchy in a private mount
#    namespace (when the host's devices controller is cgroup v1).
set -eu
cd "$(dirname "$0")"

if [ "$(id -u)" -eq 0 ]; then
    sh scripts/test-prerequisites.sh
else
    echo "test.sh: not root: the root integration and end-to-end tests will be skipped" >&2
fi

# The installed watcher would act on the test containers (they live in the
# default container path): it is stopped for the run and started again after.
watcher_was_active=no
if [ -d /run/systemd/system ] && systemctl is-active --quiet lxc-passthrough-watch.service 2>/dev/null; then
    echo "test.sh: stopping lxc-passthrough-watch.service for the tests (started again at the end)"
    systemctl stop lxc-passthrough-watch.service
    watcher_was_active=yes
fi

stage=$(mktemp -d /tmp/lxc-passthrough-test.XXXXXX)
chmod 0755 "$stage"
cleanup() {
    for name in $(lxc-ls 2>/dev/null | tr ' ' '\n' | grep '^ptest-' || true); do
        lxc-destroy -n "$name" -f >/dev/null 2>&1 || true
    done
    rm -rf "$stage"
    [ "$watcher_was_active" = no ] || systemctl start lxc-passthrough-watch.service || true
}
trap cleanup EXIT INT TERM

./install.sh --prefix "$stage" --lxc-datadir "$stage/lxc"
export PASSTHROUGH_CONF="$stage/lxc/config/passthrough.conf"
export PASSTHROUGH_COMMAND="$stage/sbin/lxc-passthrough"
export LXC_PASSTHROUGH_CONF="$PASSTHROUGH_CONF"

swift build --build-tests

host_cgroup=$("$PASSTHROUGH_COMMAND" hierarchy)
echo "== unit and root integration tests =="
# In a mount namespace of its own: pre-start refuses to mount in the host's, and the root tests mount.
unshare -m swift test --skip-build --skip EndToEndTests
echo "== end-to-end tests (host cgroups: devices controller on $host_cgroup) =="
PASSTHROUGH_E2E_CGROUP=$host_cgroup swift test --skip-build --filter EndToEndTests

if [ "$(id -u)" -eq 0 ] && [ "$host_cgroup" = v1 ]; then
    echo "== end-to-end tests again on a pure cgroup v2 hierarchy (private mount namespace) =="
    PASSTHROUGH_E2E_CGROUP=v2 unshare -m sh scripts/in-cgroup2-namespace.sh swift test --skip-build --filter EndToEndTests
fi
