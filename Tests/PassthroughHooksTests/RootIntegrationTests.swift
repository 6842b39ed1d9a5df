import Glibc
import PassthroughModel
import PassthroughSystem
import Testing
@testable import PassthroughHooks

// Root integration tests: the hooks' library code against the real kernel.
// They mount tmpfs file systems, make device nodes and bind mounts, but only
// inside a directory of their own under /tmp (made with mkdtemp), and they
// unmount and remove everything they made whether they pass or fail. The
// host's device nodes are only stat'ed, never changed (one test makes and
// removes a regular file in /dev/shm). Two tests set the umask, which is
// process-wide, for the length of one hook call.

@Suite(
    "root integration",
    .enabled(if: geteuid() == 0, "needs root: mounts tmpfs file systems, makes device nodes and bind mounts"),
    .enabled(if: RootFixture.hasOwnMountNamespace, "needs a mount namespace of its own, where pre-start may mount (run under unshare -m, as test.sh does)"),
    .serialized
)
struct RootIntegrationTests {}
