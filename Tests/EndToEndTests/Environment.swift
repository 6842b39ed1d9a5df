import Foundation
import Glibc

/// What the end-to-end tests need, and whether this machine has it.
enum EndToEnd {
    /// The passthrough.conf under test: `PASSTHROUGH_CONF` (test.sh points it
    /// at a staged install of this checkout), else the installed one.
    static let configInclude: String =
        ProcessInfo.processInfo.environment["PASSTHROUGH_CONF"] ?? "/usr/share/lxc/config/passthrough.conf"

    /// The cgroup layout test.sh says this run is on: `v1` (devices controller
    /// on cgroup v1, as on this project's build hosts) or `v2` (pure cgroup v2).
    static let claimedCgroup = ProcessInfo.processInfo.environment["PASSTHROUGH_E2E_CGROUP"]

    /// The lxc-passthrough command under test (test.sh stages it).
    static let command: String =
        ProcessInfo.processInfo.environment["PASSTHROUGH_COMMAND"] ?? "/usr/local/sbin/lxc-passthrough"
    static let hasCommand = FileManager.default.isExecutableFile(atPath: command)

    static let isRoot = geteuid() == 0
    static let hasLXC = FileManager.default.isExecutableFile(atPath: "/usr/bin/lxc-start")
    static let hasBusybox = FileManager.default.fileExists(atPath: "/bin/busybox") || FileManager.default.fileExists(atPath: "/usr/bin/busybox")
    static let hasHooks = FileManager.default.fileExists(atPath: configInclude)
    static let hasSubordinateIDs: Bool = {
        let uids = (try? String(contentsOfFile: "/etc/subuid", encoding: .utf8)) ?? ""
        let gids = (try? String(contentsOfFile: "/etc/subgid", encoding: .utf8)) ?? ""
        return uids.contains("root:100000:65536") && gids.contains("root:100000:65536")
    }()

    static let canRunContainers = isRoot && hasLXC && hasBusybox && hasHooks
    static let canRunUnprivileged = canRunContainers && hasSubordinateIDs

    static let skipReason: Comment = "needs root, lxc, busybox-static and the hooks installed (./install.sh or test.sh)"
    static let skipReasonUnprivileged: Comment = "needs root, lxc, busybox-static, uidmap, the hooks and root:100000:65536 in /etc/subuid and /etc/subgid"

    /// Mounts on the host (this process's mount namespace) of a container's
    /// passthrough tmpfs.
    static func hostPassthroughMounts() -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4].hasPrefix("/var/lib/lxc/") && fields[4].hasSuffix("/lxc-passthrough")
        }
    }
}

import Testing
