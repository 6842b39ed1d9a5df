import Glibc

/// Test-only: `LXC_PASSTHROUGH_FAULT=NAME` in lxc-start's environment makes
/// pre-start kill itself with SIGKILL at the step NAME, so that the
/// end-to-end tests can prove that the next start works after a hook died
/// half-way. Steps: `kill-after-mount`, `kill-after-half`, `kill-before-list`.
enum FaultInjection {
    static let requested: String? = getenv("LXC_PASSTHROUGH_FAULT").map { String(cString: $0) }

    static func point(_ name: String) {
        if requested == name { kill(getpid(), SIGKILL) }
    }
}
